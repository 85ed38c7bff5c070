// tinyml op: TANH, int8 -> int8 (int16 -> int16: op_sigmoid_s16.c, TFLM's 16x8 mode).
// Prepare mirrors TFLM's TanhPrepare for int8 (kInputIntegerBits =
// 4); the kernel is kernels/tanh.c. Like TFLM, the output's quantization is taken to be scale 1/128,
// zero point 0 without being checked (converters always write those).
#include "tm_ops.h"
#include "op_common.h"
#include "tanh.h"
#include "op_sigmoid_s16.h"
#include "sigmoid_s16.h"

static const char *const NAME = "TANH";

static size_t tanh_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_sigmoid_s16_selected(m, n) ? sizeof(tm_sigmoid_s16_params) : sizeof(tm_tanh_params);
}

static tm_status tanh_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_sigmoid_s16_selected(m, n)) {
        return tm_op_sigmoid_s16_prepare(m, n, NAME, 1, err);
    }
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    tm_tanh_params p;
    if (tm_tanh_prepare_params(input->scale, input->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input scale out of the supported range", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void tanh_eval(const tm_model *m, const tm_node *n) {
    if (tm_op_sigmoid_s16_selected(m, n)) {
        tm_op_tanh_s16_eval(m, n);
        return;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    tm_tanh_s8((const tm_tanh_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version, 3 adds int16.
const tm_op tm_op_tanh = {
    "TANH",
    TM_BUILTIN_TANH,
    3,
    tanh_persist_bytes,
    tanh_prepare,
    tanh_eval,
};
