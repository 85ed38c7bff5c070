// tinyml kernels: QUANTIZE, see quantize.h.
#include "quantize.h"

#include <string.h>

#include "tm_quant.h"

// clamp((int32)TfLiteRound(x / scale) + zero_point, qmin, qmax), worked in float: x / scale is
// clamped first to [qmin - zp, qmax - zp] (integers, exact in float, |.| <= 65535), which commutes
// with rounding, so the result is the reference's; NaN fails every comparison and gives qmin, as
// TFLM on x86. Rounding half away from zero without a libm call: below 2^23 the integer part and
// the fraction v - trunc(v) are exact.
TM_ALWAYS_INLINE int32_t quantize_one(const tm_quantize_params *p, const uint8_t *src, float lo, float hi) {
    float x;
    memcpy(&x, src, sizeof(x));
    float v = x / p->scale;
    v = v >= lo ? v : lo;
    v = v <= hi ? v : hi;
    int32_t q = (int32_t)v;
    const float frac = v - (float)q;
    q += (frac >= 0.5f) - (frac <= -0.5f);
    return q + p->zero_point;
}

void tm_quantize_f32_s8(const tm_quantize_params *p, const void *in_f32, int8_t *out, int32_t n) {
    const uint8_t *src = (const uint8_t *)in_f32;
    const float lo = (float)(INT8_MIN - p->zero_point);
    const float hi = (float)(INT8_MAX - p->zero_point);
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int8_t)quantize_one(p, src + 4 * (size_t)i, lo, hi);
    }
}

void tm_quantize_f32_s16(const tm_quantize_params *p, const void *in_f32, int16_t *out, int32_t n) {
    const uint8_t *src = (const uint8_t *)in_f32;
    const float lo = (float)(INT16_MIN - p->zero_point);
    const float hi = (float)(INT16_MAX - p->zero_point);
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int16_t)quantize_one(p, src + 4 * (size_t)i, lo, hi);
    }
}

int tm_requantize_params_init(tm_requantize_params *p, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
    if (!(in_scale > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    int shift = 0;
    if (tm_quantize_multiplier((double)in_scale / (double)out_scale, &p->multiplier, &shift) != 0 || shift > 30) {
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
        out[i] = tm_add_wrap(
            tm_mul_by_quantized_mul(in[i] - p->input_zero_point, p->multiplier, p->shift), p->output_zero_point);
    }
}

void tm_requantize_s16_s32(const tm_requantize_params *p, const int16_t *in, int32_t *out, int32_t n) {
    for (int32_t i = 0; i < n; ++i) {
        out[i] = tm_add_wrap(
            tm_mul_by_quantized_mul(in[i] - p->input_zero_point, p->multiplier, p->shift), p->output_zero_point);
    }
}
