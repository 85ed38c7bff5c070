// tinyml op: SLICE (TFLM slice.cc: SlicePrepare, and GetValidatedBeginAndSizeVectors with
// reference_ops::Slice at eval): constant int32 or int64 begin / size (size -1 = to the end),
// inputs of up to 5 dimensions. TFLM validates begin / size at every eval; they are constants
// here, so the same checks run once in prepare (begin in [0, dim], size in [0, dim - begin],
// slice element count equal to the output's) and eval is one stride-1 strided copy
// (kernels/strided_copy.c), the STRIDED_SLICE loop.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "strided_copy.h"

static const char *const NAME = "SLICE";

#define SLICE_MAX_DIMS 5 // TFLM kMaxDim

static tm_status check_vector(const tm_tensor *t, int rank, const char *what, tm_error *err) {
    if (tm_op_check_const_ints(t, 1, NAME, what, err) != TM_OK) {
        return err->status;
    }
    if (t->ndim != 1 || tm_tensor_elements(t) != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s should be a vector of %d values", NAME, what, rank);
    }
    return TM_OK;
}

static tm_status slice_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 3, 3, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *begin = tm_input(m, n, 1);
    const tm_tensor *size = tm_input(m, n, 2);
    const tm_tensor *output = tm_output(m, n, 0);
    const int rank = input->ndim;
    if (rank == 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: a scalar input", NAME);
    }
    if (tm_op_check_type_in(input,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32)
                | TM_TYPE_BIT(TM_BOOL),
            NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    if (rank > SLICE_MAX_DIMS) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %d-D input (at most %d-D is supported)", NAME, rank, SLICE_MAX_DIMS);
    }
    if (check_vector(begin, rank, "begin", err) != TM_OK || check_vector(size, rank, "size", err) != TM_OK) {
        return err->status;
    }
    if (begin->type != size->type) {
        return tm_fail(err, TM_ERR_MODEL, "%s: begin and size have different types", NAME);
    }
    int32_t in_step[TM_MAX_DIMS];
    tm_strided_copy_params p;
    tm_op_strided_copy_init(&p, input, rank, in_step);
    int64_t elements = 1;
    for (int d = 0; d < rank; ++d) {
        const int64_t b = tm_op_const_int(begin, d);
        const int64_t s = tm_op_const_int(size, d);
        const int64_t dim = input->dims[d];
        if (b < 0 || b > dim) {
            return tm_fail(err, TM_ERR_MODEL, "%s: begin %d is out of range for dimension %d of size %d", NAME, (int)b,
                d, (int)dim);
        }
        const int64_t count = s == -1 ? dim - b : s;
        if (count < 0 || count > dim - b) {
            return tm_fail(err, TM_ERR_MODEL, "%s: size %d at dimension %d goes past its end", NAME, (int)s, d);
        }
        elements *= count;
        p.count[d] = (int32_t)count;
        p.in_step[d] = in_step[d];
        p.in_start += (int32_t)b * in_step[d];
    }
    // TFLM compares only the element counts (the output's shape is not checked).
    if (elements != tm_tensor_elements(output)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: the slice has %d elements, the output %d", NAME, (int)elements,
            (int)tm_tensor_elements(output));
    }
    tm_strided_copy_contiguous_out(&p);
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// The converter's versions depend on type and rank (int8 2, int16 and 5-D higher); TFLM checks
// none, the type and rank checks above decide.
const tm_op tm_op_slice = {
    "SLICE",
    TM_BUILTIN_SLICE,
    6,
    tm_op_strided_copy_persist_bytes,
    slice_prepare,
    tm_op_strided_copy_eval,
};
