// tinyml op: TRANSPOSE_CONV (TFLM transpose_conv.cc). Inputs: output shape (int32 [4], ignored by
// TFLM; checked against the output here when constant), filter OHWI, input NHWC, optional bias.
// int8 input and output with int8 weights (per-tensor or per-channel along axis 0, symmetric)
// and an int32 bias; or 16x8: int16 input and output (zero points 0) with int8 weights and an
// int64 bias. The fused activation (op version 4: what Conv2DTranspose(activation="relu")
// converts to) clamps the requantized output as in CONV_2D, as TFLM does. The padding is TFLM's: ComputePaddingHeightWidth
// on the output size, which must give back the input size.
//
// TFLM scatters into an output-sized int32 / int64 scratch buffer; kernels/transpose_conv.c
// gathers the same sums instead, so this op needs no scratch memory.
#include "tm_ops.h"
#include "op_common.h"
#include "transpose_conv.h"

static const char *const NAME = "TRANSPOSE_CONV";

// TransposeConvOptions fields.
enum { OPT_PADDING = 0, OPT_STRIDE_W = 1, OPT_STRIDE_H = 2, OPT_ACTIVATION = 3 };

// Inputs.
enum { IN_SHAPE = 0, IN_FILTER = 1, IN_INPUT = 2, IN_BIAS = 3 };

typedef tm_transpose_conv_params transpose_conv_data;

static int32_t out_channels(const tm_model *m, const tm_node *n) {
    const tm_tensor *filter = tm_input(m, n, IN_FILTER);
    return (filter != NULL && filter->ndim == 4) ? filter->dims[0] : 0;
}

static size_t transpose_conv_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_multipliers_bytes(sizeof(transpose_conv_data), out_channels(m, n));
}

// The output-shape input: int32 [4], equal to the output's dims when constant.
static tm_status check_shape_input(const tm_tensor *shape, const tm_tensor *output, tm_error *err) {
    if (shape->type != TM_INT32 || shape->ndim != 1 || shape->dims[0] != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape input must be int32 [4]", NAME);
    }
    if (shape->is_const) {
        if (tm_op_check_const_ints(shape, 0, NAME, "output shape", err) != TM_OK) {
            return err->status;
        }
        for (int i = 0; i < 4; ++i) {
            if (tm_op_const_int(shape, i) != output->dims[i]) {
                return tm_fail(err, TM_ERR_MODEL, "%s: output shape input disagrees with the output tensor", NAME);
            }
        }
    }
    return TM_OK;
}

// Types and quantization of input and output, the filter's type (its quantization: tm_op_check_weights).
static tm_status check_types(
    const tm_tensor *input, const tm_tensor *filter, const tm_tensor *output, int *int16, tm_error *err) {
    *int16 = input->type == TM_INT16;
    const int type = *int16 ? TM_INT16 : TM_INT8;
    if (tm_op_check_quantized(input, type, NAME, "input", err) != TM_OK
        || tm_op_check_quantized(output, type, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (filter->type != TM_INT8) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: weights are %s (only int8 is supported)", NAME, tm_type_name(filter->type));
    }
    if (*int16 && (input->zero_point != 0 || output->zero_point != 0)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: int16 input and output must have zero point 0", NAME);
    }
    return TM_OK;
}

static tm_status transpose_conv_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity_optional(n, 3, 4, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *shape = tm_input(m, n, IN_SHAPE);
    const tm_tensor *filter = tm_input(m, n, IN_FILTER);
    const tm_tensor *input = tm_input(m, n, IN_INPUT);
    const tm_tensor *bias = tm_input(m, n, IN_BIAS);
    const tm_tensor *output = tm_output(m, n, 0);
    int int16;
    if (check_types(input, filter, output, &int16, err) != TM_OK) {
        return err->status;
    }
    if (input->ndim != 4 || filter->ndim != 4 || output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input, filter and output must have 4 dimensions (%u, %u, %u)", NAME,
            (unsigned)input->ndim, (unsigned)filter->ndim, (unsigned)output->ndim);
    }
    if (check_shape_input(shape, output, err) != TM_OK) {
        return err->status;
    }
    tm_transpose_conv_params p;
    p.batches = input->dims[0];
    p.in_h = input->dims[1];
    p.in_w = input->dims[2];
    p.in_c = input->dims[3];
    p.out_c = filter->dims[0];
    p.filter_h = filter->dims[1];
    p.filter_w = filter->dims[2];
    p.out_h = output->dims[1];
    p.out_w = output->dims[2];
    if (output->dims[0] != p.batches || output->dims[3] != p.out_c || filter->dims[3] != p.in_c) {
        return tm_fail(err, TM_ERR_MODEL,
            "%s: shapes disagree (input [%d, ., ., %d], filter [%d, ., ., %d], output [%d, ., ., %d])", NAME,
            (int)p.batches, (int)p.in_c, (int)p.out_c, (int)filter->dims[3], (int)output->dims[0],
            (int)output->dims[3]);
    }
    const int activation = tm_fb_u8(tm_node_options(m, n), OPT_ACTIVATION, 0);
    // The convolution this op transposes maps the output back onto the input: TFLM's padding.
    const int padding = tm_fb_u8(tm_node_options(m, n), OPT_PADDING, TM_PADDING_SAME);
    p.stride_w = tm_fb_i32(tm_node_options(m, n), OPT_STRIDE_W, 0);
    p.stride_h = tm_fb_i32(tm_node_options(m, n), OPT_STRIDE_H, 0);
    if (tm_op_axis_padding(padding, p.out_h, p.filter_h, p.stride_h, 1, p.in_h, &p.pad_h, NAME,
            "height (of the input, from the output)", err)
            != TM_OK
        || tm_op_axis_padding(padding, p.out_w, p.filter_w, p.stride_w, 1, p.in_w, &p.pad_w, NAME,
               "width (of the input, from the output)", err)
               != TM_OK) {
        return err->status;
    }
    // 16x8: TFLM reads the bias as int64 whatever it is, so only int64 is accepted.
    if (tm_op_check_weights(m, filter, 0, p.out_c, NAME, err) != TM_OK
        || (int16 ? tm_op_check_bias_s16(bias, p.out_c, 0, NAME, err) : tm_op_check_bias(bias, p.out_c, NAME, err))
               != TM_OK) {
        return err->status;
    }
    p.input_offset = -input->zero_point;
    p.output_offset = output->zero_point;
    if (tm_op_activation_range(activation, output, &p.act_min, &p.act_max, NAME, err) != TM_OK) {
        return err->status;
    }

    int32_t *multiplier;
    int8_t *shift;
    transpose_conv_data *data = (transpose_conv_data *)tm_op_alloc_data_with_multipliers(
        m, sizeof(transpose_conv_data), p.out_c, &multiplier, &shift, NAME, err);
    if (data == NULL
        || tm_op_channel_multipliers(m, input->scale, filter, output->scale, p.out_c, multiplier, shift, NAME, err)
               != TM_OK) {
        return err->status;
    }
    if (int16 && tm_op_check_shifts_s64(shift, p.out_c, NAME, err) != TM_OK) {
        return err->status;
    }
    p.multiplier = multiplier;
    p.shift = shift;
    p.int16 = int16;
    *data = p;
    n->data = data;
    return TM_OK;
}

static void transpose_conv_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *bias = tm_input(m, n, IN_BIAS);
    tm_transpose_conv((const tm_transpose_conv_params *)n->data, tm_input(m, n, IN_INPUT)->data,
        (const int8_t *)tm_input(m, n, IN_FILTER)->data, bias != NULL ? bias->data : NULL, tm_output(m, n, 0)->data);
}

// Versions: 2 is int8, 3 is 16x8, 4 adds the fused activation (5: int4 weights).
const tm_op tm_op_transpose_conv = {
    "TRANSPOSE_CONV",
    TM_BUILTIN_TRANSPOSE_CONV,
    4,
    transpose_conv_persist_bytes,
    transpose_conv_prepare,
    transpose_conv_eval,
};
