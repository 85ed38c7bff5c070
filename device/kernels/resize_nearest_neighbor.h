// tinyml kernels: int8 RESIZE_NEAREST_NEIGHBOR of an NHWC tensor, bit-exact with TFLM's
// reference_ops::ResizeNearestNeighbor: output pixel (y, x) copies input pixel
// (in_y[y], in_x[x]), all channels. The source row / column of every output row / column is
// computed once at prepare (tm_resize_nearest_index, TFLM's GetNearestNeighbor in float).
#ifndef TM_KERNEL_RESIZE_NEAREST_NEIGHBOR_H
#define TM_KERNEL_RESIZE_NEAREST_NEIGHBOR_H

#include <stdint.h>

#include "resize_shape.h"

typedef struct {
    tm_resize_shape shape;
    const int32_t *in_y; // out_h source rows, each in [0, in_h)
    const int32_t *in_x; // out_w source columns, each in [0, in_w)
} tm_resize_nearest_params;

// TFLM GetNearestNeighbor: the input index output index `out` reads from, in [0, in_size).
int32_t tm_resize_nearest_index(
    int32_t out, int32_t in_size, int32_t out_size, int align_corners, int half_pixel_centers);

void tm_resize_nearest_s8(const tm_resize_nearest_params *p, const int8_t *in, int8_t *out);

#endif
