// tinyml op: LEAKY_RELU, int8 -> int8 or int16 -> int16 with requantization (TFLM leaky_relu_common.cc:
// CalculateOpDataLeakyRelu; leaky_relu.cc: QuantizeLeakyRelu); the kernel is kernels/leaky_relu.c.
#include "tm_ops.h"
#include "op_common.h"
#include "leaky_relu.h"

static const char *const NAME = "LEAKY_RELU";

// LeakyReluOptions field indices (schema.fbs).
enum { OPT_ALPHA = 0 };

static size_t leaky_relu_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_leaky_relu_params);
}

static tm_status leaky_relu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    // TFLM: input and output of the same type, int8 or int16 (any zero points).
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_unary_s8_s16(m, n, NAME, &input, &output, err) != TM_OK
        || tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    // Absent options (or alpha) read as the schema default 0, as TFLM's parser does.
    const float alpha = tm_fb_f32(tm_node_options(m, n), OPT_ALPHA, 0.0f);
    tm_leaky_relu_params p;
    if (tm_leaky_relu_prepare_params(input->scale, input->zero_point, alpha, output->scale, output->zero_point, &p)
        != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: alpha or input/output scale ratio not representable (non-finite or above 2^30)", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void leaky_relu_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    if (input->type == TM_INT16) {
        tm_leaky_relu_s16((const tm_leaky_relu_params *)n->data, tm_tensor_elements(input),
            (const int16_t *)input->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_leaky_relu_s8((const tm_leaky_relu_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 1 covers int8, 2 int16.
const tm_op tm_op_leaky_relu = {
    "LEAKY_RELU",
    TM_BUILTIN_LEAKY_RELU,
    2,
    leaky_relu_persist_bytes,
    leaky_relu_prepare,
    leaky_relu_eval,
};
