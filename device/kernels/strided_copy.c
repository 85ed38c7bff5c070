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

void tm_strided_copy_simplify(tm_strided_copy_params *p) {
    int n = 0;
    for (int d = 0; d < p->ndim; ++d) {
        if (p->count[d] == 0) {
            p->ndim = 1;            // nothing to copy
            p->count[0] = 0;
            return;
        }
        if (p->count[d] == 1) {
            continue;               // no step taken along it
        }
        if (n > 0 && p->in_step[n - 1] == (int64_t)p->count[d] * p->in_step[d]
            && p->out_step[n - 1] == (int64_t)p->count[d] * p->out_step[d]) {
            p->count[n - 1] *= p->count[d];     // axis n - 1 walks over axis d's run: one axis
            p->in_step[n - 1] = p->in_step[d];
            p->out_step[n - 1] = p->out_step[d];
            continue;
        }
        p->count[n] = p->count[d];
        p->in_step[n] = p->in_step[d];
        p->out_step[n] = p->out_step[d];
        ++n;
    }
    if (n == 0) {                   // a single element
        p->count[0] = 1;
        p->in_step[0] = 1;
        p->out_step[0] = 1;
        n = 1;
    }
    p->ndim = n;
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

// The last axis: one run, a single memcpy where both sides are contiguous.
static inline void copy_run(const tm_strided_copy_params *p, const uint8_t *in, ptrdiff_t in_at,
    uint8_t *out, ptrdiff_t out_at) {
    const size_t elem = (size_t)p->elem_size;
    const int d = p->ndim - 1;
    const int32_t n = p->count[d];
    if (p->in_step[d] == 1 && p->out_step[d] == 1) {
        const size_t bytes = (size_t)n * elem;
        if (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8) {
            // A pixel's few channels: one load and store instead of a memcpy call.
            copy_elem(out + out_at * (ptrdiff_t)elem, in + in_at * (ptrdiff_t)elem, (int32_t)bytes);
        } else if (bytes > 0) {
            memcpy(out + out_at * (ptrdiff_t)elem, in + in_at * (ptrdiff_t)elem, bytes);
        }
        return;
    }
    for (int32_t i = 0; i < n; ++i) {
        copy_elem(out + out_at * (ptrdiff_t)elem, in + in_at * (ptrdiff_t)elem, p->elem_size);
        in_at += p->in_step[d];
        out_at += p->out_step[d];
    }
}

// Axis d < ndim - 1; the runs of the last axis are copied in this loop (no call per run).
static void copy_axis(const tm_strided_copy_params *p, int d, const uint8_t *in, ptrdiff_t in_at,
    uint8_t *out, ptrdiff_t out_at) {
    const int32_t n = p->count[d];
    for (int32_t i = 0; i < n; ++i) {
        if (d == p->ndim - 2) {
            copy_run(p, in, in_at, out, out_at);
        } else {
            copy_axis(p, d + 1, in, in_at, out, out_at);
        }
        in_at += p->in_step[d];
        out_at += p->out_step[d];
    }
}

void tm_strided_copy(const tm_strided_copy_params *p, const void *in, void *out) {
    if (p->ndim == 1) {
        copy_run(p, (const uint8_t *)in, p->in_start, (uint8_t *)out, p->out_start);
    } else {
        copy_axis(p, 0, (const uint8_t *)in, p->in_start, (uint8_t *)out, p->out_start);
    }
}
