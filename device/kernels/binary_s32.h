// tinyml kernels: element-wise int32 ADD, SUB, MUL, DIV, MAXIMUM and MINIMUM with numpy
// broadcasting (TFLM's int32 paths of add.cc, sub.cc, mul.cc, div.cc, maximum_minimum.cc, as the
// audio front-end uses them on feature values). Sums and products wrap modulo 2^32 (TFLM's
// overflow on two's-complement targets); DIV truncates toward zero, a zero divisor gives 0 and
// INT32_MIN / -1 gives INT32_MIN (TFLM's would be undefined).
#ifndef TM_KERNEL_BINARY_S32_H
#define TM_KERNEL_BINARY_S32_H

#include <stdint.h>

#include "broadcast.h"

typedef enum {
    TM_S32_ADD,
    TM_S32_SUB,
    TM_S32_MUL,
    TM_S32_DIV,
    TM_S32_MAXIMUM,
    TM_S32_MINIMUM,
} tm_binary_s32_kind;

void tm_binary_s32(
    const tm_broadcast *bc, tm_binary_s32_kind kind, const int32_t *in1, const int32_t *in2, int32_t *out);

#endif
