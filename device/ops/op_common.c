// tinyml: what the op glue shares (see op_common.h).
#include "op_common.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "lut.h"
#include "pool_2d.h"
#include "reshape.h"
#include "tm_quant.h"

// ---- The node ----

// Inputs [0, required) must be present, the others may be omitted.
static tm_status check_arity(
    const tm_node *n, int min_in, int max_in, int required, int n_out, const char *op, tm_error *err) {
    if (n->n_inputs < min_in || n->n_inputs > max_in || n->n_outputs != n_out) {
        if (min_in == max_in) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected %d and %d)", op,
                (unsigned)n->n_inputs, (unsigned)n->n_outputs, min_in, n_out);
        }
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected %d %s %d inputs and %d output)", op,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs, min_in, max_in == min_in + 1 ? "or" : "to", max_in, n_out);
    }
    if (n->first_omitted < n->n_inputs && n->first_omitted < required) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input %d is missing", op, n->first_omitted + 1);
    }
    return TM_OK;
}

tm_status tm_op_check_arity(const tm_node *n, int min_in, int max_in, int n_out, const char *op, tm_error *err) {
    return check_arity(n, min_in, max_in, max_in, n_out, op, err);
}

tm_status tm_op_check_arity_optional(
    const tm_node *n, int min_in, int max_in, int n_out, const char *op, tm_error *err) {
    return check_arity(n, min_in, max_in, min_in, n_out, op, err);
}

// ---- Tensors ----

static int finite_positive(float x) {
    return x > 0.0f && x <= FLT_MAX; // false for NaN and +inf
}

tm_status tm_op_check_quantized(const tm_tensor *t, int type, const char *op, const char *what, tm_error *err) {
    if (t->type != type) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s is %s (only %s is supported)", op, what, tm_type_name(t->type),
            tm_type_name(type));
    }
    if (tm_tensor_quant_count(t) != 1) {
        if (tm_tensor_quant_count(t) == 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %s %s has no quantization parameters", op, tm_type_name(type), what);
        }
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: %s has %u (per-channel) scales; only per-tensor quantization is supported", op, what,
            (unsigned)tm_tensor_quant_count(t));
    }
    if (!finite_positive(t->scale)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s scale is not a positive number", op, what);
    }
    const int32_t lo = type == TM_INT16 ? -32768 : -128;
    const int32_t hi = type == TM_INT16 ? 32767 : 127;
    if (t->zero_point < lo || t->zero_point > hi) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %s zero point %d is outside %s", op, what, (int)t->zero_point, tm_type_name(type));
    }
    return TM_OK;
}

tm_status tm_op_check_zero_point_0(const tm_tensor *t, const char *op, const char *what, tm_error *err) {
    if (t->zero_point != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s %s zero point is %d (must be 0)", op, tm_type_name(t->type), what,
            (int)t->zero_point);
    }
    return TM_OK;
}

tm_status tm_op_check_same_type(const tm_tensor *input, const tm_tensor *output, const char *op, tm_error *err) {
    if (input->type != output->type) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input is %s, output is %s", op, tm_type_name(input->type),
            tm_type_name(output->type));
    }
    if (tm_type_size(input->type) == 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: type %s is not supported", op, tm_type_name(input->type));
    }
    return TM_OK;
}

tm_status tm_op_check_same_size(const tm_tensor *input, const tm_tensor *output, const char *op, tm_error *err) {
    if (tm_tensor_elements(input) != tm_tensor_elements(output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input has %d elements, output %d", op, (int)tm_tensor_elements(input),
            (int)tm_tensor_elements(output));
    }
    return TM_OK;
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

tm_status tm_op_check_const_ints(const tm_tensor *t, int allow_int64, const char *op, const char *what, tm_error *err) {
    if (t->type != TM_INT32 && !(allow_int64 && t->type == TM_INT64)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s tensor is %s (expected int32%s)", op, what,
            tm_type_name(t->type), allow_int64 ? " or int64" : "");
    }
    if (!t->is_const || t->data == NULL) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %s tensor is not a constant (computed %s are not supported)", op, what, what);
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

tm_status tm_op_check_int8_unary(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, op, err) != TM_OK) {
        return err->status;
    }
    *input = tm_input(m, n, 0);
    *output = tm_output(m, n, 0);
    return tm_op_check_quantized(*input, TM_INT8, op, "input", err);
}

tm_status tm_op_check_unary_s8_s16(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, op, err) != TM_OK) {
        return err->status;
    }
    *input = tm_input(m, n, 0);
    *output = tm_output(m, n, 0);
    const int type = (*input)->type == TM_INT16 ? TM_INT16 : TM_INT8;
    if (tm_op_check_quantized(*input, type, op, "input", err) != TM_OK) {
        return err->status;
    }
    return tm_op_check_quantized(*output, type, op, "output", err);
}

tm_status tm_op_check_int8_map(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err) {
    if (tm_op_check_int8_unary(m, n, op, input, output, err) != TM_OK
        || tm_op_check_quantized(*output, TM_INT8, op, "output", err) != TM_OK) {
        return err->status;
    }
    return tm_op_check_same_size(*input, *output, op, err);
}

// ---- Fused activation ----

// TFLM's Quantize() in CalculateActivationRangeQuantized: zero_point + round(f / scale) must be an
// int32 (TFLM fails on a float overflow; the int32 addition overflow is undefined there, refused here).
static int activation_bound_fits(float f, float scale, int32_t zero_point) {
    const float q = tm_roundf(f / scale);
    if (!(q >= -2147483648.0f && q < 2147483648.0f)) {
        return 0;
    }
    const int64_t v = (int64_t)zero_point + (int64_t)q;
    return v >= INT32_MIN && v <= INT32_MAX;
}

tm_status tm_op_activation_range(
    int activation, const tm_tensor *output, int32_t *act_min, int32_t *act_max, const char *op, tm_error *err) {
    static const char *const names[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"};
    if (activation < 0 || activation > 3) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activation %s is not supported", op,
            activation >= 0 && activation <= 5 ? names[activation] : "(unknown)");
    }
    // The real values TFLM quantizes for each activation: RELU 0; RELU_N1_TO_1 -1, 1; RELU6 0, 6.
    static const float bounds[4][2] = {{0.0f, 0.0f}, {0.0f, 0.0f}, {-1.0f, 1.0f}, {0.0f, 6.0f}};
    for (int i = 0; i < 2; ++i) {
        if (activation != 0 && !activation_bound_fits(bounds[activation][i], output->scale, output->zero_point)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output scale too small for fused %s", op, names[activation]);
        }
    }
    const int32_t qmin = output->type == TM_INT16 ? -32768 : -128;
    const int32_t qmax = output->type == TM_INT16 ? 32767 : 127;
    if (tm_activation_range_quantized(activation, output->scale, output->zero_point, qmin, qmax, act_min, act_max)
        != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activation %s is not supported", op, names[activation]);
    }
    if (*act_min > *act_max) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: fused %s range is empty for the output quantization", op, names[activation]);
    }
    return TM_OK;
}

// ---- Requantization multipliers ----

tm_status tm_op_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift, const char *op, tm_error *err) {
    int s = 0;
    if (tm_quantize_multiplier(real, multiplier, &s) != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: requantization scale is not a finite number", op);
    }
    if (s > 31) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: requantization scale too large (2^%d)", op, s);
    }
    // Scales are checked positive (or 0 for a weight channel), so the multiplier is in [0, 2^31):
    // the kernels' output stage (kernels/requantize.h) relies on it never being INT32_MIN.
    if (*multiplier < 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: negative requantization scale", op);
    }
    *shift = s;
    return TM_OK;
}

tm_status tm_op_channel_multipliers(const tm_model *m, float input_scale, const tm_tensor *filter, float output_scale,
    int32_t channels, int32_t *multiplier, int8_t *shift, const char *op, tm_error *err) {
    const int per_channel = tm_tensor_quant_count(filter) > 1;
    tm_quant_params q;
    if (tm_tensor_quant(m, filter, &q, err) != TM_OK) {
        return err->status;
    }
    if (per_channel && q.scales.len < (uint32_t)channels) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %u weight scales for %d output channels", op, (unsigned)q.scales.len,
            (int)channels);
    }
    for (int32_t c = 0; c < channels; ++c) {
        const float filter_scale = tm_fb_vec_f32(&q.scales, per_channel ? (uint32_t)c : 0u);
        // Same operations, same order, same precision as TFLM: double(in) * double(f) / double(out).
        const double real = (double)input_scale * (double)filter_scale / (double)output_scale;
        int32_t s;
        if (tm_op_quantize_multiplier(real, &multiplier[c], &s, op, err) != TM_OK) {
            return err->status;
        }
        shift[c] = (int8_t)s; // in [-31, 31] (tm_op_quantize_multiplier, tm_quantize_multiplier)
    }
    return TM_OK;
}

// ---- Convolution-like ops ----

tm_status tm_op_get_conv_tensors(
    const tm_model *m, const tm_node *n, const char *op, tm_op_conv_tensors *t, tm_error *err) {
    if (tm_op_check_arity_optional(n, 2, 3, 1, op, err) != TM_OK) {
        return err->status;
    }
    t->input = tm_input(m, n, 0);
    t->filter = tm_input(m, n, 1);
    t->bias = tm_input(m, n, 2);
    t->output = tm_output(m, n, 0);
    // int8 activations, or 16x8: int16 activations (symmetric) with int8 weights.
    const int type = t->input->type == TM_INT16 ? TM_INT16 : TM_INT8;
    if (tm_op_check_quantized(t->input, type, op, "input", err) != TM_OK
        || tm_op_check_quantized(t->output, type, op, "output", err) != TM_OK) {
        return err->status;
    }
    if (type == TM_INT16 && (t->input->zero_point != 0 || t->output->zero_point != 0)) {
        // TFLM's 16x8 kernels ignore zero points: a model with others would be mis-read.
        return tm_fail(err, TM_ERR_MODEL, "%s: int16 %s zero point %d is not 0 (16x8 activations are symmetric)", op,
            t->input->zero_point != 0 ? "input" : "output",
            (int)(t->input->zero_point != 0 ? t->input->zero_point : t->output->zero_point));
    }
    if (t->filter->type != TM_INT8) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: weights are %s (only int8 is supported)", op, tm_type_name(t->filter->type));
    }
    return TM_OK;
}

tm_status tm_op_check_conv_4d(const tm_op_conv_tensors *t, const char *op, tm_error *err) {
    if (t->input->ndim != 4 || t->filter->ndim != 4 || t->output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input, filter and output must have 4 dimensions (%u, %u, %u)", op,
            (unsigned)t->input->ndim, (unsigned)t->filter->ndim, (unsigned)t->output->ndim);
    }
    return TM_OK;
}

tm_status tm_op_check_weights(
    const tm_model *m, const tm_tensor *t, int axis, int32_t channels, const char *op, tm_error *err) {
    const uint32_t n = tm_tensor_quant_count(t);
    tm_quant_params q;
    if (tm_tensor_quant(m, t, &q, err) != TM_OK) {
        return err->status;
    }
    if (n == 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: int8 weights have no quantization", op);
    }
    if (n != 1) {
        if (q.quantized_dimension != axis) {
            return tm_fail(err, TM_ERR_UNSUPPORTED,
                "%s: per-channel weights quantized along axis %d (only axis %d is supported)", op,
                (int)q.quantized_dimension, axis);
        }
        if (n != (uint32_t)channels) {
            return tm_fail(
                err, TM_ERR_MODEL, "%s: %u weight scales for %d output channels", op, (unsigned)n, (int)channels);
        }
    }
    for (uint32_t i = 0; i < n; ++i) {
        const float s = tm_fb_vec_f32(&q.scales, i);
        // 0 is legal (an all-zero channel): its multiplier is 0 and the channel outputs the zero point.
        if (!(s >= 0.0f && s <= FLT_MAX)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: weight scale %u is negative or not a number", op, (unsigned)i);
        }
    }
    for (uint32_t i = 0; i < q.zero_points.len; ++i) {
        if (tm_fb_vec_i64(&q.zero_points, i) != 0) {
            return tm_fail(
                err, TM_ERR_UNSUPPORTED, "%s: weights must be symmetric (zero point %u is not 0)", op, (unsigned)i);
        }
    }
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: unreadable weight quantization", op);
    }
    return TM_OK;
}

static tm_status check_bias_size(const tm_tensor *t, int32_t channels, const char *op, tm_error *err) {
    if (tm_tensor_elements(t) != channels) {
        return tm_fail(err, TM_ERR_MODEL, "%s: bias has %d elements for %d output channels", op,
            (int)tm_tensor_elements(t), (int)channels);
    }
    return TM_OK;
}

tm_status tm_op_check_bias_s16(const tm_tensor *t, int32_t channels, int allow_int32, const char *op, tm_error *err) {
    if (t == NULL) {
        return TM_OK;
    }
    if (t->type != TM_INT64 && !(allow_int32 && t->type == TM_INT32)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: bias is %s (16x8 needs an int64%s bias)", op,
            tm_type_name(t->type), allow_int32 ? " or int32" : "");
    }
    return check_bias_size(t, channels, op, err);
}

tm_bias_s16 tm_op_bias_s16(const tm_tensor *bias) {
    tm_bias_s16 b = {NULL, NULL};
    if (bias != NULL && bias->type == TM_INT32) {
        b.b32 = (const int32_t *)bias->data;
    } else if (bias != NULL) {
        b.b64 = (const int64_t *)bias->data;
    }
    return b;
}

tm_status tm_op_check_shifts_s64(const int8_t *shift, int32_t count, const char *op, tm_error *err) {
    for (int32_t c = 0; c < count; ++c) {
        if (shift[c] > 14) {
            return tm_fail(
                err, TM_ERR_UNSUPPORTED, "%s: requantization scale too large for 16x8 (2^%d)", op, (int)shift[c]);
        }
    }
    return TM_OK;
}

tm_status tm_op_check_bias(const tm_tensor *t, int32_t channels, const char *op, tm_error *err) {
    if (t == NULL) {
        return TM_OK;
    }
    if (t->type != TM_INT32) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: bias is %s (int8 ops need an int32 bias)", op, tm_type_name(t->type));
    }
    return check_bias_size(t, channels, op, err);
}

tm_status tm_op_axis_padding(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
    int32_t model_out, int32_t *pad, const char *op, const char *axis, tm_error *err) {
    if (stride < 1 || dilation < 1) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %s stride %d / dilation %d must be >= 1", op, axis, (int)stride, (int)dilation);
    }
    // All in 64 bits: no intermediate can overflow, whatever the model says.
    const int64_t effective = ((int64_t)filter - 1) * dilation + 1;
    if (effective + in > INT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s filter extent too large", op, axis);
    }
    int64_t out;
    if (padding == TM_PADDING_SAME) {
        out = ((int64_t)in + stride - 1) / stride;
    } else if (padding == TM_PADDING_VALID) {
        // Same truncating division as TFLM's ComputeOutSize (a negative numerator gives <= 0).
        out = ((int64_t)in + stride - effective) / stride;
    } else {
        return tm_fail(err, TM_ERR_MODEL, "%s: unknown padding type %d", op, padding);
    }
    if (out < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s filter extent %d is larger than the input (%d)", op, axis,
            (int)effective, (int)in);
    }
    if (out != model_out) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output %s is %d, the model says %d", op, axis, (int)out, (int)model_out);
    }
    // ComputePaddingWithOffset: half the total padding (rounded down) goes before the first element.
    int64_t total = (out - 1) * stride + effective - in;
    if (total < 0) {
        total = 0;
    }
    *pad = (int32_t)(total / 2);
    return TM_OK;
}

void tm_op_read_window(const tm_model *m, const tm_node *n, const tm_op_window_fields *f, tm_op_window *w) {
    const tm_fb_table *opt = tm_node_options(m, n);
    w->padding = tm_fb_u8(opt, f->padding, TM_PADDING_SAME);
    w->stride_w = tm_fb_i32(opt, f->stride_w, 0);
    w->stride_h = tm_fb_i32(opt, f->stride_h, 0);
    w->dilation_w = tm_fb_i32(opt, f->dilation_w, 1);
    w->dilation_h = tm_fb_i32(opt, f->dilation_h, 1);
    w->pad_h = 0;
    w->pad_w = 0;
}

tm_status tm_op_window_padding(tm_op_window *w, const tm_op_conv_tensors *t, const char *op, tm_error *err) {
    const int32_t *in = t->input->dims, *filter = t->filter->dims, *out = t->output->dims;
    if (tm_op_axis_padding(
            w->padding, in[1], filter[1], w->stride_h, w->dilation_h, out[1], &w->pad_h, op, "height", err)
        != TM_OK) {
        return err->status;
    }
    return tm_op_axis_padding(
        w->padding, in[2], filter[2], w->stride_w, w->dilation_w, out[2], &w->pad_w, op, "width", err);
}

// ---- Op data in persistent memory ----

void *tm_op_alloc_data(tm_model *m, size_t bytes, const char *op, tm_error *err) {
    void *data = tm_model_persist_alloc(m, bytes);
    if (data == NULL) {
        tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", op);
    }
    return data;
}

tm_status tm_op_store_data(tm_model *m, tm_node *n, const void *src, size_t bytes, const char *op, tm_error *err) {
    void *data = tm_op_alloc_data(m, bytes, op, err);
    if (data == NULL) {
        return err->status;
    }
    memcpy(data, src, bytes);
    n->data = data;
    return TM_OK;
}

size_t tm_op_data_with_scratch_bytes(size_t header_bytes, size_t scratch_bytes) {
    return ((header_bytes + 7u) & ~(size_t)7u) + scratch_bytes;
}

tm_status tm_op_store_data_with_scratch(tm_model *m, tm_node *n, const void *src, size_t header_bytes,
    size_t scratch_bytes, const char *op, tm_error *err) {
    void *data = tm_op_alloc_data(m, tm_op_data_with_scratch_bytes(header_bytes, scratch_bytes), op, err);
    if (data == NULL) {
        return err->status;
    }
    memcpy(data, src, header_bytes);
    n->data = data;
    return TM_OK;
}

size_t tm_op_data_with_multipliers_bytes(size_t header_bytes, int32_t count) {
    return header_bytes + (sizeof(int32_t) + sizeof(int8_t)) * (size_t)count;
}

void *tm_op_alloc_data_with_multipliers(tm_model *m, size_t header_bytes, int32_t count, int32_t **multiplier,
    int8_t **shift, const char *op, tm_error *err) {
    uint8_t *data = (uint8_t *)tm_op_alloc_data(m, tm_op_data_with_multipliers_bytes(header_bytes, count), op, err);
    if (data != NULL) {
        *multiplier = (int32_t *)(data + header_bytes);
        *shift = (int8_t *)(*multiplier + count);
    }
    return data;
}

// ---- Prepare / eval shared by two ops ----

static tm_status binary_prepare(const tm_model *m, const tm_node *n, const char *op, int allow_int16, tm_op_binary *b,
    tm_broadcast *bc, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    b->in1 = tm_input(m, n, 0);
    b->in2 = tm_input(m, n, 1);
    b->out = tm_output(m, n, 0);
    const int type = allow_int16 && b->in1->type == TM_INT16 ? TM_INT16 : TM_INT8;
    if (tm_op_check_quantized(b->in1, type, op, "input 1", err) != TM_OK
        || tm_op_check_quantized(b->in2, type, op, "input 2", err) != TM_OK
        || tm_op_check_quantized(b->out, type, op, "output", err) != TM_OK) {
        return err->status;
    }
    if (tm_broadcast_init(bc, b->in1->dims, b->in1->ndim, b->in2->dims, b->in2->ndim, b->out->dims, b->out->ndim)
        != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input shapes (%d-D and %d-D) do not broadcast to the %d-D output shape",
            op, (int)b->in1->ndim, (int)b->in2->ndim, (int)b->out->ndim);
    }
    const int activation = tm_fb_u8(tm_node_options(m, n), 0, 0);
    return tm_op_activation_range(activation, b->out, &b->act_min, &b->act_max, op, err);
}

tm_status tm_op_binary_prepare(
    const tm_model *m, const tm_node *n, const char *op, tm_op_binary *b, tm_broadcast *bc, tm_error *err) {
    return binary_prepare(m, n, op, 0, b, bc, err);
}

tm_status tm_op_binary_prepare_s16(
    const tm_model *m, const tm_node *n, const char *op, tm_op_binary *b, tm_broadcast *bc, tm_error *err) {
    return binary_prepare(m, n, op, 1, b, bc, err);
}

tm_status tm_op_binary_prepare_s32(
    const tm_model *m, const tm_node *n, const char *op, int has_activation, tm_broadcast *bc, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *t[3] = {tm_input(m, n, 0), tm_input(m, n, 1), tm_output(m, n, 0)};
    const char *what[3] = {"input 1", "input 2", "output"};
    for (int i = 0; i < 3; ++i) {
        if (t[i]->type != TM_INT32) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s is %s (input 1 is int32, so must every tensor be)", op,
                what[i], tm_type_name(t[i]->type));
        }
    }
    if (tm_broadcast_init(bc, t[0]->dims, t[0]->ndim, t[1]->dims, t[1]->ndim, t[2]->dims, t[2]->ndim) != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input shapes (%d-D and %d-D) do not broadcast to the %d-D output shape",
            op, (int)t[0]->ndim, (int)t[1]->ndim, (int)t[2]->ndim);
    }
    if (has_activation && tm_fb_u8(tm_node_options(m, n), 0, 0) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int32 with a fused activation is not supported", op);
    }
    return TM_OK;
}

// Pool2DOptions field indices (schema.fbs).
enum {
    POOL_OPT_PADDING = 0,
    POOL_OPT_STRIDE_W = 1,
    POOL_OPT_STRIDE_H = 2,
    POOL_OPT_FILTER_WIDTH = 3,
    POOL_OPT_FILTER_HEIGHT = 4,
    POOL_OPT_ACTIVATION = 5,
};

size_t tm_op_pool_2d_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_pool_params);
}

tm_status tm_op_pool_2d_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_unary_s8_s16(m, n, op, &input, &output, err) != TM_OK) {
        return err->status;
    }
    const int type = input->type;
    // TFLM: the same quantization on both sides (scales within 1e-6, equal zero points).
    if (fabs((double)input->scale - (double)output->scale) > 1.0e-6 || input->zero_point != output->zero_point) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output quantization differ (must be equal)", op);
    }
    if (input->ndim != 4 || output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output must be 4-D (NHWC), are %u-D and %u-D", op,
            (unsigned)input->ndim, (unsigned)output->ndim);
    }
    if (input->dims[0] != output->dims[0] || input->dims[3] != output->dims[3]) {
        return tm_fail(err, TM_ERR_MODEL, "%s: batch or channel count differs between input and output", op);
    }
    if (!tm_fb_table_present(tm_node_options(m, n))) {
        return tm_fail(err, TM_ERR_MODEL, "%s: Pool2DOptions missing", op);
    }
    const int padding = tm_fb_i8(tm_node_options(m, n), POOL_OPT_PADDING, 0);
    const int32_t stride_w = tm_fb_i32(tm_node_options(m, n), POOL_OPT_STRIDE_W, 0);
    const int32_t stride_h = tm_fb_i32(tm_node_options(m, n), POOL_OPT_STRIDE_H, 0);
    const int32_t filter_w = tm_fb_i32(tm_node_options(m, n), POOL_OPT_FILTER_WIDTH, 0);
    const int32_t filter_h = tm_fb_i32(tm_node_options(m, n), POOL_OPT_FILTER_HEIGHT, 0);
    const int activation = tm_fb_i8(tm_node_options(m, n), POOL_OPT_ACTIVATION, 0);
    if (filter_w < 1 || filter_h < 1) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: filter size %dx%d must be at least 1x1", op, (int)filter_h, (int)filter_w);
    }

    tm_pool_params p;
    p.batches = input->dims[0];
    p.in_h = input->dims[1];
    p.in_w = input->dims[2];
    p.channels = input->dims[3];
    p.out_h = output->dims[1];
    p.out_w = output->dims[2];
    p.stride_h = stride_h;
    p.stride_w = stride_w;
    p.filter_h = filter_h;
    p.filter_w = filter_w;
    if (tm_op_axis_padding(padding, p.in_h, filter_h, stride_h, 1, p.out_h, &p.pad_h, op, "height", err) != TM_OK
        || tm_op_axis_padding(padding, p.in_w, filter_w, stride_w, 1, p.out_w, &p.pad_w, op, "width", err) != TM_OK
        || tm_op_activation_range(activation, output, &p.act_min, &p.act_max, op, err) != TM_OK) {
        return err->status;
    }
    // The average's int32 sum of up to (window inside the input) int8 / int16 values must not overflow.
    const int64_t window = (int64_t)TM_MIN(filter_h, p.in_h) * (int64_t)TM_MIN(filter_w, p.in_w);
    if (window > INT32_MAX / (type == TM_INT16 ? 32768 : 128)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: pooling window too large", op);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), op, err);
}

size_t tm_op_lut_s8_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_lut_s8_table);
}

void tm_op_lut_s8_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_lut_s8((const tm_lut_s8_table *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

void tm_op_copy_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *output = tm_output(m, n, 0);
    tm_reshape(tm_input(m, n, 0)->data, output->data, output->bytes);
}
