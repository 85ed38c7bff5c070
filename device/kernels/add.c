// tinyml kernels: int8 ADD, see add.h.
#include "add.h"

// QuantizeMultiplierSmallerThanOneExp: real must be in (0, 1) and give a shift <= 0.
static int quantize_smaller_than_one(double real, int32_t *multiplier, int32_t *shift) {
    if (!(real > 0.0 && real < 1.0)) {
        return -1;
    }
    int s = 0;
    tm_quantize_multiplier(real, multiplier, &s);
    *shift = s;
    return s <= 0 ? 0 : -1;
}

int tm_add_params_init(tm_add_params *p, float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, int32_t act_min, int32_t act_max) {
    return tm_add_params_init_shift(p, 20, scale1, zp1, scale2, zp2, out_scale, out_zp, act_min, act_max);
}

int tm_add_params_init_shift(tm_add_params *p, int32_t left_shift, float scale1, int32_t zp1, float scale2, int32_t zp2,
    float out_scale, int32_t out_zp, int32_t act_min, int32_t act_max) {
    if (!(scale1 > 0.0f) || !(scale2 > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    p->input1_offset = -zp1;
    p->input2_offset = -zp2;
    p->output_offset = out_zp;
    p->left_shift = left_shift;
    // Same expressions and evaluation order as TFLM (max of the floats, then double).
    const double twice_max_input_scale = 2 * (double)(scale1 > scale2 ? scale1 : scale2);
    const double real1 = (double)scale1 / twice_max_input_scale;
    const double real2 = (double)scale2 / twice_max_input_scale;
    const double real_out = twice_max_input_scale / ((1 << p->left_shift) * (double)out_scale);
    if (quantize_smaller_than_one(real1, &p->input1_multiplier, &p->input1_shift) != 0
        || quantize_smaller_than_one(real2, &p->input2_multiplier, &p->input2_shift) != 0
        || quantize_smaller_than_one(real_out, &p->output_multiplier, &p->output_shift) != 0) {
        return -1;
    }
    p->act_min = act_min;
    p->act_max = act_max;
    return 0;
}

// The elements of one row (steps 0 or 1 for broadcasting); equal to tm_add_s8_one element by
// element (tests/c/test_add.c checks it on random parameters and every pair of inputs).
static void add_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    const tm_add_params *p = (const tm_add_params *)params;
    tm_add_scale q1, q2, qo;
    tm_add_scales_make(p, &q1, &q2, &qo);
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, left = p->left_shift;
    const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
#define TM_ADD_ONE(va, vb)                                                                                             \
    (int8_t) tm_clamp_i32(tm_add_scale_apply(tm_add_scale_apply(tm_shl_wrap(off1 + (va), left), &q1)                   \
                                                 + tm_add_scale_apply(tm_shl_wrap(off2 + (vb), left), &q2),            \
                              &qo)                                                                                     \
                              + out_off,                                                                               \
        lo, hi)
    if (step_a == 1 && step_b == 1) {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = TM_ADD_ONE(a[i], b[i]);
        }
    } else {
        for (int32_t i = 0; i < n; ++i) {
            out[i] = TM_ADD_ONE(a[i * step_a], b[i * step_b]);
        }
    }
#undef TM_ADD_ONE
}

void tm_add_s8(const tm_add_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, add_row, p);
}
