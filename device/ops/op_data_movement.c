// tinyml: helpers of the data-movement ops, see op_data_movement.h.
#include "op_data_movement.h"

tm_status tm_op_check_type_in(const tm_tensor *t, uint32_t types, const char *op, const char *what,
    tm_error *err) {
    if (t->type >= 32 || (types & TM_TYPE_BIT(t->type)) == 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s is %s (not supported by this op)", op, what,
            tm_type_name(t->type));
    }
    return TM_OK;
}

void tm_op_row_major_steps(const tm_tensor *t, int32_t *step) {
    int32_t s = 1;
    for (int d = t->ndim - 1; d >= 0; --d) {
        step[d] = s;
        s *= t->dims[d];
    }
}

void tm_op_stack_init(tm_op_stack_data *d, const tm_tensor *stacked, int axis, int unstack) {
    int32_t outer = 1, inner = 1;
    for (int i = 0; i < stacked->ndim; ++i) {
        if (i < axis) {
            outer *= stacked->dims[i];
        } else if (i > axis) {
            inner *= stacked->dims[i];
        }
    }
    const int32_t stacked_row = stacked->dims[axis] * inner;
    tm_strided_copy_params *p = &d->copy;
    p->ndim = 2;
    p->count[0] = outer;
    p->count[1] = inner;
    p->in_step[0] = unstack ? stacked_row : inner;
    p->in_step[1] = 1;
    p->out_step[0] = unstack ? inner : stacked_row;
    p->out_step[1] = 1;
    p->in_start = 0;
    p->out_start = 0;
    p->elem_size = (int32_t)tm_type_size(stacked->type);
    d->step_per_slice = inner;
}
