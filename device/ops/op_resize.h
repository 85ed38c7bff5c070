// tinyml: what RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR check alike at prepare (TFLM's
// resize_bilinear.cc / resize_nearest_neighbor.cc): one int8 4-D input, a constant 1-D int32
// size tensor of 2 elements, an int8 output of [batches, size[0], size[1], channels], and the
// align_corners / half_pixel_centers options (at the given field indices of the op's options).
#ifndef TM_OP_RESIZE_H
#define TM_OP_RESIZE_H

#include <stddef.h>

#include "tm_model.h"
#include "resize_shape.h"

typedef struct {
    const tm_tensor *input;
    const tm_tensor *output;
    tm_resize_shape shape;
    int align_corners;
    int half_pixel_centers;
} tm_op_resize;

// Op data of `header` bytes followed by one `entry` per output row and column (0 rows / columns
// unless the output is 4-D); SIZE_MAX when that overflows (the loader refuses it).
size_t tm_op_resize_persist_bytes(const tm_model *m, const tm_node *n, size_t header, size_t entry);

tm_status tm_op_resize_prepare(const tm_model *m, const tm_node *n, int align_field, int half_field, const char *op,
    tm_op_resize *r, tm_error *err);

#endif
