// tinyml op: SUM, int8 -> int8 over the axes of a constant int32 tensor (TFLM reduce.cc /
// reduce_common.cc: PrepareMeanOrSumHelper, EvalSumHelper -> QuantizedMeanOrSum with
// compute_sum): MEAN's kernel (kernels/mean.c) with the plain input_scale / output_scale
// multiplier, the element count not folded in.
#include "tm_ops.h"
#include "op_common.h"
#include "mean.h"
#include "op_reduce.h"

static const char *const NAME = "SUM";

static tm_status sum_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_mean_params p;
    if (tm_op_reduce_prepare_shape(m, n, NAME, 0, &p, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_quantize_multiplier((double)input->scale / (double)output->scale, &p.multiplier, &p.shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    // A left shift of 31 would overflow int32 before the high multiply (undefined in TFLM too).
    if (p.shift > 30) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large", NAME);
    }
    p.input_zero_point = input->zero_point;
    p.output_zero_point = output->zero_point;
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// Version 2 is the int8 SUM (the converter writes 1 for float32, 2 for int8 and int16).
const tm_op tm_op_sum = {
    "SUM",
    TM_BUILTIN_SUM,
    2,
    tm_op_reduce_persist_bytes,
    sum_prepare,
    tm_op_reduce_mean_eval,
};
