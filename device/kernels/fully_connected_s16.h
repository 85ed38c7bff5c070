// tinyml kernel: 16x8 fully connected layer (int16 activations, int8 per-tensor or per-channel
// weights [out_depth, accum_depth], int64 or int32 bias), bit-exact with TensorFlow Lite Micro's
// reference_integer_ops::FullyConnected / FullyConnectedPerChannel for int16.
//
// Per output element:
//   acc = sum over d of filter[c][d] * input[b][d]                           (no zero points)
//   out = clamp(requantize(acc + bias[c], multiplier[k], shift[k]), act_min, act_max)
// with k = c for per-channel weights, 0 for per-tensor, and the accumulator and requantization TFLM
// picks from the bias type (requantize_s16.h).
//
// The caller (op_fully_connected.c prepare) guarantees what fully_connected.h lists except the
// accumulation bound, and shift <= 14 for the int64 accumulator; input_offset and output_offset are
// not used (0).
#ifndef TM_KERNEL_FULLY_CONNECTED_S16_H
#define TM_KERNEL_FULLY_CONNECTED_S16_H

#include <stdint.h>

#include "fully_connected.h"
#include "requantize_s16.h"

void tm_fully_connected_s16(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias,
    int16_t *output);

#endif
