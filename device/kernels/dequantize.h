// tinyml kernels: DEQUANTIZE int8/int16 -> float32, bit-exact with TFLM's reference_ops::Dequantize:
//   y = (float)((double)scale * (x - zero_point))   (the product is taken in double)
#ifndef TM_KERNEL_DEQUANTIZE_H
#define TM_KERNEL_DEQUANTIZE_H

#include <stdint.h>

typedef struct {
    double scale; // the input's float scale, widened
    int32_t zero_point;
} tm_dequantize_params;

// Float stores use memcpy (no alignment requirement on out).
void tm_dequantize_s8_f32(const tm_dequantize_params *p, const int8_t *in, void *out_f32, int32_t n);
void tm_dequantize_s16_f32(const tm_dequantize_params *p, const int16_t *in, void *out_f32, int32_t n);

#endif
