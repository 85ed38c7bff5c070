// tinyml kernel: RSQRT int8, bit-exact with TFLM's elementwise.cc RsqrtEvalQuantized. Per input
// value v = q - input_zero_point (v >= 0):
//   v == 0: 127 (the largest output)
//   else:   (m, s) = GetInvSqrtQuantizedMultiplierExp(v, reverse shift -1): 1/sqrt(v) by five
//           Newton-Raphson steps in gemmlowp fixed point (3 integer bits), then
//           out = clamp(MBQM(MBQM(1, m, s + 20), M, S - 20) + output_zero_point, -128, 127)
// with (M, S) = QuantizeMultiplier(1 / (sqrt(input_scale) * output_scale)) in double.
// The input has 256 values, so prepare runs that integer arithmetic once per value into a table
// and eval is one lookup per element (kernels/lut.c; the same results, element for element).
#ifndef TM_KERNEL_RSQRT_H
#define TM_KERNEL_RSQRT_H

#include <stdint.h>

#include "lut.h"

// Returns 0, or -1 for a non-finite multiplier or one whose shift (or shift - 20) leaves [-31, 30].
// input_zero_point must be -128 (every value >= 0; the op glue checks it).
int tm_rsqrt_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_lut_s8_table *p);

#endif
