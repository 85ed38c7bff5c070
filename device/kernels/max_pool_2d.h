// tinyml kernel: MAX_POOL_2D int8, bit-exact with TFLM's reference_integer_ops::MaxPool.
// Each output is the maximum of the window clipped to the input (padding never wins), clamped to
// [act_min, act_max]. Input and output share scale and zero point.
#ifndef TM_KERNEL_MAX_POOL_2D_H
#define TM_KERNEL_MAX_POOL_2D_H

#include <stdint.h>

#include "pool_2d.h"

void tm_max_pool_2d_s8(const tm_pool_params *p, const int8_t *input, int8_t *output);

#endif
