// C tests of kernels/average_pool_2d.c: hand-checked vectors, then TFLM-generated ones
// (vectors/average_pool_2d.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "average_pool_2d.h"
#include "vectors/average_pool_2d.h"

// Rounding of the mean is half away from zero: (sum +/- count/2) / count, truncating.
static void test_rounding(void) {
    // 1x2x8x1, 2x2 windows, stride 2, VALID: four windows of 4 values.
    // clang-format off
    const int8_t in[16] = {
        1, 2, -1, -2, 1, 1, -1, -1,
        1, 2, -1, -2, 1, 2, -1, -2,
    };
    // clang-format on
    // sums 6 (1.5 -> 2), -6 (-1.5 -> -2), 5 (1.25 -> 1), -5 (-1.25 -> -1)
    const int8_t expected[4] = {2, -2, 1, -1};
    int8_t out[4];
    tm_pool_params p = tm_test_pool_params(2, 8, 1, 1, 4, 2, 2, 2, 2, 0, 0);
    tm_average_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// SAME padding: windows are clipped to the input and only real elements are counted.
static void test_same_padding_counts(void) {
    // 1x3x3x1, 3x3 filter, stride 1, SAME: pad 1 on each side.
    // clang-format off
    const int8_t in[9] = {
        9, 9, 9,
        9, 0, 0,
        9, 0, -9,
    };
    // clang-format on
    // Each output with its window (rows x cols inside the input) and count:
    //   (0,0) 9 9 / 9 0          27/4 = 6.75 -> 7    (0,1) 36/6 = 6       (0,2) 18/4 = 4.5 -> 5
    //   (1,0) 36/6 = 6           (1,1) 36/9 = 4      (1,2) 9/6 = 1.5 -> 2
    //   (2,0) 9 0 / 9 0  18/4 -> 5   (2,1) 9/6 -> 2      (2,2) 0 0 / 0 -9  -9/4 = -2.25 -> -2
    // clang-format off
    const int8_t expected[9] = {
        7, 6, 5,
        6, 4, 2,
        5, 2, -2,
    };
    // clang-format on
    int8_t out[9];
    tm_pool_params p = tm_test_pool_params(3, 3, 1, 3, 3, 3, 3, 1, 1, 1, 1);
    tm_average_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 9);
}

// Asymmetric SAME padding: in 4, filter 3, stride 2 -> out 2, total padding 1, all of it after
// the end (TFLite puts total/2 = 0 before): windows cover rows {0,1,2} and {2,3}.
static void test_same_padding_asymmetric(void) {
    const int8_t in[4] = {10, 20, 30, 41}; // 1x4x1x1
    // (10+20+30)/3 = 20; (30+41)/2 = 35.5 -> 36
    const int8_t expected[2] = {20, 36};
    int8_t out[2];
    tm_pool_params p = tm_test_pool_params(4, 1, 1, 2, 1, 3, 1, 2, 1, 0, 0);
    tm_average_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 2);
}

// Channels are pooled independently (NHWC) and the fused activation clamps the result.
static void test_channels_and_activation(void) {
    // 1x2x2x2: channel 0 = {100, 120, 110, 127}, channel 1 = {-100, -50, -20, -10}
    const int8_t in[8] = {100, -100, 120, -50, 110, -20, 127, -10};
    int8_t out[2];
    tm_pool_params p = tm_test_pool_params(2, 2, 2, 1, 1, 2, 2, 1, 1, 0, 0);
    // mean 114.25 -> 114, -45
    const int8_t plain[2] = {114, -45};
    tm_average_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, plain, 2);
    // RELU6 with scale 0.05, zero point -20: range [-20, -20 + 120 = 100]
    TM_CHECK_EQ(tm_activation_range_quantized(3, 0.05f, -20, -128, 127, &p.act_min, &p.act_max), 0);
    TM_CHECK_EQ(p.act_min, -20);
    TM_CHECK_EQ(p.act_max, 100);
    const int8_t clamped[2] = {100, -20};
    tm_average_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, clamped, 2);
}

static void test_generated(void) {
    for (size_t i = 0; i < sizeof(tm_average_pool_2d_vectors) / sizeof(tm_average_pool_2d_vectors[0]); ++i) {
        const tm_average_pool_2d_vector *v = &tm_average_pool_2d_vectors[i];
        tm_pool_params p = tm_test_pool_params(v->in_h, v->in_w, v->channels, v->out_h, v->out_w, v->filter_h,
            v->filter_w, v->stride_h, v->stride_w, v->pad_h, v->pad_w);
        p.batches = v->batches;
        tm_test_pool_vector(tm_average_pool_2d_s8, p, v->activation, v->scale, v->zero_point, v->input, v->expected, i);
    }
}

int main(void) {
    TM_RUN(test_rounding);
    TM_RUN(test_same_padding_counts);
    TM_RUN(test_same_padding_asymmetric);
    TM_RUN(test_channels_and_activation);
    TM_RUN(test_generated);
    return tm_test_summary("test_average_pool_2d");
}
