// tinyml: what CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share around their inner loops:
// the output stage of one int32 accumulator (TFLM's order: + bias, per-channel multiply,
// + output offset, clamp to the activation range) and, for the two convolutions, the clipping of
// a filter window to the image.
#ifndef TM_REQUANTIZE_H
#define TM_REQUANTIZE_H

#include <stdint.h>

#include "tm_quant.h"
#include "tm_target.h"

// One output channel's stage, prepared once per channel (tm_rq_make): the bias, the multiplier,
// and the shift split into its left and right parts with the rounding mask of the right one, so
// that the per-element work (tm_rq_apply_s8) is the arithmetic alone.
//
// The multiplier comes from tm_quantize_multiplier (TFLite QuantizeMultiplier), so it is in
// [0, 2^31 - 1] (tm_op_quantize_multiplier checks it): never INT32_MIN, and the one saturating
// case of SaturatingRoundingDoublingHighMul (both operands INT32_MIN) cannot occur, so it is not
// tested for. The clamp is two independent selects (no branch on ARM: conditional moves).
typedef struct {
    int32_t bias;
    int32_t multiplier;
    int32_t left;  // shift > 0: left shift before the multiply
    int32_t right; // shift < 0: rounding right shift after it
    int32_t mask;  // 2^right - 1
} tm_rq;

static inline void tm_rq_make(int32_t bias, int32_t multiplier, int32_t shift, tm_rq *q) {
    q->bias = bias;
    q->multiplier = multiplier;
    q->left = shift > 0 ? shift : 0;
    q->right = shift > 0 ? 0 : -shift;
    q->mask = (int32_t)(((uint32_t)1 << q->right) - 1u);
}

// ((int64)x * m + 2^30) >> 31 (floor) for 0 <= m < 2^31 with 32-bit multiplies only, for cores
// without a 32 x 32 -> 64 multiply (ARMv6-M: libgcc's __muldi3 took 11-17% of the M0+ cycles of
// the MLPerf Tiny models). With x = xh * 2^16 + xl and m = mh * 2^16 + ml (xl, ml, mh unsigned
// 16-bit, xh signed), x * m + 2^30 = 2^16 * Q + (xl * ml mod 2^16), Q = xh*mh*2^16 + xh*ml +
// xl*mh + (xl*ml >> 16) + 2^14, so the result is floor(Q / 2^15) = 2*xh*mh + floor(xh*ml / 2^15) +
// floor(u / 2^15), u = (xh*ml mod 2^15) + xl*mh + (xl*ml >> 16) + 2^14 < 2^32 (unsigned). Each
// product fits 32 bits; the sum is taken mod 2^32 and the result fits int32 (|x * m| < 2^62).
TM_ALWAYS_INLINE int32_t tm_mulhr31_32(int32_t x, int32_t m) {
    const uint32_t xl = (uint32_t)x & 0xFFFFu, ml = (uint32_t)m & 0xFFFFu, mh = (uint32_t)m >> 16;
    const int32_t xh = x >> 16;
    const int32_t mid1 = xh * (int32_t)ml;
    const uint32_t u = xl * mh + ((xl * ml) >> 16) + 0x4000u + ((uint32_t)mid1 & 0x7FFFu);
    const uint32_t r = (uint32_t)(2 * (xh * (int32_t)mh)) + (uint32_t)(mid1 >> 15) + (u >> 15);
    return (int32_t)r;
}

// The end of the output stage: + output offset, clamp to the activation range.
TM_ALWAYS_INLINE int8_t tm_rq_finish_s8(int32_t rounded, int32_t output_offset, int32_t act_min, int32_t act_max) {
    int32_t v = tm_add_wrap(rounded, output_offset);
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
    return (int8_t)v;
}

#if TM_TARGET_IS(ARMV6M)
// The output stage up to the output offset on ARMv6-M, in Thumb-1 assembly: x = (acc + bias) <<
// left, tm_mulhr31_32(x, multiplier), the rounding right shift. About 43 cycles on the M0+ against
// about 60 for GCC's code of the C. Used by the matrix product's output stage (tm_mm_out1,
// tm_prim.h: -11% of its cycles); inside the depthwise and fully connected loops, where GCC
// needs the low registers itself, the C of tm_rq_apply_s8 measured faster (KWS depthwise +4% with
// the assembly). The rounding: with
// rem = high & mask and threshold = (mask >> 1) + (high < 0), (threshold - rem) is negative
// exactly when rem > threshold (both in [0, 2^31)), so its sign bit is the rounding increment.
// Checked against tm_mul_by_quantized_mul (the 64-bit reference) in tests/c/test_prim.c.
// (assembly laid out by hand)
// clang-format off
TM_ALWAYS_INLINE int32_t tm_rq_scale_armv6m(int32_t acc, const tm_rq *q) {
    uint32_t t, m, xl, ml;   // xl is also the scratch once xl * mh is summed
    __asm__(".syntax unified\n"
        "ldr %[t], [%[q], #0]\n adds %[a], %[a], %[t]\n"          /* + bias */
        "ldr %[t], [%[q], #8]\n lsls %[a], %[t]\n"                 /* << left: x */
        "ldr %[m], [%[q], #4]\n"                                    /* multiplier */
        "uxth %[xl], %[a]\n asrs %[a], %[a], #16\n"                 /* xl, xh */
        "uxth %[ml], %[m]\n lsrs %[m], %[m], #16\n"                 /* ml, mh */
        "movs %[t], %[xl]\n muls %[t], %[ml]\n lsrs %[t], %[t], #16\n"   /* xl*ml >> 16 */
        "muls %[xl], %[m]\n adds %[t], %[t], %[xl]\n"              /* + xl*mh */
        "muls %[ml], %[a]\n"                                        /* mid1 = xh*ml */
        "lsls %[xl], %[ml], #17\n lsrs %[xl], %[xl], #17\n adds %[t], %[t], %[xl]\n"
        "movs %[xl], #1\n lsls %[xl], %[xl], #14\n adds %[t], %[t], %[xl]\n lsrs %[t], %[t], #15\n"
        "asrs %[ml], %[ml], #15\n adds %[t], %[t], %[ml]\n"
        "muls %[a], %[m]\n lsls %[a], %[a], #1\n adds %[a], %[a], %[t]\n"  /* high */
        "ldr %[t], [%[q], #16]\n"                                   /* mask */
        "movs %[xl], %[a]\n ands %[xl], %[t]\n"                       /* rem */
        "asrs %[t], %[t], #1\n lsrs %[m], %[a], #31\n adds %[t], %[t], %[m]\n"  /* threshold */
        "subs %[t], %[t], %[xl]\n lsrs %[t], %[t], #31\n"            /* rem > threshold */
        "ldr %[xl], [%[q], #12]\n asrs %[a], %[xl]\n adds %[a], %[a], %[t]\n"   /* >> right, + 1 */
        ".syntax divided\n"
        : [a] "+&l"(acc), [t] "=&l"(t), [m] "=&l"(m), [xl] "=&l"(xl), [ml] "=&l"(ml)
        : [q] "l"(q), "m"(*q)
        : "cc");
    return acc;
}
// clang-format on
#endif

// TFLM's output stage of one accumulator: + bias, MultiplyByQuantizedMultiplier (double rounding),
// + output offset, clamp. Runs once per output element: TM_ALWAYS_INLINE (tm_quant.h) inlines it
// even at -Os.
TM_ALWAYS_INLINE int8_t tm_rq_apply_s8(
    int32_t acc, const tm_rq *q, int32_t output_offset, int32_t act_min, int32_t act_max) {
    const int32_t x = tm_shl_wrap(tm_add_wrap(acc, q->bias), (int)q->left);
    // tm_srdhm(x, multiplier) without the INT32_MIN * INT32_MIN case (see tm_quant.h).
#if TM_TARGET_IS(ARMV6M)
    const int32_t high = tm_mulhr31_32(x, q->multiplier);
#else
    const int32_t high = (int32_t)(((int64_t)x * q->multiplier + ((int64_t)1 << 30)) >> 31);
#endif
    // tm_rounding_divide_by_pot(high, right), written out so that it is inlined at -Os too.
    const int32_t mask = q->mask;
    const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    const int32_t rounded = (high >> q->right) + ((high & mask) > threshold ? 1 : 0);
    return tm_rq_finish_s8(rounded, output_offset, act_min, act_max);
}

// The same with the channel's parameters as they come (generic paths).
TM_ALWAYS_INLINE int8_t tm_requantize_acc_s8(int32_t acc, int32_t bias, int32_t multiplier, int32_t shift,
    int32_t output_offset, int32_t act_min, int32_t act_max) {
    tm_rq q;
    tm_rq_make(bias, multiplier, shift, &q);
    return tm_rq_apply_s8(acc, &q, output_offset, act_min, act_max);
}

// First filter tap (0-based) whose position origin + tap * dilation is >= 0, and one past the last
// whose position is < size.
TM_ALWAYS_INLINE void tm_clip_window(
    int32_t origin, int32_t dilation, int32_t taps, int32_t size, int32_t *first, int32_t *end) {
    int32_t t0 = 0;
    if (origin < 0) {
        t0 = (-origin + dilation - 1) / dilation;
    }
    int32_t t1 = taps;
    // Last valid tap t: origin + t * dilation <= size - 1.
    if (origin + (taps - 1) * dilation > size - 1) {
        t1 = size - 1 - origin < 0 ? 0 : (size - 1 - origin) / dilation + 1;
    }
    *first = t0;
    *end = t1 > t0 ? t1 : t0;
}

#endif
