// tinyml kernel: int16 SOFTMAX, see softmax_s16.h.
#include "softmax_s16.h"

#include <float.h>
#include <math.h>

#include "fixedpoint.h"
#include "tm_quant.h"

static float exp_f(float x) {
    return expf(x);
}

static float one_over_one_plus_x(float x) {
    return 1.0f / (1.0f + x);
}

int tm_softmax_s16_prepare_params(float beta, float input_scale, tm_softmax_s16_params *p) {
    // [-65535, 0] in input differences covers [-10, 0] in the exp table.
    const double real = (double)input_scale * (double)beta / (10.0 / 65535.0);
    if (!(real > 0.0 && real <= DBL_MAX)) {
        return -1; // beta <= 0, NaN or infinite
    }
    int shift = 0;
    tm_quantize_multiplier(real, &p->input_multiplier, &shift);
    if (shift > 31) {
        return -1;
    }
    p->input_shift = shift;
    tm_lut_s16_generate(exp_f, -10.0f, 0.0f, -1.0f, 1.0f, p->exp_lut);
    tm_lut_s16_generate(one_over_one_plus_x, 0.0f, 1.0f, -1.0f, 1.0f, p->reciprocal_lut);
    return 0;
}

static int16_t saturate_s16(int32_t x) {
    return (int16_t)tm_clamp_i32(x, INT16_MIN, INT16_MAX);
}

void tm_softmax_s16(
    const tm_softmax_s16_params *p, int32_t outer, int32_t depth, const int16_t *input, int16_t *output) {
    for (int32_t r = 0; r < outer; ++r) {
        const int16_t *in = input + r * depth;
        int16_t *out = output + r * depth;
        int32_t max = INT16_MIN;
        for (int32_t c = 0; c < depth; ++c) {
            max = TM_MAX(max, (int32_t)in[c]);
        }
        // The exps (Q0.15) go to the output first, as in TFLM, then are scaled in place.
        int32_t sum = 0;
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t scaled = tm_mul_by_quantized_mul(in[c] - max, p->input_multiplier, p->input_shift);
            out[c] = tm_lut_s16_lookup(saturate_s16(scaled + 32767), p->exp_lut);
            sum += out[c];
        }
        // 1 / sum: the sum normalised to [2^16, 2^17) (top bit at 30, then >> 14 rounded), as
        // x + 1 with x recentred from [0, 65535] to int16 for the 1 / (1 + x) table.
        const int headroom_plus_one = tm_fp_clz32((uint32_t)sum);
        const int32_t normalised = (int32_t)((((int64_t)sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        const int16_t reciprocal =
            tm_lut_s16_lookup(saturate_s16(normalised - ((1 << 15) + (1 << 16))), p->reciprocal_lut);
        const int right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
            out[c] = (int16_t)tm_clamp_i32(v, 0, 32767);
        }
    }
}
