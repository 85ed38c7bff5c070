// tinyml op glue: int16 LOGISTIC and TANH, see op_sigmoid_s16.h.
#include "op_sigmoid_s16.h"

#include "op_common.h"
#include "sigmoid_s16.h"

int tm_op_sigmoid_s16_selected(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    return input != NULL && input->type == TM_INT16;
}

tm_status tm_op_sigmoid_s16_prepare(tm_model *m, tm_node *n, const char *op, int is_tanh, tm_error *err) {
    // Selected by an int16 input: the output must be int16 too.
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_unary_s8_s16(m, n, op, &input, &output, err) != TM_OK
        || tm_op_check_zero_point_0(input, op, "input", err) != TM_OK
        || tm_op_check_zero_point_0(output, op, "output", err) != TM_OK
        || tm_op_check_same_size(input, output, op, err) != TM_OK) {
        return err->status;
    }
    int log2 = 0;
    if (!tm_checked_log2(output->scale, &log2) || log2 != -15) {
        return tm_fail(err, TM_ERR_MODEL, "%s: int16 output scale must be 2^-15", op);
    }
    tm_sigmoid_s16_params p;
    if (tm_sigmoid_s16_prepare_params(input->scale, is_tanh, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int16 input scale too large (its multiplier exceeds 32767)", op);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), op, err);
}

void tm_op_logistic_s16_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_logistic_s16((const tm_sigmoid_s16_params *)n->data, tm_tensor_elements(input), (const int16_t *)input->data,
        (int16_t *)tm_output(m, n, 0)->data);
}

void tm_op_tanh_s16_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_tanh_s16((const tm_sigmoid_s16_params *)n->data, tm_tensor_elements(input), (const int16_t *)input->data,
        (int16_t *)tm_output(m, n, 0)->data);
}
