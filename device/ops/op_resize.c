// tinyml: the checks the two resize ops share (see op_resize.h).
#include "op_resize.h"

#include <stdint.h>

#include "op_common.h"

size_t tm_op_resize_persist_bytes(const tm_model *m, const tm_node *n, size_t header, size_t entry) {
    const tm_tensor *output = tm_output(m, n, 0);
    size_t entries = 0;
    if (output != NULL && output->ndim == 4) {
        entries = (size_t)output->dims[1] + (size_t)output->dims[2];
    }
    if (entries > (SIZE_MAX - header) / entry) {
        return SIZE_MAX;
    }
    return header + entries * entry;
}

tm_status tm_op_resize_prepare(const tm_model *m, const tm_node *n, int align_field, int half_field, const char *op,
    tm_op_resize *r, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *size = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input->type != TM_INT8 || output->type != TM_INT8) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input is %s, output is %s (only int8)", op,
            tm_type_name(input->type), tm_type_name(output->type));
    }
    if (input->ndim != 4 || output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input and output must be 4-D", op);
    }
    if (tm_op_check_const_ints(size, 0, op, "size", err) != TM_OK) {
        return err->status;
    }
    if (size->ndim != 1 || size->dims[0] != 2) {
        return tm_fail(err, TM_ERR_MODEL, "%s: size must be a 1-D tensor of 2 elements", op);
    }
    const int64_t out_h = tm_op_const_int(size, 0);
    const int64_t out_w = tm_op_const_int(size, 1);
    if (output->dims[0] != input->dims[0] || output->dims[1] != out_h || output->dims[2] != out_w
        || output->dims[3] != input->dims[3]) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape disagrees with the input and size [%d, %d]", op, (int)out_h,
            (int)out_w);
    }
    r->input = input;
    r->output = output;
    r->shape.batches = input->dims[0];
    r->shape.in_h = input->dims[1];
    r->shape.in_w = input->dims[2];
    r->shape.depth = input->dims[3];
    r->shape.out_h = output->dims[1];
    r->shape.out_w = output->dims[2];
    r->align_corners = tm_fb_u8(tm_node_options(m, n), align_field, 0) != 0;
    r->half_pixel_centers = tm_fb_u8(tm_node_options(m, n), half_field, 0) != 0;
    return TM_OK;
}
