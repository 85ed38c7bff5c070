// tinyml kernel: SOFTMAX int16 -> int16 (TFLM's 16x8 mode), bit-exact with TFLM's
// reference_ops::SoftmaxInt16 and the tables of its SoftmaxPrepare:
//   per row: diff = x - max(row) rescaled by beta * input_scale so that [-65535, 0] covers
//   [-10, 0] (MultiplyByQuantizedMultiplier), recentred to int16 and looked up in an exp table
//   (lut_s16.h, exp over [-10, 0]); the exps (Q0.15) are summed, the sum normalised to a Q1.14-ish
//   value whose reciprocal comes from a 1 / (1 + x) table over [0, 1], and each exp is multiplied
//   by it and shifted back: output scale 1/32768, zero point 0, values in [0, 32767].
#ifndef TM_KERNEL_SOFTMAX_S16_H
#define TM_KERNEL_SOFTMAX_S16_H

#include <stdint.h>

#include "lut_s16.h"

// A row's sum of exps (each at most 32767) must fit in int32.
#define TM_SOFTMAX_S16_MAX_DEPTH 65536

typedef struct {
    int32_t input_multiplier;
    int32_t input_shift; // QuantizeMultiplier's shift, in [-31, 31]
    int16_t exp_lut[TM_LUT_S16_SIZE];
    int16_t reciprocal_lut[TM_LUT_S16_SIZE];
} tm_softmax_s16_params;

// TFLM's CalculateSoftmaxParams for int16 (QuantizeMultiplier of input_scale * beta / (10 / 65535)
// in double) and its two tables. Returns 0, or -1 when beta * input_scale is not a positive finite
// number or the multiplier needs a left shift above 31.
int tm_softmax_s16_prepare_params(float beta, float input_scale, tm_softmax_s16_params *p);

// outer rows of depth (1 .. TM_SOFTMAX_S16_MAX_DEPTH) elements each.
void tm_softmax_s16(
    const tm_softmax_s16_params *p, int32_t outer, int32_t depth, const int16_t *input, int16_t *output);

#endif
