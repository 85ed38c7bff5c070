// tinyml kernel: int8 fully connected layer, bit-exact with TensorFlow Lite Micro's
// reference_integer_ops::FullyConnected (per-tensor weights, zero point 0) and
// FullyConnectedPerChannel.
//
// Layouts: input [batches, accum_depth] (any shape with that many elements), filter
// [out_depth, accum_depth], bias [out_depth] (optional), output [batches, out_depth].
//
// Per output element:
//   acc = sum over d of filter[c][d] * (input[b][d] + input_offset)
//   acc += bias[c]
//   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[k], shift[k]) + output_offset,
//               act_min, act_max)      with k = c for per-channel weights, k = 0 for per-tensor.
//
// The caller (op_fully_connected.c prepare) guarantees: all sizes >= 1, input_offset and
// output_offset in [-128, 128], accum_depth small enough that the int32 accumulator cannot
// overflow, every tensor has fewer than 2^31 elements, shift in [-31, 31].
#ifndef TM_KERNEL_FULLY_CONNECTED_H
#define TM_KERNEL_FULLY_CONNECTED_H

#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t accum_depth;
    int32_t out_depth;
} tm_fully_connected_dims;

typedef struct {
    int32_t input_offset;     // minus the input zero point
    int32_t output_offset;    // the output zero point
    int32_t act_min, act_max; // quantized fused-activation range
} tm_fully_connected_params;

// per_channel == 0: multiplier[0] / shift[0] for every output; 1: one entry per output channel.
// shift > 0 is a left shift (in [-31, 31]).
typedef struct {
    const int32_t *multiplier;
    const int8_t *shift;
    int32_t per_channel;
} tm_fully_connected_quant;

// Largest accum_depth whose int32 accumulation cannot overflow (128 * 255 per term).
#define TM_FULLY_CONNECTED_MAX_ACCUM_DEPTH (INT32_MAX / (128 * 255))

// The matrix-product path (matmul_s8.h).
void tm_fully_connected_s8(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output);

// The plain loops: the reference the matrix-product path is tested against.
void tm_fully_connected_generic_s8(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output);

#endif
