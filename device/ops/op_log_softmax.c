// tinyml op: LOG_SOFTMAX, int8 -> int8 over the last dimension. Prepare mirrors TFLM's
// log_softmax.cc CalculateOpData: same shapes, output scale exactly 16/256 and zero point 127,
// the input scaling of kernels/log_softmax.c (beta 1).
#include "tm_ops.h"
#include "op_common.h"
#include "log_softmax.h"

static const char *const NAME = "LOG_SOFTMAX";

typedef struct {
    tm_log_softmax_params params;
    int32_t outer;
    int32_t depth;
} log_softmax_data;

static size_t log_softmax_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(log_softmax_data);
}

static tm_status log_softmax_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    if (output->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (only int8)", NAME, tm_type_name(output->type));
    }
    if (tm_tensor_quant_count(output) != 1 || output->zero_point != 127 || output->scale != 16.0f / 256) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int8 output must have scale 16/256, zero point 127", NAME);
    }
    if (input->ndim < 1 || !tm_op_same_shape(input, output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output shapes differ", NAME);
    }
    log_softmax_data d;
    if (tm_log_softmax_prepare_params((double)input->scale, &d.params) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input scale is too small (needs > 2^-26)", NAME);
    }
    d.depth = input->dims[input->ndim - 1];
    d.outer = d.depth > 0 ? tm_tensor_elements(input) / d.depth : 0;
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void log_softmax_eval(const tm_model *m, const tm_node *n) {
    const log_softmax_data *d = (const log_softmax_data *)n->data;
    tm_log_softmax_s8(
        &d->params, d->outer, d->depth, (const int8_t *)tm_input(m, n, 0)->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is int8 (1 is float).
const tm_op tm_op_log_softmax = {
    "LOG_SOFTMAX",
    TM_BUILTIN_LOG_SOFTMAX,
    2,
    log_softmax_persist_bytes,
    log_softmax_prepare,
    log_softmax_eval,
};
