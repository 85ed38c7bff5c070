// tinyml op: RELU, int8 -> int8 with requantization (TFLM ReluPrepare / CalculateReluOpData<int8_t>
// and ReluQuantized); the kernel is kernels/relu.c.
#include "tm_ops.h"
#include "op_common.h"
#include "relu.h"

static const char *const NAME = "RELU";

static size_t relu_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_relu_params);
}

static tm_status relu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    tm_relu_params p;
    if (tm_relu_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void relu_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_relu_s8((const tm_relu_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version (3 adds int16).
const tm_op tm_op_relu = {
    "RELU",
    TM_BUILTIN_RELU,
    2,
    relu_persist_bytes,
    relu_prepare,
    relu_eval,
};
