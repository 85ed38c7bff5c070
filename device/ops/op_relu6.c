// tinyml op: RELU6, int8 -> int8 (TFLM Relu6Prepare / Relu6Quantized); the kernel is
// kernels/relu6.c. Like TFLM, this is a clamp of the raw input values to [zero point, quantized 6.0]
// in the INPUT's quantization: the output tensor's scale and zero point are not used (converters
// give both tensors the same quantization).
#include "tm_ops.h"
#include "op_conv_common.h"
#include "relu6.h"

static const char *const NAME = "RELU6";

typedef struct {
    int8_t lower;
    int8_t upper;
} relu6_data;

static size_t relu6_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(relu6_data);
}

static tm_status relu6_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (n->n_inputs != 1 || n->n_outputs != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected 1 and 1)", NAME,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs);
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input == NULL || output == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: missing input or output", NAME);
    }
    if (tm_conv_check_activation_tensor(input, NAME, "input", err) != TM_OK) {
        return err->status;
    }
    if (output->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (int8 input needs int8 output)", NAME,
            tm_type_name(output->type));
    }
    if (tm_tensor_elements(input) != tm_tensor_elements(output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output sizes differ", NAME);
    }
    relu6_data d;
    if (tm_relu6_prepare_params(input->scale, input->zero_point, &d.lower, &d.upper) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input scale too small", NAME);
    }
    relu6_data *data = (relu6_data *)tm_model_persist_alloc(m, sizeof(d));
    if (data == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", NAME);
    }
    *data = d;
    n->data = data;
    return TM_OK;
}

static void relu6_eval(const tm_model *m, const tm_node *n) {
    const relu6_data *d = (const relu6_data *)n->data;
    const tm_tensor *input = tm_input(m, n, 0);
    tm_relu6_s8(d->lower, d->upper, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version (3 adds int16).
const tm_op tm_op_relu6 = {
    "RELU6", TM_BUILTIN_RELU6, 2,
    relu6_persist_bytes, relu6_prepare, relu6_eval,
};
