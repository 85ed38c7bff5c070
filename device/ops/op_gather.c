// tinyml op: GATHER (TFLM gather.cc: GatherPrepare, GatherEval): float32 or int8 input, int32
// positions (TFLM's types); also an int32 input, which TFLM refuses but the converter writes to
// pick dimensions out of a SHAPE (tests compare it with TensorFlow Lite's kernel); axis and batch_dims from the options, negative counted from the end
// (batch_dims from the positions' rank). Prepare checks what TFLM's does (axis inside the input's
// rank, 0 <= batch_dims <= axis, batch_dims below both ranks, the batch dims equal) and, since
// TFLM writes the output shape, that the model's output has it:
//   input[:axis] + positions[batch_dims:] + input[axis + 1:].
// Out-of-range positions (policy): TFLM's eval returns an error for a position outside
// [0, axis_size) and the interpreter's invoke fails. Here:
//   - constant positions are all checked in prepare: such a model is refused at load;
//   - positions computed at run time (an activation, e.g. token ids fed to an embedding) are
//     checked at every inference by the kernel (kernels/gather.c); tm_model_invoke cannot fail,
//     so the output slice of a bad position is written as zero bytes (float 0.0, int8 raw 0) and
//     the rest of the output is computed as usual. Nothing outside the input is ever read.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "gather.h"

static const char *const NAME = "GATHER";

// GatherOptions field indices (schema.fbs).
enum { GATHER_OPT_AXIS = 0, GATHER_OPT_BATCH_DIMS = 1 };

static size_t gather_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_gather_params);
}

static int32_t dims_product(const tm_tensor *t, int from, int to) {
    int32_t p = 1;
    for (int d = from; d < to; ++d) {
        p *= t->dims[d];
    }
    return p;
}

static tm_status gather_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *positions = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (positions->type != TM_INT32) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: positions are %s (only int32 is supported)", NAME,
            tm_type_name(positions->type));
    }
    if (tm_op_check_type_in(
            input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32), NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    const int rank = input->ndim, pos_rank = positions->ndim;
    const int32_t axis0 = tm_fb_i32(tm_node_options(m, n), GATHER_OPT_AXIS, 0);
    const int32_t batch0 = tm_fb_i32(tm_node_options(m, n), GATHER_OPT_BATCH_DIMS, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    const int64_t axis = axis0 < 0 ? (int64_t)axis0 + rank : axis0;
    const int64_t batch_dims = batch0 < 0 ? (int64_t)batch0 + pos_rank : batch0;
    if (axis < 0 || axis >= rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", NAME, (int)axis0, rank);
    }
    if (batch_dims < 0 || batch_dims > axis || batch_dims >= rank || batch_dims > pos_rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: batch_dims %d is out of range (axis %d, %d-D input, %d-D positions)",
            NAME, (int)batch0, (int)axis, rank, pos_rank);
    }
    for (int d = 0; d < batch_dims; ++d) {
        if (input->dims[d] != positions->dims[d]) {
            return tm_fail(err, TM_ERR_MODEL, "%s: batch dimension %d is %d in the input, %d in the positions", NAME, d,
                (int)input->dims[d], (int)positions->dims[d]);
        }
    }
    const int out_rank = rank + pos_rank - 1 - (int)batch_dims;
    int ok = output->ndim == out_rank;
    for (int d = 0, k = 0; ok && d < rank; ++d) {
        if (d == axis) {
            for (int j = (int)batch_dims; ok && j < pos_rank; ++j) {
                ok = output->dims[k++] == positions->dims[j];
            }
        } else {
            ok = output->dims[k++] == input->dims[d];
        }
    }
    if (!ok) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: output shape is not input[:axis] + positions[batch_dims:] + input[axis+1:]", NAME);
    }
    tm_gather_params p;
    p.batch = dims_product(input, 0, (int)batch_dims);
    p.outer = dims_product(input, (int)batch_dims, (int)axis);
    p.axis_size = input->dims[axis];
    p.coords = dims_product(positions, (int)batch_dims, pos_rank);
    p.inner = dims_product(input, (int)axis + 1, rank);
    p.elem_size = (int32_t)tm_type_size(input->type);
    if (positions->is_const) {
        const int32_t count = tm_tensor_elements(positions);
        for (int32_t i = 0; i < count; ++i) {
            const int64_t at = tm_op_const_int(positions, i);
            if (at < 0 || at >= p.axis_size) {
                return tm_fail(err, TM_ERR_MODEL, "%s: position %d is %d, outside [0, %d)", NAME, (int)i, (int)at,
                    (int)p.axis_size);
            }
        }
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void gather_eval(const tm_model *m, const tm_node *n) {
    tm_gather(
        (const tm_gather_params *)n->data, tm_input(m, n, 0)->data, tm_input(m, n, 1)->data, tm_output(m, n, 0)->data);
}

// Version 1 float32, 2 int8, 3 int16, 4 int64 positions, 5 batch_dims, 6 int4, 7 int16 positions:
// the type checks decide (TFLM checks no version).
const tm_op tm_op_gather = {
    "GATHER",
    TM_BUILTIN_GATHER,
    7,
    gather_persist_bytes,
    gather_prepare,
    gather_eval,
};
