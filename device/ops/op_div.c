// tinyml op: DIV, int32 only (TFLM div.cc's int32 path, which the audio front-end uses to scale
// its features): truncating integer division with numpy broadcasting, kernels/binary_s32.c. A zero
// divisor gives 0 at eval; a constant divisor with a zero is refused at prepare.
#include "tm_ops.h"
#include "op_common.h"
#include "binary_s32.h"

static const char *const NAME = "DIV";

static size_t div_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_broadcast);
}

static tm_status div_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_broadcast bc;
    if (tm_op_binary_prepare_s32(m, n, NAME, 1, &bc, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *divisor = tm_input(m, n, 1);
    if (divisor->is_const) {
        for (int32_t i = 0; i < tm_tensor_elements(divisor); ++i) {
            if (((const int32_t *)divisor->data)[i] == 0) {
                return tm_fail(err, TM_ERR_MODEL, "%s: constant divisor has a 0 at %d", NAME, (int)i);
            }
        }
    }
    return tm_op_store_data(m, n, &bc, sizeof bc, NAME, err);
}

static void div_eval(const tm_model *m, const tm_node *n) {
    tm_binary_s32((const tm_broadcast *)n->data, TM_S32_DIV, (const int32_t *)tm_input(m, n, 0)->data,
        (const int32_t *)tm_input(m, n, 1)->data, (int32_t *)tm_output(m, n, 0)->data);
}

// Version 1 is float32 and int32 (float32 is refused by the type checks); 2 is uint8 quantized.
const tm_op tm_op_div = {
    "DIV",
    TM_BUILTIN_DIV,
    1,
    div_persist_bytes,
    div_prepare,
    div_eval,
};
