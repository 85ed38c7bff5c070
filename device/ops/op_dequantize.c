// tinyml op: DEQUANTIZE, int8 / int16 -> float32 (TFLM dequantize.cc / dequantize_common.cc:
// DequantizePrepare, reference_ops::Dequantize with the scale widened to double); the kernels are
// in kernels/dequantize.c.
#include "tm_ops.h"
#include "op_common.h"
#include "dequantize.h"

static const char *const NAME = "DEQUANTIZE";

typedef struct {
    tm_dequantize_params params;
    int32_t count;
    int32_t is_int16;
} dequantize_data;

static size_t dequantize_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(dequantize_data);
}

static tm_status dequantize_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input->type != TM_INT8 && input->type != TM_INT16) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: input is %s (int8 or int16 supported)", NAME, tm_type_name(input->type));
    }
    // Per-channel input: TFLM's reference would use the first scale for everything; refuse it.
    if (tm_op_check_quantized(input, input->type, NAME, "input", err) != TM_OK) {
        return err->status;
    }
    if (output->type != TM_FLOAT32) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: output is %s (only float32 is supported)", NAME, tm_type_name(output->type));
    }
    if (tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    dequantize_data *data = (dequantize_data *)tm_op_alloc_data(m, sizeof(dequantize_data), NAME, err);
    if (data == NULL) {
        return err->status;
    }
    data->params.scale = (double)input->scale;
    data->params.zero_point = input->zero_point;
    data->count = tm_tensor_elements(input);
    data->is_int16 = input->type == TM_INT16;
    n->data = data;
    return TM_OK;
}

static void dequantize_eval(const tm_model *m, const tm_node *n) {
    const dequantize_data *d = (const dequantize_data *)n->data;
    const void *in = tm_input(m, n, 0)->data;
    void *out = tm_output(m, n, 0)->data;
    if (d->is_int16) {
        tm_dequantize_s16_f32(&d->params, (const int16_t *)in, out, d->count);
    } else {
        tm_dequantize_s8_f32(&d->params, (const int8_t *)in, out, d->count);
    }
}

// Version 2 is int8, 3 int16 (and float16, refused by the type check); 5 is per-channel, 6 int4.
const tm_op tm_op_dequantize = {
    "DEQUANTIZE",
    TM_BUILTIN_DEQUANTIZE,
    3,
    dequantize_persist_bytes,
    dequantize_prepare,
    dequantize_eval,
};
