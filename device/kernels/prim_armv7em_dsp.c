// tinyml kernels: the primitives of the ARMv7E-M DSP target (Cortex-M4/M7/M33 with the DSP
// extension; tm_prim.h, tm_target.h; the SIMD helpers are in prim_armv7em_dsp.h).
//
// Matrix product: 2 rows x 4 channels, four int8 per load, two MACs per SMLAD; the last row of an
// odd count one row x four channels the same way; leftover channels one at a time. The dot
// product with the input offset (tm_dot4_off_dsp) is inline, in prim_armv7em_dsp.h.
#include "tm_prim.h"
#include "prim_mm_blocks.h"

#if TM_TARGET_IS(ARMV7EM_DSP)

// a[0..3] = x . w_j for the four channels of w0 (rows depth apart). Inline, as before the split.
TM_ALWAYS_INLINE void dot_1x4_dsp(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t k = 0;
    for (; k + 4 <= depth; k += 4) {
        const uint32_t xw = tm_load4(x + k);
        const int16x2_t ve = __sxtb16(xw), vo = __sxtb16(tm_ror8(xw));
        a0 = tm_dot4(w0 + k, ve, vo, a0);
        a1 = tm_dot4(w0 + depth + k, ve, vo, a1);
        a2 = tm_dot4(w0 + 2 * depth + k, ve, vo, a2);
        a3 = tm_dot4(w0 + 3 * depth + k, ve, vo, a3);
    }
    for (; k < depth; ++k) {
        const int32_t v = x[k];
        a0 += w0[k] * v;
        a1 += w0[depth + k] * v;
        a2 += w0[2 * depth + k] * v;
        a3 += w0[3 * depth + k] * v;
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
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
            int32_t k = 0;
            for (; k + 4 <= depth; k += 4) {
                const uint32_t xw0 = tm_load4(x0 + k), xw1 = tm_load4(x1 + k);
                const int16x2_t v0e = __sxtb16(xw0), v0o = __sxtb16(tm_ror8(xw0));
                const int16x2_t v1e = __sxtb16(xw1), v1o = __sxtb16(tm_ror8(xw1));
                a00 = tm_dot4(f0 + k, v0e, v0o, a00);
                a10 = tm_dot4(f0 + k, v1e, v1o, a10);
                a01 = tm_dot4(f1 + k, v0e, v0o, a01);
                a11 = tm_dot4(f1 + k, v1e, v1o, a11);
                a02 = tm_dot4(f2 + k, v0e, v0o, a02);
                a12 = tm_dot4(f2 + k, v1e, v1o, a12);
                a03 = tm_dot4(f3 + k, v0e, v0o, a03);
                a13 = tm_dot4(f3 + k, v1e, v1o, a13);
            }
            for (; k < depth; ++k) {
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
            o0[0] = tm_mm_out1(o, c, a00);
            o0[1] = tm_mm_out1(o, c + 1, a01);
            o0[2] = tm_mm_out1(o, c + 2, a02);
            o0[3] = tm_mm_out1(o, c + 3, a03);
            o1[0] = tm_mm_out1(o, c, a10);
            o1[1] = tm_mm_out1(o, c + 1, a11);
            o1[2] = tm_mm_out1(o, c + 2, a12);
            o1[3] = tm_mm_out1(o, c + 3, a13);
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    // The last row of an odd count: four channels per pass, then single channels.
    tm_mm_rows_by(dot_1x4_dsp, x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o,
        out + paired * out_stride, out_stride);
}

#endif
