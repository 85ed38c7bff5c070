// tinyml kernels: int8 ADD with broadcasting, bit-exact with TFLM's
// reference_integer_ops::AddFunc (micro/kernels/internal/reference/integer_ops/add.h).
//
// Per element: both inputs are offset, shifted left by left_shift (20 for int8), rescaled to a
// common scale with MultiplyByQuantizedMultiplierSmallerThanOneExp, summed, rescaled to the output
// scale the same way, offset and clamped to the fused activation range.
#ifndef TM_KERNEL_ADD_H
#define TM_KERNEL_ADD_H

#include <stdint.h>

#include "broadcast.h"
#include "tm_quant.h"

typedef struct {
    int32_t input1_offset; // -input1 zero point
    int32_t input2_offset; // -input2 zero point
    int32_t output_offset; // output zero point
    int32_t left_shift;    // 20 (int8), 15 (int16)
    int32_t input1_multiplier;
    int32_t input1_shift; // <= 0
    int32_t input2_multiplier;
    int32_t input2_shift; // <= 0
    int32_t output_multiplier;
    int32_t output_shift; // <= 0
    int32_t act_min;
    int32_t act_max;
} tm_add_params;

// One element.
static inline int8_t tm_add_s8_one(const tm_add_params *p, int8_t a, int8_t b) {
    const int32_t x1 = tm_shl_wrap(p->input1_offset + a, p->left_shift);
    const int32_t x2 = tm_shl_wrap(p->input2_offset + b, p->left_shift);
    const int32_t s1 = tm_mul_by_quantized_mul_smaller_than_one(x1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = tm_mul_by_quantized_mul_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);
    const int32_t raw =
        tm_mul_by_quantized_mul_smaller_than_one(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)tm_clamp_i32(raw, p->act_min, p->act_max);
}

// One rescale of tm_add_s8_one (MultiplyByQuantizedMultiplierSmallerThanOneExp), shared with SUB
// (kernels/sub.c), with its rounding mask prepared once per row: the multipliers come from tm_quantize_multiplier, so they are never
// INT32_MIN and the saturating case of SaturatingRoundingDoublingHighMul cannot occur (as in
// requantize.h's tm_rq_apply_s8).
typedef struct {
    int32_t multiplier;
    int32_t right; // -shift, in [0, 31]
    int32_t mask;  // 2^right - 1
} tm_add_scale;

static inline void tm_add_scale_make(int32_t multiplier, int32_t shift, tm_add_scale *q) {
    q->multiplier = multiplier;
    q->right = -shift;
    q->mask = (int32_t)(((uint32_t)1 << q->right) - 1u);
}

TM_ALWAYS_INLINE int32_t tm_add_scale_apply(int32_t x, const tm_add_scale *q) {
    const int32_t high = (int32_t)(((int64_t)x * q->multiplier + ((int64_t)1 << 30)) >> 31);
    const int32_t threshold = (q->mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> q->right) + ((high & q->mask) > threshold ? 1 : 0);
}

// The three rescales of a row (inputs 1 and 2, output).
static inline void tm_add_scales_make(const tm_add_params *p, tm_add_scale *q1, tm_add_scale *q2, tm_add_scale *qo) {
    tm_add_scale_make(p->input1_multiplier, p->input1_shift, q1);
    tm_add_scale_make(p->input2_multiplier, p->input2_shift, q2);
    tm_add_scale_make(p->output_multiplier, p->output_shift, qo);
}

// TFLM's CalculateOpDataAdd for int8 (left_shift 20, multipliers computed in double from the
// float scales). Returns 0, or -1 where TFLM's QuantizeMultiplierSmallerThanOneExp would abort:
// a scale that is not positive, or an output multiplier 2 * max(s1, s2) / (2^20 * so) >= 1.
int tm_add_params_init(tm_add_params *p, float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, int32_t act_min, int32_t act_max);

// The same with another left shift: TFLM's CalculateOpDataAdd / CalculateOpDataSub use 15 for int16
// (an int16 difference of up to 65535, shifted by 15, still fits in int32).
int tm_add_params_init_shift(tm_add_params *p, int32_t left_shift, float scale1, int32_t zp1, float scale2, int32_t zp2,
    float out_scale, int32_t out_zp, int32_t act_min, int32_t act_max);

void tm_add_s8(const tm_add_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif
