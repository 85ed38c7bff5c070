// tinyml kernel: TRANSPOSE_CONV, see transpose_conv.h.
#include "transpose_conv.h"

#include <string.h>

#include <stddef.h>

#include "requantize.h"
#include "tm_quant.h"

// The first filter tap along one axis that lands on output position `o` and the input position
// it reads: tap f reads input (o + pad - f) / stride when that is a whole number in [0, in_size).
// Taps then step by `stride`, inputs by -1.
static inline int32_t first_tap(
    int32_t o, int32_t pad, int32_t stride, int32_t filter, int32_t in_size, int32_t *first_in) {
    const int32_t t = o + pad; // filter tap f reads t - f
    // The largest input position with a tap: min(in_size - 1, floor(t / stride)); the tap for
    // input i is t - i * stride, which must be in [0, filter).
    int32_t i = t >= 0 ? t / stride : -1;
    if (i > in_size - 1) {
        i = in_size - 1;
    }
    int32_t f = t - i * stride;
    if (i < 0 || f >= filter) {
        // Inputs are visited from the largest down; a tap beyond the filter means taps for
        // smaller inputs are larger still: none.
        *first_in = 0;
        return filter;
    }
    *first_in = i;
    return f;
}

// Sum of (input + offset) * weight over one pixel's channels, modulo 2^64 (int8 products summed
// in 32 bits: the total is only ever used modulo 2^32 for int8).
static uint64_t pixel_dot(const tm_transpose_conv_params *p, const void *input, size_t at, const int8_t *w) {
    if (p->int16) {
        const int16_t *in = (const int16_t *)input + at;
        uint64_t acc = 0;
        for (int32_t ic = 0; ic < p->in_c; ++ic) {
            acc += (uint64_t)(int64_t)((int32_t)in[ic] * (int32_t)w[ic]);
        }
        return acc;
    }
    const int8_t *in = (const int8_t *)input + at;
    uint32_t acc = 0;
    for (int32_t ic = 0; ic < p->in_c; ++ic) {
        acc += (uint32_t)(((int32_t)in[ic] + p->input_offset) * (int32_t)w[ic]);
    }
    return acc;
}

void tm_transpose_conv(
    const tm_transpose_conv_params *p, const void *input, const int8_t *filter, const void *bias, void *output) {
    const size_t in_row = (size_t)p->in_w * (size_t)p->in_c;
    const size_t in_image = (size_t)p->in_h * in_row;
    const size_t f_row = (size_t)p->filter_w * (size_t)p->in_c;
    const size_t f_channel = (size_t)p->filter_h * f_row;
    int8_t *out8 = (int8_t *)output;
    int16_t *out16 = (int16_t *)output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const size_t image = (size_t)b * in_image;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            int32_t iy0;
            const int32_t fy0 = first_tap(oy, p->pad_h, p->stride_h, p->filter_h, p->in_h, &iy0);
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                int32_t ix0;
                const int32_t fx0 = first_tap(ox, p->pad_w, p->stride_w, p->filter_w, p->in_w, &ix0);
                for (int32_t oc = 0; oc < p->out_c; ++oc) {
                    const int8_t *f_oc = filter + (size_t)oc * f_channel;
                    // int64 in the reference for 16x8 (wraps only past model-sized limits), int32 for int8.
                    uint64_t acc = 0;
                    for (int32_t fy = fy0, iy = iy0; fy < p->filter_h && iy >= 0; fy += p->stride_h, --iy) {
                        for (int32_t fx = fx0, ix = ix0; fx < p->filter_w && ix >= 0; fx += p->stride_w, --ix) {
                            acc += pixel_dot(p, input, image + (size_t)iy * in_row + (size_t)ix * (size_t)p->in_c,
                                f_oc + (size_t)fy * f_row + (size_t)fx * (size_t)p->in_c);
                        }
                    }
                    if (p->int16) {
                        if (bias != NULL) { // int64, 4-byte aligned in the model: memcpy
                            int64_t b;
                            memcpy(&b, (const int64_t *)bias + oc, sizeof b);
                            acc += (uint64_t)b;
                        }
                        const int32_t v = tm_mul_by_quantized_mul_s64((int64_t)acc, p->multiplier[oc], p->shift[oc]);
                        *out16++ = (int16_t)tm_clamp_i32(v, p->act_min, p->act_max);
                    } else {
                        *out8++ =
                            tm_requantize_acc_s8((int32_t)(uint32_t)acc, bias != NULL ? ((const int32_t *)bias)[oc] : 0,
                                p->multiplier[oc], p->shift[oc], p->output_offset, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
