// tinyml kernel: 16x8 2-D convolution (int16 activations, int8 per-channel weights, int64 or int32
// bias), bit-exact with TensorFlow Lite Micro's reference_integer_ops::ConvPerChannel for int16.
//
// Layouts and grouping as the int8 kernel (conv_2d.h). Per output element:
//   acc = sum over the window (inside the image only) of filter * input       (no zero points)
//   out = clamp(requantize(acc + bias[c], multiplier[c], shift[c]), act_min, act_max)
// with the accumulator and requantization TFLM picks from the bias type (requantize_s16.h).
//
// The caller (op_conv_2d.c prepare) guarantees what conv_2d.h lists except the accumulation bound
// (the sum is exact in int64 for any size), and shift <= 14 for the int64 accumulator;
// params->input_offset and output_offset are not used (0 in 16x8 models).
#ifndef TM_KERNEL_CONV_2D_S16_H
#define TM_KERNEL_CONV_2D_S16_H

#include <stdint.h>

#include "conv_2d.h"
#include "requantize_s16.h"

void tm_conv_2d_s16(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias, int16_t *output);

#endif
