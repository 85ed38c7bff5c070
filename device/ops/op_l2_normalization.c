// tinyml op: L2_NORMALIZATION, int8 -> int8 over the last dimension (TFLM l2norm.cc): one input
// of at most 4 dimensions, no fused activation. TFLM's kernel writes outputs in steps of 1/128
// around 0 whatever the output tensor says; TFLite requires that quantization (scale 1/128, zero
// point 0), and so does this prepare, since any other would be misread.
#include "tm_ops.h"
#include "op_common.h"
#include "l2_normalization.h"

static const char *const NAME = "L2_NORMALIZATION";

// L2NormOptions field.
enum { OPT_ACTIVATION = 0 };

typedef struct {
    int32_t input_zero_point;
    int32_t outer;
    int32_t depth;
} l2_data;

static size_t l2_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(l2_data);
}

static tm_status l2_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (output->scale != 1.0f / 128 || output->zero_point != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int8 output must have scale 1/128, zero point 0", NAME);
    }
    if (input->ndim < 1 || input->ndim > 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input has %u dimensions (1 to 4)", NAME, (unsigned)input->ndim);
    }
    if (!tm_op_same_shape(input, output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output shapes differ", NAME);
    }
    if (tm_fb_u8(tm_node_options(m, n), OPT_ACTIVATION, 0) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activations are not supported (as in TFLM)", NAME);
    }
    l2_data d;
    d.input_zero_point = input->zero_point;
    d.depth = input->dims[input->ndim - 1];
    d.outer = d.depth > 0 ? tm_tensor_elements(input) / d.depth : 0;
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void l2_eval(const tm_model *m, const tm_node *n) {
    const l2_data *d = (const l2_data *)n->data;
    tm_l2_normalization_s8(d->input_zero_point, d->outer, d->depth, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is int8 (1 is float).
const tm_op tm_op_l2_normalization = {
    "L2_NORMALIZATION",
    TM_BUILTIN_L2_NORMALIZATION,
    2,
    l2_persist_bytes,
    l2_prepare,
    l2_eval,
};
