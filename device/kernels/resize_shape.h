// tinyml kernels: the sizes RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR work on (NHWC input
// [batches, in_h, in_w, depth] to output [batches, out_h, out_w, depth]).
#ifndef TM_KERNEL_RESIZE_SHAPE_H
#define TM_KERNEL_RESIZE_SHAPE_H

#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t in_h;
    int32_t in_w;
    int32_t depth;
    int32_t out_h;
    int32_t out_w;
} tm_resize_shape;

#endif
