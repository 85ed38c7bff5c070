// tinyml ops: the windowed ops' row hooks for patch-based inference (tm_op_rows, tm_patch.h);
// tm_op_row_geom and tm_op_rows_of (declared in tm_model.h) are in op_rows.c.
#ifndef TM_OP_ROWS_H
#define TM_OP_ROWS_H

#include "tm_model.h"

extern const tm_op_rows tm_op_conv_2d_rows;
extern const tm_op_rows tm_op_depthwise_conv_2d_rows;

// A kernel's rows, padding above and output rows for a band (tm_op_rows.eval_rows): in_rows input rows
// from row in_row0, out_rows output rows from row out_row0 (rows outside the band are outside the image).
static inline void tm_op_band(int32_t *in_h, int32_t *out_h, int32_t *pad_h, int32_t stride_h, int32_t in_row0,
    int32_t in_rows, int32_t out_row0, int32_t out_rows) {
    *in_h = in_rows;
    *out_h = out_rows;
    *pad_h += in_row0 - out_row0 * stride_h;
}

#endif
