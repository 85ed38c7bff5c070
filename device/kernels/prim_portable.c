// tinyml kernels: the portable primitives (tm_prim.h), plain C99 for any CPU. Always compiled:
// the targets without a file of their own run them, and the tests check every other target's
// primitives against them.
//
// Matrix product: 2 rows x 4 channels per block; the last row of an odd count goes one row x four
// channels at a time, the channels left over by the blocks one at a time (these two loops are
// shared by the targets' files).
#include "tm_prim.h"
#include "prim_mm_blocks.h"

#include <stddef.h>

// Out of line (TM_HOT) so that its registers are allocated on their own.
TM_HOT void tm_prim_dot_1x4(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    const int8_t *end = x + depth;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    while (x != end) {
        const int32_t v = *x++;
        a0 += *w0++ * v;
        a1 += *w1++ * v;
        a2 += *w2++ * v;
        a3 += *w3++ * v;
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

void tm_mm_s8_portable(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    const int32_t paired = rows & ~1;
    int32_t c = 0;
    for (; c + 4 <= channels; c += 4) {
        const int8_t *f0 = w + c * depth;
        const int8_t *f1 = f0 + depth;
        const int8_t *f2 = f1 + depth;
        const int8_t *f3 = f2 + depth;
        for (int32_t p = 0; p < paired; p += 2) {
            const int8_t *x0 = x + p * x_stride;
            const int8_t *x1 = x0 + x_stride;
            int8_t *o0 = out + p * out_stride + c;
            int8_t *o1 = o0 + out_stride;
            int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            for (int32_t k = 0; k < depth; ++k) {
                const int32_t v0 = x0[k], v1 = x1[k];
                const int32_t w0 = f0[k], w1 = f1[k], w2 = f2[k], w3 = f3[k];
                a00 += w0 * v0;
                a01 += w1 * v0;
                a02 += w2 * v0;
                a03 += w3 * v0;
                a10 += w0 * v1;
                a11 += w1 * v1;
                a12 += w2 * v1;
                a13 += w3 * v1;
            }
            const int32_t a[8] = {a00, a01, a02, a03, a10, a11, a12, a13};
            tm_mm_put_2x4(o, c, o0, o1, a);
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    tm_mm_rows_1x4(
        x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o, out + paired * out_stride, out_stride);
}

// One input row x four channels with the input offset in the loop (a row used once: folding the
// offset into the biases would cost as many additions as it saves). Unrolled by TM_DOT_UNROLL.
TM_HOT void tm_dot4_off_portable(
    const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n, int32_t a[4]) {
    const int8_t *w1 = w0 + w_stride, *w2 = w1 + w_stride, *w3 = w2 + w_stride;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t k = 0;
#if TM_DOT_UNROLL == 2
    for (; k + 2 <= n; k += 2) {
        int32_t v = x[k] + input_offset;
        a0 += w0[k] * v;
        a1 += w1[k] * v;
        a2 += w2[k] * v;
        a3 += w3[k] * v;
        v = x[k + 1] + input_offset;
        a0 += w0[k + 1] * v;
        a1 += w1[k + 1] * v;
        a2 += w2[k + 1] * v;
        a3 += w3[k + 1] * v;
    }
#endif
    for (; k < n; ++k) {
        const int32_t v = x[k] + input_offset;
        a0 += w0[k] * v;
        a1 += w1[k] * v;
        a2 += w2[k] * v;
        a3 += w3[k] * v;
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}
