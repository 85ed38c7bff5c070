// tinyml op: MEAN, int8 -> int8 (or int16 -> int16, 16x8) over the axes of a constant int32 tensor (TFLM reduce.cc /
// reduce_common.cc: PrepareMeanOrSumHelper, EvalMeanHelper -> QuantizedMeanOrSum, which TFLM uses
// for every int8 MEAN, keep_dims or not, equal quantization or not); the kernel is kernels/mean.c.
#include "tm_ops.h"
#include "op_common.h"
#include "mean.h"
#include "op_reduce.h"

static const char *const NAME = "MEAN";

static tm_status mean_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_mean_params p;
    if (tm_op_reduce_prepare_shape(m, n, NAME, 1, &p, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_mean_init_quant(&p, input->scale, input->zero_point, output->scale, output->zero_point) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// Version 2 is the int8 MEAN, 3 the int16 one.
const tm_op tm_op_mean = {
    "MEAN",
    TM_BUILTIN_MEAN,
    3,
    tm_op_reduce_persist_bytes,
    mean_prepare,
    tm_op_reduce_mean_eval,
};
