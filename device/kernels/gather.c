// tinyml kernels: GATHER, see gather.h.
#include "gather.h"

#include <stddef.h>
#include <string.h>

void tm_gather(const tm_gather_params *p, const void *in, const void *positions, void *out) {
    const uint8_t *src = (const uint8_t *)in;
    const uint8_t *pos = (const uint8_t *)positions;
    uint8_t *dst = (uint8_t *)out;
    const size_t slice = (size_t)p->inner * (size_t)p->elem_size;
    for (int32_t b = 0; b < p->batch; ++b) {
        const uint8_t *batch_pos = pos + (size_t)b * (size_t)p->coords * sizeof(int32_t);
        for (int32_t o = 0; o < p->outer; ++o) {
            const uint8_t *row = src + ((size_t)b * (size_t)p->outer + (size_t)o) * (size_t)p->axis_size * slice;
            for (int32_t c = 0; c < p->coords; ++c) {
                int32_t at;
                memcpy(&at, batch_pos + (size_t)c * sizeof(int32_t), sizeof(at));
                if (at >= 0 && at < p->axis_size) {
                    memcpy(dst, row + (size_t)at * slice, slice);
                } else {
                    memset(dst, 0, slice);
                }
                dst += slice;
            }
        }
    }
}
