// tinyml kernels: int8 MUL, see mul.h.
#include "mul.h"

int tm_mul_params_init(tm_mul_params *p, float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, int32_t act_min, int32_t act_max) {
    if (!(scale1 > 0.0f) || !(scale2 > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    const double real = (double)scale1 * (double)scale2 / (double)out_scale;
    int shift = 0;
    if (tm_quantize_multiplier(real, &p->output_multiplier, &shift) != 0 || shift > 30) {
        return -1;
    }
    p->output_shift = shift;
    p->input1_offset = -zp1;
    p->input2_offset = -zp2;
    p->output_offset = out_zp;
    p->act_min = act_min;
    p->act_max = act_max;
    return 0;
}

static void mul_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    const tm_mul_params *p = (const tm_mul_params *)params;
    if (step_a == 1 && step_b == 1) {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = tm_mul_s8_one(p, a[i], b[i]);
        }
    } else {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = tm_mul_s8_one(p, a[i * step_a], b[i * step_b]);
        }
    }
}

void tm_mul_s8(const tm_mul_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, mul_row, p);
}

// int16 (TFLM's 16x8 MUL: the same MulElementwise / BroadcastMul4DSlow on int16 values, zero
// points 0, so the product of two int16 values, at most 2^30, fits in int32).
static void mul_row_s16(
    const void *params, const int16_t *a, int32_t step_a, const int16_t *b, int32_t step_b, int16_t *out, int32_t n) {
    const tm_mul_params *p = (const tm_mul_params *)params;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t prod = (p->input1_offset + a[i * step_a]) * (p->input2_offset + b[i * step_b]);
        const int32_t raw = p->output_offset + tm_mul_by_quantized_mul(prod, p->output_multiplier, p->output_shift);
        out[i] = (int16_t)tm_clamp_i32(raw, p->act_min, p->act_max);
    }
}

void tm_mul_s16(const tm_mul_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out) {
    tm_broadcast_run_s16(bc, in1, in2, out, mul_row_s16, p);
}
