// tinyml op: RELU, int8 -> int8 with requantization (TFLM ReluPrepare / CalculateReluOpData<int8_t>
// and ReluQuantized); the kernel is kernels/relu.c.
#include "tm_ops.h"
#include "op_conv_common.h"
#include "relu.h"

static const char *const NAME = "RELU";

static size_t relu_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_relu_params);
}

static tm_status relu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (n->n_inputs != 1 || n->n_outputs != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected 1 and 1)", NAME,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs);
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input == NULL || output == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: missing input or output", NAME);
    }
    if (tm_conv_check_activation_tensor(input, NAME, "input", err) != TM_OK
        || tm_conv_check_activation_tensor(output, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (tm_tensor_elements(input) != tm_tensor_elements(output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output sizes differ", NAME);
    }
    tm_relu_params p;
    if (tm_relu_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
    }
    tm_relu_params *data = (tm_relu_params *)tm_model_persist_alloc(m, sizeof(p));
    if (data == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", NAME);
    }
    *data = p;
    n->data = data;
    return TM_OK;
}

static void relu_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_relu_s8((const tm_relu_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version (3 adds int16).
const tm_op tm_op_relu = {
    "RELU", TM_BUILTIN_RELU, 2,
    relu_persist_bytes, relu_prepare, relu_eval,
};
