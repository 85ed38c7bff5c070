// tinyml op: SQUARED_DIFFERENCE, int8 with numpy broadcasting (TFLM squared_difference.cc:
// SquaredDifferencePrepare / PrepareQuantized, EvalQuantizedSquaredDifference); the kernel is
// kernels/squared_difference.c. Inputs of different shapes take TFLM's 4-D broadcasting path, so
// they are at most 4-D; same-shape inputs go element by element at any rank.
#include "tm_ops.h"
#include "op_common.h"
#include "squared_difference.h"

static const char *const NAME = "SQUARED_DIFFERENCE";

typedef struct {
    tm_squared_difference_params params;
    tm_broadcast bc;
} squared_difference_data;

static size_t squared_difference_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(squared_difference_data);
}

static tm_status squared_difference_prepare(tm_model *m, tm_node *n, tm_error *err) {
    squared_difference_data d;
    tm_op_binary b;
    // SquaredDifferenceOptions has no fields: the activation read is NONE.
    if (tm_op_binary_prepare(m, n, NAME, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    if (!tm_op_same_shape(b.in1, b.in2) && (b.in1->ndim > 4 || b.in2->ndim > 4 || b.out->ndim > 4)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: broadcasting inputs must be at most 4-D", NAME);
    }
    if (tm_squared_difference_prepare_params(b.in1->scale, b.in1->zero_point, b.in2->scale, b.in2->zero_point,
            b.out->scale, b.out->zero_point, &d.params)
        != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: output scale too small for the input scales (output multiplier above 2^30)", NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void squared_difference_eval(const tm_model *m, const tm_node *n) {
    const squared_difference_data *d = (const squared_difference_data *)n->data;
    tm_squared_difference_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 SQUARED_DIFFERENCE (1 is float32 / int32).
const tm_op tm_op_squared_difference = {
    "SQUARED_DIFFERENCE",
    TM_BUILTIN_SQUARED_DIFFERENCE,
    2,
    squared_difference_persist_bytes,
    squared_difference_prepare,
    squared_difference_eval,
};
