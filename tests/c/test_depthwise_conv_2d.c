// Hand-checked vectors for kernels/depthwise_conv_2d.c (int8 DEPTHWISE_CONV_2D, TFLM
// DepthwiseConvPerChannel arithmetic). Every expected value is worked out in the comment next to it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test_kernel.h"
#include "depthwise_conv_2d.h"
#include "vectors/depthwise_conv_2d.h"

static tm_depthwise_conv_2d_params plain_params(int32_t depth_multiplier) {
    tm_depthwise_conv_2d_params p;
    memset(&p, 0, sizeof p);
    p.depth_multiplier = depth_multiplier;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.act_min = -128;
    p.act_max = 127;
    return p;
}

static tm_depthwise_conv_2d_dims make_dims(int32_t in_h, int32_t in_w, int32_t in_c, int32_t filter_h, int32_t filter_w,
    int32_t out_h, int32_t out_w, int32_t out_c) {
    tm_depthwise_conv_2d_dims d;
    d.batches = 1;
    d.in_h = in_h;
    d.in_w = in_w;
    d.in_c = in_c;
    d.filter_h = filter_h;
    d.filter_w = filter_w;
    d.out_h = out_h;
    d.out_w = out_w;
    d.out_c = out_c;
    return d;
}

// Two channels filtered independently: channel 0 is 1..9 with filter (1 2 / 3 4), channel 1 is
// -1..-9 with a filter of ones. VALID, stride 1.
static void test_valid_two_channels(void) {
    int8_t input[18];
    for (int i = 0; i < 9; ++i) {
        input[2 * i] = (int8_t)(i + 1);
        input[2 * i + 1] = (int8_t) - (i + 1);
    }
    // filter [1][fy][fx][c]: channel 0 = 1, 2, 3, 4; channel 1 = 1, 1, 1, 1
    const int8_t filter[8] = {1, 1, 2, 1, 3, 1, 4, 1};
    int32_t m[2];
    int8_t s[2];
    tm_test_multiplier(1.0, &m[0], &s[0]);
    tm_test_multiplier(1.0, &m[1], &s[1]);
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(1);
    tm_depthwise_conv_2d_dims d = make_dims(3, 3, 2, 2, 2, 2, 2, 2);
    int8_t out[8];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, NULL, out);
    // channel 0: 1+4+12+20 = 37, 2+6+15+24 = 47, 4+10+21+32 = 67, 5+12+24+36 = 77
    // channel 1: -(1+2+4+5) = -12, -(2+3+5+6) = -16, -(4+5+7+8) = -24, -(5+6+8+9) = -28
    const int8_t expected[8] = {37, -12, 47, -16, 67, -24, 77, -28};
    TM_CHECK_I8_ARRAY(out, expected, 8);
}

// Depth multiplier 1 with 5 channels (one block of 4 channels and one single), SAME padding:
// 2x2 input, 2x2 filters of ones, stride 1. TFLM padding: out = 2, total = (2 - 1) + 2 - 2 = 1,
// before = 0, so the windows of the last row / column hang over the bottom / right edge.
// Input pixel p (row-major 0..3), channel c holds (p + 1) * (c + 1).
static void test_channel_blocks_same(void) {
    int8_t input[20];
    for (int px = 0; px < 4; ++px) {
        for (int c = 0; c < 5; ++c) {
            input[px * 5 + c] = (int8_t)((px + 1) * (c + 1));
        }
    }
    int8_t filter[20];
    memset(filter, 1, sizeof filter);
    int32_t m[5];
    int8_t s[5];
    for (int i = 0; i < 5; ++i) {
        tm_test_multiplier(1.0, &m[i], &s[i]);
    }
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(1);
    tm_depthwise_conv_2d_dims d = make_dims(2, 2, 5, 2, 2, 2, 2, 5);
    int8_t out[20];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, NULL, out);
    // out(0,0) sees pixels 0-3: (1+2+3+4)(c+1) = 10(c+1); out(0,1) sees pixels 1, 3: 6(c+1);
    // out(1,0) sees pixels 2, 3: 7(c+1); out(1,1) sees pixel 3: 4(c+1).
    const int sums[4] = {10, 6, 7, 4};
    int8_t expected[20];
    for (int px = 0; px < 4; ++px) {
        for (int c = 0; c < 5; ++c) {
            expected[px * 5 + c] = (int8_t)(sums[px] * (c + 1));
        }
    }
    TM_CHECK_I8_ARRAY(out, expected, 20);
}

// Depth multiplier 2 on 2 input channels: output channel ic * 2 + m reads input channel ic.
static void test_depth_multiplier_order(void) {
    const int8_t input[2] = {3, 5};
    const int8_t filter[4] = {1, 2, 3, 4};
    int32_t m[4];
    int8_t s[4];
    for (int i = 0; i < 4; ++i) {
        tm_test_multiplier(1.0, &m[i], &s[i]);
    }
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(2);
    tm_depthwise_conv_2d_dims d = make_dims(1, 1, 2, 1, 1, 1, 1, 4);
    int8_t out[4];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, NULL, out);
    // oc0 = 3*1, oc1 = 3*2 (both from input channel 0), oc2 = 5*3, oc3 = 5*4
    const int8_t expected[4] = {3, 6, 15, 20};
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// person_detect's first layer shape: one input channel, depth multiplier 2, SAME padding, stride 2,
// per-channel multipliers and an output offset. 4x4 input 1..16, 3x3 filters of ones.
// TFLM padding: out = ceil(4 / 2) = 2, total = (2 - 1) * 2 + 3 - 4 = 1, before = 0.
static void test_same_stride_2_per_channel(void) {
    int8_t input[16];
    for (int i = 0; i < 16; ++i) {
        input[i] = (int8_t)(i + 1);
    }
    int8_t filter[18];
    memset(filter, 1, sizeof filter);
    int32_t m[2];
    int8_t s[2];
    tm_test_multiplier(1.0, &m[0], &s[0]);
    tm_test_multiplier(0.5, &m[1], &s[1]);
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(2);
    p.stride_h = p.stride_w = 2;
    p.output_offset = -5;
    tm_depthwise_conv_2d_dims d = make_dims(4, 4, 1, 3, 3, 2, 2, 2);
    int8_t out[8];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, NULL, out);
    // window sums (see test_conv_2d.c): 54, 45, 72, 54
    // channel 0 (x1.0, -5): 49, 40, 67, 49
    // channel 1 (x0.5, -5): 27 - 5 = 22, 22.5 -> 23 - 5 = 18, 36 - 5 = 31, 22
    const int8_t expected[8] = {49, 22, 40, 18, 67, 31, 49, 22};
    TM_CHECK_I8_ARRAY(out, expected, 8);
}

// Dilation 2 along the height.
static void test_dilation(void) {
    const int8_t input[5] = {1, 2, 3, 4, 5};
    const int8_t filter[2] = {1, 10};
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0, m, s);
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(1);
    p.dilation_h = 2;
    // effective height 3, VALID out = 5 - 3 + 1 = 3
    tm_depthwise_conv_2d_dims d = make_dims(5, 1, 1, 2, 1, 3, 1, 1);
    int8_t out[3];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, NULL, out);
    // 1 + 30, 2 + 40, 3 + 50
    const int8_t expected[3] = {31, 42, 53};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// Input offset, bias and the activation clamp.
static void test_offset_bias_clamp(void) {
    const int8_t input[1] = {2};            // + input_offset -5 = -3
    const int8_t filter[3] = {10, -10, 40}; // acc = -30, 30, -120
    const int32_t bias[3] = {1, 2, 3};      // -> -29, 32, -117
    int32_t m[3];
    int8_t s[3];
    for (int i = 0; i < 3; ++i) {
        tm_test_multiplier(1.0, &m[i], &s[i]);
    }
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(3);
    p.input_offset = -5;
    p.act_min = -100;
    p.act_max = 30;
    tm_depthwise_conv_2d_dims d = make_dims(1, 1, 1, 1, 1, 1, 1, 3);
    int8_t out[3];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, bias, out);
    // clamp to [-100, 30]: -29, 30, -100
    const int8_t expected[3] = {-29, 30, -100};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// The deepest window prepare allows (65793 taps of -128 * 255 = -32640): no signed overflow under
// -fsanitize=undefined, and the bias addition wraps like the reference's int32 arithmetic.
static void test_extreme_accumulation(void) {
    const int32_t taps = TM_DEPTHWISE_CONV_MAX_ACCUM_DEPTH;
    int8_t *input = (int8_t *)malloc((size_t)taps);
    int8_t *filter = (int8_t *)malloc((size_t)taps);
    memset(input, 127, (size_t)taps);
    memset(filter, 0x80, (size_t)taps);
    const int32_t bias[1] = {-1000};
    int32_t m[1];
    int8_t s[1];
    tm_test_multiplier(1.0 / 65536.0, m, s);
    tm_depthwise_conv_2d_quant q = {m, s};
    tm_depthwise_conv_2d_params p = plain_params(1);
    p.input_offset = 128;
    tm_depthwise_conv_2d_dims d = make_dims(1, taps, 1, 1, taps, 1, 1, 1);
    int8_t out[1];
    tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, bias, out);
    // -2147483520 - 1000 wraps to 2147482776 -> / 65536 -> clamps to 127
    TM_CHECK_EQ(out[0], 127);
    free(input);
    free(filter);
}

// TFLM-generated cases (vectors/depthwise_conv_2d.h, see gen_vectors.py). Multipliers and
// the activation range are rebuilt as op_depthwise_conv_2d.c does.
static void test_tflm_vectors(void) {
    for (size_t i = 0; i < sizeof(tm_depthwise_conv_2d_vectors) / sizeof(tm_depthwise_conv_2d_vectors[0]); ++i) {
        const tm_depthwise_conv_2d_vector *v = &tm_depthwise_conv_2d_vectors[i];
        int32_t m[64];
        int8_t s[64];
        int8_t out[256];
        const int32_t n_out = v->batches * v->out_h * v->out_w * v->out_c;
        TM_CHECK(v->out_c <= 64 && n_out <= 256);
        tm_test_channel_multipliers(
            v->input_scale, v->filter_scales, v->n_filter_scales, v->output_scale, v->out_c, m, s);
        tm_depthwise_conv_2d_quant q = {m, s};
        tm_depthwise_conv_2d_params p = plain_params(v->depth_multiplier);
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
        tm_depthwise_conv_2d_dims d =
            make_dims(v->in_h, v->in_w, v->in_c, v->filter_h, v->filter_w, v->out_h, v->out_w, v->out_c);
        d.batches = v->batches;
        tm_depthwise_conv_2d_s8(&p, &q, &d, v->input, v->filter, v->bias, out);
        TM_CHECK_I8_VECTOR(out, v->expected, n_out, i);
    }
}

// The fast path (depth multiplier 1, no dilation: channel blocks of four, folded input offset,
// 3x3 unrolled) against the generic path on random shapes: channel counts around the blocks,
// filters 1x1 to 5x5 and 3x3, strides 1-3, VALID and SAME-like padding, batches, random offsets,
// multipliers, shifts and activation ranges, with and without bias, extreme weights.
static tm_test_rng rng = {777u};
static int32_t rnd(int32_t lo, int32_t hi) {
    return tm_test_rnd(&rng, lo, hi);
}

static void test_fast_vs_generic(void) {
    enum { MAXC = 19, MAXHW = 11, MAXN = 2 * MAXHW * MAXHW * MAXC };
    static int8_t input[MAXN], filter[5 * 5 * MAXC], out_fast[MAXN + 1], out_ref[MAXN + 1];
    static int32_t bias[MAXC], mult[MAXC];
    static int8_t shift[MAXC];
    for (int iter = 0; iter < 400; ++iter) {
        const int32_t batches = rnd(1, 2), in_h = rnd(1, MAXHW), in_w = rnd(1, MAXHW), ch = rnd(1, MAXC);
        const int is3 = iter % 2 == 0;
        const int32_t fh = is3 ? 3 : rnd(1, 5), fw = is3 ? 3 : rnd(1, 5);
        const int32_t sh = rnd(1, 3), sw = rnd(1, 3);
        tm_depthwise_conv_2d_params p = plain_params(1);
        p.stride_h = sh;
        p.stride_w = sw;
        int32_t out_h, out_w;
        if (rnd(0, 1)) { // SAME (TFLM padding arithmetic)
            out_h = (in_h + sh - 1) / sh;
            out_w = (in_w + sw - 1) / sw;
            const int32_t th = (out_h - 1) * sh + fh - in_h, tw = (out_w - 1) * sw + fw - in_w;
            p.pad_h = th > 0 ? th / 2 : 0;
            p.pad_w = tw > 0 ? tw / 2 : 0;
        } else { // VALID
            if (in_h < fh || in_w < fw) {
                continue;
            }
            out_h = (in_h - fh) / sh + 1;
            out_w = (in_w - fw) / sw + 1;
        }
        tm_depthwise_conv_2d_dims d = make_dims(in_h, in_w, ch, fh, fw, out_h, out_w, ch);
        d.batches = batches;
        p.input_offset = rnd(-128, 127) + (iter % 7 == 0 ? 1 : 0);
        p.output_offset = rnd(-128, 127);
        p.act_min = rnd(-128, 0);
        p.act_max = rnd(0, 127);
        tm_test_random_operands(
            &rng, iter, input, batches * in_h * in_w * ch, filter, fh * fw * ch, bias, mult, shift, ch);
        tm_depthwise_conv_2d_quant q = {mult, shift};
        const int32_t *b = (iter % 3 == 0) ? NULL : bias;
        const int32_t n = batches * out_h * out_w * ch;
        memset(out_fast, 0x55, sizeof out_fast);
        memset(out_ref, 0x55, sizeof out_ref);
        tm_depthwise_conv_2d_s8(&p, &q, &d, input, filter, b, out_fast);
        tm_depthwise_conv_2d_generic_s8(&p, &q, &d, input, filter, b, out_ref);
        const int32_t i = tm_test_first_difference(out_fast, out_ref, n);
        if (i >= 0) {
            printf("  iter %d: %dx%dx%dx%d filter %dx%d stride %d,%d pad %d,%d: at %d\n", iter, (int)batches, (int)in_h,
                (int)in_w, (int)ch, (int)fh, (int)fw, (int)sh, (int)sw, (int)p.pad_h, (int)p.pad_w, (int)i);
            return;
        }
    }
}

int main(void) {
    TM_RUN(test_valid_two_channels);
    TM_RUN(test_depth_multiplier_order);
    TM_RUN(test_channel_blocks_same);
    TM_RUN(test_same_stride_2_per_channel);
    TM_RUN(test_dilation);
    TM_RUN(test_offset_bias_clamp);
    TM_RUN(test_extreme_accumulation);
    TM_RUN(test_fast_vs_generic);
    TM_RUN(test_tflm_vectors);
    return tm_test_summary("test_depthwise_conv_2d");
}
