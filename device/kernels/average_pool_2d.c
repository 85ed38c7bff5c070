// tinyml kernel: int8 AVERAGE_POOL_2D (see average_pool_2d.h).
#include "average_pool_2d.h"

#include <stddef.h>

#include "tm_quant.h"

void tm_average_pool_2d_s8(const tm_pool_params *p, const int8_t *input, int8_t *output) {
    const int32_t c_n = p->channels;
    const size_t row = (size_t)p->in_w * (size_t)c_n;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + (size_t)b * (size_t)p->in_h * row;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy_start = TM_MAX(0, -y0);
            const int32_t fy_end = TM_MIN(p->filter_h, p->in_h - y0);
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx_start = TM_MAX(0, -x0);
                const int32_t fx_end = TM_MIN(p->filter_w, p->in_w - x0);
                const int32_t count = (fy_end - fy_start) * (fx_end - fx_start);
                for (int32_t c = 0; c < c_n; ++c) {
                    int32_t acc = 0;
                    for (int32_t fy = fy_start; fy < fy_end; ++fy) {
                        const int8_t *in_row = in_b + (size_t)(y0 + fy) * row + c;
                        for (int32_t fx = fx_start; fx < fx_end; ++fx) {
                            acc += in_row[(size_t)(x0 + fx) * (size_t)c_n];
                        }
                    }
                    // prepare guarantees count >= 1. C division truncates toward zero.
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    acc = TM_MAX(acc, p->act_min);
                    acc = TM_MIN(acc, p->act_max);
                    *output++ = (int8_t)acc;
                }
            }
        }
    }
}
