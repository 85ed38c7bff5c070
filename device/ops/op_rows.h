// tinyml ops: row geometry of windowed ops for patch-based inference (tm_op.row_geom, tm_patch.h).
#ifndef TM_OP_ROWS_H
#define TM_OP_ROWS_H

#include "tm_model.h"

// The geometry of a convolution node n (during parse, options readable): int8 [1, h, w, c]
// activation input 0 and output 0, a 4-D filter as input 1 whose window height is its dims[1];
// opt_*: the option field indices of padding, stride and dilation along the height. MACs per output
// pixel: the product of the filter's dims (CONV_2D: filters x window x channels; DEPTHWISE_CONV_2D:
// 1 x window x channels). 0 when n cannot run by rows.
int tm_op_conv_row_geom(const tm_model *m, const tm_node *n, int opt_padding, int opt_stride_h,
    int opt_dilation_h, tm_row_geom *g);

// A kernel's rows, padding above and output rows for a band (tm_op.eval_rows): in_rows input rows
// from row in_row0, out_rows output rows from row out_row0 (rows outside the band are outside the image).
static inline void tm_op_band(int32_t *in_h, int32_t *out_h, int32_t *pad_h, int32_t stride_h, int32_t in_row0,
    int32_t in_rows, int32_t out_row0, int32_t out_rows) {
    *in_h = in_rows;
    *out_h = out_rows;
    *pad_h += in_row0 - out_row0 * stride_h;
}

#endif
