// tinyml op: PACK (TFLM pack.cc: PackImpl): stacks values_count tensors of one shape along a new
// axis. TFLM's prepare checks nothing; here the node must be what its eval assumes (values_count
// inputs of the output's type and one shape, the output that shape with values_count inserted at
// the axis). Each input is one strided copy into the output (kernels/strided_copy.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "PACK";

// PackOptions field indices (schema.fbs).
enum { PACK_OPT_VALUES_COUNT = 0, PACK_OPT_AXIS = 1 };

static size_t pack_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_op_stack_data);
}

static tm_status pack_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, TM_MAX_NODE_INPUTS, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    const int32_t values = tm_fb_i32(tm_node_options(m, n), PACK_OPT_VALUES_COUNT, 0);
    int32_t axis = tm_fb_i32(tm_node_options(m, n), PACK_OPT_AXIS, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    if (values != n->n_inputs) {
        return tm_fail(err, TM_ERR_MODEL, "%s: values_count %d for %d inputs", NAME, (int)values, (int)n->n_inputs);
    }
    if (tm_op_check_type_in(output,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_INT64) | TM_TYPE_BIT(TM_FLOAT32), NAME,
            "output", err)
        != TM_OK) {
        return err->status;
    }
    for (int i = 0; i < n->n_inputs; ++i) {
        const tm_tensor *t = tm_input(m, n, i);
        if (tm_op_check_same_type(t, output, NAME, err) != TM_OK) {
            return err->status;
        }
        if (!tm_op_same_shape(t, input)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: input %d's shape differs from input 0's", NAME, i);
        }
    }
    const int rank = output->ndim;
    if (axis < 0) {
        axis += rank;
    }
    if (axis < 0 || axis >= rank || input->ndim + 1 != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d of a %d-D output, for %d-D inputs", NAME,
            (int)tm_fb_i32(tm_node_options(m, n), PACK_OPT_AXIS, 0), rank, (int)input->ndim);
    }
    for (int d = 0; d < rank; ++d) {
        const int32_t want = d < axis ? input->dims[d] : (d == axis ? values : input->dims[d - 1]);
        if (output->dims[d] != want) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d is %d, expected %d", NAME, d,
                (int)output->dims[d], (int)want);
        }
    }
    tm_op_stack_data p;
    tm_op_stack_init(&p, output, axis, 0);
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void pack_eval(const tm_model *m, const tm_node *n) {
    const tm_op_stack_data *d = (const tm_op_stack_data *)n->data;
    tm_strided_copy_params c = d->copy;
    void *out = tm_output(m, n, 0)->data;
    for (int i = 0; i < n->n_inputs; ++i) {
        c.out_start = i * d->step_per_slice;
        tm_strided_copy(&c, tm_input(m, n, i)->data, out);
    }
}

// Version 1 is float32 / int32 / int64, 2 int8 (3, int16, TFLM does not run).
const tm_op tm_op_pack = {
    "PACK",
    TM_BUILTIN_PACK,
    2,
    pack_persist_bytes,
    pack_prepare,
    pack_eval,
};
