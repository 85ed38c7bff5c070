// tinyml kernel: TANH int8, bit-exact with TFLM's reference_integer_ops::Tanh.
// Inputs at or beyond +/- input_range_radius (relative to the zero point) saturate to 127 / -128;
// the others are rescaled to Q4.27 and go through gemmlowp's fixed-point tanh. The output is in
// units of 1/128 with zero point 0 (TFLM checks neither).
#ifndef TM_KERNEL_TANH_H
#define TM_KERNEL_TANH_H

#include <stdint.h>

#include "logistic.h"

// TFLM prepares int8 TANH with the same formulas as int8 LOGISTIC: the same parameters.
typedef tm_logistic_params tm_tanh_params;

// tm_logistic_prepare_params (the same return values).
int tm_tanh_prepare_params(float input_scale, int32_t input_zero_point, tm_tanh_params *p);

void tm_tanh_s8(const tm_tanh_params *p, int32_t size, const int8_t *input, int8_t *output);

#endif
