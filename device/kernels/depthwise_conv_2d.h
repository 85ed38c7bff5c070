// tinyml kernel: int8 depthwise 2-D convolution with per-channel requantization, bit-exact with
// TensorFlow Lite Micro's reference_integer_ops::DepthwiseConvPerChannel.
//
// Layouts (NHWC): input [batches, in_h, in_w, in_c], filter [1, filter_h, filter_w, out_c],
// bias [out_c] (optional), output [batches, out_h, out_w, out_c], out_c = in_c * depth_multiplier.
// Output channel c = ic * depth_multiplier + m reads input channel ic only.
//
// Per output element:
//   acc = sum over the window (inside the image only) of filter[.., c] * (input[.., ic] + input_offset)
//   acc += bias[c]
//   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[c], shift[c]) + output_offset,
//               act_min, act_max)
//
// The caller (op_depthwise_conv_2d.c prepare) guarantees: all sizes >= 1,
// out_c == in_c * depth_multiplier, input_offset and output_offset in [-128, 128],
// filter_h * filter_w small enough that the int32 accumulator cannot overflow, window positions fit
// in int32, every tensor has fewer than 2^31 elements, shift in [-31, 31].
#ifndef TM_KERNEL_DEPTHWISE_CONV_2D_H
#define TM_KERNEL_DEPTHWISE_CONV_2D_H

#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t filter_h, filter_w;
    int32_t out_h, out_w, out_c;
} tm_depthwise_conv_2d_dims;

typedef struct {
    int32_t input_offset;  // minus the input zero point
    int32_t output_offset; // the output zero point
    int32_t depth_multiplier;
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w;     // padding before the first row / column (TFLM padding_values)
    int32_t act_min, act_max; // quantized fused-activation range
} tm_depthwise_conv_2d_params;

// One multiplier and shift per output channel (shift > 0 is a left shift; in [-31, 31]).
typedef struct {
    const int32_t *multiplier;
    const int8_t *shift;
} tm_depthwise_conv_2d_quant;

// Largest filter_h * filter_w whose int32 accumulation cannot overflow (128 * 255 per term).
#define TM_DEPTHWISE_CONV_MAX_ACCUM_DEPTH (INT32_MAX / (128 * 255))

// Picks the fast path (depth multiplier 1, no dilation, up to 25 taps, input_offset >= -127) or
// the generic path.
void tm_depthwise_conv_2d_s8(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output);

// The generic path (any shape): the reference the fast path is tested against.
void tm_depthwise_conv_2d_generic_s8(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output);

#endif
