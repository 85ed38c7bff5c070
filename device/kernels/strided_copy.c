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

// The two innermost axes (rows x cols elements), one loop nest per element size so that each
// element is a plain load and store (memcpy of a constant size); contiguous rows are runs.
// A contiguous run: long ones through the library's memcpy, short ones (where its call would
// cost more than the copy) 16 bytes at a time.
static void copy_run(uint8_t *dst, const uint8_t *src, size_t bytes) {
    if (bytes >= 256) {
        memcpy(dst, src, bytes);
        return;
    }
    size_t k = 0;
    if (bytes >= 8) { // (a pixel of a few channels skips this: its run is the tail alone)
        for (; k + 16 <= bytes; k += 16) {
            memcpy(dst + k, src + k, 16);
        }
        if (bytes & 8u) {
            memcpy(dst + k, src + k, 8);
            k += 8;
        }
    }
    // The tail (under 8 bytes) in at most three fixed-size moves, not a byte loop: pixels of 3
    // or 6 int8 channels are whole runs here.
    const size_t tail = bytes - k;
    if (tail & 4u) {
        memcpy(dst + k, src + k, 4);
        k += 4;
    }
    if (tail & 2u) {
        memcpy(dst + k, src + k, 2);
        k += 2;
    }
    if (tail & 1u) {
        dst[k] = src[k];
    }
}

#define TM_COPY_PLANE(SIZE)                                                                                            \
    for (int32_t r = 0; r < rows; ++r, in_at += in_row, out_at += out_row) {                                           \
        ptrdiff_t i = in_at, o = out_at;                                                                               \
        for (int32_t c = 0; c < cols; ++c, i += in_col, o += out_col) {                                                \
            memcpy(out + o * (SIZE), in + i * (SIZE), (SIZE));                                                         \
        }                                                                                                              \
    }

static void copy_plane(
    const tm_strided_copy_params *p, int d, const uint8_t *in, ptrdiff_t in_at, uint8_t *out, ptrdiff_t out_at) {
    const int two = d + 1 < p->ndim; // else one row of the last axis
    const int32_t rows = two ? p->count[d] : 1;
    const int32_t in_row = two ? p->in_step[d] : 0;
    const int32_t out_row = two ? p->out_step[d] : 0;
    const int last = p->ndim - 1;
    const int32_t cols = p->count[last];
    const int32_t in_col = p->in_step[last];
    const int32_t out_col = p->out_step[last];
    const int32_t elem = p->elem_size;
    if (in_col == 1 && out_col == 1) { // contiguous rows
        const size_t bytes = (size_t)cols * (size_t)elem;
        for (int32_t r = 0; r < rows; ++r, in_at += in_row, out_at += out_row) {
            copy_run(out + out_at * elem, in + in_at * elem, bytes);
        }
        return;
    }
    switch (elem) {
        case 1:
            TM_COPY_PLANE(1) break;
        case 2:
            TM_COPY_PLANE(2) break;
        case 4:
            TM_COPY_PLANE(4) break;
        default:
            TM_COPY_PLANE(8) break;
    }
}

static void copy_axis(
    const tm_strided_copy_params *p, int d, const uint8_t *in, ptrdiff_t in_at, uint8_t *out, ptrdiff_t out_at) {
    if (d + 2 >= p->ndim) {
        copy_plane(p, d, in, in_at, out, out_at);
        return;
    }
    for (int32_t i = 0; i < p->count[d]; ++i) {
        copy_axis(p, d + 1, in, in_at, out, out_at);
        in_at += p->in_step[d];
        out_at += p->out_step[d];
    }
}

// The same box with fewer axes: axes of one element dropped, and an axis folded into the next when
// stepping it is the same as running the next one further on both sides (a contiguous run of
// rows becomes one longer row). Visits the same elements in the same order.
static void simplify(const tm_strided_copy_params *p, tm_strided_copy_params *q) {
    *q = *p;
    int n = 0;
    for (int d = 0; d < p->ndim; ++d) {
        if (p->count[d] == 0) { // an empty box: copy nothing
            q->ndim = 1;
            q->count[0] = 0;
            return;
        }
        if (p->count[d] == 1) {
            continue;
        }
        if (n > 0 && q->in_step[n - 1] == (int64_t)p->in_step[d] * p->count[d]
            && q->out_step[n - 1] == (int64_t)p->out_step[d] * p->count[d]) {
            q->count[n - 1] *= p->count[d];
            q->in_step[n - 1] = p->in_step[d];
            q->out_step[n - 1] = p->out_step[d];
            continue;
        }
        q->count[n] = p->count[d];
        q->in_step[n] = p->in_step[d];
        q->out_step[n] = p->out_step[d];
        ++n;
    }
    if (n == 0) { // a single element
        q->count[0] = 1;
        q->in_step[0] = 1;
        q->out_step[0] = 1;
        n = 1;
    }
    q->ndim = n;
}

void tm_strided_copy(const tm_strided_copy_params *p, const void *in, void *out) {
    tm_strided_copy_params q;
    simplify(p, &q);
    copy_axis(&q, 0, (const uint8_t *)in, q.in_start, (uint8_t *)out, q.out_start);
}
