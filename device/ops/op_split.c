// tinyml op: SPLIT (TFLM split.cc: SplitPrepare, SplitEval / SplitImpl): inputs (axis, input),
// num_splits outputs of equal size along the axis. TFLM's prepare only wants a constant axis
// and its eval assumes the outputs' shapes; here the axis is read once in prepare (in range,
// negative counted from the end), the input's dimension must divide by num_splits and every
// output must be the input's shape with dimension/num_splits at the axis. The engine keeps at
// most TM_MAX_NODE_OUTPUTS (255) outputs per node: a SPLIT into more is refused at load.
// Each output is one strided copy (kernels/strided_copy.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "SPLIT";

enum { SPLIT_OPT_NUM_SPLITS = 0 }; // SplitOptions

static tm_status split_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, n->n_outputs, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *axis_t = tm_input(m, n, 0);
    const tm_tensor *input = tm_input(m, n, 1);
    const int32_t num = tm_fb_i32(tm_node_options(m, n), SPLIT_OPT_NUM_SPLITS, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    int axis;
    if (tm_op_split_axis(axis_t, input, &axis, NAME, err) != TM_OK) {
        return err->status;
    }
    if (num != n->n_outputs || num <= 0 || input->dims[axis] % num != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: num_splits %d, %d outputs, input dimension %d at the axis", NAME,
            (int)num, (int)n->n_outputs, (int)input->dims[axis]);
    }
    return tm_op_split_prepare(m, n, input, axis, input->dims[axis] / num, NAME, err);
}

static void split_eval(const tm_model *m, const tm_node *n) {
    tm_op_split_eval(m, n, 1);
}

// Version 1 float32, 2 int8, 3 int16, 4 int32 (TFLM checks none).
const tm_op tm_op_split = {
    "SPLIT",
    TM_BUILTIN_SPLIT,
    4,
    tm_op_split_persist_bytes,
    split_prepare,
    split_eval,
};
