// tinyml op: MUL, int8 * int8 -> int8 with numpy broadcasting and a fused activation
// (TFLM mul.cc / mul_common.cc: CalculateOpDataMul, EvalMulQuantizedReference); the kernel is
// kernels/mul.c. int16 (TFLM's 16x8 mode): the same arithmetic on int16 values, every zero point 0
// (TFLM's CalculateOpDataMul requires it).
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "mul.h"
#include "binary_s32.h"

static const char *const NAME = "MUL";

typedef struct {
    tm_mul_params params;
    tm_broadcast bc;
    int32_t int16;
    int32_t int32; // int32 inputs and output: kernels/binary_s32.c, no quantization
} mul_data;

static size_t mul_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(mul_data);
}

static tm_status mul_prepare(tm_model *m, tm_node *n, tm_error *err) {
    mul_data d;
    memset(&d, 0, sizeof d); // every byte defined: the whole struct is copied to the node data
    tm_op_binary b;
    d.int32 = n->n_inputs > 0 && tm_input(m, n, 0) != NULL && tm_input(m, n, 0)->type == TM_INT32;
    if (d.int32) {
        d.int16 = 0;
        if (tm_op_binary_prepare_s32(m, n, NAME, 1, &d.bc, err) != TM_OK) {
            return err->status;
        }
        return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
    }
    if (tm_op_binary_prepare_s16(m, n, NAME, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    d.int16 = b.out->type == TM_INT16;
    if (d.int16
        && (tm_op_check_zero_point_0(b.in1, NAME, "input 1", err) != TM_OK
            || tm_op_check_zero_point_0(b.in2, NAME, "input 2", err) != TM_OK
            || tm_op_check_zero_point_0(b.out, NAME, "output", err) != TM_OK)) {
        return err->status;
    }
    if (tm_mul_params_init(&d.params, b.in1->scale, b.in1->zero_point, b.in2->scale, b.in2->zero_point, b.out->scale,
            b.out->zero_point, b.act_min, b.act_max)
        != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: output scale too small for the input scales (input1 * input2 / output scale must be below 2^30)",
            NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void mul_eval(const tm_model *m, const tm_node *n) {
    const mul_data *d = (const mul_data *)n->data;
    if (d->int32) {
        tm_binary_s32(&d->bc, TM_S32_MUL, (const int32_t *)tm_input(m, n, 0)->data,
            (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
        return;
    }
    if (d->int16) {
        tm_mul_s16(&d->params, &d->bc, (const int16_t *)tm_input(m, n, 0)->data,
            (const int16_t *)tm_input(m, n, 1)->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_mul_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 MUL, 3 the int8 MUL whose rescale is >= 1, 4 the int16 MUL (all handled;
// 5 and up are int64 / complex / uint32).
const tm_op tm_op_mul = {
    "MUL",
    TM_BUILTIN_MUL,
    4,
    mul_persist_bytes,
    mul_prepare,
    mul_eval,
};
