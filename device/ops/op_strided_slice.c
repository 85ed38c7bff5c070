// tinyml op: STRIDED_SLICE (TFLM strided_slice.cc: Prepare / CheckOutputSize, Eval with
// reference_ops::StridedSlice and strided_slice_logic.h): constant int32 begin / end / strides,
// begin_mask, end_mask and shrink_axis_mask, inputs of up to 4 dimensions. Prepare computes each
// axis's first index, element count and step exactly as TFLM's eval does (negative indices,
// clamping, masks) and checks the output shape as TFLM's prepare does; eval is one strided copy
// (kernels/strided_copy.c).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "strided_copy.h"

static const char *const NAME = "STRIDED_SLICE";

// StridedSliceOptions field indices (schema.fbs).
enum {
    SS_OPT_BEGIN_MASK = 0,
    SS_OPT_END_MASK = 1,
    SS_OPT_ELLIPSIS_MASK = 2,
    SS_OPT_NEW_AXIS_MASK = 3,
    SS_OPT_SHRINK_AXIS_MASK = 4,
    SS_OPT_OFFSET = 5,
};

#define SS_MAX_DIMS 4 // TFLM: "input dim should not exceed 4"

static int32_t clamp(int32_t v, int32_t lo, int32_t hi) {
    return v > hi ? hi : (v < lo ? lo : v);
}

// TFLM StridedSliceStartForAxis / StridedSliceEndForAxis (the functions its eval uses).
static int32_t start_for_axis(int32_t begin, int32_t stride, int32_t size, int masked) {
    if (begin < 0) {
        begin += size;
    }
    begin = stride > 0 ? clamp(begin, 0, size) : clamp(begin, -1, size - 1);
    if (masked) {
        begin = stride > 0 ? 0 : size - 1;
    }
    return begin;
}

static int32_t end_for_axis(int32_t end, int32_t stride, int32_t size, int masked) {
    if (end < 0) {
        end += size;
    }
    end = stride > 0 ? clamp(end, 0, size) : clamp(end, -1, size - 1);
    if (masked) {
        end = stride > 0 ? size : -1;
    }
    return end;
}

// Iterations of TFLM's loop `for (i = start; stride > 0 ? i < end : i > end; i += stride)`.
static int32_t loop_count(int32_t start, int32_t end, int32_t stride) {
    const int64_t span = stride > 0 ? (int64_t)end - start : (int64_t)start - end;
    const int64_t step = stride > 0 ? stride : -(int64_t)stride;
    return span <= 0 ? 0 : (int32_t)((span + step - 1) / step);
}

static tm_status check_index_tensor(const tm_tensor *t, int rank, const char *what, tm_error *err) {
    if (tm_op_check_const_ints(t, 0, NAME, what, err) != TM_OK) {
        return err->status;
    }
    if (tm_tensor_elements(t) != rank) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %s has %d values for a %d-D input", NAME, what, (int)tm_tensor_elements(t), rank);
    }
    return TM_OK;
}

static tm_status strided_slice_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 4, 4, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    const int rank = input->ndim;
    if (tm_op_check_type_in(input,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32)
                | TM_TYPE_BIT(TM_BOOL),
            NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    if (rank > SS_MAX_DIMS) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %d-D input (at most %d-D is supported)", NAME, rank, SS_MAX_DIMS);
    }
    const tm_tensor *begin = tm_input(m, n, 1);
    const tm_tensor *end = tm_input(m, n, 2);
    const tm_tensor *strides = tm_input(m, n, 3);
    if (check_index_tensor(begin, rank, "begin", err) != TM_OK || check_index_tensor(end, rank, "end", err) != TM_OK
        || check_index_tensor(strides, rank, "strides", err) != TM_OK) {
        return err->status;
    }
    const int32_t begin_mask = tm_fb_i32(tm_node_options(m, n), SS_OPT_BEGIN_MASK, 0);
    const int32_t end_mask = tm_fb_i32(tm_node_options(m, n), SS_OPT_END_MASK, 0);
    const int32_t shrink_mask = tm_fb_i32(tm_node_options(m, n), SS_OPT_SHRINK_AXIS_MASK, 0);
    // TFLM zeroes the ellipsis and new-axis masks and ignores offset, slicing something else than
    // the model means: refused here.
    if (tm_fb_i32(tm_node_options(m, n), SS_OPT_ELLIPSIS_MASK, 0) != 0
        || tm_fb_i32(tm_node_options(m, n), SS_OPT_NEW_AXIS_MASK, 0) != 0
        || tm_fb_u8(tm_node_options(m, n), SS_OPT_OFFSET, 0) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: ellipsis_mask, new_axis_mask and offset are not supported", NAME);
    }
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    int32_t in_step[TM_MAX_DIMS];
    tm_strided_copy_params p;
    tm_op_strided_copy_init(&p, input, rank, in_step);
    int out_d = 0;
    for (int d = 0; d < rank; ++d) {
        const int32_t size = input->dims[d];
        const int32_t stride = (int32_t)tm_op_const_int(strides, d);
        if (stride == 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: stride %d is 0", NAME, d);
        }
        const int32_t start = start_for_axis((int32_t)tm_op_const_int(begin, d), stride, size, (begin_mask >> d) & 1);
        int32_t count;
        if ((shrink_mask >> d) & 1) {
            // TFLM's prepare takes one element; its eval copies none when the stride is negative
            // or the index is past the end (the output would be left unwritten): refused.
            if (stride < 0) {
                return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: shrinking axis %d with a negative stride", NAME, d);
            }
            if (start >= size) {
                return tm_fail(err, TM_ERR_MODEL, "%s: shrunk axis %d: index out of range", NAME, d);
            }
            count = 1;
        } else {
            const int32_t stop = end_for_axis((int32_t)tm_op_const_int(end, d), stride, size, (end_mask >> d) & 1);
            count = loop_count(start, stop, stride);
            if (out_d >= output->ndim || output->dims[out_d] != count) {
                return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d should be %d", NAME, out_d, (int)count);
            }
            ++out_d;
        }
        p.count[d] = count;
        // A stride past the axis takes one element and never steps: its product with the axis'
        // step (in 64 bits: the stride is the model's) is only kept where it is used.
        const int64_t step = (int64_t)stride * in_step[d];
        p.in_step[d] = count > 1 ? (int32_t)step : 0;
        if (count > 0) {
            p.in_start += start * in_step[d];
        }
    }
    if (out_d != output->ndim) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %d-D output, the slice has %d dimensions", NAME, (int)output->ndim, out_d);
    }
    if (rank == 0) {
        // A scalar: TFLM's 5-D loops copy its one element.
        p.ndim = 1;
        p.count[0] = 1;
        p.in_step[0] = 1;
    }
    tm_strided_copy_contiguous_out(&p);
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

// Version 1 float32, 2 int8, 3 bool, 4 more than 4-D (refused by the rank check; TFLM too).
const tm_op tm_op_strided_slice = {
    "STRIDED_SLICE",
    TM_BUILTIN_STRIDED_SLICE,
    4,
    tm_op_strided_copy_persist_bytes,
    strided_slice_prepare,
    tm_op_strided_copy_eval,
};
