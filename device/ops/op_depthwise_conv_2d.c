// tinyml op: DEPTHWISE_CONV_2D (int8 activations, int8 per-channel or per-tensor weights
// [1, h, w, out_c], optional int32 bias; or 16x8: int16 activations, int8 weights, optional int64
// bias). Prepare mirrors TFLM's DepthwiseConvPrepare / CalculateOpDataDepthwiseConv; eval runs
// kernels/depthwise_conv_2d.c (int8) or kernels/depthwise_conv_2d_s16.c (16x8).
#include "tm_ops.h"
#include "tm_quant.h"
#include "op_common.h"
#include "depthwise_conv_2d.h"
#include "depthwise_conv_2d_s16.h"
#include "op_rows.h"

// DepthwiseConv2DOptions field indices (schema.fbs).
enum {
    OPT_PADDING = 0,
    OPT_STRIDE_W = 1,
    OPT_STRIDE_H = 2,
    OPT_DEPTH_MULTIPLIER = 3,
    OPT_ACTIVATION = 4,
    OPT_DILATION_W = 5,
    OPT_DILATION_H = 6
};

// Depthwise weights are quantized along their last axis (the output channels).
#define QUANTIZED_AXIS 3

static const tm_op_window_fields WINDOW_FIELDS = {
    OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, OPT_DILATION_W, OPT_DILATION_H};

static const char *const NAME = "DEPTHWISE_CONV_2D";

typedef struct {
    tm_depthwise_conv_2d_params params;
    tm_depthwise_conv_2d_dims dims;
    tm_depthwise_conv_2d_quant quant; // points at the arrays stored after this struct
    int32_t s16;                      // 16x8 (int16 activations)
} depthwise_conv_2d_data;

static int32_t out_channels(const tm_model *m, const tm_node *n) {
    const tm_tensor *filter = tm_input(m, n, 1);
    return (filter != NULL && filter->ndim == 4) ? filter->dims[3] : 0;
}

static size_t depthwise_conv_2d_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_multipliers_bytes(sizeof(depthwise_conv_2d_data), out_channels(m, n));
}

static tm_status depthwise_conv_2d_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_op_conv_tensors t;
    if (tm_op_get_conv_tensors(m, n, NAME, &t, err) != TM_OK || tm_op_check_conv_4d(&t, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = t.input;
    const tm_tensor *filter = t.filter;
    const tm_tensor *output = t.output;
    const int s16 = input->type == TM_INT16;

    tm_depthwise_conv_2d_dims d;
    d.batches = input->dims[0];
    d.in_h = input->dims[1];
    d.in_w = input->dims[2];
    d.in_c = input->dims[3];
    d.filter_h = filter->dims[1];
    d.filter_w = filter->dims[2];
    d.out_c = filter->dims[3];
    d.out_h = output->dims[1];
    d.out_w = output->dims[2];
    if (filter->dims[0] != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: filter shape must be [1, h, w, channels], first dimension is %d", NAME,
            (int)filter->dims[0]);
    }
    if (output->dims[0] != d.batches || output->dims[3] != d.out_c) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape [%d, ., ., %d] does not match batches %d, channels %d",
            NAME, (int)output->dims[0], (int)output->dims[3], (int)d.batches, (int)d.out_c);
    }

    // All the options are read before the first check: a corrupt options table is the error reported.
    tm_op_window w;
    tm_op_read_window(m, n, &WINDOW_FIELDS, &w);
    const int32_t depth_multiplier = tm_fb_i32(tm_node_options(m, n), OPT_DEPTH_MULTIPLIER, 0);
    const int activation = tm_fb_u8(tm_node_options(m, n), OPT_ACTIVATION, 0);
    // The reference kernel trusts depth_multiplier to map output channel ic * dm + m to input
    // channel ic: it must agree with the shapes.
    if (depth_multiplier < 1 || (int64_t)d.in_c * depth_multiplier != d.out_c) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d input channels x depth multiplier %d != %d output channels", NAME,
            (int)d.in_c, (int)depth_multiplier, (int)d.out_c);
    }
    if (!s16 && (int64_t)d.filter_h * d.filter_w > TM_DEPTHWISE_CONV_MAX_ACCUM_DEPTH) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: filter of %d x %d values could overflow the int32 accumulator",
            NAME, (int)d.filter_h, (int)d.filter_w);
    }
    if (tm_op_window_padding(&w, &t, NAME, err) != TM_OK) {
        return err->status;
    }
    tm_depthwise_conv_2d_params p = {.depth_multiplier = depth_multiplier,
        .stride_h = w.stride_h,
        .stride_w = w.stride_w,
        .dilation_h = w.dilation_h,
        .dilation_w = w.dilation_w,
        .pad_h = w.pad_h,
        .pad_w = w.pad_w};

    if (tm_op_check_weights(m, filter, QUANTIZED_AXIS, d.out_c, NAME, err) != TM_OK
        // TFLM reads a 16x8 depthwise bias as int64 whatever its type: an int32 one is refused.
        || (s16 ? tm_op_check_bias_s16(t.bias, d.out_c, 0, NAME, err) : tm_op_check_bias(t.bias, d.out_c, NAME, err))
               != TM_OK
        || tm_op_activation_range(activation, output, &p.act_min, &p.act_max, NAME, err) != TM_OK) {
        return err->status;
    }
    p.input_offset = -input->zero_point;
    p.output_offset = output->zero_point;

    int32_t *multiplier;
    int8_t *shift;
    depthwise_conv_2d_data *data = (depthwise_conv_2d_data *)tm_op_alloc_data_with_multipliers(
        m, sizeof(depthwise_conv_2d_data), d.out_c, &multiplier, &shift, NAME, err);
    if (data == NULL
        || tm_op_channel_multipliers(m, input->scale, filter, output->scale, d.out_c, multiplier, shift, NAME, err)
               != TM_OK
        || (s16 && tm_op_check_shifts_s64(shift, d.out_c, NAME, err) != TM_OK)) {
        return err->status;
    }
    data->params = p;
    data->dims = d;
    data->quant.multiplier = multiplier;
    data->quant.shift = shift;
    data->s16 = s16;
    n->data = data;
    return TM_OK;
}

static void depthwise_conv_2d_eval(const tm_model *m, const tm_node *n) {
    const depthwise_conv_2d_data *data = (const depthwise_conv_2d_data *)n->data;
    const tm_tensor *bias = tm_input(m, n, 2);
    if (data->s16) {
        const tm_bias_s16 b = tm_op_bias_s16(bias);
        tm_depthwise_conv_2d_s16(&data->params, &data->quant, &data->dims, (const int16_t *)tm_input(m, n, 0)->data,
            (const int8_t *)tm_input(m, n, 1)->data, &b, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_depthwise_conv_2d_s8(&data->params, &data->quant, &data->dims, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, bias != NULL ? (const int32_t *)bias->data : NULL,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Output rows [out_row0, +out_rows) from input rows [in_row0, +in_rows): the same kernel on the band.
static void depthwise_conv_2d_eval_rows(const tm_model *m, const tm_node *n, const int8_t *in, int32_t in_row0,
    int32_t in_rows, int8_t *out, int32_t out_row0, int32_t out_rows) {
    const depthwise_conv_2d_data *data = (const depthwise_conv_2d_data *)n->data;
    const tm_tensor *bias = tm_input(m, n, 2);
    tm_depthwise_conv_2d_dims d = data->dims;
    tm_depthwise_conv_2d_params p = data->params;
    tm_op_band(&d.in_h, &d.out_h, &p.pad_h, p.stride_h, in_row0, in_rows, out_row0, out_rows);
    tm_depthwise_conv_2d_s8(&p, &data->quant, &d, in, (const int8_t *)tm_input(m, n, 1)->data,
        bias != NULL ? (const int32_t *)bias->data : NULL, out);
}

// Versions: 1 float, 2 dilation, 3 int8 (what int8 models carry); 4-6 are hybrid / int16 and
// 7 int4 weights, none of which is supported.
const tm_op tm_op_depthwise_conv_2d = {"DEPTHWISE_CONV_2D", TM_BUILTIN_DEPTHWISE_CONV_2D, 3,
    depthwise_conv_2d_persist_bytes, depthwise_conv_2d_prepare, depthwise_conv_2d_eval};

const tm_op_rows tm_op_depthwise_conv_2d_rows = {
    &tm_op_depthwise_conv_2d, OPT_PADDING, OPT_STRIDE_H, OPT_DILATION_H, depthwise_conv_2d_eval_rows};
