// tinyml: what the op glue (device/ops/op_*.c) shares, so that every op checks its node and
// tensors the same way and says the same thing when they are wrong: node arity, tensor type and
// quantization checks, constant int tensors, the fused activation range, requantization
// multipliers, convolution / pooling padding, op data in persistent memory, and the prepare (or
// eval) that two ops have in common (ADD / MUL, AVERAGE_POOL_2D / MAX_POOL_2D, RESHAPE / SQUEEZE).
// The arithmetic is TensorFlow Lite Micro's: kernel_util.cc (PopulateConvolutionQuantizationParams,
// CalculateActivationRangeQuantized) and padding.h (ComputePaddingHeightWidth).
// Every function that can fail names the op (`op`) in its tm_fail message and returns err->status.
#ifndef TM_OP_COMMON_H
#define TM_OP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tm_model.h"
#include "broadcast.h"
#include "requantize_s16.h"

// TFLite schema Padding enum (Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions).
enum { TM_PADDING_SAME = 0, TM_PADDING_VALID = 1 };

// ---- The node ----

// min_in to max_in inputs, all present (none omitted as tensor -1), and exactly n_out outputs.
tm_status tm_op_check_arity(const tm_node *n, int min_in, int max_in, int n_out, const char *op, tm_error *err);

// The same, except that the inputs after the first min_in are optional: an omitted one (tensor
// -1) is accepted and tm_input() gives NULL for it.
tm_status tm_op_check_arity_optional(
    const tm_node *n, int min_in, int max_in, int n_out, const char *op, tm_error *err);

// ---- Tensors ----

// A per-tensor quantized tensor of `type` (TM_INT8 or TM_INT16): one finite scale > 0 and a zero
// point inside the type's range. `what` names it in messages ("input 1", "output"). Another type
// or per-channel scales are TM_ERR_UNSUPPORTED, the rest TM_ERR_MODEL.
tm_status tm_op_check_quantized(const tm_tensor *t, int type, const char *op, const char *what, tm_error *err);

// A zero point of 0 (TFLM's int16 ops that require symmetric quantization: MUL, SOFTMAX,
// LOGISTIC, TANH); else TM_ERR_MODEL naming the op, the type and `what`.
tm_status tm_op_check_zero_point_0(const tm_tensor *t, const char *op, const char *what, tm_error *err);

// Input and output of the same type, one the runtime knows the size of (RESHAPE, SQUEEZE).
tm_status tm_op_check_same_type(const tm_tensor *input, const tm_tensor *output, const char *op, tm_error *err);

// Input and output with the same number of elements.
tm_status tm_op_check_same_size(const tm_tensor *input, const tm_tensor *output, const char *op, tm_error *err);

// Same dims (rank and every dimension).
int tm_op_same_shape(const tm_tensor *a, const tm_tensor *b);

// A constant tensor of int32 (or, if allow_int64, int64) values, for axes / paddings / shapes.
tm_status tm_op_check_const_ints(const tm_tensor *t, int allow_int64, const char *op, const char *what, tm_error *err);

// Element i of a tensor accepted by tm_op_check_const_ints (read with memcpy, little-endian model).
int64_t tm_op_const_int(const tm_tensor *t, int32_t i);

// The start of every one-input int8 op (RELU, RELU6, LOGISTIC, TANH, SOFTMAX, the 2D pools): one
// input, present, and one output; the input int8 and per-tensor quantized. Sets *input and
// *output; the output is the op's to check.
tm_status tm_op_check_int8_unary(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err);
// tm_op_check_int8_unary, an int8 quantized output, and as many elements out as in: the checks of
// every one-to-one int8 activation (RELU, TANH, LEAKY_RELU, HARD_SWISH, ELU, RSQRT...).
tm_status tm_op_check_int8_map(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err);

// One input and one output, both per-tensor quantized of the input's type, int8 or int16 (another
// input type is reported as "only int8"): the start of the ops that also take TFLM's 16x8 int16.
tm_status tm_op_check_unary_s8_s16(const tm_model *m, const tm_node *n, const char *op, const tm_tensor **input,
    const tm_tensor **output, tm_error *err);

// ---- Fused activation ----

// The fused activation's range for an int8 or int16 `output` (TFLM CalculateActivationRangeQuantized).
// TANH / SIGN_BIT are rejected (TFLM silently ignores them where they are fused).
tm_status tm_op_activation_range(
    int activation, const tm_tensor *output, int32_t *act_min, int32_t *act_max, const char *op, tm_error *err);

// ---- Requantization multipliers ----

// QuantizeMultiplier with a check that the shift is one the kernels can apply ([-31, 31]).
tm_status tm_op_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift, const char *op, tm_error *err);

// Per-channel multipliers as TFLM's PopulateConvolutionQuantizationParams computes them, in double:
// input_scale * filter_scale[c] / output_scale (a per-tensor filter scale is broadcast).
tm_status tm_op_channel_multipliers(const tm_model *m, float input_scale, const tm_tensor *filter, float output_scale,
    int32_t channels, int32_t *multiplier, int8_t *shift, const char *op, tm_error *err);

// ---- Convolution-like ops (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) ----

typedef struct {
    const tm_tensor *input;
    const tm_tensor *filter;
    const tm_tensor *bias; // NULL: no bias (2 inputs, or the third omitted)
    const tm_tensor *output;
} tm_op_conv_tensors;

// Their common start: input, weights and an optional bias, one output; input and output int8
// and per-tensor quantized, or both int16 with zero point 0 (16x8); weights int8.
tm_status tm_op_get_conv_tensors(
    const tm_model *m, const tm_node *n, const char *op, tm_op_conv_tensors *t, tm_error *err);

// CONV_2D and DEPTHWISE_CONV_2D: input, filter and output are 4-D (NHWC; filter OHWI / 1HWO).
tm_status tm_op_check_conv_4d(const tm_op_conv_tensors *t, const char *op, tm_error *err);

// The quantization of int8 weights (type checked by tm_op_get_conv_tensors): one scale
// (per-tensor) or `channels` scales along `axis` (per-channel), scales finite and >= 0, every zero
// point 0.
tm_status tm_op_check_weights(
    const tm_model *m, const tm_tensor *t, int axis, int32_t channels, const char *op, tm_error *err);

// An optional int32 bias (NULL: no bias) with exactly `channels` elements.
tm_status tm_op_check_bias(const tm_tensor *t, int32_t channels, const char *op, tm_error *err);

// The optional bias of a 16x8 op: int64, or int32 where TFLM reads one (allow_int32: CONV_2D and
// FULLY_CONNECTED accumulate in int32 then; its DEPTHWISE_CONV_2D reads any bias as int64), with
// exactly `channels` elements.
tm_status tm_op_check_bias_s16(const tm_tensor *t, int32_t channels, int allow_int32, const char *op, tm_error *err);

// The bias of a 16x8 node (accepted by tm_op_check_bias_s16; NULL: none) as its kernel takes it.
tm_bias_s16 tm_op_bias_s16(const tm_tensor *bias);

// The int64 requantization of the 16x8 ops shifts right by 15 - shift: shift must be <= 14.
tm_status tm_op_check_shifts_s64(const int8_t *shift, int32_t count, const char *op, tm_error *err);

// The window of CONV_2D and DEPTHWISE_CONV_2D: where their options keep it (field indices in
// Conv2DOptions / DepthwiseConv2DOptions), and what prepare makes of it.
typedef struct {
    uint8_t padding, stride_w, stride_h, dilation_w, dilation_h;
} tm_op_window_fields;

typedef struct {
    int padding; // TM_PADDING_SAME or TM_PADDING_VALID (another value is refused by tm_op_window_padding)
    int32_t stride_h, stride_w;
    int32_t dilation_h, dilation_w;
    int32_t pad_h, pad_w; // padding before the first row / column (tm_op_window_padding)
} tm_op_window;

// The padding type, strides and dilations from the node's options (schema defaults: SAME, stride 0,
// dilation 1); reads only, no check.
void tm_op_read_window(const tm_model *m, const tm_node *n, const tm_op_window_fields *f, tm_op_window *w);

// tm_op_axis_padding for the height, then the width, of the NHWC input and output and of the filter
// (its height and width at dims 1 and 2: OHWI and 1HWO alike): sets pad_h and pad_w.
tm_status tm_op_window_padding(tm_op_window *w, const tm_op_conv_tensors *t, const char *op, tm_error *err);

// One spatial axis of TFLM's ComputePaddingHeightWidth: output size for the padding type and the
// padding before the first element; fails unless the output size equals `model_out` (the output
// tensor's dimension) and every window position fits in int32. `axis` names it ("height").
tm_status tm_op_axis_padding(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
    int32_t model_out, int32_t *pad, const char *op, const char *axis, tm_error *err);

// ---- Op data in persistent memory ----

// `bytes` of persistent memory for the node's data; NULL (after tm_fail) when it is exhausted.
void *tm_op_alloc_data(tm_model *m, size_t bytes, const char *op, tm_error *err);

// A copy of the `bytes` at src in persistent memory, as the node's data (n->data).
tm_status tm_op_store_data(tm_model *m, tm_node *n, const void *src, size_t bytes, const char *op, tm_error *err);

// Op data of header_bytes (a copy of src) followed, 8-byte aligned, by scratch_bytes of scratch
// memory for eval (the recurrent ops' gate and sum buffers): the size to report from
// persist_bytes, the allocation (n->data), and where the scratch starts.
size_t tm_op_data_with_scratch_bytes(size_t header_bytes, size_t scratch_bytes);
tm_status tm_op_store_data_with_scratch(
    tm_model *m, tm_node *n, const void *src, size_t header_bytes, size_t scratch_bytes, const char *op, tm_error *err);
static inline void *tm_op_scratch(const tm_node *n, size_t header_bytes) {
    return (uint8_t *)n->data + ((header_bytes + 7u) & ~(size_t)7u);
}

// Op data of header_bytes followed by `count` int32 multipliers and `count` int8 shifts: the size
// to report from persist_bytes, and the allocation (which points *multiplier and *shift at the
// arrays; NULL after tm_fail when memory is exhausted).
size_t tm_op_data_with_multipliers_bytes(size_t header_bytes, int32_t count);
void *tm_op_alloc_data_with_multipliers(tm_model *m, size_t header_bytes, int32_t count, int32_t **multiplier,
    int8_t **shift, const char *op, tm_error *err);

// ---- Prepare / eval shared by two ops ----

typedef struct {
    const tm_tensor *in1;
    const tm_tensor *in2;
    const tm_tensor *out;
    int32_t act_min; // fused activation range on the output
    int32_t act_max;
} tm_op_binary;

// ADD and MUL (TFLM CalculateOpDataAdd / CalculateOpDataMul, minus the multipliers): two int8
// inputs and one int8 output, all per-tensor quantized, input shapes broadcasting (numpy rules,
// up to 6-D) to exactly the output shape (*bc), and the int8 range of the fused activation
// (options field 0) on the output.
tm_status tm_op_binary_prepare(
    const tm_model *m, const tm_node *n, const char *op, tm_op_binary *b, tm_broadcast *bc, tm_error *err);

// The same for ops that also take int16 (ADD, SUB, MUL in TFLM's 16x8 mode): input 1's type
// (int8 or int16) is required of input 2 and the output, and the activation range is the type's.
tm_status tm_op_binary_prepare_s16(
    const tm_model *m, const tm_node *n, const char *op, tm_op_binary *b, tm_broadcast *bc, tm_error *err);

// The int32 path of ADD, SUB, MUL, DIV, MAXIMUM and MINIMUM (kernels/binary_s32.h): two int32
// inputs and an int32 output (quantization ignored, as TFLM ignores it), shapes broadcasting to
// the output's; a fused activation (options field 0, when has_activation) other than NONE is
// refused.
tm_status tm_op_binary_prepare_s32(
    const tm_model *m, const tm_node *n, const char *op, int has_activation, tm_broadcast *bc, tm_error *err);

// AVERAGE_POOL_2D and MAX_POOL_2D (TFLM PoolingPrepare / CalculateOpDataPooling for int8 and
// int16; input and output of the same type): stores
// a tm_pool_params (kernels/pool_2d.h) in n->data.
size_t tm_op_pool_2d_persist_bytes(const tm_model *m, const tm_node *n);
tm_status tm_op_pool_2d_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err);

// RESHAPE and SQUEEZE: the output is the input's bytes (copied unless the planner gave both the
// same buffer).
void tm_op_copy_eval(const tm_model *m, const tm_node *n);

// The op data and eval of an int8 -> int8 op computed as a 256-entry table at prepare
// (kernels/lut.h; ELU, RSQRT): node->data is the tm_lut_s8_table.
size_t tm_op_lut_s8_persist_bytes(const tm_model *m, const tm_node *n);
void tm_op_lut_s8_eval(const tm_model *m, const tm_node *n);

#endif
