// tinyml op: UNPACK (TFLM unpack.cc: UnpackImpl): splits a tensor along an axis into `num`
// tensors with that axis removed. TFLM's prepare checks nothing; here the node must be what its
// eval assumes (num outputs of the input's type, input dimension `num` at the axis, each output
// the input's shape without the axis). Each output is one strided copy (kernels/strided_copy.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "UNPACK";

// UnpackOptions field indices (schema.fbs).
enum { UNPACK_OPT_NUM = 0, UNPACK_OPT_AXIS = 1 };

static size_t unpack_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_op_stack_data);
}

static tm_status unpack_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, n->n_outputs, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const int32_t num = tm_fb_i32(tm_node_options(m, n), UNPACK_OPT_NUM, 0);
    int32_t axis = tm_fb_i32(tm_node_options(m, n), UNPACK_OPT_AXIS, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    if (tm_op_check_type_in(input,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32), NAME,
            "input", err)
        != TM_OK) {
        return err->status;
    }
    const int rank = input->ndim;
    if (axis < 0) {
        axis += rank;
    }
    if (axis < 0 || axis >= rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", NAME,
            (int)tm_fb_i32(tm_node_options(m, n), UNPACK_OPT_AXIS, 0), rank);
    }
    if (num != n->n_outputs || input->dims[axis] != num) {
        return tm_fail(err, TM_ERR_MODEL, "%s: num %d, %d outputs, input dimension %d at the axis", NAME, (int)num,
            (int)n->n_outputs, (int)input->dims[axis]);
    }
    for (int i = 0; i < n->n_outputs; ++i) {
        const tm_tensor *t = tm_output(m, n, i);
        if (t == NULL) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output %d is missing", NAME, i);
        }
        if (tm_op_check_same_type(input, t, NAME, err) != TM_OK) {
            return err->status;
        }
        int ok = t->ndim + 1 == rank;
        for (int d = 0; ok && d < t->ndim; ++d) {
            ok = t->dims[d] == input->dims[d < axis ? d : d + 1];
        }
        if (!ok) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output %d is not the input's shape without the axis", NAME, i);
        }
    }
    tm_op_stack_data p;
    tm_op_stack_init(&p, input, axis, 1);
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void unpack_eval(const tm_model *m, const tm_node *n) {
    const tm_op_stack_data *d = (const tm_op_stack_data *)n->data;
    tm_strided_copy_params c = d->copy;
    const void *in = tm_input(m, n, 0)->data;
    for (int i = 0; i < n->n_outputs; ++i) {
        c.in_start = i * d->step_per_slice;
        tm_strided_copy(&c, in, tm_output(m, n, i)->data);
    }
}

// Version 1 float32 / int32, 2 int8, 3 bool (not run by TFLM: refused by type), 4 int16.
const tm_op tm_op_unpack = {
    "UNPACK",
    TM_BUILTIN_UNPACK,
    4,
    unpack_persist_bytes,
    unpack_prepare,
    unpack_eval,
};
