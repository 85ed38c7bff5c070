// tinyml op: RSQRT, int8 -> int8 (TFLM elementwise.cc: PrepareAbsRsqrt, SetRsqrtOutputMultiplier,
// RsqrtEvalQuantized); the kernel is kernels/rsqrt.c.
//
// TFLM's invoke fails on an input value below the input zero point ("Rsqrt is only defined for
// positive values"), while eval here cannot fail: prepare accepts only an input zero point of
// -128, where no int8 value is negative (what converters write for a non-negative input range,
// e.g. variance + epsilon). A model with a higher zero point is refused.
#include "tm_ops.h"
#include "op_common.h"
#include "rsqrt.h"

static const char *const NAME = "RSQRT";

static tm_status rsqrt_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    if (input->zero_point != INT8_MIN) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: input zero point %d lets inputs be negative, where TFLM's invoke fails (only -128)", NAME,
            (int)input->zero_point);
    }
    tm_lut_s8_table p;
    if (tm_rsqrt_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: 1 / (sqrt(input scale) * output scale) not representable", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// Version 2 is the int8 RSQRT (1 is float32, 3 int16).
const tm_op tm_op_rsqrt = {
    "RSQRT",
    TM_BUILTIN_RSQRT,
    2,
    tm_op_lut_s8_persist_bytes,
    rsqrt_prepare,
    tm_op_lut_s8_eval,
};
