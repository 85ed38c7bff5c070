// tinyml op: TRANSPOSE (TFLM transpose_common.cc: TransposePrepare, transpose.cc with
// reference_ops::Transpose): 1- to 5-D float32 / int8 / int16, a constant int32 perm. TFLM's
// prepare checks the rank, the types, a constant 1-D perm of `rank` values each in [0, rank);
// here perm must also be a permutation (no value twice) and the output's shape the input's
// dimensions in perm order (TFLM's kernel assumes both). Eval is one strided copy
// (kernels/strided_copy.c) that walks the output in order, each axis stepping the input by the
// row-major step of the input axis perm names.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "strided_copy.h"

static const char *const NAME = "TRANSPOSE";

#define TRANSPOSE_MAX_DIMS 5

static tm_status transpose_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *perm = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    const int rank = input->ndim;
    if (tm_op_check_type_in(
            input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_FLOAT32), NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK
        || tm_op_check_const_ints(perm, 0, NAME, "perm", err) != TM_OK) {
        return err->status;
    }
    if (rank < 1 || rank > TRANSPOSE_MAX_DIMS) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %d-D input (1-D to %d-D are supported)", NAME, rank, TRANSPOSE_MAX_DIMS);
    }
    if (perm->ndim != 1 || perm->dims[0] != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: perm should be a vector of %d values", NAME, rank);
    }
    if (output->ndim != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d-D output for a %d-D input", NAME, (int)output->ndim, rank);
    }
    int32_t in_step[TM_MAX_DIMS];
    tm_strided_copy_params p;
    tm_op_strided_copy_init(&p, input, rank, in_step);
    unsigned seen = 0;
    for (int d = 0; d < rank; ++d) {
        const int64_t axis = tm_op_const_int(perm, d);
        if (axis < 0 || axis >= rank || ((seen >> axis) & 1u)) {
            return tm_fail(err, TM_ERR_MODEL, "%s: perm is not a permutation of 0..%d", NAME, rank - 1);
        }
        seen |= 1u << axis;
        if (output->dims[d] != input->dims[axis]) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d is %d, expected %d", NAME, d,
                (int)output->dims[d], (int)input->dims[axis]);
        }
        p.count[d] = input->dims[axis];
        p.in_step[d] = in_step[axis];
    }
    tm_strided_copy_contiguous_out(&p);
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// Version 1 float32, 2 int8, 3 more than 4-D, 4 ... (TFLM checks none; the type and rank checks
// above decide).
const tm_op tm_op_transpose = {
    "TRANSPOSE",
    TM_BUILTIN_TRANSPOSE,
    6,
    tm_op_strided_copy_persist_bytes,
    transpose_prepare,
    tm_op_strided_copy_eval,
};
