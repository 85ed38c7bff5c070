// tinyml op: RESHAPE (TFLM reshape.cc / reshape_common.cc): like TFLM, the output tensor's shape in
// the model is the new shape (the shape input / new_shape option are not consulted); input and
// output must have the same type and element count. The data is copied unless the planner gave
// both the same buffer (kernels/reshape.c).
#include "tm_ops.h"
#include "op_tensor_util.h"
#include "reshape.h"

static const char *const NAME = "RESHAPE";

static tm_status reshape_prepare(tm_model *m, tm_node *n, tm_error *err) {
    // Input 2 (the shape tensor) is optional and may be a computed tensor; it is not read.
    if (n->n_inputs < 1 || n->n_inputs > 2 || n->n_outputs != 1 || n->inputs[0] < 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %u inputs and %u outputs (expected 1 or 2 and 1)", NAME,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs);
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input->type != output->type) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input is %s, output is %s", NAME, tm_type_name(input->type),
            tm_type_name(output->type));
    }
    if (tm_type_size(input->type) == 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: type %s is not supported", NAME, tm_type_name(input->type));
    }
    if (tm_tensor_elements(input) != tm_tensor_elements(output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input has %d elements, output %d", NAME,
            (int)tm_tensor_elements(input), (int)tm_tensor_elements(output));
    }
    return TM_OK;
}

static void reshape_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *output = tm_output(m, n, 0);
    tm_reshape(tm_input(m, n, 0)->data, output->data, output->bytes);
}

const tm_op tm_op_reshape = {
    "RESHAPE", TM_BUILTIN_RESHAPE, 1,
    NULL, reshape_prepare, reshape_eval,
};
