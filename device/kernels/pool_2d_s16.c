// tinyml kernels: int16 2D pooling, see pool_2d_s16.h.
#include "pool_2d_s16.h"

#include <stddef.h>

#include "tm_quant.h"

// The window of one output position, clipped to the input: its first element (channel 0) and
// extent. Walking it with pointer steps keeps index multiplies out of the per-element loop.
typedef struct {
    const int16_t *first;
    int32_t rows;
    int32_t cols;
} pool_window;

static inline pool_window window_at(const tm_pool_params *p, const int16_t *in_b, size_t row, int32_t oy, int32_t ox) {
    const int32_t y0 = oy * p->stride_h - p->pad_h;
    const int32_t x0 = ox * p->stride_w - p->pad_w;
    const int32_t fy_start = TM_MAX(0, -y0);
    const int32_t fx_start = TM_MAX(0, -x0);
    pool_window w;
    w.rows = TM_MIN(p->filter_h, p->in_h - y0) - fy_start;
    w.cols = TM_MIN(p->filter_w, p->in_w - x0) - fx_start;
    w.first = in_b + (size_t)(y0 + fy_start) * row + (size_t)(x0 + fx_start) * (size_t)p->channels;
    return w;
}

// The window's maximum (from -32768) or its sum, over one channel.
TM_ALWAYS_INLINE int32_t window_reduce(
    const int16_t *first, int32_t rows, int32_t cols, size_t row, size_t c_n, int average) {
    int32_t acc = average ? 0 : INT16_MIN;
    for (int32_t fy = 0; fy < rows; ++fy, first += row) {
        const int16_t *in = first;
        for (int32_t fx = 0; fx < cols; ++fx, in += c_n) {
            acc = average ? acc + *in : TM_MAX(acc, (int32_t)*in);
        }
    }
    return acc;
}

// Both pools; `average` is a constant in each caller, so the compiler specialises the loops.
TM_ALWAYS_INLINE void pool_s16(const tm_pool_params *p, const int16_t *input, int16_t *output, int average) {
    const size_t c_n = (size_t)p->channels;
    const size_t row = (size_t)p->in_w * c_n;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in_b = input + (size_t)b * (size_t)p->in_h * row;
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const pool_window w = window_at(p, in_b, row, oy, ox);
                // prepare guarantees count >= 1. C division truncates toward zero.
                const int32_t count = w.rows * w.cols;
                const int32_t half = count / 2;
                for (size_t c = 0; c < c_n; ++c) {
                    int32_t acc = window_reduce(w.first + c, w.rows, w.cols, row, c_n, average);
                    if (average) {
                        acc = acc > 0 ? (acc + half) / count : (acc - half) / count;
                    }
                    acc = TM_MAX(acc, p->act_min);
                    *output++ = (int16_t)TM_MIN(acc, p->act_max);
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
