// tinyml ops: MAXIMUM and MINIMUM, int8 (or int32: kernels/binary_s32.c) with numpy broadcasting (TFLM maximum_minimum.cc, which has
// no Prepare: it compares the raw values whatever the quantization); the kernels are
// kernels/maximum_minimum.c. Prepare checks what the kernel relies on: int8 tensors with per-tensor
// quantization (what converters write; TFLM reads none of it) and shapes that broadcast to the
// output's.
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "maximum_minimum.h"
#include "binary_s32.h"

typedef struct {
    tm_broadcast bc;
    int32_t int32;
} max_min_data;

static size_t max_min_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(max_min_data);
}

static tm_status max_min_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err) {
    tm_op_binary b;
    max_min_data d;
    memset(&d, 0, sizeof d); // every byte defined: the whole struct is copied to the node data
    d.int32 = n->n_inputs > 0 && tm_input(m, n, 0) != NULL && tm_input(m, n, 0)->type == TM_INT32;
    // MaximumMinimumOptions has no fields: the activation read by tm_op_binary_prepare is NONE.
    if (d.int32 ? tm_op_binary_prepare_s32(m, n, op, 0, &d.bc, err) != TM_OK
                : tm_op_binary_prepare(m, n, op, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    return tm_op_store_data(m, n, &d, sizeof(d), op, err);
}

static tm_status maximum_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return max_min_prepare(m, n, "MAXIMUM", err);
}

static tm_status minimum_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return max_min_prepare(m, n, "MINIMUM", err);
}

static void maximum_eval(const tm_model *m, const tm_node *n) {
    const max_min_data *d = (const max_min_data *)n->data;
    if (d->int32) {
        tm_binary_s32(&d->bc, TM_S32_MAXIMUM, (const int32_t *)tm_input(m, n, 0)->data,
            (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_maximum_s8(&d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

static void minimum_eval(const tm_model *m, const tm_node *n) {
    const max_min_data *d = (const max_min_data *)n->data;
    if (d->int32) {
        tm_binary_s32(&d->bc, TM_S32_MINIMUM, (const int32_t *)tm_input(m, n, 0)->data,
            (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_minimum_s8(&d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Versions 1 (int32 among others), 2 (int8) and 3 (int8 broadcasting over more than 4 dims); 4 is
// int16, refused by the type checks.
const tm_op tm_op_maximum = {
    "MAXIMUM",
    TM_BUILTIN_MAXIMUM,
    3,
    max_min_persist_bytes,
    maximum_prepare,
    maximum_eval,
};

const tm_op tm_op_minimum = {
    "MINIMUM",
    TM_BUILTIN_MINIMUM,
    3,
    max_min_persist_bytes,
    minimum_prepare,
    minimum_eval,
};
