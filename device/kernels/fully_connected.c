// tinyml kernel: int8 fully connected layer (see fully_connected.h).
//
// tm_fully_connected_s8: for 4 batches or more, the matrix product of matmul_s8.h (input offset
// folded into the bias per chunk of TM_MM_CHUNK units, blocked int8 dot products; same exactness
// argument, prepare bounds accum_depth * 128 * 255 below 2^31); for fewer, one row x four units
// with the offset in the loop (the target's tm_dot4_off, tm_prim.h). tm_fully_connected_generic_s8,
// plain C on every target, the reference it is tested against:
// Four units are computed together so that each input value is loaded and offset once for four
// multiply-accumulates. Integer sums are exact (prepare bounds the depth so that no partial sum can
// overflow), so the order of the additions does not change any result.
#include "fully_connected.h"

#include <stddef.h>

#include "matmul_s8.h"
#include "requantize.h"
#include "tm_prim.h"

TM_ALWAYS_INLINE int8_t requantize(int32_t acc, const int32_t *bias, int32_t c, const tm_fully_connected_quant *quant,
    const tm_fully_connected_params *params) {
    const int32_t k = quant->per_channel ? c : 0;
    return tm_requantize_acc_s8(acc, bias != NULL ? bias[c] : 0, quant->multiplier[k], quant->shift[k],
        params->output_offset, params->act_min, params->act_max);
}

void tm_fully_connected_generic_s8(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output) {
    const int32_t depth = dims->accum_depth;
    const int32_t out_depth = dims->out_depth;
    const int32_t input_offset = params->input_offset;

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in = input + b * depth;
        int8_t *out = output + b * out_depth;
        int32_t c = 0;
        for (; c + 4 <= out_depth; c += 4) {
            const int8_t *f0 = filter + c * depth;
            const int8_t *f1 = f0 + depth;
            const int8_t *f2 = f1 + depth;
            const int8_t *f3 = f2 + depth;
            int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
            int32_t d = 0;
            for (; d < depth; ++d) {
                const int32_t x = (int32_t)in[d] + input_offset;
                acc0 += (int32_t)f0[d] * x;
                acc1 += (int32_t)f1[d] * x;
                acc2 += (int32_t)f2[d] * x;
                acc3 += (int32_t)f3[d] * x;
            }
            out[c] = requantize(acc0, bias, c, quant, params);
            out[c + 1] = requantize(acc1, bias, c + 1, quant, params);
            out[c + 2] = requantize(acc2, bias, c + 2, quant, params);
            out[c + 3] = requantize(acc3, bias, c + 3, quant, params);
        }
        for (; c < out_depth; ++c) {
            const int8_t *f = filter + c * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int32_t)f[d] * ((int32_t)in[d] + input_offset);
            }
            out[c] = requantize(acc, bias, c, quant, params);
        }
    }
}

// Batches at which the matrix product (biases folded once, two rows per pass) takes over.
#define TM_FC_MM_BATCHES 4

void tm_fully_connected_s8(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output) {
    const int32_t depth = dims->accum_depth;
    const int32_t out_depth = dims->out_depth;
    if (dims->batches < TM_FC_MM_BATCHES) {
        for (int32_t b = 0; b < dims->batches; ++b) {
            const int8_t *in = input + b * depth;
            int8_t *out = output + b * out_depth;
            int32_t c = 0;
            for (; c + 4 <= out_depth; c += 4) {
                int32_t a[4];
                tm_dot4_off(in, params->input_offset, filter + c * depth, depth, depth, a);
                out[c] = requantize(a[0], bias, c, quant, params);
                out[c + 1] = requantize(a[1], bias, c + 1, quant, params);
                out[c + 2] = requantize(a[2], bias, c + 2, quant, params);
                out[c + 3] = requantize(a[3], bias, c + 3, quant, params);
            }
            for (; c < out_depth; ++c) {
                const int8_t *f = filter + c * depth;
                int32_t acc = 0;
                for (int32_t d = 0; d < depth; ++d) {
                    acc += (int32_t)f[d] * ((int32_t)in[d] + params->input_offset);
                }
                out[c] = requantize(acc, bias, c, quant, params);
            }
        }
        return;
    }
    const int32_t step = quant->per_channel ? 1 : 0;
    tm_rq rq[TM_MM_CHUNK];
    for (int32_t c0 = 0; c0 < out_depth; c0 += TM_MM_CHUNK) {
        const int32_t nc = out_depth - c0 < TM_MM_CHUNK ? out_depth - c0 : TM_MM_CHUNK;
        const int8_t *w = filter + c0 * depth;
        tm_mm_prepare(w, depth, nc, bias != NULL ? bias + c0 : NULL, params->input_offset,
            quant->multiplier + c0 * step, quant->shift + c0 * step, step, rq);
        const tm_mm_out o = {rq, params->output_offset, params->act_min, params->act_max};
        tm_mm_s8(input, depth, dims->batches, w, depth, nc, &o, output + c0, out_depth);
    }
}
