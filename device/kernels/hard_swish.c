// tinyml kernel: int8 HARD_SWISH (see hard_swish.h).
#include "hard_swish.h"

#include <math.h>

#include "tm_quant.h"

// DownScaleInt32ToInt16Multiplier: the 32-bit multiplier rounded to its high 16 bits.
static int32_t downscale_to_int16(int32_t m) {
    if (m >= INT32_MAX - (1 << 15)) {
        return INT16_MAX;
    }
    return (m + (1 << 15)) >> 16;
}

int tm_hard_swish_prepare_params(float input_scale, int32_t input_zero_point, float output_scale,
    int32_t output_zero_point, tm_hard_swish_params *p) {
    const float hires_input_scale = (1.0f / 128.0f) * input_scale;
    const float reluish_scale = 3.0f / 32768.0f;
    const float output_multiplier = hires_input_scale / output_scale;
    const float reluish_multiplier = hires_input_scale / reluish_scale;
    if (!isfinite(output_multiplier) || !isfinite(reluish_multiplier) || !(output_multiplier > 0.0f)
        || !(reluish_multiplier > 0.0f)) {
        return -1;
    }
    int32_t m32;
    int e;
    tm_quantize_multiplier((double)output_multiplier, &m32, &e);
    if (e > 0 || e < -15) {
        return -1;
    }
    p->output_multiplier = downscale_to_int16(m32);
    p->output_exponent = e;
    tm_quantize_multiplier((double)reluish_multiplier, &m32, &e);
    if (e > 15 || e < -15) {
        return -1;
    }
    p->reluish_multiplier = downscale_to_int16(m32);
    p->reluish_exponent = e;
    p->input_zero_point = input_zero_point;
    p->output_zero_point = output_zero_point;
    return 0;
}

// gemmlowp SaturatingRoundingDoublingHighMul on int16.
static int32_t srdhm16(int32_t a, int32_t b) {
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    const int32_t ab = a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (ab + nudge) / (1 << 15);
}

// SaturatingDoublingHighMul: the same, truncating toward zero.
static int32_t sdhm16(int32_t a, int32_t b) {
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    return (a * b) / (1 << 15);
}

static int32_t saturating_shl16(int32_t v, int amount) {
    return tm_clamp_i32(v * (1 << amount), INT16_MIN, INT16_MAX);
}

// An int32 stored to int16 (two's-complement wrap, as the reference's int16 arithmetic does).
static int32_t wrap16(int32_t v) {
    return (int32_t)(((uint32_t)v + 0x8000u) & 0xFFFFu) - 0x8000;
}

void tm_hard_swish_s8(const tm_hard_swish_params *p, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t hires = ((int32_t)input[i] - p->input_zero_point) * (1 << 7);
        const int32_t preshift_out = srdhm16(hires, p->output_multiplier);
        int32_t reluish = hires;
        if (p->reluish_exponent > 0) {
            reluish = saturating_shl16(reluish, p->reluish_exponent - 1);
        }
        reluish = srdhm16(reluish, p->reluish_multiplier);
        if (p->reluish_exponent > 0) {
            reluish = saturating_shl16(reluish, 1);
        } else if (p->reluish_exponent < 0) {
            reluish = tm_rounding_divide_by_pot(reluish, -p->reluish_exponent);
        }
        reluish = (reluish + (1 << 15)) >> 1;
        const int32_t preshift = sdhm16(reluish, preshift_out);
        const int32_t v = wrap16(tm_rounding_divide_by_pot(preshift, -p->output_exponent) + p->output_zero_point);
        output[i] = (int8_t)tm_clamp_i32(v, INT8_MIN, INT8_MAX);
    }
}
