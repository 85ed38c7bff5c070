// tinyml: prepare-time helpers for the convolution-like ops (see op_conv_common.h).
#include "op_conv_common.h"

#include <float.h>

#include "tm_quant.h"

static int finite_positive(float s) {
    return s > 0.0f && s <= FLT_MAX;
}

tm_status tm_conv_check_activation_tensor(const tm_tensor *t, const char *op_name, const char *what,
    tm_error *err) {
    if (t->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s is %s (only int8 is supported)", op_name, what,
            tm_type_name(t->type));
    }
    if (tm_tensor_quant_count(t) != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: int8 %s needs one quantization scale, has %u", op_name,
            what, (unsigned)tm_tensor_quant_count(t));
    }
    if (!finite_positive(t->scale)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s scale is not a positive number", op_name, what);
    }
    if (t->zero_point < -128 || t->zero_point > 127) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s zero point %d is outside int8", op_name, what,
            (int)t->zero_point);
    }
    return TM_OK;
}

tm_status tm_conv_check_weights(const tm_tensor *t, int axis, int32_t channels, const char *op_name,
    tm_error *err) {
    if (t->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: weights are %s (only int8 is supported)", op_name,
            tm_type_name(t->type));
    }
    const uint32_t n = tm_tensor_quant_count(t);
    if (n == 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: int8 weights have no quantization", op_name);
    }
    if (n != 1) {
        if (t->quantized_dimension != axis) {
            return tm_fail(err, TM_ERR_UNSUPPORTED,
                "%s: per-channel weights quantized along axis %d (only axis %d is supported)", op_name,
                (int)t->quantized_dimension, axis);
        }
        if (n != (uint32_t)channels) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %u weight scales for %d output channels", op_name,
                (unsigned)n, (int)channels);
        }
    }
    for (uint32_t i = 0; i < n; ++i) {
        const float s = tm_fb_vec_f32(&t->scales, i);
        // 0 is legal (an all-zero channel): its multiplier is 0 and the channel outputs the zero point.
        if (!(s >= 0.0f && s <= FLT_MAX)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: weight scale %u is negative or not a number", op_name,
                (unsigned)i);
        }
    }
    for (uint32_t i = 0; i < t->zero_points.len; ++i) {
        if (tm_fb_vec_i64(&t->zero_points, i) != 0) {
            return tm_fail(err, TM_ERR_UNSUPPORTED,
                "%s: weights must be symmetric (zero point %u is not 0)", op_name, (unsigned)i);
        }
    }
    if (!tm_fb_ok(t->scales.fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: unreadable weight quantization", op_name);
    }
    return TM_OK;
}

tm_status tm_conv_check_bias(const tm_tensor *t, int32_t channels, const char *op_name, tm_error *err) {
    if (t == NULL) {
        return TM_OK;
    }
    if (t->type != TM_INT32) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: bias is %s (int8 ops need an int32 bias)", op_name,
            tm_type_name(t->type));
    }
    if (tm_tensor_elements(t) != channels) {
        return tm_fail(err, TM_ERR_MODEL, "%s: bias has %d elements for %d output channels", op_name,
            (int)tm_tensor_elements(t), (int)channels);
    }
    return TM_OK;
}

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

tm_status tm_conv_activation_range(int activation, const tm_tensor *output, int32_t *act_min,
    int32_t *act_max, const char *op_name, tm_error *err) {
    static const char *const names[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"};
    if (activation < 0 || activation > 3) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activation %s is not supported", op_name,
            activation >= 0 && activation <= 5 ? names[activation] : "(unknown)");
    }
    // The real values TFLM quantizes for each activation: RELU 0; RELU_N1_TO_1 -1, 1; RELU6 0, 6.
    static const float bounds[4][2] = {{0.0f, 0.0f}, {0.0f, 0.0f}, {-1.0f, 1.0f}, {0.0f, 6.0f}};
    for (int i = 0; i < 2; ++i) {
        if (activation != 0 && !activation_bound_fits(bounds[activation][i], output->scale, output->zero_point)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output scale too small for fused %s", op_name,
                names[activation]);
        }
    }
    if (tm_activation_range_quantized(activation, output->scale, output->zero_point, -128, 127,
            act_min, act_max) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activation %s is not supported", op_name,
            names[activation]);
    }
    if (*act_min > *act_max) {
        return tm_fail(err, TM_ERR_MODEL, "%s: fused %s range is empty for the output quantization",
            op_name, names[activation]);
    }
    return TM_OK;
}

tm_status tm_conv_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift,
    const char *op_name, tm_error *err) {
    int s = 0;
    tm_quantize_multiplier(real, multiplier, &s);
    if (s > 31) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: requantization scale too large (2^%d)", op_name, s);
    }
    *shift = s;
    return TM_OK;
}

tm_status tm_conv_channel_multipliers(float input_scale, const tm_tensor *filter, float output_scale,
    int32_t channels, int32_t *multiplier, int32_t *shift, const char *op_name, tm_error *err) {
    const int per_channel = tm_tensor_quant_count(filter) > 1;
    for (int32_t c = 0; c < channels; ++c) {
        const float filter_scale = tm_fb_vec_f32(&filter->scales, per_channel ? (uint32_t)c : 0u);
        // Same operations, same order, same precision as TFLM: double(in) * double(f) / double(out).
        const double real = (double)input_scale * (double)filter_scale / (double)output_scale;
        if (tm_conv_quantize_multiplier(real, &multiplier[c], &shift[c], op_name, err) != TM_OK) {
            return err->status;
        }
    }
    return TM_OK;
}

tm_status tm_conv_axis(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
    int32_t model_out, int32_t *pad, const char *op_name, const char *axis, tm_error *err) {
    if (stride < 1 || dilation < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s stride %d / dilation %d must be >= 1", op_name, axis,
            (int)stride, (int)dilation);
    }
    // All in 64 bits: no intermediate can overflow, whatever the model says.
    const int64_t effective = ((int64_t)filter - 1) * dilation + 1;
    if (effective + in > INT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s filter extent too large", op_name, axis);
    }
    int64_t out;
    if (padding == TM_PADDING_SAME) {
        out = ((int64_t)in + stride - 1) / stride;
    } else if (padding == TM_PADDING_VALID) {
        // Same truncating division as TFLM's ComputeOutSize (a negative numerator gives <= 0).
        out = ((int64_t)in + stride - effective) / stride;
    } else {
        return tm_fail(err, TM_ERR_MODEL, "%s: unknown padding type %d", op_name, padding);
    }
    if (out < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s filter extent %d is larger than the input (%d)",
            op_name, axis, (int)effective, (int)in);
    }
    if (out != model_out) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output %s is %d, the model says %d", op_name, axis,
            (int)out, (int)model_out);
    }
    // ComputePaddingWithOffset: half the total padding (rounded down) goes before the first element.
    int64_t total = (out - 1) * stride + effective - in;
    if (total < 0) {
        total = 0;
    }
    *pad = (int32_t)(total / 2);
    return TM_OK;
}
