// tinyml op: QUANTIZE (TFLM quantize.cc / quantize_common.cc: PrepareQuantizeReference,
// EvalQuantizeReference): float32 -> int8 / int16 (AffineQuantize) and int8 / int16 -> int8 /
// int16 / int32 requantization (Requantize). The kernels are in kernels/quantize.c.
#include "tm_ops.h"
#include "op_common.h"
#include "quantize.h"

#include <float.h>

static const char *const NAME = "QUANTIZE";

enum {
    QUANTIZE_F32_S8,
    QUANTIZE_F32_S16,
    REQUANTIZE_S8_S8,
    REQUANTIZE_S8_S16,
    REQUANTIZE_S16_S8,
    REQUANTIZE_S16_S16,
    REQUANTIZE_S8_S32,
    REQUANTIZE_S16_S32,
};

typedef struct {
    int32_t kind;
    int32_t count;
    tm_quantize_params quantize;
    tm_requantize_params requantize;
} quantize_data;

static size_t quantize_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(quantize_data);
}

static tm_status quantize_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    const int int32_output = output->type == TM_INT32;
    if (output->type != TM_INT8 && output->type != TM_INT16 && !int32_output) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (int8, int16 or int32 supported)", NAME,
            tm_type_name(output->type));
    }
    // TFLM: the output is per-tensor quantized (one scale). An int32 output (from int8 / int16
    // only, as TFLM allows) may have any int32 zero point.
    if (int32_output) {
        if (input->type != TM_INT8 && input->type != TM_INT16) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s -> int32 (only int8 or int16 -> int32 is supported)", NAME,
                tm_type_name(input->type));
        }
        if (tm_tensor_quant_count(output) != 1 || !(output->scale > 0.0f && output->scale <= FLT_MAX)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: int32 output needs one positive scale", NAME);
        }
    } else if (tm_op_check_quantized(output, output->type, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    quantize_data d;
    d.count = tm_tensor_elements(input);
    d.quantize.scale = output->scale;
    d.quantize.zero_point = output->zero_point;
    if (input->type == TM_FLOAT32) {
        d.kind = output->type == TM_INT8 ? QUANTIZE_F32_S8 : QUANTIZE_F32_S16;
    } else if (input->type == TM_INT8 || input->type == TM_INT16) {
        if (tm_op_check_quantized(input, input->type, NAME, "input", err) != TM_OK) {
            return err->status;
        }
        if (tm_requantize_params_init(&d.requantize, input->scale, input->zero_point, output->scale, output->zero_point)
            != 0) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
        }
        if (input->type == TM_INT8) {
            d.kind =
                int32_output ? REQUANTIZE_S8_S32 : (output->type == TM_INT8 ? REQUANTIZE_S8_S8 : REQUANTIZE_S8_S16);
        } else {
            d.kind =
                int32_output ? REQUANTIZE_S16_S32 : (output->type == TM_INT8 ? REQUANTIZE_S16_S8 : REQUANTIZE_S16_S16);
        }
    } else {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input is %s (float32, int8 or int16 supported)", NAME,
            tm_type_name(input->type));
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void quantize_eval(const tm_model *m, const tm_node *n) {
    const quantize_data *d = (const quantize_data *)n->data;
    const void *in = tm_input(m, n, 0)->data;
    void *out = tm_output(m, n, 0)->data;
    switch (d->kind) {
        case QUANTIZE_F32_S8:
            tm_quantize_f32_s8(&d->quantize, in, (int8_t *)out, d->count);
            break;
        case QUANTIZE_F32_S16:
            tm_quantize_f32_s16(&d->quantize, in, (int16_t *)out, d->count);
            break;
        case REQUANTIZE_S8_S8:
            tm_requantize_s8_s8(&d->requantize, (const int8_t *)in, (int8_t *)out, d->count);
            break;
        case REQUANTIZE_S8_S16:
            tm_requantize_s8_s16(&d->requantize, (const int8_t *)in, (int16_t *)out, d->count);
            break;
        case REQUANTIZE_S16_S8:
            tm_requantize_s16_s8(&d->requantize, (const int16_t *)in, (int8_t *)out, d->count);
            break;
        case REQUANTIZE_S8_S32:
            tm_requantize_s8_s32(&d->requantize, (const int8_t *)in, (int32_t *)out, d->count);
            break;
        case REQUANTIZE_S16_S32:
            tm_requantize_s16_s32(&d->requantize, (const int16_t *)in, (int32_t *)out, d->count);
            break;
        default:
            tm_requantize_s16_s16(&d->requantize, (const int16_t *)in, (int16_t *)out, d->count);
            break;
    }
}

// Version 1 is float32 -> int8 and int8 -> int8, 2 an int16 output (3 is per-channel, 4 int4).
const tm_op tm_op_quantize = {
    "QUANTIZE",
    TM_BUILTIN_QUANTIZE,
    2,
    quantize_persist_bytes,
    quantize_prepare,
    quantize_eval,
};
