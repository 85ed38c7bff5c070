// tinyml kernel: 16x8 depthwise 2-D convolution (int16 activations, int8 per-channel weights
// [1, h, w, out_c], int64 bias), bit-exact with TensorFlow Lite Micro's
// reference_integer_ops::DepthwiseConvPerChannel for int16.
//
// Layouts and channel mapping as the int8 kernel (depthwise_conv_2d.h). Per output element:
//   acc = sum over the window (inside the image only) of filter[.., c] * input[.., c / depth_multiplier]
//   out = clamp(requantize(acc + bias[c], multiplier[c], shift[c]), act_min, act_max)
// (int64 accumulator, requantize_s16.h; TFLM reads a 16x8 depthwise bias as int64 only).
//
// The caller (op_depthwise_conv_2d.c prepare) guarantees what depthwise_conv_2d.h lists except the
// accumulation bound, and shift <= 14; input_offset and output_offset are not used (0).
#ifndef TM_KERNEL_DEPTHWISE_CONV_2D_S16_H
#define TM_KERNEL_DEPTHWISE_CONV_2D_S16_H

#include <stdint.h>

#include "depthwise_conv_2d.h"
#include "requantize_s16.h"

void tm_depthwise_conv_2d_s16(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias,
    int16_t *output);

#endif
