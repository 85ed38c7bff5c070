// tinyml kernel: int8 1x1 convolution as a matrix product (fast path of tm_conv_2d_s8, same
// arithmetic and result, see conv_2d.h).
//
// Applies when filter_h == filter_w == 1, pad_h == pad_w == 0 and filter_in_c == in_c (one group):
// every output pixel reads exactly one input pixel (oy * stride_h, ox * stride_w), all inside the
// image, so the input offset can leave the inner loop: sum(f * (x + off)) = sum(f * x) + off * sum(f),
// and off * sum(f) is computed once per output channel. The caller guarantees the conditions above
// and those of tm_conv_2d_s8 (conv_2d.h); tm_conv_2d_s8 checks them and calls this function.
#ifndef TM_KERNEL_CONV_2D_1X1_H
#define TM_KERNEL_CONV_2D_1X1_H

#include "conv_2d.h"
#include "matmul_s8.h"

void tm_conv_2d_1x1_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output);

// The output stage of output channels [c0, c0 + nc), nc <= TM_MM_CHUNK, for the matrix product
// (matmul_s8.h): their biases with the input offset folded in, into rq, and the layer's output
// offset and range. w is channel c0's row of depth weights. Shared with the im2col path (conv_2d.c).
tm_mm_out tm_conv_2d_chunk_out(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const int32_t *bias,
    const int8_t *w, int32_t depth, int32_t c0, int32_t nc, tm_rq *rq);

#endif
