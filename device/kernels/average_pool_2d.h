// tinyml kernel: AVERAGE_POOL_2D int8, bit-exact with TFLM's reference_integer_ops::AveragePool.
// Each output is the mean of the window clipped to the input (padding is not counted), rounded
// half away from zero by integer division: (sum +/- count/2) / count, then clamped to
// [act_min, act_max]. Input and output share scale and zero point.
#ifndef TM_KERNEL_AVERAGE_POOL_2D_H
#define TM_KERNEL_AVERAGE_POOL_2D_H

#include <stdint.h>

#include "pool_2d.h"

void tm_average_pool_2d_s8(const tm_pool_params *p, const int8_t *input, int8_t *output);

#endif
