// tinyml: shared prepare of the int8 2D pooling ops (see op_pool_2d_common.h).
#include "op_pool_2d_common.h"

#include <math.h>

#include "op_conv_common.h"
#include "pool_2d.h"
#include "tm_quant.h"

// Pool2DOptions field indices (schema.fbs).
enum {
    OPT_PADDING = 0,
    OPT_STRIDE_W = 1,
    OPT_STRIDE_H = 2,
    OPT_FILTER_WIDTH = 3,
    OPT_FILTER_HEIGHT = 4,
    OPT_ACTIVATION = 5,
};

size_t tm_pool_2d_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_pool_params);
}

tm_status tm_pool_2d_prepare(tm_model *m, tm_node *n, const char *op_name, tm_error *err) {
    if (n->n_inputs != 1 || n->n_outputs != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected 1 and 1)", op_name,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs);
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input == NULL || output == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: missing input or output", op_name);
    }
    if (tm_conv_check_activation_tensor(input, op_name, "input", err) != TM_OK
        || tm_conv_check_activation_tensor(output, op_name, "output", err) != TM_OK) {
        return err->status;
    }
    // TFLM: the same quantization on both sides (scales within 1e-6, equal zero points).
    if (fabs((double)input->scale - (double)output->scale) > 1.0e-6
        || input->zero_point != output->zero_point) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output quantization differ (must be equal)",
            op_name);
    }
    if (input->ndim != 4 || output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output must be 4-D (NHWC), are %u-D and %u-D",
            op_name, (unsigned)input->ndim, (unsigned)output->ndim);
    }
    if (input->dims[0] != output->dims[0] || input->dims[3] != output->dims[3]) {
        return tm_fail(err, TM_ERR_MODEL, "%s: batch or channel count differs between input and output",
            op_name);
    }
    if (!tm_fb_table_present(&n->options)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: Pool2DOptions missing", op_name);
    }
    const int padding = tm_fb_i8(&n->options, OPT_PADDING, 0);
    const int32_t stride_w = tm_fb_i32(&n->options, OPT_STRIDE_W, 0);
    const int32_t stride_h = tm_fb_i32(&n->options, OPT_STRIDE_H, 0);
    const int32_t filter_w = tm_fb_i32(&n->options, OPT_FILTER_WIDTH, 0);
    const int32_t filter_h = tm_fb_i32(&n->options, OPT_FILTER_HEIGHT, 0);
    const int activation = tm_fb_i8(&n->options, OPT_ACTIVATION, 0);
    if (filter_w < 1 || filter_h < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: filter size %dx%d must be at least 1x1", op_name,
            (int)filter_h, (int)filter_w);
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
    if (tm_conv_axis(padding, p.in_h, filter_h, stride_h, 1, p.out_h, &p.pad_h, op_name, "height", err) != TM_OK
        || tm_conv_axis(padding, p.in_w, filter_w, stride_w, 1, p.out_w, &p.pad_w, op_name, "width", err) != TM_OK
        || tm_conv_activation_range(activation, output, &p.act_min, &p.act_max, op_name, err) != TM_OK) {
        return err->status;
    }
    // The average's int32 sum of up to (window inside the input) int8 values must not overflow.
    const int64_t window = (int64_t)TM_MIN(filter_h, p.in_h) * (int64_t)TM_MIN(filter_w, p.in_w);
    if (window > INT32_MAX / 128) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: pooling window too large", op_name);
    }

    tm_pool_params *data = (tm_pool_params *)tm_model_persist_alloc(m, sizeof(tm_pool_params));
    if (data == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", op_name);
    }
    *data = p;
    n->data = data;
    return TM_OK;
}
