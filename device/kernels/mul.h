// tinyml kernels: int8 MUL with broadcasting, bit-exact with TFLM's reference_integer_ops::Mul /
// BroadcastMul6DSlow (micro/kernels/internal/reference/integer_ops/mul.h):
//   out = clamp(output_offset + MultiplyByQuantizedMultiplier((a + in1_off) * (b + in2_off),
//                                                            multiplier, shift))
// The shift may be positive (output scale smaller than the product of the input scales).
#ifndef TM_KERNEL_MUL_H
#define TM_KERNEL_MUL_H

#include <stdint.h>

#include "broadcast.h"
#include "tm_quant.h"

typedef struct {
    int32_t input1_offset; // -input1 zero point
    int32_t input2_offset; // -input2 zero point
    int32_t output_offset; // output zero point
    int32_t output_multiplier;
    int32_t output_shift; // in [-31, 30]
    int32_t act_min;
    int32_t act_max;
} tm_mul_params;

static inline int8_t tm_mul_s8_one(const tm_mul_params *p, int8_t a, int8_t b) {
    const int32_t prod = (p->input1_offset + a) * (p->input2_offset + b);
    const int32_t raw = p->output_offset + tm_mul_by_quantized_mul(prod, p->output_multiplier, p->output_shift);
    return (int8_t)tm_clamp_i32(raw, p->act_min, p->act_max);
}

// TFLM's CalculateOpDataMul for int8: QuantizeMultiplier((double)s1 * (double)s2 / (double)so).
// Returns 0, or -1 for a scale that is not positive or a multiplier needing a left shift > 30
// (TFLM's 1 << shift would overflow).
int tm_mul_params_init(tm_mul_params *p, float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, int32_t act_min, int32_t act_max);

void tm_mul_s8(const tm_mul_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

// int16 MUL (zero points 0, as TFLM's prepare requires for int16): the same arithmetic.
void tm_mul_s16(const tm_mul_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out);

#endif
