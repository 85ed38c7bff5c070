// tinyml op: SPLIT_V (TFLM split_v.cc: SplitVPrepare, SplitVEval / SplitImpl): inputs (input,
// size_splits, axis), outputs of the sizes along the axis. TFLM reads each output's size from the
// output tensor's dimension at the axis (size_splits is not read) and only wants a constant axis
// in prepare; here the same sizes are taken from the outputs, which must add up to the input's
// dimension, every output must be the input's shape but at the axis, and num_splits must be the
// output count. At most TM_MAX_NODE_OUTPUTS (255) outputs per node: more are refused at load.
// Each output is one strided copy (kernels/strided_copy.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "SPLIT_V";

enum { SPLIT_V_OPT_NUM_SPLITS = 0 }; // SplitVOptions

static tm_status split_v_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 3, 3, n->n_outputs, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *axis_t = tm_input(m, n, 2);
    const int32_t num = tm_fb_i32(tm_node_options(m, n), SPLIT_V_OPT_NUM_SPLITS, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    int axis;
    if (tm_op_split_axis(axis_t, input, &axis, NAME, err) != TM_OK) {
        return err->status;
    }
    if (num != n->n_outputs) {
        return tm_fail(err, TM_ERR_MODEL, "%s: num_splits %d for %d outputs", NAME, (int)num, (int)n->n_outputs);
    }
    int64_t total = 0;
    for (int i = 0; i < n->n_outputs; ++i) {
        const tm_tensor *t = tm_output(m, n, i);
        if (t == NULL || t->ndim != input->ndim) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output %d is missing or not %d-D", NAME, i, (int)input->ndim);
        }
        total += t->dims[axis];
    }
    if (total != input->dims[axis]) {
        return tm_fail(err, TM_ERR_MODEL, "%s: the outputs add up to %d at the axis, the input has %d", NAME,
            (int)total, (int)input->dims[axis]);
    }
    return tm_op_split_prepare(m, n, input, axis, 0, NAME, err);
}

static void split_v_eval(const tm_model *m, const tm_node *n) {
    tm_op_split_eval(m, n, 0);
}

// Version 1 float32, 2 int8, 3 int16 (TFLM checks none; int32 is version 1 too).
const tm_op tm_op_split_v = {
    "SPLIT_V",
    TM_BUILTIN_SPLIT_V,
    3,
    tm_op_split_persist_bytes,
    split_v_prepare,
    split_v_eval,
};
