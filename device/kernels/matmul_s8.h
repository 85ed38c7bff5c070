// tinyml kernel: the int8 matrix product under the 1x1 and the im2col convolutions (conv_2d_1x1.c,
// conv_2d.c): rows of int8 inputs times rows of int8 weights, each dot product requantized with
// the TFLM output stage (requantize.h).
//
// The input offset is folded into the bias by the caller (tm_mm_prepare), so the inner loops are
// plain int8 dot products:
//   sum_k w[k] * (x[k] + off) + bias = sum_k w[k] * x[k] + (bias + off * sum_k w[k]).
// Exactness: |sum w * x| <= depth * 128 * 128 and |off * sum w| <= depth * 128 * 128, and the
// callers' prepare bounds depth * 128 * 255 below 2^31, so the int32 sums (wrapping like the
// reference's int32 arithmetic when the bias is added) equal the reference's accumulator bit for
// bit, whatever the order of the additions.
#ifndef TM_KERNEL_MATMUL_S8_H
#define TM_KERNEL_MATMUL_S8_H

#include <stdint.h>

#include "requantize.h"
#include "tm_target.h"

// Channels per block of prepared output stages (tm_rq, 20 bytes each) that callers keep on the stack.
#define TM_MM_CHUNK 16

// The output stage of one call: rq[c] for channel c in [0, channels) (bias with the input offset
// folded in: tm_mm_prepare), then the output offset and the activation range.
typedef struct {
    const tm_rq *rq;
    int32_t output_offset;
    int32_t act_min, act_max;
} tm_mm_out;

// rq[c] for c < channels: bias[c] (0 without bias) + input_offset * sum_k w[c * depth + k] (int32
// wrap), multiplier[c * quant_step], shift[c * quant_step] (quant_step 1: per channel; 0: one for all).
void tm_mm_prepare(const int8_t *w, int32_t depth, int32_t channels, const int32_t *bias, int32_t input_offset,
    const int32_t *multiplier, const int8_t *shift, int32_t quant_step, tm_rq *rq);

// For p < rows, c < channels:
//   out[p * out_stride + c] = output stage rq[c] of sum_k x[p * x_stride + k] * w[c * depth + k].
// Blocked per target (tm_prim.h: the target's prim_<target>.c; TM_MM_ROWS rows at a time,
// tm_target.h); a target without a file of its own runs tm_mm_s8_portable.
#if TM_TARGET_IS(PORTABLE)
#define tm_mm_s8 tm_mm_s8_portable
#endif
void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth, int32_t channels,
    const tm_mm_out *o, int8_t *out, int32_t out_stride);

#endif
