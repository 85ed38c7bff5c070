// tinyml kernels: the primitives of the ARMv7E-M DSP target (Cortex-M4/M7/M33 with the DSP
// extension; tm_prim.h, tm_target.h; the SIMD helpers are in prim_armv7em_dsp.h).
//
// Matrix product: 2 rows x 4 channels, four int8 per load, two MACs per SMLAD; the last row of an
// odd count one row x four channels the same way; leftover channels one at a time. The dot
// product with the input offset (tm_dot4_off_dsp) is inline, in prim_armv7em_dsp.h.
#include "tm_prim.h"
#include "prim_mm_blocks.h"

// Hand-scheduled assembly and intrinsics, laid out by hand:
// clang-format off
#if TM_TARGET_IS(ARMV7EM_DSP)

// a[0..3] = x . w_j for the four channels of w0 (rows depth apart). Inline, as before the split.
TM_ALWAYS_INLINE void dot_1x4_dsp(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t k = 0;
    for (; k + 4 <= depth; k += 4) {
        const uint32_t xw = tm_load4(x + k);
        const int16x2_t ve = __sxtb16(xw), vo = tm_sxtb16_ror8(xw);
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

// acc + the dot product of two channels' four weights (word ww) with one row's lanes (xe, xo).
#define TM_MM_W2(ww, x0e, x0o, x1e, x1o, a0, a1)                \
    do {                                                        \
        const int16x2_t we_ = __sxtb16(ww), wo_ = tm_sxtb16_ror8(ww); \
        a0 = __smlad(we_, x0e, __smlad(wo_, x0o, a0));          \
        a1 = __smlad(we_, x1e, __smlad(wo_, x1o, a1));          \
    } while (0)

// The 2 x 2 block's sums (a00, a01, a10, a11) plus its last n depth values, one at a time, into a.
TM_ALWAYS_INLINE void mm_2x2_finish(const int8_t *x0, const int8_t *x1, const int8_t *f0, const int8_t *f1,
    int32_t n, int32_t a00, int32_t a01, int32_t a10, int32_t a11, int32_t a[4]) {
    for (int32_t k = 0; k < n; ++k) {
        const int32_t v0 = x0[k], v1 = x1[k], w0 = f0[k], w1 = f1[k];
        a00 += w0 * v0;
        a01 += w1 * v0;
        a10 += w0 * v1;
        a11 += w1 * v1;
    }
    a[0] = a00;
    a[1] = a01;
    a[2] = a10;
    a[3] = a11;
}

// Two rows (x0, x1) x two channels (f0, f1): a[r * 2 + j] = x_r . f_j. Four words per four depth
// values, eight SXTB16 and eight SMLAD: few enough live values (4 sums, 4 pointers, 6 lanes) for
// the 13 registers, where 2 x 4 spilled.
TM_ALWAYS_INLINE void mm_2x2_dsp(const int8_t *x0, const int8_t *x1, const int8_t *f0, const int8_t *f1,
    int32_t depth, int32_t a[4]) {
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
    const int8_t *const end8 = x0 + (depth & ~7);
    while (x0 != end8) {
        uint32_t w0 = tm_load4(f0), w1 = tm_load4(f1);
        uint32_t v0 = tm_load4(x0), v1 = tm_load4(x1);
        int16x2_t x0e = __sxtb16(v0), x0o = tm_sxtb16_ror8(v0);
        int16x2_t x1e = __sxtb16(v1), x1o = tm_sxtb16_ror8(v1);
        TM_MM_W2(w0, x0e, x0o, x1e, x1o, a00, a10);
        TM_MM_W2(w1, x0e, x0o, x1e, x1o, a01, a11);
        w0 = tm_load4(f0 + 4);
        w1 = tm_load4(f1 + 4);
        v0 = tm_load4(x0 + 4);
        v1 = tm_load4(x1 + 4);
        x0e = __sxtb16(v0);
        x0o = tm_sxtb16_ror8(v0);
        x1e = __sxtb16(v1);
        x1o = tm_sxtb16_ror8(v1);
        TM_MM_W2(w0, x0e, x0o, x1e, x1o, a00, a10);
        TM_MM_W2(w1, x0e, x0o, x1e, x1o, a01, a11);
        x0 += 8;
        x1 += 8;
        f0 += 8;
        f1 += 8;
    }
    mm_2x2_finish(x0, x1, f0, f1, depth & 7, a00, a01, a10, a11, a);
}

// One half of the 2 x 2 step below (four depth values): the words of rows x and x + d are split
// into lanes, then each channel's word (f + d, then f) is split and multiplied into its two sums.
#define TM_MM_2X2_STEP                              \
    "ldr %[v1], [%[x], %[d]]\n"                    \
    "ldr %[v0], [%[x]], #4\n"                      \
    "ldr %[t3], [%[f], %[d]]\n"                    \
    "sxtb16 %[t0], %[v0]\n"                        \
    "sxtb16 %[v0], %[v0], ror #8\n"                \
    "sxtb16 %[t1], %[v1]\n"                        \
    "sxtb16 %[v1], %[v1], ror #8\n"                \
    "sxtb16 %[t2], %[t3]\n"                        \
    "sxtb16 %[t3], %[t3], ror #8\n"                \
    "smlad %[a01], %[t2], %[t0], %[a01]\n"         \
    "smlad %[a11], %[t2], %[t1], %[a11]\n"         \
    "smlad %[a01], %[t3], %[v0], %[a01]\n"         \
    "smlad %[a11], %[t3], %[v1], %[a11]\n"         \
    "ldr %[t3], [%[f]], #4\n"                      \
    "sxtb16 %[t2], %[t3]\n"                        \
    "sxtb16 %[t3], %[t3], ror #8\n"                \
    "smlad %[a00], %[t2], %[t0], %[a00]\n"         \
    "smlad %[a10], %[t2], %[t1], %[a10]\n"         \
    "smlad %[a00], %[t3], %[v0], %[a00]\n"         \
    "smlad %[a10], %[t3], %[v1], %[a10]\n"

// Two rows x two channels when the rows are as far apart as the channels' weights (d: 1x1
// convolutions of stride 1, the im2col tiles, fully connected batches): rows x, x + d and channels
// f, f + d, a[r * 2 + j] = x_r . f_j. One offset register serves both pairs, so the loop's 14
// values (4 sums, 2 pointers, the offset, the count, 6 lanes) fit the registers: GCC spilled the
// same loop in C. Sixteen depth values per pass (the loop's 4 cycles over 64 MACs): per eight,
// 8 loads, 16 SXTB16, 16 SMLAD for 32 MACs.
TM_ALWAYS_INLINE void mm_2x2_same_dsp(const int8_t *x, const int8_t *f, int32_t d, int32_t a[4]) {
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
    int32_t n = d >> 3;
    if (n > 0) {
        uint32_t v0, v1, t0, t1, t2, t3;
        // An odd count of 8-value steps takes one step first; then 16 values per pass.
        __asm__ volatile(
            "tst %[n], #1\n"
            "beq 1f\n" TM_MM_2X2_STEP TM_MM_2X2_STEP
            "subs %[n], %[n], #1\n"
            "beq 2f\n"
            "1:\n" TM_MM_2X2_STEP TM_MM_2X2_STEP TM_MM_2X2_STEP TM_MM_2X2_STEP
            "subs %[n], %[n], #2\n"
            "bne 1b\n"
            "2:\n"
            : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [x] "+r"(x), [f] "+r"(f),
              [n] "+r"(n), [v0] "=&r"(v0), [v1] "=&r"(v1), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
              [t3] "=&r"(t3)
            : [d] "r"(d)
            : "cc");
    }
    mm_2x2_finish(x, x + d, f, f + d, d & 7, a00, a01, a10, a11, a);
}

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    const int32_t paired = rows & ~1;
    const tm_rq *const rq = o->rq;
    const int32_t out_off = o->output_offset, act_min = o->act_min, act_max = o->act_max;
    int32_t c = 0;
    for (; c + 2 <= channels; c += 2) {
        const int8_t *f0 = w + c * depth;
        for (int32_t p = 0; p < paired; p += 2) {
            const int8_t *x0 = x + p * x_stride;
            int8_t *o0 = out + p * out_stride + c;
            int32_t a[4];
            if (x_stride == depth) {
                mm_2x2_same_dsp(x0, f0, depth, a);
            } else {
                mm_2x2_dsp(x0, x0 + x_stride, f0, f0 + depth, depth, a);
            }
            // All four before any store: a store through int8_t * may alias the output stage,
            // so GCC reloaded its fields after each one (about 45 cycles per output, now ~25).
            const tm_rq *q0 = &rq[c], *q1 = &rq[c + 1];
            const int8_t r00 = tm_rq_apply_s8(a[0], q0, out_off, act_min, act_max);
            const int8_t r01 = tm_rq_apply_s8(a[1], q1, out_off, act_min, act_max);
            const int8_t r10 = tm_rq_apply_s8(a[2], q0, out_off, act_min, act_max);
            const int8_t r11 = tm_rq_apply_s8(a[3], q1, out_off, act_min, act_max);
            o0[0] = r00;
            o0[1] = r01;
            o0[out_stride] = r10;
            o0[out_stride + 1] = r11;
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    // The last row of an odd count: four channels per pass, then single channels.
    tm_mm_rows_by(dot_1x4_dsp, x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o,
        out + paired * out_stride, out_stride);
}

// clang-format on
#endif
