// tinyml op: RELU6, int8 -> int8 (TFLM Relu6Prepare / Relu6Quantized); the kernel is
// kernels/relu6.c. Like TFLM, this is a clamp of the raw input values to [zero point, quantized 6.0]
// in the INPUT's quantization: the output tensor's scale and zero point are not used (converters
// give both tensors the same quantization).
#include "tm_ops.h"
#include "op_common.h"
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
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    if (output->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (int8 input needs int8 output)", NAME,
            tm_type_name(output->type));
    }
    if (tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    relu6_data d;
    if (tm_relu6_prepare_params(input->scale, input->zero_point, &d.lower, &d.upper) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input scale too small", NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void relu6_eval(const tm_model *m, const tm_node *n) {
    const relu6_data *d = (const relu6_data *)n->data;
    const tm_tensor *input = tm_input(m, n, 0);
    tm_relu6_s8(
        d->lower, d->upper, tm_tensor_elements(input), (const int8_t *)input->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version (3 adds int16).
const tm_op tm_op_relu6 = {
    "RELU6",
    TM_BUILTIN_RELU6,
    2,
    relu6_persist_bytes,
    relu6_prepare,
    relu6_eval,
};
