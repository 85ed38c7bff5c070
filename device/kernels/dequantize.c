// tinyml kernels: DEQUANTIZE, see dequantize.h.
#include "dequantize.h"

#include <string.h>

void tm_dequantize_s8_f32(const tm_dequantize_params *p, const int8_t *in, void *out_f32, int32_t n) {
    uint8_t *dst = (uint8_t *)out_f32;
    for (int32_t i = 0; i < n; ++i) {
        const float y = (float)(p->scale * (double)((int32_t)in[i] - p->zero_point));
        memcpy(dst + 4 * (size_t)i, &y, sizeof(y));
    }
}

void tm_dequantize_s16_f32(const tm_dequantize_params *p, const int16_t *in, void *out_f32, int32_t n) {
    uint8_t *dst = (uint8_t *)out_f32;
    for (int32_t i = 0; i < n; ++i) {
        const float y = (float)(p->scale * (double)((int32_t)in[i] - p->zero_point));
        memcpy(dst + 4 * (size_t)i, &y, sizeof(y));
    }
}
