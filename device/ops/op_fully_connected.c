// tinyml op: FULLY_CONNECTED (int8 activations, int8 per-tensor or per-channel weights
// [units, depth], optional int32 bias; or 16x8: int16 activations, int8 weights, optional int64 or
// int32 bias). Prepare mirrors TFLM's FullyConnectedPrepare / CalculateOpDataFullyConnected; eval
// runs kernels/fully_connected.c (int8) or kernels/fully_connected_s16.c (16x8).
#include <math.h>

#include "tm_ops.h"
#include "tm_quant.h"
#include "op_common.h"
#include "fully_connected.h"
#include "fully_connected_s16.h"

// FullyConnectedOptions field indices (schema.fbs).
enum { OPT_ACTIVATION = 0, OPT_WEIGHTS_FORMAT = 1, OPT_KEEP_NUM_DIMS = 2 };

static const char *const NAME = "FULLY_CONNECTED";

typedef struct {
    tm_fully_connected_params params;
    tm_fully_connected_dims dims;
    tm_fully_connected_quant quant; // points at the arrays stored after this struct
    int32_t s16;                    // 16x8 (int16 activations)
} fully_connected_data;

// Number of multipliers: one per unit for per-channel weights, else one.
static int32_t multiplier_count(const tm_model *m, const tm_node *n) {
    const tm_tensor *filter = tm_input(m, n, 1);
    if (filter == NULL || filter->ndim != 2) {
        return 0;
    }
    return tm_tensor_quant_count(filter) > 1 ? filter->dims[0] : 1;
}

static size_t fully_connected_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_multipliers_bytes(sizeof(fully_connected_data), multiplier_count(m, n));
}

// TFLM's per-tensor path (GetQuantizedConvolutionMultipler with a bias): the bias scale must be
// within 2% of an output step of input_scale * filter_scale. The multiplier is
// double(input_scale) * double(filter_scale) / double(output_scale): the product taken in double,
// not in float as older TFLite code did (checked against the pinned tflite-micro: the float
// product gives a multiplier a few units larger and 1-LSB differences on rounding ties).
static tm_status per_tensor_multiplier(const tm_tensor *input, const tm_tensor *filter, const tm_tensor *bias,
    const tm_tensor *output, int32_t *multiplier, int8_t *shift, tm_error *err) {
    const double product = (double)input->scale * (double)filter->scale;
    if (bias != NULL) {
        const double scale_diff = fabs(product - (double)bias->scale);
        if (!(scale_diff / (double)output->scale <= 0.02)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: bias scale does not match input scale x weight scale", NAME);
        }
    }
    int32_t s;
    if (tm_op_quantize_multiplier(product / (double)output->scale, multiplier, &s, NAME, err) != TM_OK) {
        return err->status;
    }
    *shift = (int8_t)s; // in [-31, 31]
    return TM_OK;
}

static tm_status fully_connected_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_op_conv_tensors t;
    if (tm_op_get_conv_tensors(m, n, NAME, &t, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = t.input;
    const tm_tensor *filter = t.filter;
    const tm_tensor *bias = t.bias;
    const tm_tensor *output = t.output;
    const int s16 = input->type == TM_INT16;
    if (filter->ndim != 2) {
        return tm_fail(err, TM_ERR_MODEL, "%s: weights must have 2 dimensions, have %u", NAME, (unsigned)filter->ndim);
    }
    if (tm_fb_u8(tm_node_options(m, n), OPT_WEIGHTS_FORMAT, 0) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: shuffled weights format is not supported", NAME);
    }
    if (input->ndim < 1 || output->ndim < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: scalar input or output", NAME);
    }

    tm_fully_connected_dims d;
    d.out_depth = filter->dims[0];
    d.accum_depth = filter->dims[1];
    if (!s16 && d.accum_depth > TM_FULLY_CONNECTED_MAX_ACCUM_DEPTH) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: depth %d could overflow the int32 accumulator", NAME, (int)d.accum_depth);
    }
    const int32_t in_elements = tm_tensor_elements(input);
    if (in_elements % d.accum_depth != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input of %d values is not a whole number of rows of %d", NAME,
            (int)in_elements, (int)d.accum_depth);
    }
    d.batches = in_elements / d.accum_depth;
    if (output->dims[output->ndim - 1] != d.out_depth
        || (int64_t)tm_tensor_elements(output) != (int64_t)d.batches * d.out_depth) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output of %d values (last dimension %d) for %d rows x %d units", NAME,
            (int)tm_tensor_elements(output), (int)output->dims[output->ndim - 1], (int)d.batches, (int)d.out_depth);
    }
    if (tm_fb_u8(tm_node_options(m, n), OPT_KEEP_NUM_DIMS, 0)) {
        // keep_num_dims: output shape = input shape with the last dimension replaced by the units.
        int same = output->ndim == input->ndim && input->dims[input->ndim - 1] == d.accum_depth;
        for (int i = 0; same && i + 1 < input->ndim; ++i) {
            same = output->dims[i] == input->dims[i];
        }
        if (!same) {
            return tm_fail(err, TM_ERR_MODEL, "%s: keep_num_dims output shape does not match the input shape", NAME);
        }
    }

    const int per_channel = tm_tensor_quant_count(filter) > 1;
    tm_fully_connected_params p;
    if (tm_op_check_weights(m, filter, 0, d.out_depth, NAME, err) != TM_OK
        || (s16 ? tm_op_check_bias_s16(bias, d.out_depth, 1, NAME, err)
                : tm_op_check_bias(bias, d.out_depth, NAME, err))
               != TM_OK
        || tm_op_activation_range(
               tm_fb_u8(tm_node_options(m, n), OPT_ACTIVATION, 0), output, &p.act_min, &p.act_max, NAME, err)
               != TM_OK) {
        return err->status;
    }
    p.input_offset = -input->zero_point;
    p.output_offset = output->zero_point;

    int32_t *multiplier;
    int8_t *shift;
    fully_connected_data *data = (fully_connected_data *)tm_op_alloc_data_with_multipliers(
        m, sizeof(fully_connected_data), per_channel ? d.out_depth : 1, &multiplier, &shift, NAME, err);
    if (data == NULL) {
        return err->status;
    }
    tm_status st = per_channel ? tm_op_channel_multipliers(
                       m, input->scale, filter, output->scale, d.out_depth, multiplier, shift, NAME, err)
                               : per_tensor_multiplier(input, filter, bias, output, multiplier, shift, err);
    if (st != TM_OK
        || (s16 && (bias == NULL || bias->type == TM_INT64)
            && tm_op_check_shifts_s64(shift, per_channel ? d.out_depth : 1, NAME, err) != TM_OK)) {
        return err->status;
    }
    data->params = p;
    data->dims = d;
    data->quant.multiplier = multiplier;
    data->quant.shift = shift;
    data->quant.per_channel = per_channel;
    data->s16 = s16;
    n->data = data;
    return TM_OK;
}

static void fully_connected_eval(const tm_model *m, const tm_node *n) {
    const fully_connected_data *data = (const fully_connected_data *)n->data;
    const tm_tensor *bias = tm_input(m, n, 2);
    if (data->s16) {
        const tm_bias_s16 b = tm_op_bias_s16(bias);
        tm_fully_connected_s16(&data->params, &data->quant, &data->dims, (const int16_t *)tm_input(m, n, 0)->data,
            (const int8_t *)tm_input(m, n, 1)->data, &b, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_fully_connected_s8(&data->params, &data->quant, &data->dims, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, bias != NULL ? (const int32_t *)bias->data : NULL,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Versions: 4 int8, 5 keep_num_dims, 6 no bias; 7 and up are int16, sparse, int4 or hybrid.
const tm_op tm_op_fully_connected = {"FULLY_CONNECTED", TM_BUILTIN_FULLY_CONNECTED, 6, fully_connected_persist_bytes,
    fully_connected_prepare, fully_connected_eval};
