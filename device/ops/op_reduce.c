// tinyml: the reductions' shared prepare, see op_reduce.h.
#include "op_reduce.h"

#include "op_common.h"

size_t tm_op_reduce_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_mean_params);
}

void tm_op_reduce_mean_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    if (input->type == TM_INT16) {
        tm_mean_s16((const tm_mean_params *)n->data, (const int16_t *)input->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_mean_s8((const tm_mean_params *)n->data, (const int8_t *)input->data, (int8_t *)tm_output(m, n, 0)->data);
}

tm_status tm_op_reduce_prepare_shape(
    const tm_model *m, const tm_node *n, const char *op, int allow_int16, tm_mean_params *p, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *axis = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    const int type = allow_int16 && input != NULL && input->type == TM_INT16 ? TM_INT16 : TM_INT8;
    if (tm_op_check_quantized(input, type, op, "input", err) != TM_OK
        || tm_op_check_quantized(output, type, op, "output", err) != TM_OK
        || tm_op_check_const_ints(axis, 0, op, "axis", err) != TM_OK) {
        return err->status;
    }
    uint8_t reduce[TM_MAX_DIMS] = {0};
    const int32_t n_axes = tm_tensor_elements(axis);
    if (input->ndim > 0) {
        for (int32_t i = 0; i < n_axes; ++i) {
            const int64_t a = tm_op_const_int(axis, i);
            const int64_t r = a < 0 ? a + input->ndim : a;
            if (r < 0 || r >= input->ndim) {
                return tm_fail(
                    err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", op, (int)a, (int)input->ndim);
            }
            reduce[r] = 1;
        }
    }
    tm_mean_init_shape(p, input->dims, input->ndim, reduce);
    int32_t kept = 1;
    for (int i = 0; i < input->ndim; ++i) {
        if (!reduce[i]) {
            kept *= input->dims[i];
        }
    }
    if (tm_tensor_elements(output) != kept) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output has %d elements, the reduction gives %d", op,
            (int)tm_tensor_elements(output), (int)kept);
    }
    return TM_OK;
}
