// tinyml op: SOFTMAX, int8 input -> int8 output (scale 1/256, zero point -128) or int16 output
// (scale 1/65536, zero point -32768), over the last dimension. Prepare mirrors TFLM's
// SoftmaxPrepare / CalculateSoftmaxParams; the kernel is kernels/softmax.c (gemmlowp path).
// int16 input -> int16 output (scale 1/32768, zero point 0; TFLM's 16x8 mode) takes TFLM's table
// path: kernels/softmax_s16.c, its two 513-entry tables built at prepare.
#include "tm_ops.h"
#include "op_common.h"
#include "softmax.h"
#include "softmax_s16.h"

// SoftmaxOptions field index (schema.fbs).
enum { OPT_BETA = 0 };

static const char *const NAME = "SOFTMAX";

typedef struct {
    tm_softmax_params params;
    int32_t outer;
    int32_t depth;
    int32_t int16_output;
} softmax_data;

typedef struct {
    tm_softmax_s16_params params;
    int32_t outer;
    int32_t depth;
} softmax_s16_data;

static int is_int16(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    return input != NULL && input->type == TM_INT16;
}

static size_t softmax_persist_bytes(const tm_model *m, const tm_node *n) {
    return is_int16(m, n) ? sizeof(softmax_s16_data) : sizeof(softmax_data);
}

// int16 -> int16 (TFLM: input and output zero points 0, an output scale within 0.1% of 1/32768,
// compared in float).
static tm_status softmax_s16_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_unary_s8_s16(m, n, NAME, &input, &output, err) != TM_OK
        || tm_op_check_zero_point_0(input, NAME, "input", err) != TM_OK
        || tm_op_check_zero_point_0(output, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    const float want = 1.0f / 32768, tolerance = 0.001f * 1.0f / 32768;
    const float delta = output->scale > want ? output->scale - want : want - output->scale;
    if (!(delta <= tolerance)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int16 output must have scale 1/32768, zero point 0", NAME);
    }
    if (input->ndim < 1 || !tm_op_same_shape(input, output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output shapes differ", NAME);
    }
    const int32_t depth = input->dims[input->ndim - 1];
    if (depth > TM_SOFTMAX_S16_MAX_DEPTH) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int16 rows of %d elements (at most %d: the sum of exps is int32)",
            NAME, (int)depth, TM_SOFTMAX_S16_MAX_DEPTH);
    }
    softmax_s16_data *d = (softmax_s16_data *)tm_op_alloc_data(m, sizeof(softmax_s16_data), NAME, err);
    if (d == NULL) {
        return err->status;
    }
    const float beta = tm_fb_f32(tm_node_options(m, n), OPT_BETA, 0.0f);
    if (tm_softmax_s16_prepare_params(beta, input->scale, &d->params) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: beta x input scale is not positive or too large", NAME);
    }
    d->depth = depth;
    d->outer = depth == 0 ? 0 : tm_tensor_elements(input) / depth;
    n->data = d;
    return TM_OK;
}

static tm_status softmax_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (is_int16(m, n)) {
        return softmax_s16_prepare(m, n, err);
    }
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    const int int16_output = output->type == TM_INT16;
    if (int16_output) {
        // TFLM: zero point -32768 and a scale within 0.1% of 1/65536 (compared in float).
        const float want = 1.0f / 65536, tolerance = 0.001f * 1.0f / 65536;
        const float delta = output->scale > want ? output->scale - want : want - output->scale;
        if (tm_tensor_quant_count(output) != 1 || output->zero_point != -32768 || !(delta <= tolerance)) {
            return tm_fail(
                err, TM_ERR_UNSUPPORTED, "%s: int16 output must have scale 1/65536, zero point -32768", NAME);
        }
    } else if (output->type == TM_INT8) {
        // TFLM: exactly scale 1/256 and zero point -128.
        if (tm_tensor_quant_count(output) != 1 || output->zero_point != -128 || output->scale != 1.0f / 256) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int8 output must have scale 1/256, zero point -128", NAME);
        }
    } else {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (int8 input needs int8 or int16 output)", NAME,
            tm_type_name(output->type));
    }
    if (input->ndim < 1 || !tm_op_same_shape(input, output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output shapes differ", NAME);
    }

    softmax_data d;
    // beta is absent (0.0, the schema default) when the options are: TFLM fails then too.
    const float beta = tm_fb_f32(tm_node_options(m, n), OPT_BETA, 0.0f);
    if (tm_softmax_prepare_params((double)beta, (double)input->scale, &d.params) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: beta x input scale is too small (needs > 2^-26)", NAME);
    }
    d.depth = input->dims[input->ndim - 1];
    d.outer = tm_tensor_elements(input) / d.depth;
    d.int16_output = int16_output;

    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void softmax_eval(const tm_model *m, const tm_node *n) {
    if (is_int16(m, n)) {
        const softmax_s16_data *d = (const softmax_s16_data *)n->data;
        tm_softmax_s16(&d->params, d->outer, d->depth, (const int16_t *)tm_input(m, n, 0)->data,
            (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    const softmax_data *d = (const softmax_data *)n->data;
    const int8_t *in = (const int8_t *)tm_input(m, n, 0)->data;
    void *out = tm_output(m, n, 0)->data;
    if (d->int16_output) {
        tm_softmax_s8_s16(&d->params, d->outer, d->depth, in, (int16_t *)out);
    } else {
        tm_softmax_s8(&d->params, d->outer, d->depth, in, (int8_t *)out);
    }
}

// Version 2 is the int8 version, 3 adds int16 input.
const tm_op tm_op_softmax = {
    "SOFTMAX",
    TM_BUILTIN_SOFTMAX,
    3,
    softmax_persist_bytes,
    softmax_prepare,
    softmax_eval,
};
