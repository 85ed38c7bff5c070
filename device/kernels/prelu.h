// tinyml kernel: PRELU int8 with broadcasting of alpha, bit-exact with TFLM's
// reference_ops::BroadcastPrelu4DSlow (kernels/internal/reference/prelu.h):
//   x = in - input_zero_point
//   x >= 0: out = MultiplyByQuantizedMultiplier(x, m1, s1)
//   x <  0: out = MultiplyByQuantizedMultiplier(x * (alpha - alpha_zero_point), m2, s2)
//   out = clamp(out + output_zero_point, -128, 127)
// with m1 = input_scale / output_scale and m2 = input_scale * alpha_scale / output_scale.
#ifndef TM_KERNEL_PRELU_H
#define TM_KERNEL_PRELU_H

#include <stdint.h>

#include "broadcast.h"

typedef struct {
    int32_t input_zero_point;
    int32_t alpha_zero_point;
    int32_t output_zero_point;
    int32_t identity_multiplier;
    int32_t identity_shift; // in [-31, 30]
    int32_t alpha_multiplier;
    int32_t alpha_shift; // in [-31, 30]
} tm_prelu_params;

// TFLM's CalculatePreluParams (both ratios in double, QuantizeMultiplier). Returns 0, or -1 for a
// ratio that is not finite or needs a left shift above 30.
int tm_prelu_prepare_params(float input_scale, int32_t input_zero_point, float alpha_scale, int32_t alpha_zero_point,
    float output_scale, int32_t output_zero_point, tm_prelu_params *p);

// in1 is the input, in2 alpha, broadcast by bc to the output.
void tm_prelu_s8(
    const tm_prelu_params *p, const tm_broadcast *bc, const int8_t *input, const int8_t *alpha, int8_t *output);

#endif
