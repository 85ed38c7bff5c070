// tinyml op: MUL, int8 * int8 -> int8 with numpy broadcasting and a fused activation
// (TFLM mul.cc / mul_common.cc: CalculateOpDataMul, EvalMulQuantizedReference); the kernel is
// kernels/mul.c.
#include "tm_ops.h"
#include "op_common.h"
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
    tm_op_binary b;
    if (tm_op_binary_prepare(m, n, NAME, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    if (tm_mul_params_init(&d.params, b.in1->scale, b.in1->zero_point, b.in2->scale, b.in2->zero_point,
            b.out->scale, b.out->zero_point, b.act_min, b.act_max) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: output scale too small for the input scales (input1 * input2 / output scale must be below 2^30)",
            NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
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
