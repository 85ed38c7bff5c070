// tinyml kernels: int8 REDUCE_MAX / REDUCE_MIN over any set of axes, bit-exact with TFLM's
// reference_ops::ReduceGeneric (micro/kernels/reduce_common.cc EvalMaxHelper / EvalMinHelper):
// each output is the largest (smallest) raw int8 input reduced into it; input and output share
// their quantization (TFLM checks it), so no rescaling. An empty reduction (a reduced dim of size
// 0) gives TFLM's init value: -128 for MAX, 127 for MIN.
//
// The shape is a tm_mean_params (kernels/mean.h, tm_mean_init_shape): the kept and reduced index
// spaces; its quantization fields are not used.
#ifndef TM_KERNEL_REDUCE_MINMAX_H
#define TM_KERNEL_REDUCE_MINMAX_H

#include <stdint.h>

#include "mean.h"

// is_max != 0: REDUCE_MAX, else REDUCE_MIN.
void tm_reduce_minmax_s8(const tm_mean_params *p, int is_max, const int8_t *in, int8_t *out);

#endif
