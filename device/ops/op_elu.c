// tinyml op: ELU, int8 -> int8 through a 256-entry table (TFLM elu.cc: CalculateOpData /
// PopulateLookupTable, EvalUsingLookupTable); the kernel is kernels/elu.c.
#include "tm_ops.h"
#include "op_common.h"
#include "elu.h"

static const char *const NAME = "ELU";

static size_t elu_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_lut_s8_table);
}

static tm_status elu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_unary(m, n, NAME, &input, &output, err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK
        || tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    tm_lut_s8_table p;
    if (tm_elu_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point,
            &p) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: input/output scale ratio too large (a table entry overflows int32)", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void elu_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_lut_s8((const tm_lut_s8_table *)n->data, tm_tensor_elements(input),
        (const int8_t *)input->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 ELU (1 is float32).
const tm_op tm_op_elu = {
    "ELU", TM_BUILTIN_ELU, 2,
    elu_persist_bytes, elu_prepare, elu_eval,
};
