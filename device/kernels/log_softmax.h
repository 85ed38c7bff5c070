// tinyml kernel: LOG_SOFTMAX, int8 -> int8 (output scale 16/256, zero point 127) over the last
// dimension, bit-exact with TensorFlow Lite Micro's reference (reference_ops::LogSoftmax for int8,
// the gemmlowp fixed-point path): the difference of each input to its row maximum is scaled into
// Q5.26, exp() of it summed in Q12.19, log() of the sum taken in Q5.26 and subtracted, and the
// result rescaled to Q4 (1/16) steps below the output's 127.
#ifndef TM_KERNEL_LOG_SOFTMAX_H
#define TM_KERNEL_LOG_SOFTMAX_H

#include <stdint.h>

#include "softmax.h"

typedef struct {
    tm_softmax_params input;    // SOFTMAX's input scaling with beta 1 (into Q5.26), diff_min
    int32_t reverse_multiplier; // the inverse scaling: Q5.26 back to input steps
    int32_t reverse_shift;      // <= 0 (a right shift), 1 when the inverse is exactly 1
} tm_log_softmax_params;

// TFLM's prepare (PreprocessLogSoftmaxScalingExp and CalculateInputRadius with 5 integer bits,
// beta 1) for an input scale. Returns 0, or -1 when the input scale * 2^26 is not above 1 (TFLM
// stops on such models).
int tm_log_softmax_prepare_params(double input_scale, tm_log_softmax_params *p);

// outer rows of depth elements each.
void tm_log_softmax_s8(
    const tm_log_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int8_t *output);

#endif
