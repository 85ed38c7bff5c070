// tinyml op: MUL, int8 * int8 -> int8 with numpy broadcasting and a fused activation
// (TFLM mul.cc / mul_common.cc: CalculateOpDataMul, EvalMulQuantizedReference); the kernel is
// kernels/mul.c.
#include "tm_ops.h"
#include "op_tensor_util.h"
#include "mul.h"

static const char *const NAME = "MUL";

typedef struct {
    tm_mul_params params;
    tm_broadcast bc;
} mul_data;

static size_t mul_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(mul_data);
}

static tm_status mul_prepare(tm_model *m, tm_node *n, tm_error *err) {
    mul_data d;
    int32_t act_min;
    int32_t act_max;
    if (tm_op_binary_prepare(m, n, NAME, &d.bc, &act_min, &act_max, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *in1 = tm_input(m, n, 0);
    const tm_tensor *in2 = tm_input(m, n, 1);
    const tm_tensor *out = tm_output(m, n, 0);
    if (tm_mul_params_init(&d.params, in1->scale, in1->zero_point, in2->scale, in2->zero_point,
            out->scale, out->zero_point, act_min, act_max) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: output scale too small for the input scales (input1 * input2 / output scale must be below 2^30)",
            NAME);
    }
    mul_data *data = (mul_data *)tm_model_persist_alloc(m, sizeof(d));
    if (data == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", NAME);
    }
    *data = d;
    n->data = data;
    return TM_OK;
}

static void mul_eval(const tm_model *m, const tm_node *n) {
    const mul_data *d = (const mul_data *)n->data;
    tm_mul_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 MUL, 3 the int8 MUL whose rescale is >= 1 (both handled; 4 and up are
// int16 / int64 / complex / uint32).
const tm_op tm_op_mul = {
    "MUL", TM_BUILTIN_MUL, 3,
    mul_persist_bytes, mul_prepare, mul_eval,
};
