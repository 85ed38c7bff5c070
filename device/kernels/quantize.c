// tinyml kernels: QUANTIZE, see quantize.h.
#include "quantize.h"

#include <string.h>

#include "tm_quant.h"

// (int32)TfLiteRound(x / scale) + zero_point, in int64 so nothing overflows.
static inline int64_t quantize_one(const tm_quantize_params *p, const uint8_t *src) {
    float x;
    memcpy(&x, src, sizeof(x));
    const float r = tm_roundf(x / p->scale);
    int32_t q;
    if (r >= 2147483648.0f) {
        q = INT32_MAX;
    } else if (r >= -2147483648.0f) {
        q = (int32_t)r;
    } else {
        q = INT32_MIN;  // below the range, or NaN
    }
    return (int64_t)q + p->zero_point;
}

void tm_quantize_f32_s8(const tm_quantize_params *p, const void *in_f32, int8_t *out, int32_t n) {
    const uint8_t *src = (const uint8_t *)in_f32;
    for (int32_t i = 0; i < n; ++i) {
        const int64_t v = quantize_one(p, src + 4 * (size_t)i);
        out[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}

void tm_quantize_f32_s16(const tm_quantize_params *p, const void *in_f32, int16_t *out, int32_t n) {
    const uint8_t *src = (const uint8_t *)in_f32;
    for (int32_t i = 0; i < n; ++i) {
        const int64_t v = quantize_one(p, src + 4 * (size_t)i);
        out[i] = (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
    }
}

int tm_requantize_params_init(tm_requantize_params *p, float in_scale, int32_t in_zp, float out_scale,
    int32_t out_zp) {
    if (!(in_scale > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    int shift = 0;
    tm_quantize_multiplier((double)in_scale / (double)out_scale, &p->multiplier, &shift);
    if (shift > 30) {
        return -1;
    }
    p->shift = shift;
    p->input_zero_point = in_zp;
    p->output_zero_point = out_zp;
    return 0;
}

static inline int32_t requantize_one(const tm_requantize_params *p, int32_t x) {
    return tm_mul_by_quantized_mul(x - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
}

void tm_requantize_s8_s8(const tm_requantize_params *p, const int8_t *in, int8_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int8_t)tm_clamp_i32(requantize_one(p, in[i]), -128, 127);
    }
}

void tm_requantize_s8_s16(const tm_requantize_params *p, const int8_t *in, int16_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int16_t)tm_clamp_i32(requantize_one(p, in[i]), -32768, 32767);
    }
}

void tm_requantize_s16_s8(const tm_requantize_params *p, const int16_t *in, int8_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int8_t)tm_clamp_i32(requantize_one(p, in[i]), -128, 127);
    }
}

void tm_requantize_s16_s16(const tm_requantize_params *p, const int16_t *in, int16_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int16_t)tm_clamp_i32(requantize_one(p, in[i]), -32768, 32767);
    }
}

// int32 outputs: nothing to clamp; the output zero point is added with the reference's int32 wrap.
void tm_requantize_s8_s32(const tm_requantize_params *p, const int8_t *in, int32_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = tm_add_wrap(tm_mul_by_quantized_mul(in[i] - p->input_zero_point, p->multiplier, p->shift),
            p->output_zero_point);
    }
}

void tm_requantize_s16_s32(const tm_requantize_params *p, const int16_t *in, int32_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = tm_add_wrap(tm_mul_by_quantized_mul(in[i] - p->input_zero_point, p->multiplier, p->shift),
            p->output_zero_point);
    }
}
