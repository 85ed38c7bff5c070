// tinyml op: SVDF, int8 input / weights_feature / output with an int16 (or int8) state and
// weights_time of the same type, int32 bias: TFLM's integer SVDF (svdf_common.cc: PrepareSvdf,
// EvalIntegerSvdfReference); the kernel is kernels/svdf.c. The state (input 4) is a variable
// tensor (tm_model.h): it carries over between invokes.
#include <math.h>

#include "tm_ops.h"
#include "op_common.h"
#include "svdf.h"

static const char *const NAME = "SVDF";

enum { IN_INPUT = 0, IN_WEIGHTS_FEATURE = 1, IN_WEIGHTS_TIME = 2, IN_BIAS = 3, IN_STATE = 4 };

// SVDFOptions field indices (schema.fbs).
enum { OPT_RANK = 0, OPT_ACTIVATION = 1, OPT_ASYMMETRIC_QUANTIZE_INPUTS = 2 };

static size_t svdf_scratch_count(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, IN_INPUT);
    const tm_tensor *wf = tm_input(m, n, IN_WEIGHTS_FEATURE);
    if (input == NULL || wf == NULL || input->ndim != 2 || wf->ndim != 2) {
        return 0;
    }
    return (size_t)input->dims[0] * (size_t)wf->dims[0];
}

static size_t svdf_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_scratch_bytes(sizeof(tm_svdf_params), svdf_scratch_count(m, n) * sizeof(int32_t));
}

static tm_status svdf_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity_optional(n, 3, 5, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    if (n->n_inputs != 5 || tm_input(m, n, IN_STATE) == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: needs 5 inputs, the last the state", NAME);
    }
    const tm_tensor *input = tm_input(m, n, IN_INPUT);
    const tm_tensor *wf = tm_input(m, n, IN_WEIGHTS_FEATURE);
    const tm_tensor *wt = tm_input(m, n, IN_WEIGHTS_TIME);
    const tm_tensor *bias = tm_input(m, n, IN_BIAS);
    const tm_tensor *state = tm_input(m, n, IN_STATE);
    const tm_tensor *output = tm_output(m, n, 0);
    const int32_t rank = tm_fb_i32(tm_node_options(m, n), OPT_RANK, 0);
    if (tm_op_check_quantized(input, TM_INT8, NAME, "input", err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (input->ndim != 2 || wf->ndim != 2 || wt->ndim != 2) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input, weights_feature and weights_time must be 2-D", NAME);
    }
    const int32_t batch = input->dims[0];
    const int32_t n_input = input->dims[1];
    const int32_t n_filter = wf->dims[0];
    const int32_t n_memory = wt->dims[1];
    if (rank <= 0 || n_filter % rank != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: rank %d does not divide the %d filters", NAME, (int)rank, (int)n_filter);
    }
    const int32_t units = n_filter / rank;
    if (wf->dims[1] != n_input || wt->dims[0] != n_filter) {
        return tm_fail(err, TM_ERR_MODEL, "%s: weights_feature must be [%d, %d] and weights_time [%d, memory]", NAME,
            (int)n_filter, (int)n_input, (int)n_filter);
    }
    if (output->ndim != 2 || output->dims[0] != batch || output->dims[1] != units) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output must be [%d, %d]", NAME, (int)batch, (int)units);
    }
    if (!state->is_variable) {
        return tm_fail(err, TM_ERR_MODEL, "%s: the state (input 4) must be a variable tensor", NAME);
    }
    if (state->ndim != 2 || state->dims[0] != batch || (int64_t)state->dims[1] != (int64_t)n_memory * n_filter) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: state must be [%d, %d x %d]", NAME, (int)batch, (int)n_memory, (int)n_filter);
    }
    if (wf->type != TM_INT8 || !wf->is_const
        || tm_op_check_quantized(wf, TM_INT8, NAME, "weights_feature", err) != TM_OK) {
        return err->status == TM_OK
                   ? tm_fail(err, TM_ERR_UNSUPPORTED, "%s: weights_feature must be constant int8", NAME)
                   : err->status;
    }
    if ((wt->type != TM_INT16 && wt->type != TM_INT8) || !wt->is_const) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: weights_time must be constant int16 or int8", NAME);
    }
    if (state->type != wt->type) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: state is %s but weights_time %s (TFLM reads both as one type)",
            NAME, tm_type_name(state->type), tm_type_name(wt->type));
    }
    if (tm_op_check_quantized(wt, wt->type, NAME, "weights_time", err) != TM_OK
        || tm_op_check_quantized(state, state->type, NAME, "state", err) != TM_OK) {
        return err->status;
    }
    if (bias == NULL) {
        // TFLM's int8 prepare reads the bias scale unconditionally.
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: an int8 SVDF needs a bias", NAME);
    }
    if (bias->type != TM_INT32 || !bias->is_const || bias->ndim != 1 || bias->dims[0] != units) {
        return tm_fail(err, TM_ERR_MODEL, "%s: bias must be a constant int32 [%d]", NAME, (int)units);
    }
    // TFLM: the products in float, then widened.
    const float state_x_time = state->scale * wt->scale;
    if (!(fabs((double)bias->scale - (double)state_x_time) < 1e-5)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: bias scale is not state scale x weights_time scale", NAME);
    }
    float e1 = input->scale * wf->scale;
    e1 = e1 / state->scale;
    float e2 = state->scale * wt->scale;
    e2 = e2 / output->scale;
    tm_svdf_params params;
    tm_svdf_params *p = &params;
    if (tm_op_quantize_multiplier((double)e1, &p->multiplier_1, &p->shift_1, NAME, err) != TM_OK
        || tm_op_quantize_multiplier((double)e2, &p->multiplier_2, &p->shift_2, NAME, err) != TM_OK) {
        return err->status;
    }
    p->batch = batch;
    p->n_input = n_input;
    p->n_filter = n_filter;
    p->n_memory = n_memory;
    p->rank = rank;
    p->input_zero_point = input->zero_point;
    p->state_zero_point = state->zero_point;
    p->output_zero_point = output->zero_point;
    p->state_is_int16 = state->type == TM_INT16;
    // The scratch: one int32 sum per batch row and filter.
    return tm_op_store_data_with_scratch(
        m, n, &params, sizeof params, svdf_scratch_count(m, n) * sizeof(int32_t), NAME, err);
}

static void svdf_eval(const tm_model *m, const tm_node *n) {
    tm_svdf_s8((const tm_svdf_params *)n->data, (const int8_t *)tm_input(m, n, IN_INPUT)->data,
        (const int8_t *)tm_input(m, n, IN_WEIGHTS_FEATURE)->data, tm_input(m, n, IN_WEIGHTS_TIME)->data,
        (const int32_t *)tm_input(m, n, IN_BIAS)->data, tm_input(m, n, IN_STATE)->data,
        (int8_t *)tm_output(m, n, 0)->data, (int32_t *)tm_op_scratch(n, sizeof(tm_svdf_params)));
}

// Version 3 is full-integer int8 (1 float, 2 and 4 hybrid: refused as such).
const tm_op tm_op_svdf = {
    "SVDF",
    TM_BUILTIN_SVDF,
    4,
    svdf_persist_bytes,
    svdf_prepare,
    svdf_eval,
};
