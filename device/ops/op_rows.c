// tinyml ops: row geometry of windowed ops. See op_rows.h.
#include "op_rows.h"
#include "op_common.h"

static int is_int8_image(const tm_tensor *t) {
    return t != NULL && t->type == TM_INT8 && t->ndim == 4 && t->dims[0] == 1 && t->dims[1] > 0 && t->dims[2] > 0
           && t->dims[3] > 0;
}

int tm_op_row_geom(const tm_model *m, const tm_node *n, const tm_op_rows *rows, tm_row_geom *g) {
    const tm_tensor *in = tm_input(m, n, 0), *out = tm_output(m, n, 0), *filter = tm_input(m, n, 1);
    if (filter == NULL || filter->ndim != 4 || !is_int8_image(in) || !is_int8_image(out) || !in->in_arena) {
        return 0;
    }
    uint64_t macs = (uint32_t)out->dims[2]; // per row: the filter's size per output pixel
    for (int i = 0; i < 4; ++i) {
        if (filter->dims[i] < 1) {
            return 0;
        }
        macs *= (uint32_t)filter->dims[i];
    }
    const tm_fb_table *opt = tm_node_options(m, n);
    const int32_t filter_h = filter->dims[1];
    const int32_t stride_h = tm_fb_i32(opt, rows->opt_stride_h, 0);
    const int32_t dilation_h = tm_fb_i32(opt, rows->opt_dilation_h, 1);
    tm_error err;
    int32_t pad;
    if (tm_op_axis_padding(tm_fb_u8(opt, rows->opt_padding, TM_PADDING_SAME), in->dims[1], filter_h, stride_h,
            dilation_h, out->dims[1], &pad, "", "", &err)
        != TM_OK) {
        return 0;
    }
    g->in_h = in->dims[1];
    g->out_h = out->dims[1];
    g->stride = stride_h;
    g->pad = pad;
    g->extent = (filter_h - 1) * dilation_h + 1;
    g->in_row_bytes = (uint32_t)(in->dims[2] * in->dims[3]);
    g->out_row_bytes = (uint32_t)(out->dims[2] * out->dims[3]);
    g->macs_per_row = macs > UINT32_MAX ? UINT32_MAX : (uint32_t)macs;
    return 1;
}

const tm_op_rows *tm_op_rows_of(const tm_op *op) {
    static const tm_op_rows *const table[] = {&tm_op_conv_2d_rows, &tm_op_depthwise_conv_2d_rows};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
        if (table[i]->op == op) {
            return table[i];
        }
    }
    return NULL;
}
