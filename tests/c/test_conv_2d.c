// Hand-checked vectors for kernels/conv_2d.c (int8 CONV_2D, TFLM ConvPerChannel arithmetic).
// Every expected value is worked out in the comment next to it. Bit-exactness against TFLM on
// generated and real layers is checked by the per-layer harness, not here.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test_kernel.h"
#include "conv_2d.h"
#include "vectors/conv_2d.h"


// The kernel with the scratch its op gets from the planner (tm_conv_2d_scratch_bytes).
static void conv_s8(const tm_conv_2d_params *p, const tm_conv_2d_quant *q, const tm_conv_2d_dims *d,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    static uint32_t scratch[4096];
    const size_t need = tm_conv_2d_scratch_bytes(d);
    TM_CHECK(need <= sizeof scratch);
    tm_conv_2d_s8(p, q, d, input, filter, bias, output, need != 0 ? scratch : NULL);
}

static tm_conv_2d_params plain_params(void) {
    tm_conv_2d_params p;
    memset(&p, 0, sizeof p);
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.act_min = -128;
    p.act_max = 127;
    return p;
}

static tm_conv_2d_dims make_dims(int32_t batches, int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_c,
    int32_t filter_h, int32_t filter_w, int32_t filter_in_c, int32_t out_h, int32_t out_w) {
    tm_conv_2d_dims d;
    d.batches = batches;
    d.in_h = in_h;
    d.in_w = in_w;
    d.in_c = in_c;
    d.out_c = out_c;
    d.filter_h = filter_h;
    d.filter_w = filter_w;
    d.filter_in_c = filter_in_c;
    d.out_h = out_h;
    d.out_w = out_w;
    return d;
}

// 3x3 input, one 2x2 filter, VALID, stride 1, scale 1.0, zero points 0.
static void test_valid_2x2(void) {
    const int8_t input[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int8_t filter[4] = {1, 2, 3, 4};
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0, m, s);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    tm_conv_2d_dims d = make_dims(1, 3, 3, 1, 1, 2, 2, 1, 2, 2);
    int8_t out[4];
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    // (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37    (0,1): 2*1 + 3*2 + 5*3 + 6*4 = 47
    // (1,0): 4*1 + 5*2 + 7*3 + 8*4 = 67    (1,1): 5*1 + 6*2 + 8*3 + 9*4 = 77
    const int8_t expected[4] = {37, 47, 67, 77};
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// Input offset, output offset and TFLM's rounding of exact halves.
static void test_offsets_and_rounding(void) {
    // One input value 4 with zero point 1: input + input_offset = 4 - 1 = 3.
    const int8_t input[1] = {4};
    // Four 1x1 filters: acc = 3 * {1, -1, 3, -3} = {3, -3, 9, -9}.
    const int8_t filter[4] = {1, -1, 3, -3};
    int32_t m[4];
    int8_t s[4];
    for (int i = 0; i < 4; ++i) {
        tm_test_multiplier(0.5, &m[i], &s[i]);
    }
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    p.input_offset = -1;
    p.output_offset = 10;
    tm_conv_2d_dims d = make_dims(1, 1, 1, 1, 4, 1, 1, 1, 1, 1);
    int8_t out[4];
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    // x * 0.5 with multiplier (2^30, shift 0) is SaturatingRoundingDoublingHighMul alone, whose
    // nudge rounds exact halves towards +infinity:
    //   3 -> 1.5 -> 2;  -3 -> -1.5 -> -1;  9 -> 4.5 -> 5;  -9 -> -4.5 -> -4;  then + 10.
    const int8_t expected[4] = {12, 9, 15, 6};
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// Per-channel multipliers (including a left shift), bias, and the activation clamp.
static void test_per_channel_bias_clamp(void) {
    const int8_t input[1] = {10};
    const int8_t filter[3] = {2, 2, 2};   // acc = 20 for each channel
    const int32_t bias[3] = {0, 5, -100}; // -> 20, 25, -80
    int32_t m[3];
    int8_t s[3];
    tm_test_multiplier(0.25, &m[0], &s[0]); // 20 * 0.25 = 5
    tm_test_multiplier(2.0, &m[1], &s[1]);  // 25 * 2 = 50 (shift +2: left shift, then x 0.5)
    tm_test_multiplier(0.5, &m[2], &s[2]);  // -80 * 0.5 = -40
    TM_CHECK_EQ(s[1], 2);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    p.act_min = -30; // -40 clamps to -30
    p.act_max = 60;
    tm_conv_2d_dims d = make_dims(1, 1, 1, 1, 3, 1, 1, 1, 1, 1);
    int8_t out[3];
    conv_s8(&p, &q, &d, input, filter, bias, out);
    const int8_t expected[3] = {5, 50, -30};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// SAME padding, stride 2, 4x4 input 1..16, 3x3 filter of ones.
// TFLM: out = ceil(4 / 2) = 2; total padding = (2 - 1) * 2 + 3 - 4 = 1; pad before = 1 / 2 = 0, so
// the extra padded row / column is at the bottom / right.
static void test_same_stride_2(void) {
    int8_t input[16];
    for (int i = 0; i < 16; ++i) {
        input[i] = (int8_t)(i + 1);
    }
    int8_t filter[9];
    memset(filter, 1, sizeof filter);
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0, m, s);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 0;
    tm_conv_2d_dims d = make_dims(1, 4, 4, 1, 1, 3, 3, 1, 2, 2);
    int8_t out[4];
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    // (0,0): rows 0-2, cols 0-2: 1+2+3 + 5+6+7 + 9+10+11 = 54
    // (0,1): rows 0-2, cols 2-3 (col 4 is padding): 3+4 + 7+8 + 11+12 = 45
    // (1,0): rows 2-3, cols 0-2: 9+10+11 + 13+14+15 = 72
    // (1,1): rows 2-3, cols 2-3: 11+12 + 15+16 = 54
    const int8_t expected[4] = {54, 45, 72, 54};
    TM_CHECK_I8_ARRAY(out, expected, 4);

    // Same with padding 1 before (what SAME gives a 3x3 filter at stride 1): corner windows
    // see 2x2 of the image. out(0,0) at stride 1 = 1+2+5+6 = 14.
    p.stride_h = p.stride_w = 1;
    p.pad_h = p.pad_w = 1;
    d = make_dims(1, 4, 4, 1, 1, 3, 3, 1, 4, 4);
    int8_t out16[16];
    conv_s8(&p, &q, &d, input, filter, NULL, out16);
    TM_CHECK_EQ(out16[0], 14);
    // out(1,1) = rows 0-2, cols 0-2 = 54; out(3,3) = 11+12+15+16 = 54; out(0,3) = 3+4+7+8 = 22.
    TM_CHECK_EQ(out16[5], 54);
    TM_CHECK_EQ(out16[15], 54);
    TM_CHECK_EQ(out16[3], 22);
}

// Dilation 2 along the width: a 2-tap filter reads x and x + 2.
static void test_dilation(void) {
    const int8_t input[5] = {1, 2, 3, 4, 5};
    const int8_t filter[2] = {1, 10};
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0, m, s);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    p.dilation_w = 2;
    // VALID: effective width (2 - 1) * 2 + 1 = 3, out = (5 + 1 - 3) / 1 = 3.
    tm_conv_2d_dims d = make_dims(1, 1, 5, 1, 1, 1, 2, 1, 1, 3);
    int8_t out[3];
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    // 1 + 10*3 = 31, 2 + 10*4 = 42, 3 + 10*5 = 53
    const int8_t expected[3] = {31, 42, 53};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// Grouped convolution: 4 input channels, filters of 2 channels -> 2 groups; with 2 filters, filter 0
// reads channels 0-1 and filter 1 reads channels 2-3.
static void test_grouped(void) {
    const int8_t input[4] = {1, 2, 3, 4};
    const int8_t filter[4] = {1, 1, 1, -1};
    int32_t m[2];
    int8_t s[2];
    tm_test_multiplier(1.0, &m[0], &s[0]);
    tm_test_multiplier(1.0, &m[1], &s[1]);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    tm_conv_2d_dims d = make_dims(1, 1, 1, 4, 2, 1, 1, 2, 1, 1);
    int8_t out[2];
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    // filter 0: 1*1 + 1*2 = 3; filter 1: 1*3 - 1*4 = -1
    const int8_t expected[2] = {3, -1};
    TM_CHECK_I8_ARRAY(out, expected, 2);
}

// Output channels are computed four at a time within a group: 5 filters = one block of 4 and one
// single; with 2 groups of 5 filters the block must not cross the group boundary.
static void test_channel_blocks(void) {
    const int8_t input1[1] = {3};
    const int8_t filter1[5] = {1, 2, 3, 4, 5};
    int32_t m[10];
    int8_t s[10];
    for (int i = 0; i < 10; ++i) {
        tm_test_multiplier(1.0, &m[i], &s[i]);
    }
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    tm_conv_2d_dims d = make_dims(1, 1, 1, 1, 5, 1, 1, 1, 1, 1);
    int8_t out[10];
    conv_s8(&p, &q, &d, input1, filter1, NULL, out);
    // 3 * (1, 2, 3, 4, 5)
    const int8_t expected1[5] = {3, 6, 9, 12, 15};
    TM_CHECK_I8_ARRAY(out, expected1, 5);

    // 2 input channels (2, 3), filters of 1 channel: filters 0-4 read channel 0, 5-9 channel 1.
    const int8_t input2[2] = {2, 3};
    const int8_t filter2[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    d = make_dims(1, 1, 1, 2, 10, 1, 1, 1, 1, 1);
    conv_s8(&p, &q, &d, input2, filter2, NULL, out);
    // 2 * (1..5) = 2 4 6 8 10;  3 * (6..10) = 18 21 24 27 30
    const int8_t expected2[10] = {2, 4, 6, 8, 10, 18, 21, 24, 27, 30};
    TM_CHECK_I8_ARRAY(out, expected2, 10);
}

// Two batches, two input channels, two filters, bias: every batch uses the same filters.
static void test_batches_channels(void) {
    // batch 0: pixel (1, 2); batch 1: pixel (-3, 4)
    const int8_t input[4] = {1, 2, -3, 4};
    // filter 0 = (1, 1), filter 1 = (2, -1)
    const int8_t filter[4] = {1, 1, 2, -1};
    const int32_t bias[2] = {100, -100};
    int32_t m[2];
    int8_t s[2];
    tm_test_multiplier(1.0, &m[0], &s[0]);
    tm_test_multiplier(1.0, &m[1], &s[1]);
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    tm_conv_2d_dims d = make_dims(2, 1, 1, 2, 2, 1, 1, 2, 1, 1);
    int8_t out[4];
    conv_s8(&p, &q, &d, input, filter, bias, out);
    // b0: 1+2+100 = 103, 2-2-100 = -100;  b1: -3+4+100 = 101, -6-4-100 = -110
    const int8_t expected[4] = {103, -100, 101, -110};
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// The deepest accumulation prepare allows (TM_CONV_MAX_ACCUM_DEPTH = 65793 terms of
// -128 * (127 + 128) = -32640): -2147483520 still fits in int32; a bias of -1000 then wraps around
// to +2147482776 exactly as the reference's int32 addition does on every target. Under
// -fsanitize=undefined this also proves the kernel has no signed overflow.
static void test_extreme_accumulation(void) {
    const int32_t depth = TM_CONV_MAX_ACCUM_DEPTH;
    TM_CHECK_EQ(depth, 65793);
    int8_t *input = (int8_t *)malloc((size_t)depth);
    int8_t *filter = (int8_t *)malloc((size_t)depth);
    memset(input, 127, (size_t)depth);
    memset(filter, 0x80, (size_t)depth); // -128
    const int32_t bias[1] = {-1000};
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0 / 65536.0, m, s); // (2^30, -15)
    tm_conv_2d_quant q = {m, s};
    tm_conv_2d_params p = plain_params();
    p.input_offset = 128; // input zero point -128
    tm_conv_2d_dims d = make_dims(1, 1, 1, depth, 1, 1, 1, depth, 1, 1);
    int8_t out[1];
    conv_s8(&p, &q, &d, input, filter, bias, out);
    // acc = 65793 * -32640 = -2147483520; + (-1000) wraps to 2147482776; / 65536 = 32767.98 -> 127.
    TM_CHECK_EQ(out[0], 127);
    // Without the bias: -2147483520 / 65536 = -32767.998 -> clamps to -128.
    conv_s8(&p, &q, &d, input, filter, NULL, out);
    TM_CHECK_EQ(out[0], -128);
    free(input);
    free(filter);
}

// TFLM-generated cases (vectors/conv_2d.h, see gen_vectors.py). Multipliers and the
// activation range are rebuilt as op_conv_2d.c does: double(in) * double(filter) / double(out).
static void test_tflm_vectors(void) {
    for (size_t i = 0; i < sizeof(tm_conv_2d_vectors) / sizeof(tm_conv_2d_vectors[0]); ++i) {
        const tm_conv_2d_vector *v = &tm_conv_2d_vectors[i];
        int32_t m[64];
        int8_t s[64];
        int8_t out[256];
        const int32_t n_out = v->batches * v->out_h * v->out_w * v->out_c;
        TM_CHECK(v->out_c <= 64 && n_out <= 256);
        tm_test_channel_multipliers(
            v->input_scale, v->filter_scales, v->n_filter_scales, v->output_scale, v->out_c, m, s);
        tm_conv_2d_quant q = {m, s};
        tm_conv_2d_params p = plain_params();
        p.input_offset = -v->input_zero_point;
        p.output_offset = v->output_zero_point;
        p.stride_h = v->stride_h;
        p.stride_w = v->stride_w;
        p.dilation_h = v->dilation_h;
        p.dilation_w = v->dilation_w;
        p.pad_h = v->pad_h;
        p.pad_w = v->pad_w;
        TM_CHECK_EQ(tm_activation_range_quantized(
                        v->activation, v->output_scale, v->output_zero_point, -128, 127, &p.act_min, &p.act_max),
            0);
        tm_conv_2d_dims d = make_dims(v->batches, v->in_h, v->in_w, v->in_c, v->out_c, v->filter_h, v->filter_w,
            v->filter_in_c, v->out_h, v->out_w);
        conv_s8(&p, &q, &d, v->input, v->filter, v->bias, out);
        TM_CHECK_I8_VECTOR(out, v->expected, n_out, i);
    }
}

// tm_conv_2d_s8 (which picks a fast path) and the generic path on the same operands, both outputs
// pre-filled with 0x55 (out_size bytes each): the index of the first of the n outputs (or of the
// guard byte after them) that differs, -1 if none.
static int32_t fast_vs_generic(const tm_conv_2d_params *p, const tm_conv_2d_quant *q, const tm_conv_2d_dims *d,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *out_fast, int8_t *out_ref, size_t out_size,
    int32_t n) {
    memset(out_fast, 0x55, out_size);
    memset(out_ref, 0x55, out_size);
    conv_s8(p, q, d, input, filter, bias, out_fast);
    tm_conv_2d_generic_s8(p, q, d, input, filter, bias, out_ref);
    return tm_test_first_difference(out_fast, out_ref, n);
}

// The 1x1 fast path (conv_2d_1x1.c, picked by tm_conv_2d_s8) against the generic path on random
// shapes: channel counts around the 4-channel blocks, odd and even pixel counts, strides, batches,
// random offsets, multipliers and shifts, with and without bias.
static tm_test_rng rng = {12345u};
static int32_t rnd(int32_t lo, int32_t hi) {
    return tm_test_rnd(&rng, lo, hi);
}

static void test_1x1_fast_vs_generic(void) {
    enum { MAXN = 2 * 9 * 9 * 40 };
    static int8_t input[MAXN], filter[40 * 40], out_fast[MAXN + 1], out_ref[MAXN + 1];
    static int32_t bias[40], mult[40];
    static int8_t shift[40];
    for (int iter = 0; iter < 300; ++iter) {
        const int32_t batches = rnd(1, 2), in_h = rnd(1, 9), in_w = rnd(1, 9), in_c = rnd(1, 40);
        const int32_t out_c = rnd(1, 40), sh = rnd(1, 3), sw = rnd(1, 3);
        const int32_t out_h = (in_h + sh - 1) / sh, out_w = (in_w + sw - 1) / sw;
        tm_conv_2d_dims d = make_dims(batches, in_h, in_w, in_c, out_c, 1, 1, in_c, out_h, out_w);
        tm_conv_2d_params p = plain_params();
        p.stride_h = sh;
        p.stride_w = sw;
        p.input_offset = rnd(-128, 127) + (iter % 7 == 0 ? 1 : 0);
        p.output_offset = rnd(-128, 127);
        p.act_min = rnd(-128, 0);
        p.act_max = rnd(0, 127);
        tm_test_random_operands(
            &rng, iter, input, batches * in_h * in_w * in_c, filter, out_c * in_c, bias, mult, shift, out_c);
        tm_conv_2d_quant q = {mult, shift};
        const int32_t *b = (iter % 3 == 0) ? NULL : bias;
        const int32_t n = batches * out_h * out_w * out_c;
        const int32_t i = fast_vs_generic(&p, &q, &d, input, filter, b, out_fast, out_ref, sizeof out_fast, n);
        if (i >= 0) {
            printf("  iter %d: %dx%dx%dx%d -> %d channels, stride %d,%d: at %d\n", iter, (int)batches, (int)in_h,
                (int)in_w, (int)in_c, (int)out_c, (int)sh, (int)sw, (int)i);
            return;
        }
    }
}

// The 1x1 fast path at the depths where the matrix product changes method (on ARMv7-M without
// DSP, depth <= 127 packs two channels per multiply in 22-bit lanes: matmul_s8.c) and with the
// operands that push a lane to its limit: every input and weight -128 (each product +2^14), every
// weight 127 against -128 (each -16256), and random signs, against the generic path.
static void test_1x1_lane_limits(void) {
    enum { PIXELS = 6, MAXC = 200, OUTC = 9 };
    static int8_t input[PIXELS * MAXC], filter[OUTC * MAXC], out_fast[PIXELS * OUTC + 1], out_ref[PIXELS * OUTC + 1];
    static int32_t bias[OUTC], mult[OUTC];
    static int8_t shift[OUTC];
    static const int32_t depths[] = {1, 2, 3, 4, 5, 63, 64, 125, 126, 127, 128, 129, 200};
    for (size_t di = 0; di < sizeof depths / sizeof depths[0]; ++di) {
        const int32_t in_c = depths[di];
        for (int kind = 0; kind < 4; ++kind) {
            tm_test_random_operands(&rng, kind, input, PIXELS * in_c, filter, OUTC * in_c, bias, mult, shift, OUTC);
            for (int32_t i = 0; i < PIXELS * in_c; ++i) {
                input[i] = kind == 3 ? input[i] : -128;
            }
            for (int32_t i = 0; i < OUTC * in_c; ++i) {
                // kind 0: all -128; 1: all 127; 2: -128 and 127 by channel; 3: random
                filter[i] = kind == 0 ? -128 : kind == 1 ? 127 : kind == 2 ? ((i / in_c) % 2 ? 127 : -128) : filter[i];
            }
            for (int32_t c = 0; c < OUTC; ++c) {
                tm_test_multiplier(1.0 / (double)(in_c * 16384 + 1), &mult[c], &shift[c]);
            }
            tm_conv_2d_dims d = make_dims(1, 2, 3, in_c, OUTC, 1, 1, in_c, 2, 3);
            tm_conv_2d_params p = plain_params();
            p.input_offset = kind == 3 ? rnd(-127, 128) : 0;
            tm_conv_2d_quant q = {mult, shift};
            const int32_t i =
                fast_vs_generic(&p, &q, &d, input, filter, bias, out_fast, out_ref, sizeof out_fast, PIXELS * OUTC);
            if (i >= 0) {
                printf("  depth %d, operands %d: first difference at %d\n", (int)in_c, kind, (int)i);
                return;
            }
        }
    }
}

// The im2col path (tm_conv_2d_s8 with one group, any window: up to 5 x 5 x 40 = 1000 values, past
// the 576 it once stopped at) against the
// generic path on random shapes: filters 1x1 (with padding) to 5x5 and wide ones, strides 1-3,
// dilation 1-2, SAME-like and VALID padding, channel counts around the blocks and the 32-channel
// chunks, windows near the 576-value limit, batches, random offsets (input zero point -128 and 127
// included), multipliers, shifts and ranges, with and without bias, extreme weights.
static void test_im2col_vs_generic(void) {
    enum { MAXN = 2 * 12 * 12 * 40, MAXF = 40 * 5 * 5 * 40 };
    static int8_t input[MAXN], filter[MAXF], out_fast[MAXN * 2 + 1], out_ref[MAXN * 2 + 1];
    static int32_t bias[40], mult[40];
    static int8_t shift[40];
    for (int iter = 0; iter < 400; ++iter) {
        const int32_t batches = rnd(1, 2), in_h = rnd(1, 12), in_w = rnd(1, 12), in_c = rnd(1, 40);
        const int32_t out_c = rnd(1, 40);
        const int32_t fh = rnd(1, 5), fw = rnd(1, 5);
        const int32_t sh = rnd(1, 3), sw = rnd(1, 3);
        tm_conv_2d_params p = plain_params();
        p.stride_h = sh;
        p.stride_w = sw;
        p.dilation_h = iter % 4 == 1 ? 2 : 1;
        p.dilation_w = iter % 4 == 2 ? 2 : 1;
        const int32_t eh = (fh - 1) * p.dilation_h + 1, ew = (fw - 1) * p.dilation_w + 1;
        int32_t out_h, out_w;
        if (rnd(0, 2) != 0) { // SAME (TFLM padding arithmetic)
            out_h = (in_h + sh - 1) / sh;
            out_w = (in_w + sw - 1) / sw;
            const int32_t th = (out_h - 1) * sh + eh - in_h, tw = (out_w - 1) * sw + ew - in_w;
            p.pad_h = th > 0 ? th / 2 : 0;
            p.pad_w = tw > 0 ? tw / 2 : 0;
        } else { // VALID
            if (in_h < eh || in_w < ew) {
                continue;
            }
            out_h = (in_h - eh) / sh + 1;
            out_w = (in_w - ew) / sw + 1;
        }
        tm_conv_2d_dims d = make_dims(batches, in_h, in_w, in_c, out_c, fh, fw, in_c, out_h, out_w);
        const int32_t zp = iter % 11 == 0 ? -128 : (iter % 13 == 0 ? 127 : rnd(-128, 127));
        p.input_offset = -zp;
        p.output_offset = rnd(-128, 127);
        p.act_min = rnd(-128, 0);
        p.act_max = rnd(0, 127);
        tm_test_random_operands(
            &rng, iter, input, batches * in_h * in_w * in_c, filter, out_c * fh * fw * in_c, bias, mult, shift, out_c);
        tm_conv_2d_quant q = {mult, shift};
        const int32_t *b = (iter % 3 == 0) ? NULL : bias;
        const int32_t n = batches * out_h * out_w * out_c;
        const int32_t i = fast_vs_generic(&p, &q, &d, input, filter, b, out_fast, out_ref, sizeof out_fast, n);
        if (i >= 0) {
            printf("  iter %d: %dx%dx%dx%d -> %d channels, filter %dx%d stride %d,%d dil %d,%d pad %d,%d: at %d\n",
                iter, (int)batches, (int)in_h, (int)in_w, (int)in_c, (int)out_c, (int)fh, (int)fw, (int)sh, (int)sw,
                (int)p.dilation_h, (int)p.dilation_w, (int)p.pad_h, (int)p.pad_w, (int)i);
            return;
        }
    }
}

int main(void) {
    TM_RUN(test_valid_2x2);
    TM_RUN(test_offsets_and_rounding);
    TM_RUN(test_per_channel_bias_clamp);
    TM_RUN(test_same_stride_2);
    TM_RUN(test_dilation);
    TM_RUN(test_grouped);
    TM_RUN(test_channel_blocks);
    TM_RUN(test_batches_channels);
    TM_RUN(test_extreme_accumulation);
    TM_RUN(test_tflm_vectors);
    TM_RUN(test_1x1_fast_vs_generic);
    TM_RUN(test_1x1_lane_limits);
    TM_RUN(test_im2col_vs_generic);
    return tm_test_summary("test_conv_2d");
}
