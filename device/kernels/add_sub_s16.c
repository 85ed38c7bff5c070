// tinyml kernels: int16 ADD and SUB, see add_sub_s16.h.
#include "add_sub_s16.h"

// One row of either op (steps 0 or 1 for broadcasting); `sign` is +1 for ADD, -1 for SUB. With
// |offset + x| <= 65535 shifted by 15 and multipliers below 1/2, the sum cannot overflow int32.
static void add_sub_row(const tm_add_params *p, int32_t sign, const int16_t *a, int32_t step_a, const int16_t *b,
    int32_t step_b, int16_t *out, int32_t n) {
    tm_add_scale q1, q2, qo;
    tm_add_scales_make(p, &q1, &q2, &qo);
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, left = p->left_shift;
    const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t s1 = tm_add_scale_apply(tm_shl_wrap(off1 + a[i * step_a], left), &q1);
        const int32_t s2 = tm_add_scale_apply(tm_shl_wrap(off2 + b[i * step_b], left), &q2);
        const int32_t raw = tm_add_scale_apply(sign > 0 ? s1 + s2 : s1 - s2, &qo) + out_off;
        out[i] = (int16_t)tm_clamp_i32(raw, lo, hi);
    }
}

static void add_row(
    const void *params, const int16_t *a, int32_t step_a, const int16_t *b, int32_t step_b, int16_t *out, int32_t n) {
    add_sub_row((const tm_add_params *)params, 1, a, step_a, b, step_b, out, n);
}

static void sub_row(
    const void *params, const int16_t *a, int32_t step_a, const int16_t *b, int32_t step_b, int16_t *out, int32_t n) {
    add_sub_row((const tm_add_params *)params, -1, a, step_a, b, step_b, out, n);
}

void tm_add_s16(const tm_add_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out) {
    tm_broadcast_run_s16(bc, in1, in2, out, add_row, p);
}

void tm_sub_s16(const tm_add_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out) {
    tm_broadcast_run_s16(bc, in1, in2, out, sub_row, p);
}
