// tinyml kernels: TILE (TFLite tile.cc, Tile / TileOneDimension; TFLM has no TILE kernel): the
// output is the input repeated multiples[d] times along each axis d. Axis by axis from the last:
// the tiled block of the inner axes is written once, then copied multiples[d] - 1 times after
// itself. Pure data movement: the element size is free.
#ifndef TM_KERNEL_TILE_H
#define TM_KERNEL_TILE_H

#include <stdint.h>

#define TM_TILE_MAX_DIMS 6

typedef struct {
    int32_t ndim;                        // 1..TM_TILE_MAX_DIMS
    int32_t in_dims[TM_TILE_MAX_DIMS];   // >= 1
    int32_t multiples[TM_TILE_MAX_DIMS]; // >= 1
    int32_t in_step[TM_TILE_MAX_DIMS];   // input elements between two steps of the axis
    int32_t elem_size;                   // bytes per element
} tm_tile_params;

void tm_tile(const tm_tile_params *p, const void *in, void *out);

#endif
