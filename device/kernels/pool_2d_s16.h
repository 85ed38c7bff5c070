// tinyml kernels: int16 MAX_POOL_2D and AVERAGE_POOL_2D (TFLM's 16x8 mode), bit-exact with TFLM's
// reference_integer_ops::MaxPool / AveragePool for int16: the int8 arithmetic (pool_2d.h
// parameters) on int16 values. The maximum starts from -32768 over the window clipped to the
// input; the average is the int32 sum divided by the element count, rounded half away from zero
// (prepare guarantees min(filter_h, in_h) * min(filter_w, in_w) * 32768 fits in int32). Both are
// clamped to the fused activation range.
#ifndef TM_KERNEL_POOL_2D_S16_H
#define TM_KERNEL_POOL_2D_S16_H

#include <stdint.h>

#include "pool_2d.h"

void tm_max_pool_2d_s16(const tm_pool_params *p, const int16_t *input, int16_t *output);
void tm_average_pool_2d_s16(const tm_pool_params *p, const int16_t *input, int16_t *output);

#endif
