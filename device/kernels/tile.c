// tinyml kernels: TILE, see tile.h.
#include "tile.h"

#include <stddef.h>
#include <string.h>

// Writes the tiled block of axes d.. of the input at `in` to `out`; returns its bytes.
static size_t tile_axis(const tm_tile_params *p, int d, const uint8_t *in, uint8_t *out) {
    const size_t elem = (size_t)p->elem_size;
    size_t block;
    if (d == p->ndim - 1) {
        block = (size_t)p->in_dims[d] * elem;
        memcpy(out, in, block);
    } else {
        block = 0;
        for (int32_t i = 0; i < p->in_dims[d]; ++i) {
            block += tile_axis(p, d + 1, in + (size_t)i * (size_t)p->in_step[d] * elem, out + block);
        }
    }
    for (int32_t k = 1; k < p->multiples[d]; ++k) {
        memcpy(out + (size_t)k * block, out, block);
    }
    return block * (size_t)p->multiples[d];
}

void tm_tile(const tm_tile_params *p, const void *in, void *out) {
    tile_axis(p, 0, (const uint8_t *)in, (uint8_t *)out);
}
