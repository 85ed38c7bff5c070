// tinyml: what the data-movement ops (EXPAND_DIMS, SHAPE, PACK, UNPACK, STRIDED_SLICE, SLICE,
// SPLIT, SPLIT_V, ...) share:
// the element types an op accepts (each TFLM kernel has its own list), the row-major element
// steps of a tensor, and the stacking copy of PACK / UNPACK.
#ifndef TM_OP_DATA_MOVEMENT_H
#define TM_OP_DATA_MOVEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "tm_model.h"
#include "strided_copy.h"

// Bit masks of tm_type values, for the lists of types an op accepts.
#define TM_TYPE_BIT(t) (1u << (t))

// t->type is in `types` (TM_TYPE_BIT mask); else TM_ERR_UNSUPPORTED naming the op and `what`.
tm_status tm_op_check_type_in(const tm_tensor *t, uint32_t types, const char *op, const char *what, tm_error *err);

// Row-major element steps of t's dims (step[ndim-1] = 1).
void tm_op_row_major_steps(const tm_tensor *t, int32_t *step);

// PACK / UNPACK: the stacked tensor is `count` slices along `axis`, each slice a tensor of the
// stacked shape without that axis. Slice 0's copy (stacked -> slice if unstack, else slice ->
// stacked); slice i's is the same with the stacked side's start moved by i * step_per_slice.
typedef struct {
    tm_strided_copy_params copy;
    int32_t step_per_slice;
} tm_op_stack_data;

// Ops whose node data is one tm_strided_copy_params and whose eval is that copy from input 0 to
// output 0 (STRIDED_SLICE, SLICE).
// The start of those ops' prepare: p walks `ndim` axes from element 0 of both buffers, elements
// of input's size; in_step gets input's row-major steps (count / in_step are the caller's).
void tm_op_strided_copy_init(tm_strided_copy_params *p, const tm_tensor *input, int ndim, int32_t *in_step);
size_t tm_op_strided_copy_persist_bytes(const tm_model *m, const tm_node *n);
void tm_op_strided_copy_eval(const tm_model *m, const tm_node *n);

void tm_op_stack_init(tm_op_stack_data *d, const tm_tensor *stacked, int axis, int unstack);

// SPLIT / SPLIT_V: output i is the input's slab of size[i] elements along `axis` (0 <= axis <
// rank; the sizes are >= 0 and add up to the input's dimension, checked by the caller). Checks
// that every output is present, of the input's type and the input's shape with size[i] at the
// axis, then stores one copy per output in n->data (eval: tm_op_split_eval).
// An axis given as a constant int32 tensor of one value, negative counted from the end, inside
// `rank` (SPLIT, SPLIT_V, ARG_MAX, ARG_MIN); sets *axis.
tm_status tm_op_const_axis(const tm_tensor *axis_t, int rank, int *axis, const char *op, tm_error *err);
// SPLIT / SPLIT_V's axis: a constant int32 tensor of one value, negative counted from the end,
// inside the input's rank; sets *axis. Also checks the input type (float32, int8, int16, int32).
tm_status tm_op_split_axis(const tm_tensor *axis_t, const tm_tensor *input, int *axis, const char *op, tm_error *err);
size_t tm_op_split_persist_bytes(const tm_model *m, const tm_node *n);
// uniform_size > 0: every output has that size at the axis (SPLIT); 0: each output's own (SPLIT_V,
// whose caller checked that they add up to the input's).
tm_status tm_op_split_prepare(
    tm_model *m, tm_node *n, const tm_tensor *input, int axis, int32_t uniform_size, const char *op, tm_error *err);
void tm_op_split_eval(const tm_model *m, const tm_node *n, int input_index);

#endif
