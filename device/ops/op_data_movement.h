// tinyml: what the data-movement ops (EXPAND_DIMS, SHAPE, PACK, UNPACK, STRIDED_SLICE) share:
// the element types an op accepts (each TFLM kernel has its own list), the row-major element
// steps of a tensor, and the stacking copy of PACK / UNPACK.
#ifndef TM_OP_DATA_MOVEMENT_H
#define TM_OP_DATA_MOVEMENT_H

#include <stdint.h>

#include "tm_model.h"
#include "strided_copy.h"

// Bit masks of tm_type values, for the lists of types an op accepts.
#define TM_TYPE_BIT(t) (1u << (t))

// t->type is in `types` (TM_TYPE_BIT mask); else TM_ERR_UNSUPPORTED naming the op and `what`.
tm_status tm_op_check_type_in(const tm_tensor *t, uint32_t types, const char *op, const char *what,
    tm_error *err);

// Row-major element steps of t's dims (step[ndim-1] = 1).
void tm_op_row_major_steps(const tm_tensor *t, int32_t *step);

// PACK / UNPACK: the stacked tensor is `count` slices along `axis`, each slice a tensor of the
// stacked shape without that axis. Slice 0's copy (stacked -> slice if unstack, else slice ->
// stacked); slice i's is the same with the stacked side's start moved by i * step_per_slice.
typedef struct {
    tm_strided_copy_params copy;
    int32_t step_per_slice;
} tm_op_stack_data;

void tm_op_stack_init(tm_op_stack_data *d, const tm_tensor *stacked, int axis, int unstack);

#endif
