// tinyml kernels: int16 2D pooling, see pool_2d_s16.h.
#include "pool_2d_s16.h"

#include <stddef.h>

#include "tm_quant.h"

// One output element of either pool: the window's maximum (average == 0) or rounded average.
static int32_t pool_one(const int16_t *in_b, size_t row, int32_t c_n, int32_t y0, int32_t x0,
    int32_t fy_start, int32_t fy_end, int32_t fx_start, int32_t fx_end, int average) {
    int32_t acc = average ? 0 : INT16_MIN;
    for (int32_t fy = fy_start; fy < fy_end; ++fy) {
        const int16_t *in_row = in_b + (size_t)(y0 + fy) * row;
        for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            const int32_t v = in_row[(size_t)(x0 + fx) * (size_t)c_n];
            acc = average ? acc + v : TM_MAX(acc, v);
        }
    }
    if (average) {
        // prepare guarantees count >= 1. C division truncates toward zero.
        const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
    return acc;
}

static void pool_s16(const tm_pool_params *p, const int16_t *input, int16_t *output, int average) {
    const int32_t c_n = p->channels;
    const size_t row = (size_t)p->in_w * (size_t)c_n;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + (size_t)b * (size_t)p->in_h * row;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy_start = TM_MAX(0, -y0);
            const int32_t fy_end = TM_MIN(p->filter_h, p->in_h - y0);
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx_start = TM_MAX(0, -x0);
                const int32_t fx_end = TM_MIN(p->filter_w, p->in_w - x0);
                for (int32_t c = 0; c < c_n; ++c) {
                    const int32_t v = pool_one(in_b + c, row, c_n, y0, x0, fy_start, fy_end, fx_start,
                        fx_end, average);
                    *output++ = (int16_t)tm_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tm_max_pool_2d_s16(const tm_pool_params *p, const int16_t *input, int16_t *output) {
    pool_s16(p, input, output, 0);
}

void tm_average_pool_2d_s16(const tm_pool_params *p, const int16_t *input, int16_t *output) {
    pool_s16(p, input, output, 1);
}
