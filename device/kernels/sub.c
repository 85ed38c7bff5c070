// tinyml kernels: int8 SUB, see sub.h.
#include "sub.h"

// The elements of one row (steps 0 or 1 for broadcasting); equal to tm_sub_s8_one element by
// element, with the rescales prepared once per row as in ADD.
static void sub_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    const tm_add_params *p = (const tm_add_params *)params;
    tm_add_scale q1, q2, qo;
    tm_add_scales_make(p, &q1, &q2, &qo);
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, left = p->left_shift;
    const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t s1 = tm_add_scale_apply(tm_shl_wrap(off1 + a[i * step_a], left), &q1);
        const int32_t s2 = tm_add_scale_apply(tm_shl_wrap(off2 + b[i * step_b], left), &q2);
        out[i] = (int8_t)tm_clamp_i32(tm_add_scale_apply(s1 - s2, &qo) + out_off, lo, hi);
    }
}

void tm_sub_s8(const tm_add_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, sub_row, p);
}
