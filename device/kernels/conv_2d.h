// tinyml kernel: int8 2-D convolution with per-channel requantization, bit-exact with TensorFlow
// Lite Micro's reference_integer_ops::ConvPerChannel.
//
// Layouts (NHWC): input [batches, in_h, in_w, in_c], filter [out_c, filter_h, filter_w, filter_in_c],
// bias [out_c] (optional), output [batches, out_h, out_w, out_c]. Grouped convolution: in_c is a
// multiple of filter_in_c; output channel c reads input channels [g * filter_in_c, (g+1) * filter_in_c)
// with g = c / (out_c / groups), groups = in_c / filter_in_c.
//
// Per output element:
//   acc = sum over the window (inside the image only) of filter * (input + input_offset)
//   acc += bias[c]
//   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + output_offset,
//               act_min, act_max)
//
// The caller (op_conv_2d.c prepare) guarantees: all sizes >= 1, out_c divisible by the group count,
// input_offset and output_offset in [-128, 128], filter_h * filter_w * filter_in_c small enough that
// the int32 accumulator cannot overflow, window positions fit in int32, every tensor has fewer than
// 2^31 elements (index arithmetic is int32), shift in [-31, 31].
#ifndef TM_KERNEL_CONV_2D_H
#define TM_KERNEL_CONV_2D_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t filter_h, filter_w, filter_in_c;
    int32_t out_h, out_w, out_c;
} tm_conv_2d_dims;

typedef struct {
    int32_t input_offset;  // minus the input zero point
    int32_t output_offset; // the output zero point
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;     // padding before the first row / column (TFLM padding_values)
    int32_t act_min, act_max; // quantized fused-activation range
} tm_conv_2d_params;

// One multiplier and shift per output channel (TFLite QuantizeMultiplier convention:
// shift > 0 is a left shift; in [-31, 31], so one byte each).
typedef struct {
    const int32_t *multiplier;
    const int8_t *shift;
} tm_conv_2d_quant;

// Largest filter_h * filter_w * filter_in_c whose int32 accumulation cannot overflow:
// |filter * (input + input_offset)| <= 128 * 255 per term.
#define TM_CONV_MAX_ACCUM_DEPTH (INT32_MAX / (128 * 255))

// Bytes of scratch tm_conv_2d_s8 needs for these dims (the im2col tiles of a filter larger than
// 1x1 with one group; 0 otherwise). The op asks the planner for them (tm_op scratch_bytes).
size_t tm_conv_2d_scratch_bytes(const tm_conv_2d_dims *dims);

// Picks a fast path or the generic path: 1x1 filters without padding (conv_2d_1x1.c), else one
// group with input_offset >= -127 and scratch (tm_conv_2d_scratch_bytes(dims) bytes, any window
// size: im2col into it, then the matrix product of matmul_s8.h), else the generic path.
void tm_conv_2d_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch);

// The generic plain-C path (any shape): the reference the fast paths are tested against.
void tm_conv_2d_generic_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output);

#endif
