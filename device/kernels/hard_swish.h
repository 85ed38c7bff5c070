// tinyml kernel: HARD_SWISH int8, bit-exact with TFLM's reference_ops::HardSwish (int16 fixed
// point): the input on a "hires" scale (x - zp) * 2^7, rescaled once to the output scale
// (pre-shift) and once to a "relu-ish" value in [-1, 1] (3.0 = 2^15, saturating), mapped to
// [0, 1]; their product (SaturatingDoublingHighMul, truncating) is shifted to the output scale.
#ifndef TM_KERNEL_HARD_SWISH_H
#define TM_KERNEL_HARD_SWISH_H

#include <stdint.h>

typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t output_multiplier;  // int16 fixed point (DownScaleInt32ToInt16Multiplier)
    int32_t output_exponent;    // <= 0
    int32_t reluish_multiplier; // int16 fixed point
    int32_t reluish_exponent;
} tm_hard_swish_params;

// TFLM's HardSwishPrepare for int8: both ratios in float, QuantizeMultiplier, then rounded to 16
// bits. Returns 0, or -1 where TFLM fails (output exponent > 0: input_scale / 128 / output_scale
// >= 1) or where the arithmetic leaves the reference's defined range (exponents beyond 15 bits).
int tm_hard_swish_prepare_params(float input_scale, int32_t input_zero_point, float output_scale,
    int32_t output_zero_point, tm_hard_swish_params *p);

void tm_hard_swish_s8(const tm_hard_swish_params *p, int32_t size, const int8_t *input, int8_t *output);

#endif
