// tinyml kernels: the primitives of the ARMv7-M target without DSP (Cortex-M3; tm_prim.h,
// tm_target.h).
//
// Matrix product, measured with bench/cortexm_bench.py:
//   depth <= 127: 2 rows x 4 channels, the weights of two channels packed per int32 so that one
//                 SMLAL makes two MACs (dot_packed_2x4: 1.4 instructions per MAC against 2.4);
//   deeper:       2 rows x 2 channels, k unrolled by four (dot_2x2): 4 accumulators + 4 streams fit
//                 the registers (2 x 4 spills);
// the last row of an odd count one row x four channels, leftover channels one at a time. The dot
// product with the input offset is the portable one (TM_DOT_UNROLL 1 here: unrolled, GCC spills).
#include "tm_prim.h"
#include "prim_mm_blocks.h"

#if TM_TARGET_IS(ARMV7M)

// Two channels share one multiply. Their weights are packed once per block of four channels into
// one int32 per k, W[k] = wa[k] + wb[k] * 2^22 (|wb * 2^22| <= 2^29), and one SMLAL per row
// accumulates the int64 acc = Sa + Sb * 2^22, Sa and Sb the row's dot products with the two
// channels. Exact: |Sa| <= 127 * 2^14 < 2^21 fits the signed 22-bit low lane, so Sa is that lane
// and Sb = (acc - Sa) / 2^22; no partial value leaves int64 (|acc| < 2^43).
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
    *sb = (int32_t)((acc - lane) >> 22); // exact: acc - lane is a multiple of 2^22
}

// a[r * 4 + j] = x_r . w_j for rows x0, x1 and the four channels packed in tile (pack_pairs):
// per k, two loads of x, two of the tile and four SMLALs make eight MACs.
static TM_HOT void dot_packed_2x4(
    const int8_t *x0, const int8_t *x1, const int32_t *tile, int32_t depth, int32_t a[8]) {
    int64_t c00 = 0, c01 = 0, c10 = 0, c11 = 0;
#define TM_PACKED_STEP(i)                                                                                              \
    do {                                                                                                               \
        const int32_t v0 = x0[i], v1 = x1[i];                                                                          \
        int32_t wv = tile[2 * (i)];                                                                                    \
        c00 += (int64_t)v0 * wv;                                                                                       \
        c10 += (int64_t)v1 * wv;                                                                                       \
        wv = tile[2 * (i) + 1];                                                                                        \
        c01 += (int64_t)v0 * wv;                                                                                       \
        c11 += (int64_t)v1 * wv;                                                                                       \
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
static TM_HOT void rows_packed_x4(const int8_t *x, int32_t x_stride, int32_t paired, const int32_t *tile, int32_t depth,
    const tm_mm_out *o, int32_t c, int8_t *out, int32_t out_stride) {
    // The output stage's parameters in locals: out is an int8_t pointer, through which the
    // compiler must assume any store may change *o.
    const tm_rq *rq = o->rq + c;
    const tm_mm_out oc = {rq, o->output_offset, o->act_min, o->act_max};
    for (int32_t p = 0; p < paired; p += 2) {
        int32_t a[8];
        dot_packed_2x4(x, x + x_stride, tile, depth, a);
        int8_t *o1 = out + out_stride;
        out[0] = tm_mm_out1(&oc, 0, a[0]);
        out[1] = tm_mm_out1(&oc, 1, a[1]);
        out[2] = tm_mm_out1(&oc, 2, a[2]);
        out[3] = tm_mm_out1(&oc, 3, a[3]);
        o1[0] = tm_mm_out1(&oc, 0, a[4]);
        o1[1] = tm_mm_out1(&oc, 1, a[5]);
        o1[2] = tm_mm_out1(&oc, 2, a[6]);
        o1[3] = tm_mm_out1(&oc, 3, a[7]);
        x += 2 * x_stride;
        out += 2 * out_stride;
    }
}

// a = {x0.w0, x0.w1, x1.w0, x1.w1}: deeper products, and the pair of channels left over by the
// packed blocks. Out of line so that the compiler allocates its registers on their own: inlined
// into the row loop, GCC spills an accumulator of the unrolled loop.
static TM_HOT void dot_2x2(
    const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1, int32_t depth, int32_t a[4]) {
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
#define TM_2X2_STEP(i)                                                                                                 \
    do {                                                                                                               \
        const int32_t v0 = x0[i], v1 = x1[i], u0 = w0[i], u1 = w1[i];                                                  \
        a00 += u0 * v0;                                                                                                \
        a10 += u0 * v1;                                                                                                \
        a01 += u1 * v0;                                                                                                \
        a11 += u1 * v1;                                                                                                \
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

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth, int32_t channels,
    const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    const int32_t paired = rows & ~1;
    int32_t c = 0;
    if (depth <= TM_PAIR_DEPTH) {
        int32_t tile[2 * TM_PAIR_DEPTH]; // 1016 bytes of stack
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
            o0[0] = tm_mm_out1(o, c, a[0]);
            o0[1] = tm_mm_out1(o, c + 1, a[1]);
            o1[0] = tm_mm_out1(o, c, a[2]);
            o1[1] = tm_mm_out1(o, c + 1, a[3]);
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    tm_mm_rows_1x4(
        x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o, out + paired * out_stride, out_stride);
}

#endif
