// tinyml: the prepare that the reductions share (MEAN, SUM, REDUCE_MAX, REDUCE_MIN; TFLM
// reduce.cc / reduce_common.cc): an int8 input, a constant int32 axis tensor, one int8 output.
#ifndef TM_OP_REDUCE_H
#define TM_OP_REDUCE_H

#include "tm_model.h"
#include "mean.h"

// Checks the node (2 inputs, 1 output; input and output int8, per-tensor quantized; axes a
// constant int32 tensor), resolves the axes as TFLM's ResolveAxis does (negative axes count from
// the end, repeated ones are ignored, a scalar input ignores them all), fills the shape part of
// *p (tm_mean_init_shape) and checks that the output holds exactly the kept elements (keep_dims
// only changes the output's shape, not the order TFLM writes it in).
// persist_bytes of every reduction: its tm_mean_params.
size_t tm_op_reduce_persist_bytes(const tm_model *m, const tm_node *n);

// eval of MEAN and SUM: kernels/mean.c with the tm_mean_params in n->data (int8, or int16).
void tm_op_reduce_mean_eval(const tm_model *m, const tm_node *n);

// allow_int16: int16 input and output are accepted too (MEAN's 16x8 form); else int8 only.
tm_status tm_op_reduce_prepare_shape(
    const tm_model *m, const tm_node *n, const char *op, int allow_int16, tm_mean_params *p, tm_error *err);

#endif
