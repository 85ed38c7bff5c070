// tinyml kernels: ARG_MAX / ARG_MIN, bit-exact with TFLM's reference_ops::ArgMinMax: the input
// viewed as [outer, axis_size, inner]; output (o, i) is the index along the axis of the first
// largest (smallest) value - the running best is replaced only by a strictly greater (smaller)
// value, compared as TFLM does (std::greater / std::less on int8 or float; a NaN never wins
// unless it is first).
#ifndef TM_KERNEL_ARG_MIN_MAX_H
#define TM_KERNEL_ARG_MIN_MAX_H

#include <stdint.h>

typedef struct {
    int32_t outer;
    int32_t axis_size; // >= 1
    int32_t inner;
    uint8_t input_float;  // 1: float32 input, 0: int8
    uint8_t output_int64; // 1: int64 indices, 0: int32
    uint8_t is_max;       // 1: ARG_MAX, 0: ARG_MIN
} tm_arg_min_max_params;

void tm_arg_min_max(const tm_arg_min_max_params *p, const void *in, void *out);

#endif
