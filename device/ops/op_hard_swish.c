// tinyml op: HARD_SWISH, int8 -> int8 (TFLM hard_swish_common.cc: HardSwishPrepare; hard_swish.cc:
// reference_ops::HardSwish); the kernel is kernels/hard_swish.c.
#include "tm_ops.h"
#include "op_common.h"
#include "hard_swish.h"

static const char *const NAME = "HARD_SWISH";

static size_t hard_swish_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_hard_swish_params);
}

static tm_status hard_swish_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    tm_hard_swish_params p;
    if (tm_hard_swish_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point, &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: input/output scale ratio not representable (input scale / 128 must be below the output scale)", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void hard_swish_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_hard_swish_s8((const tm_hard_swish_params *)n->data, tm_tensor_elements(input), (const int8_t *)input->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 1 (float, int8; TFLM has no int16 HARD_SWISH).
const tm_op tm_op_hard_swish = {
    "HARD_SWISH",
    TM_BUILTIN_HARD_SWISH,
    1,
    hard_swish_persist_bytes,
    hard_swish_prepare,
    hard_swish_eval,
};
