// tinyml kernel: TRANSPOSE_CONV (NHWC input, OHWI filter), int8 activations with int8 per-channel
// weights and an optional int32 bias, or int16 activations with int8 weights and an optional
// int64 bias (16x8), bit-exact with TFLM's reference_integer_ops::TransposeConv.
//
// TFLM scatters every input pixel times the filter into an int32 (int64 for 16x8) scratch copy of
// the output, then requantizes it. Each output element is a sum of products, and integer
// addition (wrapping in int32, as the reference's does) does not depend on the order of its
// terms, so this kernel gathers instead: every output element sums the products that land on it,
// with no scratch buffer, and gets the same value.
#ifndef TM_KERNEL_TRANSPOSE_CONV_H
#define TM_KERNEL_TRANSPOSE_CONV_H

#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w; // >= 1
    int32_t pad_h, pad_w;       // TFLM ComputePaddingHeightWidth on the output size
    int32_t input_offset;       // -input zero point (int8; 0 for 16x8)
    int32_t output_offset;      // output zero point (int8; 0 for 16x8)
    int32_t act_min, act_max;   // the output type's range
    const int32_t *multiplier;  // out_c entries
    const int8_t *shift;        // out_c entries
    int32_t int16;              // 16x8: int16 input / output, int64 bias
} tm_transpose_conv_params;

// input: int8 (or int16 when p->int16); bias: out_c int32 (int64 when p->int16) values, or NULL;
// output: int8 (int16).
void tm_transpose_conv(
    const tm_transpose_conv_params *p, const void *input, const int8_t *filter, const void *bias, void *output);

#endif
