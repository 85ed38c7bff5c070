// tinyml: prepare-time helpers shared by the CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED glue.
// They validate tensors and compute requantization parameters exactly as TensorFlow Lite Micro's
// kernel_util.cc (PopulateConvolutionQuantizationParams, GetQuantizedConvolutionMultipler,
// CalculateActivationRangeQuantized) and padding.h (ComputePaddingHeightWidth) do.
// Every function names the op (op_name) in its error message.
#ifndef TM_OP_CONV_COMMON_H
#define TM_OP_CONV_COMMON_H

#include <stdint.h>

#include "tm_model.h"

// TFLite schema enums used in the options of these ops.
enum { TM_PADDING_SAME = 0, TM_PADDING_VALID = 1 };

// An int8 activation tensor (input or output) with per-tensor quantization: one finite scale > 0
// and a zero point in [-128, 127].
tm_status tm_conv_check_activation_tensor(const tm_tensor *t, const char *op_name, const char *what,
    tm_error *err);

// Symmetric int8 weights: one scale (per-tensor) or `channels` scales along `axis` (per-channel),
// scales finite and >= 0, every zero point 0.
tm_status tm_conv_check_weights(const tm_tensor *t, int axis, int32_t channels, const char *op_name,
    tm_error *err);

// An optional int32 bias (NULL: no bias) with exactly `channels` elements.
tm_status tm_conv_check_bias(const tm_tensor *t, int32_t channels, const char *op_name, tm_error *err);

// The fused activation's int8 range for `output` (TFLM CalculateActivationRangeQuantized).
// TANH / SIGN_BIT fused into a convolution are rejected (TFLM silently ignores them).
tm_status tm_conv_activation_range(int activation, const tm_tensor *output, int32_t *act_min,
    int32_t *act_max, const char *op_name, tm_error *err);

// Per-channel multipliers as TFLM's PopulateConvolutionQuantizationParams computes them, in double:
// input_scale * filter_scale[c] / output_scale (a per-tensor filter scale is broadcast).
tm_status tm_conv_channel_multipliers(float input_scale, const tm_tensor *filter, float output_scale,
    int32_t channels, int32_t *multiplier, int32_t *shift, const char *op_name, tm_error *err);

// QuantizeMultiplier with a check that the shift is one the kernels can apply ([-31, 31]).
tm_status tm_conv_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift,
    const char *op_name, tm_error *err);

// One spatial axis of TFLM's ComputePaddingHeightWidth: output size for the padding type and the
// padding before the first element; fails unless the output size equals `model_out` (the output
// tensor's dimension) and every window position fits in int32.
tm_status tm_conv_axis(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
    int32_t model_out, int32_t *pad, const char *op_name, const char *axis, tm_error *err);

#endif
