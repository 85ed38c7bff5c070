// tinyml op: MEAN, int8 -> int8 over the axes of a constant int32 tensor (TFLM reduce.cc /
// reduce_common.cc: PrepareMeanOrSumHelper, EvalMeanHelper -> QuantizedMeanOrSum, which TFLM uses
// for every int8 MEAN, keep_dims or not, equal quantization or not); the kernel is kernels/mean.c.
#include "tm_ops.h"
#include "op_common.h"
#include "mean.h"

static const char *const NAME = "MEAN";

static size_t mean_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_mean_params);
}

static tm_status mean_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *axis = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_quantized(input, TM_INT8, NAME, "input", err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK
        || tm_op_check_const_ints(axis, 0, NAME, "axis", err) != TM_OK) {
        return err->status;
    }
    // TFLM ResolveAxis: negative axes count from the end, duplicates are ignored, a scalar input
    // ignores the axes altogether.
    uint8_t reduce[TM_MAX_DIMS] = {0};
    const int32_t n_axes = tm_tensor_elements(axis);
    if (input->ndim > 0) {
        for (int32_t i = 0; i < n_axes; ++i) {
            const int64_t a = tm_op_const_int(axis, i);
            const int64_t r = a < 0 ? a + input->ndim : a;
            if (r < 0 || r >= input->ndim) {
                return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", NAME,
                    (int)a, (int)input->ndim);
            }
            reduce[r] = 1;
        }
    }
    tm_mean_params p;
    tm_mean_init_shape(&p, input->dims, input->ndim, reduce);
    // TFLM writes outputs in the row-major order of the kept dims, whatever the output's shape
    // (keep_dims only changes the shape), so only the element count has to agree.
    int32_t kept = 1;
    for (int i = 0; i < input->ndim; ++i) {
        if (!reduce[i]) {
            kept *= input->dims[i];
        }
    }
    if (tm_tensor_elements(output) != kept) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output has %d elements, the reduction gives %d", NAME,
            (int)tm_tensor_elements(output), (int)kept);
    }
    if (tm_mean_init_quant(&p, input->scale, input->zero_point, output->scale, output->zero_point) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void mean_eval(const tm_model *m, const tm_node *n) {
    tm_mean_s8((const tm_mean_params *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 MEAN (3 is int16).
const tm_op tm_op_mean = {
    "MEAN", TM_BUILTIN_MEAN, 2,
    mean_persist_bytes, mean_prepare, mean_eval,
};
