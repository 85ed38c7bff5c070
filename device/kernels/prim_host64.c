// tinyml kernels: the primitives of 64-bit hosts (x86-64, AArch64 Linux...; tm_prim.h,
// tm_target.h): what the Unix port and the host tools run.
//
// Matrix product: 3 rows x 8 (then 4) channels, three MACs per 64-bit multiply (dot_swar_3x8/3x4);
// a pair of rows left over: 2 rows x 4 channels, two MACs per multiply (dot_swar_2x4); a single
// row left over (a count 1 above a multiple of three) one row x four channels, leftover channels
// one at a time. The dot product with the input offset (the one row of a fully connected layer at
// batch 1, the generic convolution): SSE2 on x86-64 (tm_dot4_off_sse2), else the portable one.
#include "tm_prim.h"
#include "prim_mm_blocks.h"

#if TM_HOST64_SSE2
#include <emmintrin.h>
#endif

#if TM_TARGET_IS(HOST64)

#if !TM_HOST64_SSE2
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
static TM_HOT void dot_swar_2x4(const int8_t *x0, const int8_t *x1, const int8_t *w0, int32_t depth, int32_t a[8]) {
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
    return (acc - lane) / 2097152; // exact
}

// a[r * 4 + c] = x_r . w_c for rows x0, x1, x2 and the four channels of w0 (rows depth apart).
static TM_HOT void dot_swar_3x4(
    const int8_t *x0, const int8_t *x1, const int8_t *x2, const int8_t *w0, int32_t depth, int32_t a[12]) {
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
static TM_HOT void dot_swar_3x8(
    const int8_t *x0, const int8_t *x1, const int8_t *x2, const int8_t *w0, int32_t depth, int32_t a[24]) {
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
void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth, int32_t channels,
    const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    // Triples of rows, then a pair if two are left; a single leftover row goes to tm_mm_rows_1x4.
    const int32_t paired = rows % 3 == 1 ? rows - 1 : rows;
    int32_t c = 0;
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
                    orow[j] = tm_mm_out1(o, c + j, a[r * 8 + j]);
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
                tm_mm_put_2x4(o, c + h, o0 + h, o1 + h, a);
            }
        }
    }
    for (; c + 4 <= channels; c += 4) {
        const int8_t *f0 = w + c * depth;
        int32_t p = 0;
        for (; p + 3 <= paired; p += 3) {
            const int8_t *x0 = x + p * x_stride;
            int32_t a[12];
            dot_swar_3x4(x0, x0 + x_stride, x0 + 2 * x_stride, f0, depth, a);
            for (int32_t r = 0; r < 3; ++r) {
                int8_t *orow = out + (p + r) * out_stride + c;
                orow[0] = tm_mm_out1(o, c, a[r * 4]);
                orow[1] = tm_mm_out1(o, c + 1, a[r * 4 + 1]);
                orow[2] = tm_mm_out1(o, c + 2, a[r * 4 + 2]);
                orow[3] = tm_mm_out1(o, c + 3, a[r * 4 + 3]);
            }
        }
        for (; p < paired; p += 2) {
            const int8_t *x0 = x + p * x_stride;
            int8_t *o0 = out + p * out_stride + c;
            int8_t *o1 = o0 + out_stride;
            int32_t a[8];
            dot_swar_2x4(x0, x0 + x_stride, f0, depth, a);
            tm_mm_put_2x4(o, c, o0, o1, a);
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    tm_mm_rows_1x4(
        x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o, out + paired * out_stride, out_stride);
}

#endif // !TM_HOST64_SSE2

#if TM_HOST64_SSE2
// SSE2: sixteen values of k per step. A 16-byte vector of int8 is split into its even and odd
// bytes as two vectors of eight int16 (odd: arithmetic shift right by 8; even: shift left by 8,
// then right), the input's with the offset added (|x + offset| <= 255); pmaddwd multiplies the
// int16 pairs and adds each pair into an int32 lane (|w * (x + offset)| * 2 <= 65,280: exact). The
// input's split serves four channels. A last block of 8 to 15 values runs once more with 8-byte
// loads (upper lanes zero), then fewer than 8 one by one. Lane sums are exact int32 (prepare's
// depth bound), so the order of additions gives the portable result.
TM_ALWAYS_INLINE __m128i even16(__m128i v) {
    return _mm_srai_epi16(_mm_slli_epi16(v, 8), 8);
}

TM_ALWAYS_INLINE __m128i odd16(__m128i v) {
    return _mm_srai_epi16(v, 8);
}

// acc += w's int8 pairs times the int16 input halves xe (even bytes), xo (odd bytes).
TM_ALWAYS_INLINE __m128i mac16(__m128i acc, __m128i w, __m128i xe, __m128i xo) {
    acc = _mm_add_epi32(acc, _mm_madd_epi16(even16(w), xe));
    return _mm_add_epi32(acc, _mm_madd_epi16(odd16(w), xo));
}

// One step of the four channels: s[j] += the products of the input bytes xv (plus off) and w_j.
TM_ALWAYS_INLINE void mac4(__m128i s[4], __m128i xv, __m128i off, __m128i w0, __m128i w1, __m128i w2, __m128i w3) {
    const __m128i xe = _mm_add_epi16(even16(xv), off), xo = _mm_add_epi16(odd16(xv), off);
    s[0] = mac16(s[0], w0, xe, xo);
    s[1] = mac16(s[1], w1, xe, xo);
    s[2] = mac16(s[2], w2, xe, xo);
    s[3] = mac16(s[3], w3, xe, xo);
}

// sa += w times row 0's halves (xe0, xo0), sb += w times row 1's.
TM_ALWAYS_INLINE void mac1x2(__m128i *sa, __m128i *sb, __m128i w, __m128i xe0, __m128i xo0, __m128i xe1, __m128i xo1) {
    const __m128i we = even16(w), wo = odd16(w);
    *sa = _mm_add_epi32(*sa, _mm_add_epi32(_mm_madd_epi16(we, xe0), _mm_madd_epi16(wo, xo0)));
    *sb = _mm_add_epi32(*sb, _mm_add_epi32(_mm_madd_epi16(we, xe1), _mm_madd_epi16(wo, xo1)));
}

// One step of two rows x four channels: s[r * 4 + j] += the products of row r's bytes xr and w_j.
// (Written out channel by channel: as a loop GCC kept the accumulators in memory.)
TM_ALWAYS_INLINE void mac2x4(__m128i s[8], __m128i x0, __m128i x1, __m128i w0, __m128i w1, __m128i w2, __m128i w3) {
    const __m128i xe0 = even16(x0), xo0 = odd16(x0), xe1 = even16(x1), xo1 = odd16(x1);
    mac1x2(&s[0], &s[4], w0, xe0, xo0, xe1, xo1);
    mac1x2(&s[1], &s[5], w1, xe0, xo0, xe1, xo1);
    mac1x2(&s[2], &s[6], w2, xe0, xo0, xe1, xo1);
    mac1x2(&s[3], &s[7], w3, xe0, xo0, xe1, xo1);
}

#define TM_LD16(p) _mm_loadu_si128((const __m128i *)(p))
#define TM_LD8(p) _mm_loadl_epi64((const __m128i *)(p))

// The four lanes of each of s0..s3 added: {sum s0, sum s1, sum s2, sum s3}.
TM_ALWAYS_INLINE __m128i hsum4(__m128i s0, __m128i s1, __m128i s2, __m128i s3) {
    const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(s0, s1), _mm_unpackhi_epi32(s0, s1));
    const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(s2, s3), _mm_unpackhi_epi32(s2, s3));
    return _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
}

TM_HOT void tm_dot4_off_sse2(
    const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n, int32_t a[4]) {
    const int8_t *w1 = w0 + w_stride, *w2 = w1 + w_stride, *w3 = w2 + w_stride;
    const __m128i off = _mm_set1_epi16((int16_t)input_offset);
    __m128i s[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
    int32_t k = 0;
    for (; k + 16 <= n; k += 16) {
        mac4(s, TM_LD16(x + k), off, TM_LD16(w0 + k), TM_LD16(w1 + k), TM_LD16(w2 + k), TM_LD16(w3 + k));
    }
    if (k + 8 <= n) {
        // Upper lanes zero in x and w: their products are 0 (the offset is added to zero lanes too,
        // but multiplied by zero weights).
        mac4(s, TM_LD8(x + k), off, TM_LD8(w0 + k), TM_LD8(w1 + k), TM_LD8(w2 + k), TM_LD8(w3 + k));
        k += 8;
    }
    int32_t t[4];
    _mm_storeu_si128((__m128i *)t, hsum4(s[0], s[1], s[2], s[3]));
    for (; k < n; ++k) {
        const int32_t v = x[k] + input_offset;
        t[0] += w0[k] * v;
        t[1] += w1[k] * v;
        t[2] += w2[k] * v;
        t[3] += w3[k] * v;
    }
    a[0] = t[0];
    a[1] = t[1];
    a[2] = t[2];
    a[3] = t[3];
}

// a[r * 4 + j] = x_r . w_j for rows x0, x1 and the four channels of w0 (rows depth apart): each
// input split serves four channels, each weight split two rows (eight accumulators, 15 of the 16
// xmm registers).
static TM_HOT void dot_sse2_2x4(const int8_t *x0, const int8_t *x1, const int8_t *w0, int32_t depth, int32_t a[8]) {
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    const __m128i z = _mm_setzero_si128();
    __m128i s[8] = {z, z, z, z, z, z, z, z};
    int32_t k = 0;
    for (; k + 16 <= depth; k += 16) {
        mac2x4(s, TM_LD16(x0 + k), TM_LD16(x1 + k), TM_LD16(w0 + k), TM_LD16(w1 + k), TM_LD16(w2 + k), TM_LD16(w3 + k));
    }
    if (k + 8 <= depth) {
        mac2x4(s, TM_LD8(x0 + k), TM_LD8(x1 + k), TM_LD8(w0 + k), TM_LD8(w1 + k), TM_LD8(w2 + k), TM_LD8(w3 + k));
        k += 8;
    }
    _mm_storeu_si128((__m128i *)a, hsum4(s[0], s[1], s[2], s[3]));
    _mm_storeu_si128((__m128i *)(a + 4), hsum4(s[4], s[5], s[6], s[7]));
    for (; k < depth; ++k) {
        const int32_t v0 = x0[k], v1 = x1[k];
        a[0] += w0[k] * v0;
        a[1] += w1[k] * v0;
        a[2] += w2[k] * v0;
        a[3] += w3[k] * v0;
        a[4] += w0[k] * v1;
        a[5] += w1[k] * v1;
        a[6] += w2[k] * v1;
        a[7] += w3[k] * v1;
    }
}

// One row x four channels: the dot product with a zero input offset.
static void dot_sse2_1x4(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
    tm_dot4_off_sse2(x, 0, w0, depth, depth, a);
}

// Two rows x four channels per block, a pair of rows against all channel blocks in turn (the
// pair's 2 x depth bytes stay in L1 while the weights stream); the last row of an odd count one
// row x four channels.
void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth, int32_t channels,
    const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    const int32_t paired = rows & ~1;
    const int32_t c = channels & ~3;
    for (int32_t p = 0; p < paired; p += 2) {
        const int8_t *x0 = x + p * x_stride;
        int8_t *o0 = out + p * out_stride;
        for (int32_t j = 0; j < c; j += 4) {
            int32_t a[8];
            dot_sse2_2x4(x0, x0 + x_stride, w + j * depth, depth, a);
            tm_mm_put_2x4(o, j, o0 + j, o0 + out_stride + j, a);
        }
    }
    tm_mm_rest_channels(x, x_stride, paired, w, depth, c, channels, o, out, out_stride);
    tm_mm_rows_by(dot_sse2_1x4, x + paired * x_stride, x_stride, rows - paired, w, depth, channels, o,
        out + paired * out_stride, out_stride);
}
#endif

#endif
