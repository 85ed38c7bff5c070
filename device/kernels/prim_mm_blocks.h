// tinyml kernels: the loops the targets' matrix products (prim_<target>.c) share around their
// register blocks: inline in each, as they were in the one tm_mm_s8 (as calls they cost the
// Cortex-M3 0.15% on the ResNet model). Included by the prim_*.c files only.
#ifndef TM_KERNEL_PRIM_MM_BLOCKS_H
#define TM_KERNEL_PRIM_MM_BLOCKS_H

#include "tm_prim.h"

// x . w over depth values.
static inline int32_t tm_prim_dot_1x1(const int8_t *x, const int8_t *w, int32_t depth) {
    int32_t acc = 0;
    for (int32_t k = 0; k < depth; ++k) {
        acc += (int32_t)x[k] * w[k];
    }
    return acc;
}

// The product of tm_mm_s8 for rows [0, rows) one row at a time: four channels per pass (dot4, a
// target's one row x four channels block; inlined with the constant it is given), then single
// channels.
typedef void (*tm_mm_dot4_fn)(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]);
static inline void tm_mm_rows_by(tm_mm_dot4_fn dot4, const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w,
    int32_t depth, int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    for (int32_t p = 0; p < rows; ++p) {
        const int8_t *xp = x + p * x_stride;
        int8_t *op = out + p * out_stride;
        int32_t c = 0;
        for (; c + 4 <= channels; c += 4) {
            int32_t a[4];
            dot4(xp, w + c * depth, depth, a);
            op[c] = tm_mm_out1(o, c, a[0]);
            op[c + 1] = tm_mm_out1(o, c + 1, a[1]);
            op[c + 2] = tm_mm_out1(o, c + 2, a[2]);
            op[c + 3] = tm_mm_out1(o, c + 3, a[3]);
        }
        for (; c < channels; ++c) {
            op[c] = tm_mm_out1(o, c, tm_prim_dot_1x1(xp, w + c * depth, depth));
        }
    }
}

// tm_mm_rows_by with the portable block.
static inline void tm_mm_rows_1x4(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    tm_mm_rows_by(tm_prim_dot_1x4, x, x_stride, rows, w, depth, channels, o, out, out_stride);
}

// The outputs of a block of two rows (o0, o1) x four channels c..c+3: a[r * 4 + j].
TM_ALWAYS_INLINE void tm_mm_put_2x4(const tm_mm_out *o, int32_t c, int8_t *o0, int8_t *o1, const int32_t a[8]) {
    o0[0] = tm_mm_out1(o, c, a[0]);
    o0[1] = tm_mm_out1(o, c + 1, a[1]);
    o0[2] = tm_mm_out1(o, c + 2, a[2]);
    o0[3] = tm_mm_out1(o, c + 3, a[3]);
    o1[0] = tm_mm_out1(o, c, a[4]);
    o1[1] = tm_mm_out1(o, c + 1, a[5]);
    o1[2] = tm_mm_out1(o, c + 2, a[6]);
    o1[3] = tm_mm_out1(o, c + 3, a[7]);
}

// Channels [c0, channels) of rows [0, rows), one row and one channel at a time: what the blocks
// leave over.
static inline void tm_mm_rest_channels(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t c0, int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    for (int32_t c = c0; c < channels; ++c) {
        for (int32_t p = 0; p < rows; ++p) {
            out[p * out_stride + c] = tm_mm_out1(o, c, tm_prim_dot_1x1(x + p * x_stride, w + c * depth, depth));
        }
    }
}

#endif
