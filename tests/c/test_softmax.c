// C tests of kernels/softmax.c: hand-checked vectors, then TFLM-generated ones
// (vectors/softmax.h, see gen_vectors.py).
#include "tm_test.h"
#include "softmax.h"
#include "vectors/softmax.h"

// Parameters as TFLM's prepare computes them.
static void test_params(void) {
    tm_softmax_params p;
    // beta 1, scale 1: 2^26 = 0.5 * 2^27 -> multiplier 2^30, shift 27;
    // diff_min = -floor(31 * 2^26 / 2^27) = -15.
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 1.0, &p), 0);
    TM_CHECK_EQ(p.input_multiplier, 1 << 30);
    TM_CHECK_EQ(p.input_left_shift, 27);
    TM_CHECK_EQ(p.diff_min, -15);
    // beta 1, scale 1/16: 2^22 -> shift 23, diff_min = -floor(31 * 2^3) = -248.
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 1.0 / 16, &p), 0);
    TM_CHECK_EQ(p.input_left_shift, 23);
    TM_CHECK_EQ(p.diff_min, -248);
    // The real multiplier is capped at 2^31 - 1: shift 31, diff_min 0 (only the maximum counts).
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 1000.0, &p), 0);
    TM_CHECK_EQ(p.input_multiplier, INT32_MAX);
    TM_CHECK_EQ(p.input_left_shift, 31);
    TM_CHECK_EQ(p.diff_min, 0);
    // beta * scale * 2^26 must exceed 1 (TFLM aborts otherwise); beta 0 (no options) fails too.
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 1.0 / (1 << 26), &p), -1);
    TM_CHECK_EQ(tm_softmax_prepare_params(0.0, 0.1, &p), -1);
}

// Equal inputs: each output is 1/depth in units of 1/256, minus 128.
static void test_uniform_rows(void) {
    tm_softmax_params p;
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 0.1, &p), 0);
    const int8_t in[8] = {7, 7, 7, 7, 7, 7, 7, 7};
    int8_t out[8];
    tm_softmax_s8(&p, 1, 1, in, out); // 1.0 -> 256 - 128 = 128, saturates to 127
    TM_CHECK_EQ(out[0], 127);
    tm_softmax_s8(&p, 4, 2, in, out); // four rows of two: 0.5 -> 0
    const int8_t halves[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    TM_CHECK_I8_ARRAY(out, halves, 8);
    tm_softmax_s8(&p, 2, 4, in, out); // 0.25 -> -64
    const int8_t quarters[8] = {-64, -64, -64, -64, -64, -64, -64, -64};
    TM_CHECK_I8_ARRAY(out, quarters, 8);
    tm_softmax_s8(&p, 1, 8, in, out); // 0.125 -> -96
    const int8_t eighths[8] = {-96, -96, -96, -96, -96, -96, -96, -96};
    TM_CHECK_I8_ARRAY(out, eighths, 8);
    int16_t out16[4];
    tm_softmax_s8_s16(&p, 1, 4, in, out16); // 0.25 * 65536 - 32768
    for (int i = 0; i < 4; ++i) {
        TM_CHECK_EQ(out16[i], -16384);
    }
}

static void test_two_classes(void) {
    tm_softmax_params p;
    // scale 1, beta 1: {100, 0, -100, 99} -> exp(0), ~0, ~0, exp(-1):
    // 1 / (1 + e^-1) = 0.731 -> 187 - 128 = 59; 0.269 -> 69 - 128 = -59. Differences below
    // diff_min (-15) give exactly -128.
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 1.0, &p), 0);
    const int8_t in[4] = {100, 0, -100, 99};
    const int8_t expected[4] = {59, -128, -128, -59};
    int8_t out[4];
    tm_softmax_s8(&p, 1, 4, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// With int8 output, TFLM aborts when the sum of exps reaches 512; tinyml outputs the minimum.
static void test_large_row(void) {
    tm_softmax_params p;
    TM_CHECK_EQ(tm_softmax_prepare_params(1.0, 0.1, &p), 0);
    static int8_t in[600], out[600];
    for (int i = 0; i < 600; ++i) {
        in[i] = 5;
    }
    tm_softmax_s8(&p, 1, 600, in, out); // 1/600 of 256 < 0.5
    int all_min = 1;
    for (int i = 0; i < 600; ++i) {
        all_min &= out[i] == -128;
    }
    TM_CHECK(all_min);
}

static void test_generated(void) {
    for (size_t i = 0; i < sizeof(tm_softmax_vectors) / sizeof(tm_softmax_vectors[0]); ++i) {
        const tm_softmax_vector *v = &tm_softmax_vectors[i];
        tm_softmax_params p;
        TM_CHECK_EQ(tm_softmax_prepare_params((double)v->beta, (double)v->input_scale, &p), 0);
        const int32_t n = v->outer * v->depth;
        TM_CHECK(n <= 512);
        if (v->int16_output) {
            int16_t out[512];
            tm_softmax_s8_s16(&p, v->outer, v->depth, v->input, out);
            TM_CHECK_I8_ARRAY(out, v->expected_s16, n);
        } else {
            int8_t out[512];
            tm_softmax_s8(&p, v->outer, v->depth, v->input, out);
            TM_CHECK_I8_ARRAY(out, v->expected_s8, n);
        }
    }
}

int main(void) {
    TM_RUN(test_params);
    TM_RUN(test_uniform_rows);
    TM_RUN(test_two_classes);
    TM_RUN(test_large_row);
    TM_RUN(test_generated);
    return tm_test_summary("test_softmax");
}
