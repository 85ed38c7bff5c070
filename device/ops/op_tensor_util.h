// tinyml: prepare-time helpers shared by the element-wise and data-movement ops (ADD, MUL, MEAN,
// PAD, CONCATENATION, QUANTIZE, DEQUANTIZE, RESHAPE, SQUEEZE). Every function names the op in its
// error message.
#ifndef TM_OP_TENSOR_UTIL_H
#define TM_OP_TENSOR_UTIL_H

#include <stdint.h>

#include "tm_model.h"
#include "broadcast.h"

// The node has between min_in and max_in inputs, all present (no omitted optional input), and
// exactly n_out outputs.
tm_status tm_op_check_arity(const tm_node *n, int min_in, int max_in, int n_out, const char *op,
    tm_error *err);

// A per-tensor quantized tensor of `type` (TM_INT8 or TM_INT16): one finite scale > 0 and a zero
// point inside the type's range. `what` names it in messages ("input 1", "output").
tm_status tm_op_check_quantized(const tm_tensor *t, int type, const char *op, const char *what,
    tm_error *err);

// A constant tensor of int32 (or, if allow_int64, int64) values, for axes / paddings / shapes.
tm_status tm_op_check_const_ints(const tm_tensor *t, int allow_int64, const char *op, const char *what,
    tm_error *err);

// Element i of a tensor accepted by tm_op_check_const_ints (read with memcpy, little-endian model).
int64_t tm_op_const_int(const tm_tensor *t, int32_t i);

// Shared prepare of the int8 binary ops ADD and MUL (TFLM CalculateOpDataAdd / CalculateOpDataMul,
// minus the multipliers): two int8 inputs and one int8 output, all per-tensor quantized, input
// shapes broadcasting (numpy rules, up to 6-D) to exactly the output shape, and the int8 range of
// the fused activation (options field 0) on the output.
tm_status tm_op_binary_prepare(const tm_model *m, const tm_node *n, const char *op, tm_broadcast *bc,
    int32_t *act_min, int32_t *act_max, tm_error *err);

// Same dims (rank and every dimension).
int tm_op_same_shape(const tm_tensor *a, const tm_tensor *b);

#endif
