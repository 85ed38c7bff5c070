// tinyml kernels: the inline primitives of the ARMv7E-M DSP target (Cortex-M4/M7/M33 with the DSP
// extension; tm_target.h selects it, tm_prim.h includes this file then), and the helpers its
// out-of-line primitives (prim_armv7em_dsp.c) use.
//
// The trick: one 32-bit load brings four int8 values; SXTB16 sign-extends bytes 0 and 2 into two
// int16 lanes and SXTB16 of the word rotated by 8 bytes 1 and 3 (SXTAB16 also adds an offset to
// each lane: x + input_offset is in [-256, 255], so it fits); SMLAD multiplies the two lane pairs
// and adds both products to an int32 accumulator modulo 2^32, exactly like the plain C sum. Pairing
// x and w lanes the same way gives the plain dot product of four values in two SMLADs.
#ifndef TM_KERNEL_PRIM_ARMV7EM_DSP_H
#define TM_KERNEL_PRIM_ARMV7EM_DSP_H

// Hand-scheduled assembly and intrinsics, laid out by hand:
// clang-format off
#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

#include "tm_quant.h"

static inline uint32_t tm_load4(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);   // one LDR (unaligned loads are allowed on ARMv7-M)
    return v;
}

// SXTB16 of v rotated right by 8 (bytes 1 and 3), one instruction (GCC does not fold the rotation).
static inline int16x2_t tm_sxtb16_ror8(uint32_t v) {
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

// SXTAB16 of v rotated right by 8: (byte 1 + lane 0 of a, byte 3 + lane 1 of a).
static inline int16x2_t tm_sxtab16_ror8(uint32_t a, uint32_t v) {
    int16x2_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
    return r;
}

// acc + dot(w[0..3], x[0..3]) with x already split into lanes (xe: bytes 0,2; xo: bytes 1,3).
static inline int32_t tm_dot4(const int8_t *w, int16x2_t xe, int16x2_t xo, int32_t acc) {
    const uint32_t ww = tm_load4(w);
    return __smlad(__sxtb16(ww), xe, __smlad(tm_sxtb16_ror8(ww), xo, acc));
}

// input_offset in both int16 lanes, for SXTAB16.
static inline uint32_t tm_off2(int32_t input_offset) {
    return ((uint32_t)input_offset & 0xFFFFu) * 0x10001u;
}

// acc_i += w[t][i] * x[i] for the four channels of one tap (locals a0..a3 and the table w of the
// caller). One word load brings the four inputs, SXTB16 splits them into the lanes (x0, x2) and
// (x1, x3), and the tap's weights are packed the same way (w + 4 * t: (w0, w2), (w1, w3):
// tm_dw_pack); SMLABB / SMLATT multiply one lane pair each into the channel's own accumulator
// (16 x 16 bits, exact, one cycle).
#define TM_DW_TAP(t, xp)                                                \
    do {                                                                \
        const uint32_t xw_ = tm_load4(xp);                              \
        const int16x2_t xe_ = __sxtb16(xw_), xo_ = tm_sxtb16_ror8(xw_); \
        const int32_t *w_ = w + 4 * (t);                                \
        a0 = __smlabb(xe_, w_[0], a0);                                  \
        a2 = __smlatt(xe_, w_[0], a2);                                  \
        a1 = __smlabb(xo_, w_[1], a1);                                  \
        a3 = __smlatt(xo_, w_[1], a3);                                  \
    } while (0)

// The taps' weights w[4 * t + i] into the lane pairs TM_DW_TAP reads: w[4 * t] = (w0, w2),
// w[4 * t + 1] = (w1, w3), each pair as int16 lanes (bottom, top).
TM_ALWAYS_INLINE void tm_dw_pack(int32_t *w, int32_t taps) {
    for (int32_t t = 0; t < taps; ++t) {
        int32_t *q = w + 4 * t;
        const uint32_t even = (uint32_t)(uint16_t)q[0] | (uint32_t)(uint16_t)q[2] << 16;
        const uint32_t odd = (uint32_t)(uint16_t)q[1] | (uint32_t)(uint16_t)q[3] << 16;
        q[0] = (int32_t)even;
        q[1] = (int32_t)odd;
    }
}

// acc[i] += f[i] * (x[i] + input_offset) for four adjacent channels: channels 0,2 and 1,3 in int16
// lanes (x + input_offset by SXTAB16), one 16x16 multiply-accumulate per channel (SMLABB / SMLATT).
TM_ALWAYS_INLINE void tm_dw4_off(const int8_t *x, const int8_t *f, int32_t input_offset, int32_t acc[4]) {
    const uint32_t off2 = tm_off2(input_offset);
    const uint32_t xw = tm_load4(x), fw = tm_load4(f);
    const int32_t xe = (int32_t)__sxtab16(off2, xw), xo = (int32_t)tm_sxtab16_ror8(off2, xw);
    const int32_t fe = (int32_t)__sxtb16(fw), fo = (int32_t)tm_sxtb16_ror8(fw);
    acc[0] = __smlabb(fe, xe, acc[0]);
    acc[2] = __smlatt(fe, xe, acc[2]);
    acc[1] = __smlabb(fo, xo, acc[1]);
    acc[3] = __smlatt(fo, xo, acc[3]);
}

// Sum of p[0..n) (tm_prim.h's tm_sum_s8: the weight sums that fold the input offset into the
// bias). Four values per load: SXTAB16 adds bytes 0, 2 and 1, 3 into two pairs of int16 lanes; at
// most 255 words per pass keep a lane within 255 * 128 < 2^15, then SMUAD adds the lanes up.
TM_ALWAYS_INLINE int32_t tm_sum_s8_dsp(const int8_t *p, int32_t n) {
    int32_t sum = 0;
    const int8_t *const end4 = p + (n & ~3);
    while (p != end4) {
        const int8_t *const stop = end4 - p > 4 * 255 ? p + 4 * 255 : end4;
        int16x2_t e = 0, o = 0;
        for (; p != stop; p += 4) {
            const uint32_t v = tm_load4(p);
            e = __sxtab16(e, v);
            o = tm_sxtab16_ror8((uint32_t)o, v);
        }
        sum += __smuad(e, 0x00010001) + __smuad(o, 0x00010001);
    }
    for (int32_t k = 0; k < (n & 3); ++k) {
        sum += p[k];
    }
    return sum;
}

// One step (four inputs) of tm_dot4_off_dsp's loop: the inputs plus the offset into lanes (xe, xw),
// then channels 0, 1 (w0, w0 + d) and 2, 3 (w2, w2 + d), two weight words loaded back to back.
#define TM_DOT4_OFF_STEP                                    \
    "ldr %[xw], [%[x]], #4\n"                              \
    "ldr %[t0], [%[w0], %[d]]\n"                           \
    "ldr %[t1], [%[w0]], #4\n"                             \
    "sxtab16 %[xe], %[off2], %[xw]\n"                      \
    "sxtab16 %[xw], %[off2], %[xw], ror #8\n"              \
    "sxtb16 %[t2], %[t1]\n"                                \
    "sxtb16 %[t1], %[t1], ror #8\n"                        \
    "smlad %[a0], %[t2], %[xe], %[a0]\n"                   \
    "smlad %[a0], %[t1], %[xw], %[a0]\n"                   \
    "sxtb16 %[t2], %[t0]\n"                                \
    "sxtb16 %[t0], %[t0], ror #8\n"                        \
    "smlad %[a1], %[t2], %[xe], %[a1]\n"                   \
    "smlad %[a1], %[t0], %[xw], %[a1]\n"                   \
    "ldr %[t0], [%[w2], %[d]]\n"                           \
    "ldr %[t1], [%[w2]], #4\n"                             \
    "sxtb16 %[t2], %[t1]\n"                                \
    "sxtb16 %[t1], %[t1], ror #8\n"                        \
    "smlad %[a2], %[t2], %[xe], %[a2]\n"                   \
    "smlad %[a2], %[t1], %[xw], %[a2]\n"                   \
    "sxtb16 %[t2], %[t0]\n"                                \
    "sxtb16 %[t0], %[t0], ror #8\n"                        \
    "smlad %[a3], %[t2], %[xe], %[a3]\n"                   \
    "smlad %[a3], %[t0], %[xw], %[a3]\n"

// a[j] = sum over i < n of w0[j * w_stride + i] * (x[i] + input_offset) (tm_prim.h's tm_dot4_off):
// inline, as the loops it replaced were (out of line it cost the AD model 4% on the M4). Sixteen
// inputs per pass in inline assembly: 4 sums, 4 pointers/strides, the offset and 5 lanes fill the
// 14 registers (in C GCC spilled), the loop's end is read from the stack.
TM_ALWAYS_INLINE void tm_dot4_off_dsp(const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n,
    int32_t a[4]) {
    const uint32_t off2 = tm_off2(input_offset);
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const int8_t *w2 = w0 + 2 * w_stride;
    const int32_t n8 = n & ~7;
    if (n8 > 0) {
        const int8_t *const end = x + n8;
        uint32_t xe, xw, t0, t1, t2;
#define TM_DOT4_OFF_OPERANDS                                                                          \
    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [w0] "+r"(w0), [w2] "+r"(w2), \
      [xe] "=&r"(xe), [xw] "=&r"(xw), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2)                    \
    : [d] "r"(w_stride), [off2] "r"(off2), [end] "m"(end)                                             \
    : "cc"
        // An odd count of 8-value steps takes one step first; then 16 values per pass.
        if (n8 & 8) {
            __asm__ volatile(TM_DOT4_OFF_STEP TM_DOT4_OFF_STEP TM_DOT4_OFF_OPERANDS);
        }
        if (n8 & ~15) {
            __asm__ volatile(
                "1:\n" TM_DOT4_OFF_STEP TM_DOT4_OFF_STEP TM_DOT4_OFF_STEP TM_DOT4_OFF_STEP
                "ldr %[t0], %[end]\n"
                "cmp %[x], %[t0]\n"
                "bne 1b\n" TM_DOT4_OFF_OPERANDS);
        }
#undef TM_DOT4_OFF_OPERANDS
    }
    const int8_t *w1 = w0 + w_stride, *w3 = w2 + w_stride;
    for (int32_t k = 0; k < n - n8; ++k) {
        const int32_t v = (int32_t)x[k] + input_offset;
        a0 += (int32_t)w0[k] * v;
        a1 += (int32_t)w1[k] * v;
        a2 += (int32_t)w2[k] * v;
        a3 += (int32_t)w3[k] * v;
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

// clang-format on
#endif
