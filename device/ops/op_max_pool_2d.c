// tinyml op: MAX_POOL_2D, int8 and int16 (TFLM MaxEval -> reference_integer_ops::MaxPool).
// Prepare: tm_op_pool_2d_prepare (op_common.c); the kernels are kernels/max_pool_2d.c and
// kernels/pool_2d_s16.c (int16).
#include "tm_ops.h"
#include "op_common.h"
#include "max_pool_2d.h"
#include "pool_2d_s16.h"

static tm_status max_pool_2d_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return tm_op_pool_2d_prepare(m, n, "MAX_POOL_2D", err);
}

static void max_pool_2d_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    if (input->type == TM_INT16) {
        tm_max_pool_2d_s16(
            (const tm_pool_params *)n->data, (const int16_t *)input->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_max_pool_2d_s8((const tm_pool_params *)n->data, (const int8_t *)input->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 version, 3 adds int16.
const tm_op tm_op_max_pool_2d = {
    "MAX_POOL_2D",
    TM_BUILTIN_MAX_POOL_2D,
    3,
    tm_op_pool_2d_persist_bytes,
    max_pool_2d_prepare,
    max_pool_2d_eval,
};
