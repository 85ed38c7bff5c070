// tinyml op: RESHAPE (TFLM reshape.cc / reshape_common.cc): like TFLM, the output tensor's shape in
// the model is the new shape (the shape input / new_shape option are not consulted); input and
// output must have the same type and element count. The data is copied unless the planner gave
// both the same buffer (kernels/reshape.c).
#include "tm_ops.h"
#include "op_common.h"

static const char *const NAME = "RESHAPE";

static tm_status reshape_prepare(tm_model *m, tm_node *n, tm_error *err) {
    // Input 2 (the shape tensor) is optional and may be a computed tensor; it is not read.
    if (tm_op_check_arity_optional(n, 1, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_same_type(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    return tm_op_check_same_size(input, output, NAME, err);
}

const tm_op tm_op_reshape = {
    "RESHAPE",
    TM_BUILTIN_RESHAPE,
    1,
    NULL,
    reshape_prepare,
    tm_op_copy_eval,
};
