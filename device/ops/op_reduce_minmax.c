// tinyml ops: REDUCE_MAX and REDUCE_MIN, int8 -> int8 over the axes of a constant int32 tensor
// (TFLM reduce.cc / reduce_common.cc: PrepareMaxHelper, EvalMaxHelper / EvalMinHelper ->
// ReduceGeneric). TFLM requires equal input and output scale and zero point for int8 (checked at
// its eval; here at prepare). The kernel is kernels/reduce_minmax.c.
#include "tm_ops.h"
#include "op_common.h"
#include "reduce_minmax.h"
#include "op_reduce.h"

static tm_status minmax_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err) {
    tm_mean_params p;
    if (tm_op_reduce_prepare_shape(m, n, op, 0, &p, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input->scale != output->scale || input->zero_point != output->zero_point) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input and output quantization differ", op);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), op, err);
}

static tm_status reduce_max_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return minmax_prepare(m, n, "REDUCE_MAX", err);
}

static tm_status reduce_min_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return minmax_prepare(m, n, "REDUCE_MIN", err);
}

static void reduce_max_eval(const tm_model *m, const tm_node *n) {
    tm_reduce_minmax_s8((const tm_mean_params *)n->data, 1, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

static void reduce_min_eval(const tm_model *m, const tm_node *n) {
    tm_reduce_minmax_s8((const tm_mean_params *)n->data, 0, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 op (3 is int16).
const tm_op tm_op_reduce_max = {
    "REDUCE_MAX",
    TM_BUILTIN_REDUCE_MAX,
    2,
    tm_op_reduce_persist_bytes,
    reduce_max_prepare,
    reduce_max_eval,
};

const tm_op tm_op_reduce_min = {
    "REDUCE_MIN",
    TM_BUILTIN_REDUCE_MIN,
    2,
    tm_op_reduce_persist_bytes,
    reduce_min_prepare,
    reduce_min_eval,
};
