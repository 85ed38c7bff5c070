// tinyml op: ELU. int8 -> int8 through a 256-entry table (TFLM elu.cc: CalculateOpData /
// PopulateLookupTable, EvalUsingLookupTable), and float32 -> float32 (TFLM's reference Elu, which
// TensorFlow's converter leaves between DEQUANTIZE and QUANTIZE in an int8 model: it quantizes no
// ELU). The kernels are kernels/elu.c.
#include "tm_ops.h"
#include "op_common.h"
#include "elu.h"

static const char *const NAME = "ELU";

static int is_float(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = n->n_inputs >= 1 ? tm_input(m, n, 0) : NULL;
    return input != NULL && input->type == TM_FLOAT32;
}

static tm_status elu_float_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = n->n_outputs == 1 ? tm_output(m, n, 0) : NULL;
    if (n->n_inputs != 1 || output == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: expects 1 input and 1 output", NAME);
    }
    if (output->type != TM_FLOAT32) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: float32 input with a %s output", NAME, tm_type_name(output->type));
    }
    return tm_op_check_same_size(input, output, NAME, err);
}

static tm_status elu_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (is_float(m, n)) {
        return elu_float_prepare(m, n, err);
    }
    const tm_tensor *input;
    const tm_tensor *output;
    if (tm_op_check_int8_map(m, n, NAME, &input, &output, err) != TM_OK) {
        return err->status;
    }
    tm_lut_s8_table p;
    if (tm_elu_prepare_params(input->scale, input->zero_point, output->scale, output->zero_point, &p) != 0) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: input/output scale ratio too large (a table entry overflows int32)", NAME);
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static size_t elu_persist_bytes(const tm_model *m, const tm_node *n) {
    return is_float(m, n) ? 0 : tm_op_lut_s8_persist_bytes(m, n);
}

static void elu_eval(const tm_model *m, const tm_node *n) {
    if (is_float(m, n)) {
        const tm_tensor *input = tm_input(m, n, 0);
        tm_elu_f32(tm_tensor_elements(input), (const float *)input->data, (float *)tm_output(m, n, 0)->data);
        return;
    }
    tm_op_lut_s8_eval(m, n);
}

// Version 1 is float32 ELU, 2 the int8 one.
const tm_op tm_op_elu = {
    "ELU",
    TM_BUILTIN_ELU,
    2,
    elu_persist_bytes,
    elu_prepare,
    elu_eval,
};
