// tinyml kernels: int8 RESIZE_NEAREST_NEIGHBOR, see resize_nearest_neighbor.h.
#include "resize_nearest_neighbor.h"

#include <math.h>

int32_t tm_resize_nearest_index(
    int32_t out, int32_t in_size, int32_t out_size, int align_corners, int half_pixel_centers) {
    // Single-precision throughout, as TFLM: scale, offset and product are floats.
    const float scale = (align_corners && out_size > 1) ? (float)(in_size - 1) / (float)(out_size - 1)
                                                        : (float)in_size / (float)out_size;
    const float offset = half_pixel_centers ? 0.5f : 0.0f;
    const float pos = ((float)out + offset) * scale;
    // TfLiteRound is std::round (half away from zero) on a float.
    int32_t v = align_corners ? (int32_t)roundf(pos) : (int32_t)floorf(pos);
    if (v > in_size - 1) {
        v = in_size - 1;
    }
    if (half_pixel_centers && v < 0) {
        v = 0;
    }
    return v;
}

void tm_resize_nearest_s8(const tm_resize_nearest_params *p, const int8_t *in, int8_t *out) {
    const int32_t row = p->shape.in_w * p->shape.depth;
    const int32_t batch = p->shape.in_h * row;
    for (int32_t b = 0; b < p->shape.batches; ++b) {
        const int8_t *image = in + b * batch;
        for (int32_t y = 0; y < p->shape.out_h; ++y) {
            const int8_t *src_row = image + p->in_y[y] * row;
            for (int32_t x = 0; x < p->shape.out_w; ++x) {
                const int8_t *src = src_row + p->in_x[x] * p->shape.depth;
                for (int32_t c = 0; c < p->shape.depth; ++c) {
                    *out++ = src[c];
                }
            }
        }
    }
}
