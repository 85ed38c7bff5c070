// tinyml kernels: TFLM's interpolated int16 lookup tables (kernels/internal/common.h: gen_lut with
// float arithmetic and lut_lookup_with_interpolation), as the int16 SOFTMAX uses them.
//
// A table holds 513 samples of a function over [in_min, in_max] (512 steps, plus the end point
// for the last slope), scaled so that [out_min, out_max] spans the int16 range; each sample is
// corrected by half the error of the linear interpolation at the step's midpoint. A lookup takes
// an int16 that maps [-32768, 32767] onto [in_min, in_max]: its top 9 bits pick the step, the low
// 7 bits interpolate to the next sample.
#ifndef TM_KERNEL_LUT_S16_H
#define TM_KERNEL_LUT_S16_H

#include <stdint.h>

#define TM_LUT_S16_SIZE 513

// Fills lut with f sampled as TFLM's gen_lut<float, int16_t, int16_t> does (same float operations
// in the same order; f should round as the C library's float functions do: expf...).
void tm_lut_s16_generate(float (*f)(float), float in_min, float in_max, float out_min, float out_max, int16_t *lut);

// The interpolated value at x (int16 arithmetic of TFLM's lookup, wrap-arounds included).
static inline int16_t tm_lut_s16_lookup(int16_t x, const int16_t *lut) {
    const int32_t index = 256 + (x >> 7); // 0 .. 511
    const int32_t offset = x & 0x7f;
    const int16_t base = lut[index];
    const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}

#endif
