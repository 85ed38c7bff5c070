// tinyml kernel: LOGISTIC int8, bit-exact with TFLM's reference_integer_ops::Logistic.
// Inputs at or beyond +/- input_range_radius (relative to the zero point) saturate to 127 / -128;
// the others are rescaled to Q4.27 and go through gemmlowp's fixed-point logistic. The output is
// in units of 1/256 with zero point -128 (TFLM only checks the zero point).
#ifndef TM_KERNEL_LOGISTIC_H
#define TM_KERNEL_LOGISTIC_H

#include <stdint.h>

typedef struct {
    int32_t input_zero_point;
    int32_t input_range_radius;
    int32_t input_multiplier;
    int32_t input_left_shift; // may be negative (a right shift)
} tm_logistic_params;

// TFLM's prepare for int8 LOGISTIC (and TANH, same math): the multiplier and shift of
// input_scale * 2^27 by frexp, and CalculateInputRadius(4, shift, 31).
// Returns 0, or -1 if the scale is outside what the reference computes safely
// (input_scale * 2^27 < 0.5, or shift > 62).
int tm_logistic_prepare_params(float input_scale, int32_t input_zero_point, tm_logistic_params *p);

void tm_logistic_s8(const tm_logistic_params *p, int32_t size, const int8_t *input, int8_t *output);

#endif
