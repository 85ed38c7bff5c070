// tinyml op: EXPAND_DIMS (TFLM expand_dims.cc: ExpandDimsPrepare, ExpandDimsEval): inserts a
// size-1 dimension at a constant int32 axis; the bytes are unchanged (kernels/reshape.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "EXPAND_DIMS";

static tm_status expand_dims_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *axis = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    // TFLM copies int8, int16 and float32; it gives the output the input's type (here: checked).
    if (tm_op_check_type_in(
            input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_FLOAT32), NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK
        || tm_op_check_const_ints(axis, 0, NAME, "axis", err) != TM_OK) {
        return err->status;
    }
    if (axis->ndim > 1 || tm_tensor_elements(axis) != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis must be a single value", NAME);
    }
    const int rank = input->ndim;
    int64_t a = tm_op_const_int(axis, 0);
    if (a < 0) {
        a += rank + 1;
    }
    if (a < 0 || a > rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", NAME,
            (int)tm_op_const_int(axis, 0), rank);
    }
    // TFLM VerifyTensorDim: the output is the input's shape with a 1 inserted at the axis.
    int ok = output->ndim == rank + 1;
    for (int i = 0; ok && i < output->ndim; ++i) {
        const int32_t want = i < a ? input->dims[i] : (i == a ? 1 : input->dims[i - 1]);
        ok = output->dims[i] == want;
    }
    if (!ok) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape is not the input's with a 1 at axis %d", NAME, (int)a);
    }
    return TM_OK;
}

// Version 1 (TFLM accepts any: the types are checked above).
const tm_op tm_op_expand_dims = {
    "EXPAND_DIMS",
    TM_BUILTIN_EXPAND_DIMS,
    1,
    NULL,
    expand_dims_prepare,
    tm_op_copy_eval,
};
