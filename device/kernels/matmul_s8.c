// tinyml kernel: int8 matrix product with folded input offset (see matmul_s8.h).
//
// Register blocking per target (measured with bench/cortexm_bench.py and callgrind):
//   ARMv7E-M with DSP (M4/M7/M33): 2 rows x 4 channels, four int8 per load, two MACs per SMLAD;
//   ARMv7-M without DSP (M3):     depth <= 127: 2 rows x 4 channels, the weights of two channels
//                                 packed per int32 so that one SMLAL makes two MACs
//                                 (dot_packed_2x4: 1.4 instructions per MAC against 2.4);
//                                 deeper: 2 rows x 2 channels, k unrolled by four (dot_2x2):
//                                 4 accumulators + 4 streams fit the registers (2 x 4 spills);
//   ARMv6-M (M0/M0+):             1 row x 4 channels (8 low registers);
//   64-bit hosts (x86-64 ...):    3 rows x 8 (then 4) channels, three MACs per 64-bit multiply
//                                 (dot_swar_3x8/3x4); a pair of rows left over: 2 rows x 4
//                                 channels, two MACs per multiply (dot_swar_2x4);
//   anything else:                2 rows x 4 channels.
// The last row of an odd count (of a count 1 above a multiple of three on 64-bit hosts; the
// single row of a fully connected layer) goes one row x four channels at a time; channels left
// over by the blocks take a one-row, one-channel loop.
#include "matmul_s8.h"

#include <stddef.h>

#include "simd.h"
#include "requantize.h"
#include "tm_hot.h"

#if TM_SIMD_DSP
#define TM_MM_DSP 1
#elif defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define TM_MM_2X2 1
#elif defined(__ARM_ARCH_6M__)
#define TM_MM_1X4 1
#elif UINTPTR_MAX > 0xFFFFFFFFu && !defined(TM_MM_NO_SWAR64)
#define TM_MM_2X4 1
#define TM_MM_SWAR64 1
#else
#define TM_MM_2X4 1
#endif

TM_ALWAYS_INLINE int8_t out1(const tm_mm_out *o, int32_t c, int32_t acc) {
    return tm_rq_apply_s8(acc, &o->rq[c], o->output_offset, o->act_min, o->act_max);
}

void tm_mm_prepare(const int8_t *w, int32_t depth, int32_t channels, const int32_t *bias,
    int32_t input_offset, const int32_t *multiplier, const int8_t *shift, int32_t quant_step, tm_rq *rq) {
    for (int32_t c = 0; c < channels; ++c) {
        const int8_t *wc = w + c * depth;
        int32_t sum = 0;
        for (int32_t k = 0; k < depth; ++k) {
            sum += wc[k];
        }
        tm_rq_make(tm_add_wrap(bias != NULL ? bias[c] : 0, sum * input_offset), multiplier[c * quant_step],
            shift[c * quant_step], &rq[c]);
    }
}

// One row, one channel: the leftovers of the blocked loops.
static int32_t dot_1x1(const int8_t *x, const int8_t *w, int32_t depth) {
    int32_t acc = 0;
    for (int32_t k = 0; k < depth; ++k) {
        acc += (int32_t)x[k] * w[k];
    }
    return acc;
}

#if TM_MM_SWAR64
// 64-bit hosts: the two rows' values at k go into one int64, v = x0[k] + x1[k] * 2^32, and one
// 64-bit multiply-add per channel accumulates acc = S0 + S1 * 2^32 with S0, S1 the two rows' dot
// products. Exact: |S0|, |S1| <= depth * 128 * 128 < 2^31 (prepare bounds depth * 128 * 255
// below 2^31), so no partial sum leaves int64 and S0 is the low 32 bits of acc read as a signed
// value, S1 = (acc - S0) / 2^32 (an exact division, done as an arithmetic shift).
static inline void split64(int64_t acc, int32_t *s0, int32_t *s1) {
    const uint32_t u = (uint32_t)((uint64_t)acc & 0xFFFFFFFFu);
    const int32_t lo = u >= 0x80000000u ? (int32_t)(u - 0x80000000u) - INT32_MAX - 1 : (int32_t)u;
    *s0 = lo;
    *s1 = (int32_t)((acc - lo) >> 32);
}

// a[0..3] = x0 . w_c, a[4..7] = x1 . w_c for the four channels c of w0 (rows depth apart), k
// unrolled by two. Out of line so that its registers are allocated on their own (inlined, GCC
// keeps the weight pointers on the stack).
static TM_HOT void dot_swar_2x4(const int8_t *x0, const int8_t *x1, const int8_t *w0, int32_t depth,
    int32_t a[8]) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t k = 0;
    for (; k + 2 <= depth; k += 2) {
        int64_t v = (int64_t)x0[k] + (int64_t)x1[k] * 4294967296;
        a0 += v * w0[k];
        a1 += v * w1[k];
        a2 += v * w2[k];
        a3 += v * w3[k];
        v = (int64_t)x0[k + 1] + (int64_t)x1[k + 1] * 4294967296;
        a0 += v * w0[k + 1];
        a1 += v * w1[k + 1];
        a2 += v * w2[k + 1];
        a3 += v * w3[k + 1];
    }
    if (k < depth) {
        const int64_t v = (int64_t)x0[k] + (int64_t)x1[k] * 4294967296;
        a0 += v * w0[k];
        a1 += v * w1[k];
        a2 += v * w2[k];
        a3 += v * w3[k];
    }
    split64(a0, &a[0], &a[4]);
    split64(a1, &a[1], &a[5]);
    split64(a2, &a[2], &a[6]);
    split64(a3, &a[3], &a[7]);
}

// Three rows at once: v = x0[k] + x1[k] * 2^21 + x2[k] * 2^42 and one 64-bit multiply-add per
// channel accumulates S0 + S1 * 2^21 + S2 * 2^42. A 21-bit lane holds a partial sum of at most
// TM_SWAR3_BLOCK products exactly (|S| <= 63 * 2^14 < 2^20), so k runs in blocks of 63: after
// each, the lanes are split off (split21) and added to the int32 sums. No partial value leaves
// int64 (|acc| < 2^62 + 2^41 + 2^20), so the sums equal the plain int32 dot products.
#define TM_SWAR3_BLOCK 63

// The signed lane of acc's low 21 bits (|lane| < 2^20) is added to *s; returns (acc - lane) / 2^21.
static inline int64_t split21(int64_t acc, int32_t *s) {
    const int32_t t = (int32_t)((uint64_t)acc & 0x1FFFFFu);
    const int32_t lane = t >= 0x100000 ? t - 0x200000 : t;
    *s += lane;
    return (acc - lane) / 2097152;   // exact
}

// a[r * 4 + c] = x_r . w_c for rows x0, x1, x2 and the four channels of w0 (rows depth apart).
static TM_HOT void dot_swar_3x4(const int8_t *x0, const int8_t *x1, const int8_t *x2, const int8_t *w0,
    int32_t depth, int32_t a[12]) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    for (int32_t i = 0; i < 12; ++i) {
        a[i] = 0;
    }
    int32_t k = 0;
    while (k < depth) {
        const int32_t end = depth - k > TM_SWAR3_BLOCK ? k + TM_SWAR3_BLOCK : depth;
        int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (; k + 3 <= end; k += 3) {
            int64_t v = (int64_t)x0[k] + (int64_t)x1[k] * 2097152 + (int64_t)x2[k] * 4398046511104;
            a0 += v * w0[k];
            a1 += v * w1[k];
            a2 += v * w2[k];
            a3 += v * w3[k];
            v = (int64_t)x0[k + 1] + (int64_t)x1[k + 1] * 2097152 + (int64_t)x2[k + 1] * 4398046511104;
            a0 += v * w0[k + 1];
            a1 += v * w1[k + 1];
            a2 += v * w2[k + 1];
            a3 += v * w3[k + 1];
            v = (int64_t)x0[k + 2] + (int64_t)x1[k + 2] * 2097152 + (int64_t)x2[k + 2] * 4398046511104;
            a0 += v * w0[k + 2];
            a1 += v * w1[k + 2];
            a2 += v * w2[k + 2];
            a3 += v * w3[k + 2];
        }
        for (; k < end; ++k) {
            const int64_t v = (int64_t)x0[k] + (int64_t)x1[k] * 2097152 + (int64_t)x2[k] * 4398046511104;
            a0 += v * w0[k];
            a1 += v * w1[k];
            a2 += v * w2[k];
            a3 += v * w3[k];
        }
        a[8] += (int32_t)split21(split21(a0, &a[0]), &a[4]);
        a[9] += (int32_t)split21(split21(a1, &a[1]), &a[5]);
        a[10] += (int32_t)split21(split21(a2, &a[2]), &a[6]);
        a[11] += (int32_t)split21(split21(a3, &a[3]), &a[7]);
    }
}

// The same for eight channels (a[r * 8 + c]): one packed v per k serves eight multiply-adds.
static TM_HOT void dot_swar_3x8(const int8_t *x0, const int8_t *x1, const int8_t *x2, const int8_t *w0,
    int32_t depth, int32_t a[24]) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    const int8_t *w4 = w3 + depth, *w5 = w4 + depth, *w6 = w5 + depth, *w7 = w6 + depth;
    for (int32_t i = 0; i < 24; ++i) {
        a[i] = 0;
    }
    int32_t k = 0;
    while (k < depth) {
        const int32_t end = depth - k > TM_SWAR3_BLOCK ? k + TM_SWAR3_BLOCK : depth;
        int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (; k < end; ++k) {
            const int64_t v = (int64_t)x0[k] + (int64_t)x1[k] * 2097152 + (int64_t)x2[k] * 4398046511104;
            a0 += v * w0[k];
            a1 += v * w1[k];
            a2 += v * w2[k];
            a3 += v * w3[k];
            a4 += v * w4[k];
            a5 += v * w5[k];
            a6 += v * w6[k];
            a7 += v * w7[k];
        }
        a[16] += (int32_t)split21(split21(a0, &a[0]), &a[8]);
        a[17] += (int32_t)split21(split21(a1, &a[1]), &a[9]);
        a[18] += (int32_t)split21(split21(a2, &a[2]), &a[10]);
        a[19] += (int32_t)split21(split21(a3, &a[3]), &a[11]);
        a[20] += (int32_t)split21(split21(a4, &a[4]), &a[12]);
        a[21] += (int32_t)split21(split21(a5, &a[5]), &a[13]);
        a[22] += (int32_t)split21(split21(a6, &a[6]), &a[14]);
        a[23] += (int32_t)split21(split21(a7, &a[7]), &a[15]);
    }
}
#endif

#if TM_MM_2X2
// ARMv7-M without DSP, depth <= TM_PAIR_DEPTH: two channels share one multiply. Their weights are
// packed once per call into one int32 per k, W[k] = wa[k] + wb[k] * 2^22 (|wb * 2^22| <= 2^29), and
// one SMLAL per row accumulates the int64 acc = Sa + Sb * 2^22, Sa and Sb the row's dot products
// with the two channels. Exact: |Sa| <= 127 * 2^14 < 2^21 fits the signed 22-bit low lane, so
// Sa is that lane and Sb = (acc - Sa) / 2^22; no partial value leaves int64 (|acc| < 2^43).
#define TM_PAIR_DEPTH 127

// Channels c0, c0 + 1 into tile[2k] and c0 + 2, c0 + 3 into tile[2k + 1] (w0: channel c0's row).
static void pack_pairs(const int8_t *w0, int32_t depth, int32_t *tile) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    for (int32_t k = 0; k < depth; ++k) {
        tile[2 * k] = w0[k] + w1[k] * 4194304;
        tile[2 * k + 1] = w2[k] + w3[k] * 4194304;
    }
}

// *sa = the signed low 22-bit lane of acc, *sb = (acc - lane) / 2^22.
static inline void split22(int64_t acc, int32_t *sa, int32_t *sb) {
    const int32_t t = (int32_t)((uint64_t)acc & 0x3FFFFFu);
    const int32_t lane = t >= 0x200000 ? t - 0x400000 : t;
    *sa = lane;
    *sb = (int32_t)((acc - lane) >> 22);   // exact: acc - lane is a multiple of 2^22
}

// a[r * 4 + j] = x_r . w_j for rows x0, x1 and the four channels packed in tile (pack_pairs):
// per k, two loads of x, two of the tile and four SMLALs make eight MACs.
static TM_HOT void dot_packed_2x4(const int8_t *x0, const int8_t *x1, const int32_t *tile, int32_t depth,
    int32_t a[8]) {
    int64_t c00 = 0, c01 = 0, c10 = 0, c11 = 0;
#define TM_PACKED_STEP(i)                              \
    do {                                               \
        const int32_t v0 = x0[i], v1 = x1[i];          \
        int32_t wv = tile[2 * (i)];                    \
        c00 += (int64_t)v0 * wv;                       \
        c10 += (int64_t)v1 * wv;                       \
        wv = tile[2 * (i) + 1];                        \
        c01 += (int64_t)v0 * wv;                       \
        c11 += (int64_t)v1 * wv;                       \
    } while (0)
    // Unrolled by four: fewer passes, each of which costs an emulator (the QEMU board) a block
    // boundary on top of its instructions.
    const int8_t *end4 = x0 + (depth & ~3);
    while (x0 != end4) {
        TM_PACKED_STEP(0);
        TM_PACKED_STEP(1);
        TM_PACKED_STEP(2);
        TM_PACKED_STEP(3);
        x0 += 4;
        x1 += 4;
        tile += 8;
    }
    for (int32_t k = 0; k < (depth & 3); ++k) {
        TM_PACKED_STEP(k);
    }
#undef TM_PACKED_STEP
    split22(c00, &a[0], &a[1]);
    split22(c01, &a[2], &a[3]);
    split22(c10, &a[4], &a[5]);
    split22(c11, &a[6], &a[7]);
}

// Rows [0, paired) (an even count) x the four channels c.. packed in tile, with their output stage.
static TM_HOT void rows_packed_x4(const int8_t *x, int32_t x_stride, int32_t paired, const int32_t *tile,
    int32_t depth, const tm_mm_out *o, int32_t c, int8_t *out, int32_t out_stride) {
    // The output stage's parameters in locals: out is an int8_t pointer, through which the
    // compiler must assume any store may change *o.
    const tm_rq *rq = o->rq + c;
    const tm_mm_out oc = {rq, o->output_offset, o->act_min, o->act_max};
    for (int32_t p = 0; p < paired; p += 2) {
        int32_t a[8];
        dot_packed_2x4(x, x + x_stride, tile, depth, a);
        int8_t *o1 = out + out_stride;
        out[0] = out1(&oc, 0, a[0]);
        out[1] = out1(&oc, 1, a[1]);
        out[2] = out1(&oc, 2, a[2]);
        out[3] = out1(&oc, 3, a[3]);
        o1[0] = out1(&oc, 0, a[4]);
        o1[1] = out1(&oc, 1, a[5]);
        o1[2] = out1(&oc, 2, a[6]);
        o1[3] = out1(&oc, 3, a[7]);
        x += 2 * x_stride;
        out += 2 * out_stride;
    }
}

// a = {x0.w0, x0.w1, x1.w0, x1.w1}: deeper products, and the pair of channels left over by the
// packed blocks. Out of line so that the compiler allocates its registers on
// their own: inlined into the row loop, GCC spills an accumulator of the unrolled loop.
static TM_HOT void dot_2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1,
    int32_t depth, int32_t a[4]) {
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
#define TM_2X2_STEP(i)                                             \
    do {                                                           \
        const int32_t v0 = x0[i], v1 = x1[i], u0 = w0[i], u1 = w1[i]; \
        a00 += u0 * v0;                                            \
        a10 += u0 * v1;                                            \
        a01 += u1 * v0;                                            \
        a11 += u1 * v1;                                            \
    } while (0)
    const int8_t *end4 = x0 + (depth & ~3);
    while (x0 != end4) {
        TM_2X2_STEP(0);
        TM_2X2_STEP(1);
        TM_2X2_STEP(2);
        TM_2X2_STEP(3);
        x0 += 4;
        x1 += 4;
        w0 += 4;
        w1 += 4;
    }
    for (int32_t k = 0; k < (depth & 3); ++k) {
        TM_2X2_STEP(k);
    }
#undef TM_2X2_STEP
    a[0] = a00;
    a[1] = a01;
    a[2] = a10;
    a[3] = a11;
}
#endif

#if !TM_MM_DSP
// One row x four channels (a = x.w0 .. x.w3): every row on ARMv6-M, the last row of an odd count
// (or the only one: fully connected layers) elsewhere. Out of line for the same reason as dot_2x2.
static TM_HOT void dot_1x4(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
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
#endif

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    // Rows [0, paired) in blocks of two rows; the rest one row at a time below.
#if TM_MM_1X4
    const int32_t paired = 0;
#else
#if TM_MM_SWAR64
    // Triples of rows, then a pair if two are left; a single leftover row goes below.
    const int32_t paired = rows % 3 == 1 ? rows - 1 : rows;
#else
    const int32_t paired = rows & ~1;
#endif
    int32_t c = 0;
#if TM_MM_2X2
    if (depth <= TM_PAIR_DEPTH) {
        int32_t tile[2 * TM_PAIR_DEPTH];   // 1016 bytes of stack
        for (; c + 4 <= channels; c += 4) {
            pack_pairs(w + c * depth, depth, tile);
            rows_packed_x4(x, x_stride, paired, tile, depth, o, c, out + c, out_stride);
        }
    }
    for (; c + 2 <= channels; c += 2) {
        const int8_t *f0 = w + c * depth;
        const int8_t *f1 = f0 + depth;
        for (int32_t p = 0; p < paired; p += 2) {
            int32_t a[4];
            dot_2x2(x + p * x_stride, x + (p + 1) * x_stride, f0, f1, depth, a);
            int8_t *o0 = out + p * out_stride + c;
            int8_t *o1 = o0 + out_stride;
            o0[0] = out1(o, c, a[0]);
            o0[1] = out1(o, c + 1, a[1]);
            o1[0] = out1(o, c, a[2]);
            o1[1] = out1(o, c + 1, a[3]);
        }
    }
#else
#if TM_MM_SWAR64
    // Eight channels at a time: triples of rows, then the pair (if any) as two blocks of four.
    for (; c + 8 <= channels; c += 8) {
        const int8_t *f0 = w + c * depth;
        int32_t p = 0;
        for (; p + 3 <= paired; p += 3) {
            const int8_t *x0 = x + p * x_stride;
            int32_t a[24];
            dot_swar_3x8(x0, x0 + x_stride, x0 + 2 * x_stride, f0, depth, a);
            for (int32_t r = 0; r < 3; ++r) {
                int8_t *orow = out + (p + r) * out_stride + c;
                for (int32_t j = 0; j < 8; ++j) {
                    orow[j] = out1(o, c + j, a[r * 8 + j]);
                }
            }
        }
        if (p < paired) {
            const int8_t *x0 = x + p * x_stride;
            int8_t *o0 = out + p * out_stride + c;
            int8_t *o1 = o0 + out_stride;
            for (int32_t h = 0; h < 8; h += 4) {
                int32_t a[8];
                dot_swar_2x4(x0, x0 + x_stride, f0 + h * depth, depth, a);
                for (int32_t j = 0; j < 4; ++j) {
                    o0[h + j] = out1(o, c + h + j, a[j]);
                    o1[h + j] = out1(o, c + h + j, a[4 + j]);
                }
            }
        }
    }
#endif
    for (; c + 4 <= channels; c += 4) {
        const int8_t *f0 = w + c * depth;
#if !TM_MM_SWAR64
        const int8_t *f1 = f0 + depth;
        const int8_t *f2 = f1 + depth;
        const int8_t *f3 = f2 + depth;
#endif
        int32_t p = 0;
#if TM_MM_SWAR64
        for (; p + 3 <= paired; p += 3) {
            const int8_t *x0 = x + p * x_stride;
            int32_t a[12];
            dot_swar_3x4(x0, x0 + x_stride, x0 + 2 * x_stride, f0, depth, a);
            for (int32_t r = 0; r < 3; ++r) {
                int8_t *orow = out + (p + r) * out_stride + c;
                orow[0] = out1(o, c, a[r * 4]);
                orow[1] = out1(o, c + 1, a[r * 4 + 1]);
                orow[2] = out1(o, c + 2, a[r * 4 + 2]);
                orow[3] = out1(o, c + 3, a[r * 4 + 3]);
            }
        }
#endif
        for (; p < paired; p += 2) {
            const int8_t *x0 = x + p * x_stride;
            const int8_t *x1 = x0 + x_stride;
            int8_t *o0 = out + p * out_stride + c;
            int8_t *o1 = o0 + out_stride;
#if TM_MM_SWAR64
            int32_t a[8];
            dot_swar_2x4(x0, x1, f0, depth, a);
            o0[0] = out1(o, c, a[0]);
            o0[1] = out1(o, c + 1, a[1]);
            o0[2] = out1(o, c + 2, a[2]);
            o0[3] = out1(o, c + 3, a[3]);
            o1[0] = out1(o, c, a[4]);
            o1[1] = out1(o, c + 1, a[5]);
            o1[2] = out1(o, c + 2, a[6]);
            o1[3] = out1(o, c + 3, a[7]);
#else
            int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            int32_t k = 0;
#if TM_MM_DSP
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
#endif
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
            o0[0] = out1(o, c, a00);
            o0[1] = out1(o, c + 1, a01);
            o0[2] = out1(o, c + 2, a02);
            o0[3] = out1(o, c + 3, a03);
            o1[0] = out1(o, c, a10);
            o1[1] = out1(o, c + 1, a11);
            o1[2] = out1(o, c + 2, a12);
            o1[3] = out1(o, c + 3, a13);
#endif
        }
    }
#endif
    // Channels left over by the blocks, on the paired rows.
    for (; c < channels; ++c) {
        for (int32_t p = 0; p < paired; ++p) {
            out[p * out_stride + c] = out1(o, c, dot_1x1(x + p * x_stride, w + c * depth, depth));
        }
    }
#endif
    // The remaining rows, one at a time: four channels per pass, then single channels.
    for (int32_t p = paired; p < rows; ++p) {
        const int8_t *xp = x + p * x_stride;
        int8_t *op = out + p * out_stride;
        int32_t cc = 0;
        for (; cc + 4 <= channels; cc += 4) {
            int32_t a[4];
#if TM_MM_DSP
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            const int8_t *f0 = w + cc * depth;
            int32_t k = 0;
            for (; k + 4 <= depth; k += 4) {
                const uint32_t xw = tm_load4(xp + k);
                const int16x2_t ve = __sxtb16(xw), vo = __sxtb16(tm_ror8(xw));
                a0 = tm_dot4(f0 + k, ve, vo, a0);
                a1 = tm_dot4(f0 + depth + k, ve, vo, a1);
                a2 = tm_dot4(f0 + 2 * depth + k, ve, vo, a2);
                a3 = tm_dot4(f0 + 3 * depth + k, ve, vo, a3);
            }
            for (; k < depth; ++k) {
                const int32_t v = xp[k];
                a0 += f0[k] * v;
                a1 += f0[depth + k] * v;
                a2 += f0[2 * depth + k] * v;
                a3 += f0[3 * depth + k] * v;
            }
            a[0] = a0;
            a[1] = a1;
            a[2] = a2;
            a[3] = a3;
#else
            dot_1x4(xp, w + cc * depth, depth, a);
#endif
            op[cc] = out1(o, cc, a[0]);
            op[cc + 1] = out1(o, cc + 1, a[1]);
            op[cc + 2] = out1(o, cc + 2, a[2]);
            op[cc + 3] = out1(o, cc + 3, a[3]);
        }
        for (; cc < channels; ++cc) {
            op[cc] = out1(o, cc, dot_1x1(xp, w + cc * depth, depth));
        }
    }
}
