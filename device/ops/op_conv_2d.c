// tinyml op: CONV_2D (int8 activations, int8 per-channel or per-tensor weights, optional int32 bias;
// or 16x8: int16 activations, int8 weights, optional int64 or int32 bias).
// Prepare mirrors TFLM's ConvPrepare / CalculateOpDataConv; eval runs kernels/conv_2d.c (int8) or
// kernels/conv_2d_s16.c (16x8).
#include "tm_ops.h"
#include "tm_quant.h"
#include "op_common.h"
#include "conv_2d.h"
#include "conv_2d_s16.h"
#include "op_rows.h"

// Conv2DOptions field indices (schema.fbs).
enum {
    OPT_PADDING = 0,
    OPT_STRIDE_W = 1,
    OPT_STRIDE_H = 2,
    OPT_ACTIVATION = 3,
    OPT_DILATION_W = 4,
    OPT_DILATION_H = 5
};

static const tm_op_window_fields WINDOW_FIELDS = {
    OPT_PADDING, OPT_STRIDE_W, OPT_STRIDE_H, OPT_DILATION_W, OPT_DILATION_H};

static const char *const NAME = "CONV_2D";

typedef struct {
    tm_conv_2d_params params;
    tm_conv_2d_dims dims;
    tm_conv_2d_quant quant; // points at the multiplier and shift arrays stored after this struct
    int32_t s16;            // 16x8 (int16 activations)
} conv_2d_data;

static int32_t out_channels(const tm_model *m, const tm_node *n) {
    const tm_tensor *filter = tm_input(m, n, 1);
    return (filter != NULL && filter->ndim == 4) ? filter->dims[0] : 0;
}

static size_t conv_2d_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_multipliers_bytes(sizeof(conv_2d_data), out_channels(m, n));
}

// The im2col tiles of an int8 layer (kernels/conv_2d.h; tm_ops.h: tm_op_scratch_bytes), from the
// shapes alone (parse time: 0 unless input, filter and output are 4-D int8 tensors).
size_t tm_op_conv_2d_scratch_bytes(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0), *filter = tm_input(m, n, 1), *output = tm_output(m, n, 0);
    if (input == NULL || filter == NULL || output == NULL || input->ndim != 4 || filter->ndim != 4 || output->ndim != 4
        || input->type != TM_INT8) {
        return 0;
    }
    tm_conv_2d_dims d = {input->dims[0], input->dims[1], input->dims[2], input->dims[3], filter->dims[1],
        filter->dims[2], filter->dims[3], output->dims[1], output->dims[2], filter->dims[0]};
    return tm_conv_2d_scratch_bytes(&d);
}

static tm_status conv_2d_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_op_conv_tensors t;
    if (tm_op_get_conv_tensors(m, n, NAME, &t, err) != TM_OK || tm_op_check_conv_4d(&t, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = t.input;
    const tm_tensor *filter = t.filter;
    const tm_tensor *output = t.output;
    const int s16 = input->type == TM_INT16;

    tm_conv_2d_dims d;
    d.batches = input->dims[0];
    d.in_h = input->dims[1];
    d.in_w = input->dims[2];
    d.in_c = input->dims[3];
    d.out_c = filter->dims[0];
    d.filter_h = filter->dims[1];
    d.filter_w = filter->dims[2];
    d.filter_in_c = filter->dims[3];
    d.out_h = output->dims[1];
    d.out_w = output->dims[2];
    if (output->dims[0] != d.batches || output->dims[3] != d.out_c) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape [%d, ., ., %d] does not match batches %d, filters %d", NAME,
            (int)output->dims[0], (int)output->dims[3], (int)d.batches, (int)d.out_c);
    }
    // Grouped convolution: the input channels split into groups of filter_in_c channels, and the
    // filters into as many equal groups.
    if (d.in_c % d.filter_in_c != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d input channels are not a multiple of the filter's %d", NAME,
            (int)d.in_c, (int)d.filter_in_c);
    }
    const int32_t groups = d.in_c / d.filter_in_c;
    if (d.out_c % groups != 0) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %d filters cannot be split into %d groups", NAME, (int)d.out_c, (int)groups);
    }
    if (!s16 && (int64_t)d.filter_h * d.filter_w * d.filter_in_c > TM_CONV_MAX_ACCUM_DEPTH) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: filter of %d x %d x %d values could overflow the int32 accumulator", NAME, (int)d.filter_h,
            (int)d.filter_w, (int)d.filter_in_c);
    }

    tm_op_window w;
    tm_op_read_window(m, n, &WINDOW_FIELDS, &w);
    const int activation = tm_fb_u8(tm_node_options(m, n), OPT_ACTIVATION, 0);
    if (tm_op_window_padding(&w, &t, NAME, err) != TM_OK) {
        return err->status;
    }
    tm_conv_2d_params p = {.stride_h = w.stride_h,
        .stride_w = w.stride_w,
        .dilation_h = w.dilation_h,
        .dilation_w = w.dilation_w,
        .pad_h = w.pad_h,
        .pad_w = w.pad_w};

    if (tm_op_check_weights(m, filter, 0, d.out_c, NAME, err) != TM_OK
        || (s16 ? tm_op_check_bias_s16(t.bias, d.out_c, 1, NAME, err) : tm_op_check_bias(t.bias, d.out_c, NAME, err))
               != TM_OK
        || tm_op_activation_range(activation, output, &p.act_min, &p.act_max, NAME, err) != TM_OK) {
        return err->status;
    }
    p.input_offset = -input->zero_point;
    p.output_offset = output->zero_point;

    int32_t *multiplier;
    int8_t *shift;
    conv_2d_data *data = (conv_2d_data *)tm_op_alloc_data_with_multipliers(
        m, sizeof(conv_2d_data), d.out_c, &multiplier, &shift, NAME, err);
    if (data == NULL
        || tm_op_channel_multipliers(m, input->scale, filter, output->scale, d.out_c, multiplier, shift, NAME, err)
               != TM_OK) {
        return err->status;
    }
    if (s16 && (t.bias == NULL || t.bias->type == TM_INT64)
        && tm_op_check_shifts_s64(shift, d.out_c, NAME, err) != TM_OK) {
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

static void conv_2d_eval(const tm_model *m, const tm_node *n) {
    const conv_2d_data *data = (const conv_2d_data *)n->data;
    const tm_tensor *bias = tm_input(m, n, 2);
    if (data->s16) {
        const tm_bias_s16 b = tm_op_bias_s16(bias);
        tm_conv_2d_s16(&data->params, &data->quant, &data->dims, (const int16_t *)tm_input(m, n, 0)->data,
            (const int8_t *)tm_input(m, n, 1)->data, &b, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_conv_2d_s8(&data->params, &data->quant, &data->dims, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, bias != NULL ? (const int32_t *)bias->data : NULL,
        (int8_t *)tm_output(m, n, 0)->data, tm_node_scratch(m, n));
}

// Output rows [out_row0, +out_rows) from input rows [in_row0, +in_rows): the same kernel on the band.
static void conv_2d_eval_rows(const tm_model *m, const tm_node *n, const int8_t *in, int32_t in_row0, int32_t in_rows,
    int8_t *out, int32_t out_row0, int32_t out_rows) {
    const conv_2d_data *data = (const conv_2d_data *)n->data;
    const tm_tensor *bias = tm_input(m, n, 2);
    tm_conv_2d_dims d = data->dims;
    tm_conv_2d_params p = data->params;
    tm_op_band(&d.in_h, &d.out_h, &p.pad_h, p.stride_h, in_row0, in_rows, out_row0, out_rows);
    tm_conv_2d_s8(&p, &data->quant, &d, in, (const int8_t *)tm_input(m, n, 1)->data,
        bias != NULL ? (const int32_t *)bias->data : NULL, out, tm_node_scratch(m, n));
}

// Versions: 3 is int8 (1-2 are float/uint8/hybrid, rejected by type in prepare, but person_detect
// labels its int8 convolutions version 2), 6 adds grouped convolution; 7 (int4) and 8 (int16) are not
// supported.
const tm_op tm_op_conv_2d = {"CONV_2D", TM_BUILTIN_CONV_2D, 6, conv_2d_persist_bytes, conv_2d_prepare, conv_2d_eval};

const tm_op_rows tm_op_conv_2d_rows = {&tm_op_conv_2d, OPT_PADDING, OPT_STRIDE_H, OPT_DILATION_H, conv_2d_eval_rows};
