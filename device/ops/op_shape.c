// tinyml op: SHAPE (TFLM shape.cc: ShapePrepare, ShapeEval): the input's dimensions as an int32
// vector. Shapes are static in a loaded model, so prepare computes the result once; eval only
// writes it into the output (whose arena bytes other tensors may share between inferences).
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"

static const char *const NAME = "SHAPE";

typedef struct {
    int32_t ndim;
    int32_t dims[TM_MAX_DIMS];
} shape_data;

static size_t shape_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(shape_data);
}

static tm_status shape_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    // TFLM writes int32 only (ShapeOptions.out_type int64 is version 2, refused by its eval).
    if (output->type != TM_INT32) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: output is %s (only int32 is supported)", NAME, tm_type_name(output->type));
    }
    // TFLM writes one value per input dimension without looking at the output's size: here the
    // output must hold exactly that many.
    if (tm_tensor_elements(output) != input->ndim || output->ndim > 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output has %d elements for a %d-D input", NAME,
            (int)tm_tensor_elements(output), (int)input->ndim);
    }
    shape_data d;
    memset(&d, 0, sizeof(d));
    d.ndim = input->ndim;
    for (int i = 0; i < input->ndim; ++i) {
        d.dims[i] = input->dims[i];
    }
    return tm_op_store_data(m, n, &d, sizeof(d), NAME, err);
}

static void shape_eval(const tm_model *m, const tm_node *n) {
    const shape_data *d = (const shape_data *)n->data;
    if (d->ndim == 0) {
        return; // a scalar's shape: no element to write
    }
    memcpy(tm_output(m, n, 0)->data, d->dims, sizeof(int32_t) * (size_t)d->ndim);
}

const tm_op tm_op_shape = {
    "SHAPE",
    TM_BUILTIN_SHAPE,
    1,
    shape_persist_bytes,
    shape_prepare,
    shape_eval,
};
