// tinyml kernel: int8 1x1 convolution as a matrix product (see conv_2d_1x1.h).
//
// Output channels go in chunks of TM_MM_CHUNK: the chunk's biases, with the input offset folded
// in (offset * sum of the channel's weights, matmul_s8.h), are computed once, then one matrix
// product covers every pixel (or one per output row when strides skip input pixels). The blocking
// and the exactness argument are matmul_s8's; the result is bit-identical to tm_conv_2d_generic_s8.
#include "conv_2d_1x1.h"

#include <stddef.h>

tm_mm_out tm_conv_2d_chunk_out(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const int32_t *bias,
    const int8_t *w, int32_t depth, int32_t c0, int32_t nc, tm_rq *rq) {
    tm_mm_prepare(w, depth, nc, bias != NULL ? bias + c0 : NULL, params->input_offset, quant->multiplier + c0,
        quant->shift + c0, 1, rq);
    const tm_mm_out o = {rq, params->output_offset, params->act_min, params->act_max};
    return o;
}

void tm_conv_2d_1x1_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t depth = dims->in_c;
    const int32_t out_c = dims->out_c;
    const int32_t out_h = dims->out_h, out_w = dims->out_w;
    // The usual case: output pixels = input pixels, one row of the product each.
    const int contiguous = params->stride_h == 1 && params->stride_w == 1 && out_w == dims->in_w && out_h == dims->in_h;
    tm_rq rq[TM_MM_CHUNK];
    for (int32_t c0 = 0; c0 < out_c; c0 += TM_MM_CHUNK) {
        const int32_t nc = out_c - c0 < TM_MM_CHUNK ? out_c - c0 : TM_MM_CHUNK;
        const int8_t *w = filter + c0 * depth;
        const tm_mm_out o = tm_conv_2d_chunk_out(params, quant, bias, w, depth, c0, nc, rq);
        if (contiguous) {
            tm_mm_s8(input, depth, dims->batches * out_h * out_w, w, depth, nc, &o, output + c0, out_c);
            continue;
        }
        for (int32_t b = 0; b < dims->batches; ++b) {
            for (int32_t oy = 0; oy < out_h; ++oy) {
                const int8_t *x = input + (b * dims->in_h + oy * params->stride_h) * dims->in_w * depth;
                tm_mm_s8(x, params->stride_w * depth, out_w, w, depth, nc, &o,
                    output + (b * out_h + oy) * out_w * out_c + c0, out_c);
            }
        }
    }
}
