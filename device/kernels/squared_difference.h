// tinyml kernel: SQUARED_DIFFERENCE int8 with broadcasting, bit-exact with TFLM's
// squared_difference.cc (PrepareQuantized with left shift 7; SquaredDifference<int8_t>):
//   d = MBQMSmallerThanOneExp((a - zp1) * 2^7, m1, s1) - MBQMSmallerThanOneExp((b - zp2) * 2^7, m2, s2)
//   out = clamp(MultiplyByQuantizedMultiplier(d * d, m_out, s_out) + zp_out, -128, 127)
// with m1 / m2 = scale1 / scale2 over twice the larger input scale, and m_out =
// (2 * max scale)^2 / (2^14 * output_scale).
#ifndef TM_KERNEL_SQUARED_DIFFERENCE_H
#define TM_KERNEL_SQUARED_DIFFERENCE_H

#include <stdint.h>

#include "broadcast.h"

typedef struct {
    int32_t input1_offset; // -zero point
    int32_t input2_offset;
    int32_t output_offset; // zero point
    int32_t input1_multiplier;
    int32_t input1_shift; // <= 0
    int32_t input2_multiplier;
    int32_t input2_shift; // <= 0
    int32_t output_multiplier;
    int32_t output_shift; // in [-31, 30]
} tm_squared_difference_params;

// Returns 0, or -1 for scales that are not finite and positive or an output multiplier that needs
// a left shift above 30.
int tm_squared_difference_prepare_params(float scale1, int32_t zp1, float scale2, int32_t zp2, float out_scale,
    int32_t out_zp, tm_squared_difference_params *p);

void tm_squared_difference_s8(
    const tm_squared_difference_params *p, const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif
