// tinyml op: ELU, int8 -> int8 through a 256-entry table (TFLM elu.cc: CalculateOpData /
// PopulateLookupTable, EvalUsingLookupTable); the kernel is kernels/elu.c.
#include "tm_ops.h"
#include "op_common.h"
#include "elu.h"

static const char *const NAME = "ELU";

static tm_status elu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
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

// Version 2 is the int8 ELU (1 is float32).
const tm_op tm_op_elu = {
    "ELU", TM_BUILTIN_ELU, 2,
    tm_op_lut_s8_persist_bytes, elu_prepare, tm_op_lut_s8_eval,
};
