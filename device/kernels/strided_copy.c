// tinyml kernels: strided N-D copy, see strided_copy.h.
#include "strided_copy.h"

#include <stddef.h>
#include <string.h>

void tm_strided_copy_contiguous_out(tm_strided_copy_params *p) {
    int32_t step = 1;
    for (int d = p->ndim - 1; d >= 0; --d) {
        p->out_step[d] = step;
        step *= p->count[d];
    }
}

// Offsets are kept in elements and turned into pointers only where an element is copied, so a
// negative step never forms a pointer before the buffer.
// One element; constant sizes so that the compiler makes each a plain load and store.
static void copy_elem(uint8_t *dst, const uint8_t *src, int32_t elem) {
    switch (elem) {
        case 1: *dst = *src; break;
        case 2: memcpy(dst, src, 2); break;
        case 4: memcpy(dst, src, 4); break;
        default: memcpy(dst, src, 8); break;
    }
}

static void copy_axis(const tm_strided_copy_params *p, int d, const uint8_t *in, ptrdiff_t in_at,
    uint8_t *out, ptrdiff_t out_at) {
    const size_t elem = (size_t)p->elem_size;
    const int32_t n = p->count[d];
    if (d == p->ndim - 1 && p->in_step[d] == 1 && p->out_step[d] == 1) {
        if (n > 0) {
            memcpy(out + out_at * (ptrdiff_t)elem, in + in_at * (ptrdiff_t)elem, (size_t)n * elem);
        }
        return;
    }
    for (int32_t i = 0; i < n; ++i) {
        if (d == p->ndim - 1) {
            copy_elem(out + out_at * (ptrdiff_t)elem, in + in_at * (ptrdiff_t)elem, p->elem_size);
        } else {
            copy_axis(p, d + 1, in, in_at, out, out_at);
        }
        in_at += p->in_step[d];
        out_at += p->out_step[d];
    }
}

void tm_strided_copy(const tm_strided_copy_params *p, const void *in, void *out) {
    copy_axis(p, 0, (const uint8_t *)in, p->in_start, (uint8_t *)out, p->out_start);
}
