// tinyml C tests: the per-target kernel primitives (device/kernels/tm_prim.h) against the portable
// ones, bit for bit, on random shapes. On the host this checks the 64-bit host file against the
// portable file; bench/cortexm_ctest.py runs the same program built for Cortex-M0+ (ARMv6-M),
// M3 (ARMv7-M) and M4 (ARMv7E-M DSP), where each of those targets' files is the one selected.
#include <string.h>

#include "tm_test.h"
#include "tm_test_kernel.h"
#include "tm_prim.h"

static tm_test_rng rng = {2024u};
static int32_t rnd(int32_t lo, int32_t hi) {
    return tm_test_rnd(&rng, lo, hi);
}

// Operands at the extremes every fourth case (all -128 / 127: the largest sums), else random.
static void fill(int8_t *p, int32_t n, int kind) {
    for (int32_t i = 0; i < n; ++i) {
        p[i] = (int8_t)(kind == 1 ? -128 : kind == 2 ? 127 : kind == 3 ? (rnd(0, 1) ? -128 : 127) : rnd(-128, 127));
    }
}

enum { MAXROWS = 11, MAXDEPTH = 700, MAXCH = 21 };

// tm_mm_s8 (the target's blocking) against tm_mm_s8_portable: rows around each target's blocks
// (1, 2, 3 rows), depths around the ARMv7-M packed limit (127), the DSP's four-value loads and
// x86-64's 16- and 8-value SSE2 steps (15, 16, 17, 23, 24, 31), channels around the 2-, 4- and
// 8-channel blocks; half the cases with rows exactly the depth apart (the DSP's assembly 2 x 2
// loop, which shares one stride register), half with wider strides.
static void test_mm_s8_vs_portable(void) {
    static int8_t x[MAXROWS * (MAXDEPTH + 8)], w[MAXCH * MAXDEPTH];
    static int8_t out_t[MAXROWS * MAXCH + 1], out_p[MAXROWS * MAXCH + 1];
    static const int32_t depths[] = {
        1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 23, 24, 31, 63, 64, 126, 127, 128, 129, 255, 576, 577, 700};
    enum { NDEPTHS = sizeof depths / sizeof depths[0] };
    tm_rq rq[MAXCH];
    for (int iter = 0; iter < 400; ++iter) {
        const int32_t rows = rnd(1, MAXROWS);
        const int32_t depth = iter < NDEPTHS * 4 ? depths[iter % NDEPTHS] : rnd(1, MAXDEPTH);
        const int32_t channels = rnd(1, MAXCH);
        const int32_t x_stride = iter % 2 == 0 ? depth : depth + rnd(1, 8);
        const int kind = iter % 5 == 4 ? rnd(1, 3) : 0;
        fill(x, rows * x_stride, kind);
        fill(w, channels * depth, kind);
        for (int32_t c = 0; c < channels; ++c) {
            tm_rq_make(rnd(-100000, 100000), rnd(1 << 30, 0x7fffffff), rnd(-12, 1), &rq[c]);
        }
        const tm_mm_out o = {rq, rnd(-128, 127), rnd(-128, 0), rnd(0, 127)};
        memset(out_t, 0x55, sizeof out_t);
        memset(out_p, 0x55, sizeof out_p);
        tm_mm_s8(x, x_stride, rows, w, depth, channels, &o, out_t, channels);
        tm_mm_s8_portable(x, x_stride, rows, w, depth, channels, &o, out_p, channels);
        const int32_t i = tm_test_first_difference(out_t, out_p, rows * channels);
        if (i >= 0) {
            printf("  iter %d: %d rows x %d depth x %d channels: at %d\n", iter, (int)rows, (int)depth, (int)channels,
                (int)i);
            return;
        }
    }
}

// tm_dot4_off (the target's) against tm_dot4_off_portable: every length up to 40 and longer ones,
// every input offset of an int8 zero point, weight rows a stride apart.
static void test_dot4_off_vs_portable(void) {
    static int8_t x[MAXDEPTH], w[4 * (MAXDEPTH + 8)];
    for (int iter = 0; iter < 600; ++iter) {
        const int32_t n = iter < 41 ? iter : rnd(1, MAXDEPTH);
        const int32_t stride = n + rnd(0, 8);
        const int32_t off = iter % 9 == 0 ? (rnd(0, 1) ? -127 : 128) : rnd(-127, 128);
        const int kind = iter % 5 == 4 ? rnd(1, 3) : 0;
        fill(x, n, kind);
        fill(w, 4 * stride, kind);
        int32_t a_t[4] = {1, 2, 3, 4}, a_p[4] = {5, 6, 7, 8}; // overwritten
        tm_dot4_off(x, off, w, stride, n, a_t);
        tm_dot4_off_portable(x, off, w, stride, n, a_p);
        for (int j = 0; j < 4; ++j) {
            if (a_t[j] != a_p[j]) {
                TM_CHECK_EQ(a_t[j], a_p[j]);
                printf("  iter %d: n %d, offset %d, channel %d\n", iter, (int)n, (int)off, j);
                return;
            }
        }
    }
}

// The target's depthwise taps (TM_DW_TAP on a table packed by tm_dw_pack, and tm_dw4_off) against
// the plain sums, for up to 81 taps (9x9 filters: past the old 25-tap limit of the fast path).
static void test_dw_taps_vs_plain(void) {
    enum { MAXTAPS = 81 };
    static int8_t x[4 * MAXTAPS], f[4 * MAXTAPS];
    for (int iter = 0; iter < 300; ++iter) {
        const int32_t taps = rnd(1, MAXTAPS);
        const int32_t off = rnd(-127, 128);
        const int kind = iter % 5 == 4 ? rnd(1, 3) : 0;
        fill(x, 4 * taps, kind);
        fill(f, 4 * taps, kind);
        int32_t w[4 * MAXTAPS];
        int32_t ref[4] = {0, 0, 0, 0}, ref_off[4] = {0, 0, 0, 0}, got_off[4] = {0, 0, 0, 0};
        for (int32_t t = 0; t < taps; ++t) {
            for (int i = 0; i < 4; ++i) {
                w[4 * t + i] = f[4 * t + i];
                ref[i] += (int32_t)f[4 * t + i] * x[4 * t + i];
                ref_off[i] += (int32_t)f[4 * t + i] * ((int32_t)x[4 * t + i] + off);
            }
            tm_dw4_off(x + 4 * t, f + 4 * t, off, got_off);
        }
        tm_dw_pack(w, taps);
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int32_t t = 0; t < taps; ++t) {
            TM_DW_TAP(t, x + 4 * t);
        }
        const int32_t got[4] = {a0, a1, a2, a3};
        for (int i = 0; i < 4; ++i) {
            if (got[i] != ref[i] || got_off[i] != ref_off[i]) {
                TM_CHECK_EQ(got[i], ref[i]);
                TM_CHECK_EQ(got_off[i], ref_off[i]);
                printf("  iter %d: %d taps, offset %d, channel %d\n", iter, (int)taps, (int)off, i);
                return;
            }
        }
    }
}

// tm_sum_s8 (the target's) against tm_sum_s8_portable: every length up to 40, lengths around the
// DSP's 255-word passes (1020 values) and long runs of -128 / 127 (the largest lane sums).
static void test_sum_s8_vs_portable(void) {
    enum { MAXN = 3000 };
    static int8_t p[MAXN + 3];
    static const int32_t lengths[] = {1019, 1020, 1021, 1023, 1024, 2040, 2041, 3000};
    for (int iter = 0; iter < 200; ++iter) {
        const int32_t n = iter < 41 ? iter : iter < 49 ? lengths[iter - 41] : rnd(1, MAXN);
        const int32_t skew = rnd(0, 3); // unaligned starts too
        const int kind = iter % 3 == 2 ? rnd(1, 2) : iter % 5 == 4 ? 3 : 0;
        fill(p, n + skew, kind);
        const int32_t got = tm_sum_s8(p + skew, n), want = tm_sum_s8_portable(p + skew, n);
        if (got != want) {
            TM_CHECK_EQ(got, want);
            printf("  iter %d: n %d, start +%d\n", iter, (int)n, (int)skew);
            return;
        }
    }
}

// The output stages tm_rq_apply_s8 (requantize.h; on ARMv6-M without a 64-bit multiply) and
// tm_mm_out1 (tm_prim.h; on ARMv6-M in assembly) against TFLM's arithmetic as tm_quant.h writes it with the 64-bit product
// (tm_mul_by_quantized_mul): accumulators and multipliers at their extremes, their neighbours and
// powers of two, every shift from 31 right to 8 left, then random values of every magnitude, with
// biases.
static void test_rq_apply_vs_reference(void) {
    static const int32_t accs[] = {0, 1, -1, 2, -2, 32767, 32768, -32768, -32769, 65535, 65536, -65536, 0x3FFFFFFF,
        0x40000000, -0x40000000, 0x7FFF8000, 0x7FFFFFFE, 0x7FFFFFFF, INT32_MIN, INT32_MIN + 1};
    static const int32_t ms[] = {
        0, 1, 2, 32767, 32768, 65535, 65536, 0x40000000, 0x7FFF0000, 0x7FFF8000, 0x7FFFFFFE, 0x7FFFFFFF};
    enum { NA = sizeof accs / sizeof accs[0], NM = sizeof ms / sizeof ms[0] };
    for (int32_t iter = 0; iter < 30000; ++iter) {
        int32_t acc, m, bias = 0;
        const int32_t shift = iter % 40 - 31; // -31 .. 8
        if (iter < NA * NM) {
            acc = accs[iter % NA];
            m = ms[iter / NA];
        } else {
            const uint32_t ar = ((uint32_t)rnd(0, 0xFFFF) << 16) | (uint32_t)rnd(0, 0xFFFF);
            const uint32_t mr = ((uint32_t)rnd(0, 0x7FFF) << 16) | (uint32_t)rnd(0, 0xFFFF);
            acc = (int32_t)ar >> rnd(0, 31);
            m = (int32_t)(mr >> rnd(0, 30));
            bias = rnd(-100000, 100000);
        }
        tm_rq q;
        tm_rq_make(bias, m, shift, &q);
        // The output offset brings the reference's int32 result into [-100, 100], so any difference
        // in any bit of the scaled value shows in the int8 output (the clamp would hide it otherwise).
        const int32_t scaled = tm_mul_by_quantized_mul(tm_add_wrap(acc, bias), m, shift);
        const int32_t want = rnd(-100, 100);
        const int8_t got = tm_rq_apply_s8(acc, &q, tm_sub_wrap(want, scaled), -128, 127);
        const tm_mm_out o = {&q, tm_sub_wrap(want, scaled), -128, 127};
        const int8_t got_mm = tm_mm_out1(&o, 0, acc);
        if (got != want || got_mm != want) {
            TM_CHECK_EQ(got, want);
            TM_CHECK_EQ(got_mm, want);
            printf("  acc %ld, bias %ld, m %ld, shift %d\n", (long)acc, (long)bias, (long)m, (int)shift);
            return;
        }
    }
}

int main(void) {
    TM_RUN(test_rq_apply_vs_reference);
    TM_RUN(test_mm_s8_vs_portable);
    TM_RUN(test_dot4_off_vs_portable);
    TM_RUN(test_dw_taps_vs_plain);
    TM_RUN(test_sum_s8_vs_portable);
    return tm_test_summary("test_prim");
}
