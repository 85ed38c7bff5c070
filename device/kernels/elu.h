// tinyml kernel: ELU float32 (below), and ELU int8, bit-exact with TFLM's elu.cc for int8: a 256-entry table built once in
// prepare with float math per input value (TFLM PopulateLookupTable):
//   y = input_scale * (q - input_zero_point);  y = y < 0 ? expf(y) - 1 : y
//   table[q] = clamp((int32)(roundf(y * (1 / output_scale)) + output_zero_point), -128, 127)
// and eval is one lookup per element (kernels/lut.c).
#ifndef TM_KERNEL_ELU_H
#define TM_KERNEL_ELU_H

#include <stdint.h>

#include "lut.h"

// Builds the table. Returns 0, or -1 when an entry is not finite or falls outside int32 before the
// clamp (TFLM's float-to-int conversion is undefined there).
int tm_elu_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_lut_s8_table *p);

// ELU on float32 (a converter leaves ELU in float between DEQUANTIZE and QUANTIZE), as TFLM's
// reference: y = x < 0 ? expm1f(x) : x.
void tm_elu_f32(int32_t n, const float *input, float *output);

#endif
