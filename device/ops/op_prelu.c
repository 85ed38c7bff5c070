// tinyml op: PRELU, int8 input and int8 alpha broadcast against it (TFLM prelu.cc / prelu_common.cc:
// CalculatePreluParams, PreluPrepare; reference_ops::BroadcastPrelu4DSlow); the kernel is
// kernels/prelu.c. TFLM always takes its 4-D broadcasting path, so every shape is at most 4-D.
#include "tm_ops.h"
#include "op_common.h"
#include "prelu.h"

static const char *const NAME = "PRELU";

typedef struct {
    tm_prelu_params params;
    tm_broadcast bc;
} prelu_data;

static size_t prelu_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(prelu_data);
}

static tm_status prelu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    prelu_data d;
    tm_op_binary b;
    // PRELU has no options: the activation tm_op_binary_prepare reads is NONE.
    if (tm_op_binary_prepare(m, n, NAME, &b, &d.bc, err) != TM_OK) {
        return err->status;
    }
    if (b.in1->ndim > 4 || b.in2->ndim > 4 || b.out->ndim > 4) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input, alpha and output must be at most 4-D", NAME);
    }
    if (tm_prelu_prepare_params(b.in1->scale, b.in1->zero_point, b.in2->scale, b.in2->zero_point, b.out->scale,
            b.out->zero_point, &d.params)
        != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: input/output or input*alpha/output scale ratio not representable (above 2^30)", NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void prelu_eval(const tm_model *m, const tm_node *n) {
    const prelu_data *d = (const prelu_data *)n->data;
    tm_prelu_s8(&d->params, &d->bc, (const int8_t *)tm_input(m, n, 0)->data, (const int8_t *)tm_input(m, n, 1)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 1 covers float32 and int8 (TFLM registers no other).
const tm_op tm_op_prelu = {
    "PRELU",
    TM_BUILTIN_PRELU,
    1,
    prelu_persist_bytes,
    prelu_prepare,
    prelu_eval,
};
