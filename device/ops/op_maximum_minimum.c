// tinyml ops: MAXIMUM and MINIMUM, int8 with numpy broadcasting (TFLM maximum_minimum.cc, which has
// no Prepare: it compares the raw values whatever the quantization); the kernels are
// kernels/maximum_minimum.c. Prepare checks what the kernel relies on: int8 tensors with per-tensor
// quantization (what converters write; TFLM reads none of it) and shapes that broadcast to the
// output's.
#include "tm_ops.h"
#include "op_common.h"
#include "maximum_minimum.h"

static size_t max_min_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_broadcast);
}

static tm_status max_min_prepare(tm_model *m, tm_node *n, const char *op, tm_error *err) {
    tm_op_binary b;
    tm_broadcast bc;
    // MaximumMinimumOptions has no fields: the activation read by tm_op_binary_prepare is NONE.
    if (tm_op_binary_prepare(m, n, op, &b, &bc, err) != TM_OK) {
        return err->status;
    }
    return tm_op_store_data(m, n, &bc, sizeof(bc), op, err);
}

static tm_status maximum_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return max_min_prepare(m, n, "MAXIMUM", err);
}

static tm_status minimum_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return max_min_prepare(m, n, "MINIMUM", err);
}

static void maximum_eval(const tm_model *m, const tm_node *n) {
    tm_maximum_s8((const tm_broadcast *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, (int8_t *)tm_output(m, n, 0)->data);
}

static void minimum_eval(const tm_model *m, const tm_node *n) {
    tm_minimum_s8((const tm_broadcast *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Versions 2 (int8) and 3 (int8 broadcasting over more than 4 dims); 4 is int16.
const tm_op tm_op_maximum = {
    "MAXIMUM", TM_BUILTIN_MAXIMUM, 3,
    max_min_persist_bytes, maximum_prepare, maximum_eval,
};

const tm_op tm_op_minimum = {
    "MINIMUM", TM_BUILTIN_MINIMUM, 3,
    max_min_persist_bytes, minimum_prepare, minimum_eval,
};
