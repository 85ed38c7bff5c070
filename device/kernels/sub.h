// tinyml kernels: int8 SUB with broadcasting, bit-exact with TFLM's reference_ops::Sub /
// BroadcastQuantSubSlow (kernels/internal/reference/sub.h).
//
// TFLM's CalculateOpDataSub computes exactly what CalculateOpDataAdd does for int8 (left shift 20,
// the same three multipliers), so SUB takes ADD's parameters (tm_add_params_init, add.h). Per
// element the two rescaled inputs are subtracted instead of added. This is not ADD with a negated
// second multiplier (TFLite's optimized kernels do that): SaturatingRoundingDoublingHighMul does
// not round exact ties symmetrically, so -srdhm(x, m) and srdhm(x, -m) can differ by one.
#ifndef TM_KERNEL_SUB_H
#define TM_KERNEL_SUB_H

#include <stdint.h>

#include "add.h"
#include "broadcast.h"

// One element: clamp(rescale_out(rescale1((a + off1) << 20) - rescale2((b + off2) << 20)) + zp_out).
static inline int8_t tm_sub_s8_one(const tm_add_params *p, int8_t a, int8_t b) {
    const int32_t x1 = tm_shl_wrap(p->input1_offset + a, p->left_shift);
    const int32_t x2 = tm_shl_wrap(p->input2_offset + b, p->left_shift);
    const int32_t s1 = tm_mul_by_quantized_mul_smaller_than_one(x1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = tm_mul_by_quantized_mul_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);
    const int32_t raw =
        tm_mul_by_quantized_mul_smaller_than_one(s1 - s2, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)tm_clamp_i32(raw, p->act_min, p->act_max);
}

void tm_sub_s8(const tm_add_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif
