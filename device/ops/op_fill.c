// tinyml op: FILL (TFLM fill.cc: Prepare, Eval with reference_ops::Fill): an output of the model's
// shape with every element the scalar `value` (a constant or a tensor computed at run time, read at
// every inference), float32, int32 or int8 (TFLM's types; an int8 value is copied raw, as TFLM
// does, whatever the quantization).
// dims, the requested shape, int32 or int64, one value per output dimension:
//   - a constant (what TFLM requires): its values must be the output's dimensions, as TFLM checks;
//   - computed in the model (SHAPE of a tensor, a converter's dynamic batch): TFLM refuses it;
//     shapes are static in a loaded model, so the output's shape is what it holds: prepare checks
//     its type and length only, and eval never reads it - the number of elements written is the
//     output's, fixed at load.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "fill.h"

static const char *const NAME = "FILL";

static tm_status fill_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *dims = tm_input(m, n, 0);
    const tm_tensor *value = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (value->ndim != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: value is %d-D (must be a scalar)", NAME, (int)value->ndim);
    }
    if (tm_op_check_type_in(
            value, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32), NAME, "value", err)
        != TM_OK) {
        return err->status;
    }
    if (value->type != output->type) {
        return tm_fail(err, TM_ERR_MODEL, "%s: value is %s, output is %s", NAME, tm_type_name(value->type),
            tm_type_name(output->type));
    }
    if (dims->type != TM_INT32 && dims->type != TM_INT64) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: dims tensor is %s (expected int32 or int64)", NAME, tm_type_name(dims->type));
    }
    if (dims->ndim != 1 || dims->dims[0] != output->ndim) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: dims should be a vector of %d values (the output's rank)", NAME, (int)output->ndim);
    }
    if (dims->is_const) {
        if (tm_op_check_const_ints(dims, 1, NAME, "dims", err) != TM_OK) {
            return err->status;
        }
        for (int d = 0; d < output->ndim; ++d) {
            const int64_t v = tm_op_const_int(dims, d);
            if (v != output->dims[d]) {
                return tm_fail(err, TM_ERR_MODEL, "%s: dims[%d] is %d, the output's dimension %d", NAME, d, (int)v,
                    (int)output->dims[d]);
            }
        }
    }
    return TM_OK;
}

static void fill_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *value = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    tm_fill(output->data, tm_tensor_elements(output), value->data, (int32_t)tm_type_size(value->type));
}

// Version 1 float32 / int32 / int64, 2 int8 / int16, 3 bool / string (the type check decides;
// TFLM checks no version).
const tm_op tm_op_fill = {
    "FILL",
    TM_BUILTIN_FILL,
    3,
    NULL,
    fill_prepare,
    fill_eval,
};
