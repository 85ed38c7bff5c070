// tinyml: prepare-time helpers for the element-wise and data-movement ops, see op_tensor_util.h.
#include "op_tensor_util.h"

#include <string.h>

#include "op_conv_common.h"

tm_status tm_op_check_arity(const tm_node *n, int min_in, int max_in, int n_out, const char *op,
    tm_error *err) {
    if (n->n_inputs < min_in || n->n_inputs > max_in || n->n_outputs != n_out) {
        if (min_in == max_in) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected %d and %d)", op,
                (unsigned)n->n_inputs, (unsigned)n->n_outputs, min_in, n_out);
        }
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected %d to %d inputs and %d output)",
            op, (unsigned)n->n_inputs, (unsigned)n->n_outputs, min_in, max_in, n_out);
    }
    for (int i = 0; i < n->n_inputs; ++i) {
        if (n->inputs[i] < 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: input %d is missing", op, i + 1);
        }
    }
    return TM_OK;
}

static int finite_positive(float x) {
    return x > 0.0f && x <= 3.4028234663852886e38f;  // false for NaN and +inf
}

tm_status tm_op_check_quantized(const tm_tensor *t, int type, const char *op, const char *what,
    tm_error *err) {
    if (t->type != type) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s is %s (expected %s)", op, what,
            tm_type_name(t->type), tm_type_name(type));
    }
    if (tm_tensor_quant_count(t) != 1) {
        if (tm_tensor_quant_count(t) == 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %s %s has no quantization parameters", op,
                tm_type_name(type), what);
        }
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s has %u (per-channel) scales; only per-tensor quantization is supported",
            op, what, (unsigned)tm_tensor_quant_count(t));
    }
    if (!finite_positive(t->scale)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s scale is not a positive number", op, what);
    }
    const int32_t lo = type == TM_INT16 ? -32768 : -128;
    const int32_t hi = type == TM_INT16 ? 32767 : 127;
    if (t->zero_point < lo || t->zero_point > hi) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s zero point %d is outside %s", op, what,
            (int)t->zero_point, tm_type_name(type));
    }
    return TM_OK;
}

tm_status tm_op_check_const_ints(const tm_tensor *t, int allow_int64, const char *op, const char *what,
    tm_error *err) {
    if (t->type != TM_INT32 && !(allow_int64 && t->type == TM_INT64)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s tensor is %s (expected int32%s)", op, what,
            tm_type_name(t->type), allow_int64 ? " or int64" : "");
    }
    if (!t->is_const || t->data == NULL) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s tensor is not a constant (computed %s are not supported)",
            op, what, what);
    }
    return TM_OK;
}

int64_t tm_op_const_int(const tm_tensor *t, int32_t i) {
    const uint8_t *p = (const uint8_t *)t->data;
    if (t->type == TM_INT64) {
        int64_t v;
        memcpy(&v, p + 8 * (size_t)i, sizeof(v));
        return v;
    }
    int32_t v;
    memcpy(&v, p + 4 * (size_t)i, sizeof(v));
    return v;
}

int tm_op_same_shape(const tm_tensor *a, const tm_tensor *b) {
    if (a->ndim != b->ndim) {
        return 0;
    }
    for (int i = 0; i < a->ndim; ++i) {
        if (a->dims[i] != b->dims[i]) {
            return 0;
        }
    }
    return 1;
}

tm_status tm_op_binary_prepare(const tm_model *m, const tm_node *n, const char *op, tm_broadcast *bc,
    int32_t *act_min, int32_t *act_max, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *in1 = tm_input(m, n, 0);
    const tm_tensor *in2 = tm_input(m, n, 1);
    const tm_tensor *out = tm_output(m, n, 0);
    if (tm_op_check_quantized(in1, TM_INT8, op, "input 1", err) != TM_OK
        || tm_op_check_quantized(in2, TM_INT8, op, "input 2", err) != TM_OK
        || tm_op_check_quantized(out, TM_INT8, op, "output", err) != TM_OK) {
        return err->status;
    }
    if (tm_broadcast_init(bc, in1->dims, in1->ndim, in2->dims, in2->ndim, out->dims, out->ndim) != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input shapes (%d-D and %d-D) do not broadcast to the %d-D output shape",
            op, (int)in1->ndim, (int)in2->ndim, (int)out->ndim);
    }
    const int activation = tm_fb_u8(&n->options, 0, 0);
    return tm_conv_activation_range(activation, out, act_min, act_max, op, err);
}
