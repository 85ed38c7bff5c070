// tinyml ops: ARG_MAX and ARG_MIN (TFLM arg_min_max.cc, which has no prepare: its eval takes
// float32 or int8 input, an int32 axis read at every inference and int32 output). Here the axis
// must be a constant int32 of one value (negative counted from the end) inside the input's rank,
// the output the input's shape without the axis, and the axis not empty (TFLM would read past
// the input). Output int32 as in TFLM, or int64 (ArgMaxOptions.output_type INT64, what
// tf.math.argmax writes by default): TFLM refuses int64 at eval; the indices are the same, so
// tinyml runs them (tests compare with TensorFlow Lite's kernel). Kernel: kernels/arg_min_max.c.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "arg_min_max.h"

static size_t arg_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_arg_min_max_params);
}

static tm_status arg_prepare(tm_model *m, tm_node *n, int is_max, const char *op, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *axis_t = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    const int rank = input->ndim;
    int axis;
    if (tm_op_check_type_in(input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_FLOAT32), op, "input", err) != TM_OK
        || tm_op_check_type_in(output, TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_INT64), op, "output", err) != TM_OK
        || tm_op_const_axis(axis_t, rank, &axis, op, err) != TM_OK) {
        return err->status;
    }
    if (input->dims[axis] < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: the axis is empty", op);
    }
    int ok = output->ndim == rank - 1;
    for (int d = 0; ok && d < rank; ++d) {
        if (d != axis) {
            ok = output->dims[d < axis ? d : d - 1] == input->dims[d];
        }
    }
    if (!ok) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape should be the input's without axis %d", op, axis);
    }
    tm_arg_min_max_params p;
    p.outer = 1;
    p.inner = 1;
    for (int d = 0; d < rank; ++d) {
        if (d < axis) {
            p.outer *= input->dims[d];
        } else if (d > axis) {
            p.inner *= input->dims[d];
        }
    }
    p.axis_size = input->dims[axis];
    p.input_float = input->type == TM_FLOAT32;
    p.output_int64 = output->type == TM_INT64;
    p.is_max = (uint8_t)is_max;
    return tm_op_store_data(m, n, &p, sizeof(p), op, err);
}

static tm_status arg_max_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return arg_prepare(m, n, 1, "ARG_MAX", err);
}

static tm_status arg_min_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return arg_prepare(m, n, 0, "ARG_MIN", err);
}

static void arg_eval(const tm_model *m, const tm_node *n) {
    tm_arg_min_max((const tm_arg_min_max_params *)n->data, tm_input(m, n, 0)->data, tm_output(m, n, 0)->data);
}

// Version 1 float32, 2 int8, 3 bool (refused by the type check; TFLM too).
const tm_op tm_op_arg_max = {
    "ARG_MAX",
    TM_BUILTIN_ARG_MAX,
    3,
    arg_persist_bytes,
    arg_max_prepare,
    arg_eval,
};

const tm_op tm_op_arg_min = {
    "ARG_MIN",
    TM_BUILTIN_ARG_MIN,
    3,
    arg_persist_bytes,
    arg_min_prepare,
    arg_eval,
};
