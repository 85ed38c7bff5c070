// tinyml ops: ADD and SUB, int8 (+ or -) int8 -> int8 with numpy broadcasting and a fused
// activation (TFLM add.cc / add_common.cc: CalculateOpDataAdd, EvalAddQuantized; sub.cc /
// sub_common.cc: CalculateOpDataSub, EvalSubQuantized). For int8, CalculateOpDataSub computes what
// CalculateOpDataAdd does, so both take tm_add_params; the kernels are kernels/add.c and
// kernels/sub.c. int16 (TFLM's 16x8 mode) takes the same parameters with a left shift of 15 and
// the kernels of kernels/add_sub_s16.c; the zero points are not required to be 0 (TFLM does not).
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "add.h"
#include "add_sub_s16.h"
#include "sub.h"
#include "binary_s32.h"

typedef struct {
    tm_add_params params;
    tm_broadcast bc;
    int32_t int16;
    int32_t int32; // int32 inputs and output: kernels/binary_s32.c, no quantization
} add_data;

static size_t add_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(add_data);
}

static tm_status add_sub_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err) {
    add_data d;
    memset(&d, 0, sizeof d); // every byte defined: the whole struct is copied to the node data
    tm_op_binary b;
    d.int32 = n->n_inputs > 0 && tm_input(m, n, 0) != NULL && tm_input(m, n, 0)->type == TM_INT32;
    if (d.int32) {
        d.int16 = 0;
        if (tm_op_binary_prepare_s32(m, n, op, 1, &d.bc, err) != TM_OK) {
            return err->status;
        }
        return tm_op_store_data(m, n, &d, sizeof(d), op, err);
    }
    if (tm_op_binary_prepare_s16(m, n, op, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    d.int16 = b.out->type == TM_INT16;
    if (tm_add_params_init_shift(&d.params, d.int16 ? 15 : 20, b.in1->scale, b.in1->zero_point, b.in2->scale,
            b.in2->zero_point, b.out->scale, b.out->zero_point, b.act_min, b.act_max)
        != 0) {
        // TFLM's QuantizeMultiplierSmallerThanOneExp aborts here.
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: output scale too small for the input scales "
            "(2 * max input scale / output scale must be below 2^%d)",
            op, d.int16 ? 15 : 20);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), op, err);
}

static tm_status add_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return add_sub_prepare(m, n, "ADD", err);
}

static tm_status sub_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return add_sub_prepare(m, n, "SUB", err);
}

static void add_eval(const tm_model *m, const tm_node *n) {
    const add_data *d = (const add_data *)n->data;
    if (d->int32) {
        tm_binary_s32(&d->bc, TM_S32_ADD, (const int32_t *)tm_input(m, n, 0)->data,
            (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
        return;
    }
    if (d->int16) {
        tm_add_s16(&d->params, &d->bc, (const int16_t *)tm_input(m, n, 0)->data,
            (const int16_t *)tm_input(m, n, 1)->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_add_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

static void sub_eval(const tm_model *m, const tm_node *n) {
    const add_data *d = (const add_data *)n->data;
    if (d->int32) {
        tm_binary_s32(&d->bc, TM_S32_SUB, (const int32_t *)tm_input(m, n, 0)->data,
            (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
        return;
    }
    if (d->int16) {
        tm_sub_s16(&d->params, &d->bc, (const int16_t *)tm_input(m, n, 0)->data,
            (const int16_t *)tm_input(m, n, 1)->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_sub_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 ADD, 3 and 5 the int16 ADD (power-of-two or general scales: TFLM ignores
// AddOptions.pot_scale_int16 and always takes the general path, as here); 4 is int64, refused by
// the type checks.
const tm_op tm_op_add = {
    "ADD",
    TM_BUILTIN_ADD,
    5,
    add_persist_bytes,
    add_prepare,
    add_eval,
};

// SUB: versions 2 (int8), 3 (int8 broadcasting over more than 4 dims) and 5 (int16, general path
// whatever SubOptions.pot_scale_int16 says, as in TFLM); 4 is int64, refused by the type checks.
const tm_op tm_op_sub = {
    "SUB",
    TM_BUILTIN_SUB,
    5,
    add_persist_bytes,
    sub_prepare,
    sub_eval,
};
