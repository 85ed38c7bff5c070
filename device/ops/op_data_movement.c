// tinyml: helpers of the data-movement ops, see op_data_movement.h.
#include "op_data_movement.h"
#include "op_common.h"

tm_status tm_op_check_type_in(const tm_tensor *t, uint32_t types, const char *op, const char *what, tm_error *err) {
    if (t->type >= 32 || (types & TM_TYPE_BIT(t->type)) == 0) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %s is %s (not supported by this op)", op, what, tm_type_name(t->type));
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

void tm_op_strided_copy_init(tm_strided_copy_params *p, const tm_tensor *input, int ndim, int32_t *in_step) {
    tm_op_row_major_steps(input, in_step);
    p->ndim = ndim;
    p->in_start = 0;
    p->out_start = 0;
    p->elem_size = (int32_t)tm_type_size(input->type);
}

size_t tm_op_strided_copy_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_strided_copy_params);
}

void tm_op_strided_copy_eval(const tm_model *m, const tm_node *n) {
    tm_strided_copy((const tm_strided_copy_params *)n->data, tm_input(m, n, 0)->data, tm_output(m, n, 0)->data);
}

tm_status tm_op_const_axis(const tm_tensor *axis_t, int rank, int *axis, const char *op, tm_error *err) {
    if (tm_op_check_const_ints(axis_t, 0, op, "axis", err) != TM_OK) {
        return err->status;
    }
    if (tm_tensor_elements(axis_t) != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis has %d values", op, (int)tm_tensor_elements(axis_t));
    }
    const int32_t axis0 = (int32_t)tm_op_const_int(axis_t, 0);
    *axis = axis0 < 0 ? axis0 + rank : axis0;
    if (*axis < 0 || *axis >= rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for a %d-D input", op, (int)axis0, rank);
    }
    return TM_OK;
}

tm_status tm_op_split_axis(const tm_tensor *axis_t, const tm_tensor *input, int *axis, const char *op, tm_error *err) {
    if (tm_op_check_type_in(input,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_FLOAT32), op, "input",
            err)
        != TM_OK) {
        return err->status;
    }
    return tm_op_const_axis(axis_t, input->ndim, axis, op, err);
}

// SPLIT / SPLIT_V's data: the input seen as [outer, row] elements, each output a column block
// of size[i] * inner elements; the copy of each output is laid out at eval (a few operations)
// rather than kept, 4 bytes an output instead of a whole strided-copy box.
typedef struct {
    int32_t outer;
    int32_t row; // elements of one input row: dims[axis] * inner
    int32_t inner;
    int32_t elem_size;
    int32_t size[]; // each output's size at the axis
} split_params;

size_t tm_op_split_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    return sizeof(split_params) + (size_t)n->n_outputs * sizeof(int32_t);
}

tm_status tm_op_split_prepare(
    tm_model *m, tm_node *n, const tm_tensor *input, int axis, int32_t uniform_size, const char *op, tm_error *err) {
    // Written in place in the persistent data: no stack array sized for the largest node.
    split_params *p = (split_params *)tm_op_alloc_data(m, tm_op_split_persist_bytes(m, n), op, err);
    if (p == NULL) {
        return err->status;
    }
    int32_t outer = 1, inner = 1;
    for (int d = 0; d < input->ndim; ++d) {
        if (d < axis) {
            outer *= input->dims[d];
        } else if (d > axis) {
            inner *= input->dims[d];
        }
    }
    for (int i = 0; i < n->n_outputs; ++i) {
        const tm_tensor *t = tm_output(m, n, i);
        if (t == NULL) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output %d is missing", op, i);
        }
        if (tm_op_check_same_type(input, t, op, err) != TM_OK) {
            return err->status;
        }
        const int32_t size_i = uniform_size > 0 ? uniform_size : (axis < t->ndim ? t->dims[axis] : -1);
        int ok = t->ndim == input->ndim;
        for (int d = 0; ok && d < t->ndim; ++d) {
            ok = t->dims[d] == (d == axis ? size_i : input->dims[d]);
        }
        if (!ok) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output %d should be the input's shape with %d at axis %d", op, i,
                (int)size_i, axis);
        }
        p->size[i] = size_i; // they add up to dims[axis] (checked by the callers)
    }
    p->outer = outer;
    p->row = input->dims[axis] * inner;
    p->inner = inner;
    p->elem_size = (int32_t)tm_type_size(input->type);
    n->data = p;
    return TM_OK;
}

void tm_op_split_eval(const tm_model *m, const tm_node *n, int input_index) {
    const split_params *s = (const split_params *)n->data;
    const void *in = tm_input(m, n, input_index)->data;
    int32_t offset = 0;
    for (int i = 0; i < n->n_outputs; ++i) {
        tm_strided_copy_params p;
        p.ndim = 2;
        p.count[0] = s->outer;
        p.count[1] = s->size[i] * s->inner;
        p.in_step[0] = s->row;
        p.in_step[1] = 1;
        p.in_start = offset * s->inner;
        p.out_start = 0;
        p.elem_size = s->elem_size;
        tm_strided_copy_contiguous_out(&p);
        tm_strided_copy(&p, in, tm_output(m, n, i)->data);
        offset += s->size[i];
    }
}
