// tinyml op: SQUEEZE (TFLM squeeze.cc: SqueezePrepare, SqueezeEval): removes size-1 dimensions,
// the ones listed in squeeze_dims or, if none are listed, all of them. The bytes are unchanged
// (kernels/reshape.c).
#include "tm_ops.h"
#include "op_common.h"

static const char *const NAME = "SQUEEZE";

static tm_status squeeze_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_same_type(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    // SqueezeOptions: squeeze_dims (field 0), each in [-rank, rank) and naming a size-1 dimension.
    const int rank = input->ndim;
    uint8_t squeeze[TM_MAX_DIMS] = {0};
    tm_fb_vec dims = tm_fb_vec_field(tm_node_options(m, n), 0, 4);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    if (dims.len == 0) {
        for (int i = 0; i < rank; ++i) {
            squeeze[i] = input->dims[i] == 1;
        }
    }
    for (uint32_t k = 0; k < dims.len; ++k) {
        const int32_t d = tm_fb_vec_i32(&dims, k);
        const int32_t r = d < 0 ? d + rank : d;
        if (r < 0 || r >= rank || input->dims[r] != 1) {
            return tm_fail(err, TM_ERR_MODEL, "%s: cannot squeeze dimension %d of a %d-D input", NAME, (int)d, rank);
        }
        squeeze[r] = 1;
    }
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", NAME);
    }
    // TFLM: each kept input dimension fits the output dimension at its place, and eval checks that
    // the byte sizes agree (here: the element counts, the types being equal).
    int out_i = 0;
    for (int i = 0; i < rank; ++i) {
        if (squeeze[i]) {
            continue;
        }
        if (out_i >= output->ndim || output->dims[out_i] < input->dims[i]) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output shape does not hold the squeezed input", NAME);
        }
        ++out_i;
    }
    return tm_op_check_same_size(input, output, NAME, err);
}

// Version 1; 2 is for string tensors.
const tm_op tm_op_squeeze = {
    "SQUEEZE",
    TM_BUILTIN_SQUEEZE,
    1,
    NULL,
    squeeze_prepare,
    tm_op_copy_eval,
};
