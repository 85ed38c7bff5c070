// tinyml kernel: SOFTMAX, int8 input -> int8 (or int16) output, bit-exact with TensorFlow Lite
// Micro's reference (reference_ops::Softmax, the gemmlowp fixed-point path): the input difference
// to the row maximum is scaled by beta * input_scale into Q5.26, exp() is evaluated in fixed point,
// summed in Q12.19, and each exp() is multiplied by the reciprocal of the sum.
#ifndef TM_KERNEL_SOFTMAX_H
#define TM_KERNEL_SOFTMAX_H

#include <stdint.h>

typedef struct {
    int32_t input_multiplier; // beta * input_scale * 2^26 as (multiplier, left_shift), shift >= 0
    int32_t input_left_shift; // in [0, 31]
    int32_t diff_min;         // differences below this contribute exp() = 0 (<= 0)
} tm_softmax_params;

// Computes params from beta and the input scale exactly as TFLM's prepare does
// (PreprocessSoftmaxScaling and CalculateInputRadius with 5 integer bits).
// Returns 0, or -1 when beta * input_scale is too small (TFLM aborts on such models).
int tm_softmax_prepare_params(double beta, double input_scale, tm_softmax_params *p);

// One row's maximum (*max_in_row) and the sum of exp(input - max) over it in Q12.19, wrapping
// like the reference (SOFTMAX's first step; LOG_SOFTMAX sums the same way).
int32_t tm_softmax_sum_of_exps(const tm_softmax_params *p, const int8_t *in, int32_t depth, int32_t *max_in_row);

// outer rows of depth elements each (the last dimension); output scale 1/256, zero point -128.
// A row whose sum of exps reaches 512 (512 or more elements near the maximum) makes TFLM abort;
// here every element of such a row is -128 (each probability is below half an LSB).
void tm_softmax_s8(const tm_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int8_t *output);

// Same with int16 output: scale 1/65536, zero point -32768.
void tm_softmax_s8_s16(const tm_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int16_t *output);

#endif
