// tinyml op: LOGISTIC, int8 -> int8 (int16 -> int16: op_sigmoid_s16.c, TFLM's 16x8 mode).
// Prepare mirrors TFLM's CalculateArithmeticOpDataLogistic
// (kInputIntegerBits = 4); the kernel is kernels/logistic.c. Like TFLM, the output must have zero
// point -128 and its scale is taken to be 1/256 (TFLM does not check it; converters write 1/256).
#include "tm_ops.h"
#include "op_common.h"
#include "logistic.h"
#include "op_sigmoid_s16.h"
#include "sigmoid_s16.h"

static const char *const NAME = "LOGISTIC";

static size_t logistic_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_sigmoid_s16_selected(m, n) ? sizeof(tm_sigmoid_s16_params) : sizeof(tm_logistic_params);
}

static tm_status logistic_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_sigmoid_s16_selected(m, n)) {
        return tm_op_sigmoid_s16_prepare(m, n, NAME, 0, err);
    }
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (output->zero_point != -128) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: int8 output zero point is %d (must be -128)", NAME, (int)output->zero_point);
    }
    if (tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    tm_logistic_params p;
    if (tm_logistic_prepare_params(input->scale, input->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input scale out of the supported range", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void logistic_eval(const tm_model *m, const tm_node *n) {
    if (tm_op_sigmoid_s16_selected(m, n)) {
        tm_op_logistic_s16_eval(m, n);
        return;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    tm_logistic_s8((const tm_logistic_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version, 3 adds int16.
const tm_op tm_op_logistic = {
    "LOGISTIC",
    TM_BUILTIN_LOGISTIC,
    3,
    logistic_persist_bytes,
    logistic_prepare,
    logistic_eval,
};
