// tinyml kernel: int8 SQUARED_DIFFERENCE (see squared_difference.h).
#include "squared_difference.h"

#include <math.h>

#include "tm_quant.h"

enum { LEFT_SHIFT = 7 }; // 255^2 * 2^14 fits in int32

int tm_squared_difference_prepare_params(float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, tm_squared_difference_params *p) {
    if (!(scale1 > 0.0f) || !(scale2 > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    // TFLM's expressions and order: the larger float scale, doubled in double; the output's
    // denominator is a float product (2^14 * output_scale, exact) widened to double.
    const double twice_max = 2.0 * (double)(scale1 > scale2 ? scale1 : scale2);
    const double real_out = (twice_max * twice_max) / (double)((float)(1 << (LEFT_SHIFT * 2)) * out_scale);
    if (!isfinite(real_out)) {
        return -1;
    }
    int s1 = 0, s2 = 0, so = 0;
    // Both at most 0.5: QuantizeMultiplierSmallerThanOneExp's shift <= 0 always holds.
    tm_quantize_multiplier((double)scale1 / twice_max, &p->input1_multiplier, &s1);
    tm_quantize_multiplier((double)scale2 / twice_max, &p->input2_multiplier, &s2);
    tm_quantize_multiplier(real_out, &p->output_multiplier, &so);
    if (so > 30) {
        return -1;
    }
    p->input1_shift = s1;
    p->input2_shift = s2;
    p->output_shift = so;
    p->input1_offset = -zp1;
    p->input2_offset = -zp2;
    p->output_offset = out_zp;
    return 0;
}

static void squared_difference_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    const tm_squared_difference_params *p = (const tm_squared_difference_params *)params;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t x1 = (p->input1_offset + a[i * step_a]) * (1 << LEFT_SHIFT);
        const int32_t x2 = (p->input2_offset + b[i * step_b]) * (1 << LEFT_SHIFT);
        const int32_t d = tm_mul_by_quantized_mul_smaller_than_one(x1, p->input1_multiplier, p->input1_shift)
                          - tm_mul_by_quantized_mul_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);
        const int32_t raw = tm_mul_by_quantized_mul(d * d, p->output_multiplier, p->output_shift) + p->output_offset;
        out[i] = (int8_t)tm_clamp_i32(raw, INT8_MIN, INT8_MAX);
    }
}

void tm_squared_difference_s8(
    const tm_squared_difference_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, squared_difference_row, p);
}
