// tinyml kernel: int8 RESIZE_BILINEAR, see resize_bilinear.h.
#include "resize_bilinear.h"

#include <stddef.h>

#include "tm_quant.h"

enum { ONE = 1 << 10 }; // 1.0 in the source-position steps

void tm_resize_bilinear_axis(
    int32_t in_size, int32_t out_size, int align_corners, int half_pixel_centers, tm_resize_bilinear_tap *taps) {
    // The scale in 1/1024 steps, rounded to nearest (integer division as TFLM).
    int32_t scale = (ONE * in_size + out_size / 2) / out_size;
    if (align_corners && out_size > 1) {
        scale = (ONE * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
    }
    for (int32_t i = 0; i < out_size; ++i) {
        // C's division truncates toward zero, as the reference's does (pos may be negative).
        const int32_t pos = half_pixel_centers ? i * scale + scale / 2 - ONE / 2 : i * scale;
        taps[i].pos = pos;
        taps[i].lo = TM_MAX(pos / ONE, 0);
        taps[i].hi = TM_MIN((pos + ONE - 1) / ONE, in_size - 1);
    }
}

void tm_resize_bilinear_s8(const tm_resize_bilinear_params *p, const int8_t *in, int8_t *out) {
    const size_t row = (size_t)p->shape.in_w * (size_t)p->shape.depth;
    const size_t image = (size_t)p->shape.in_h * row;
    for (int32_t b = 0; b < p->shape.batches; ++b) {
        const int8_t *img = in + (size_t)b * image;
        for (int32_t y = 0; y < p->shape.out_h; ++y) {
            const tm_resize_bilinear_tap ty = p->y[y];
            const int32_t dy = ty.pos - ONE * ty.lo; // weight of the `hi` row, in 1/1024
            const int8_t *row_lo = img + (size_t)ty.lo * row;
            const int8_t *row_hi = img + (size_t)ty.hi * row;
            for (int32_t x = 0; x < p->shape.out_w; ++x) {
                const tm_resize_bilinear_tap tx = p->x[x];
                const int32_t dx = tx.pos - ONE * tx.lo;
                const size_t c_lo = (size_t)tx.lo * (size_t)p->shape.depth;
                const size_t c_hi = (size_t)tx.hi * (size_t)p->shape.depth;
                const int64_t w_ll = (int64_t)(ONE - dy) * (ONE - dx);
                const int64_t w_hl = (int64_t)dy * (ONE - dx);
                const int64_t w_lh = (int64_t)(ONE - dy) * dx;
                const int64_t w_hh = (int64_t)dy * dx;
                for (int32_t c = 0; c < p->shape.depth; ++c) {
                    const int64_t v = row_lo[c_lo + c] * w_ll + row_hi[c_lo + c] * w_hl + row_lo[c_hi + c] * w_lh
                                      + row_hi[c_hi + c] * w_hh;
                    // Round half away from zero, then truncating division (TFLM's double rounding).
                    const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
                    *out++ = (int8_t)((v + round) / (1 << 20));
                }
            }
        }
    }
}
