// C tests of kernels/max_pool_2d.c: hand-checked vectors, then TFLM-generated ones
// (vectors/max_pool_2d.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "max_pool_2d.h"
#include "vectors/max_pool_2d.h"

static void test_valid_stride_2(void) {
    // 1x4x4x1, 2x2 windows, stride 2: the four quadrants.
    // clang-format off
    const int8_t in[16] = {
        1, 5, 2, 8,
        3, 4, 7, 6,
        -1, -2, -3, -4,
        -8, -7, -6, -5,
    };
    // clang-format on
    const int8_t expected[4] = {5, 8, -1, -3};
    int8_t out[4];
    tm_pool_params p = tm_test_pool_params(4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0);
    tm_max_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// SAME padding never contributes a value: with all inputs negative the maximum stays negative
// (a zero padding would win everywhere).
static void test_same_padding_never_wins(void) {
    // 1x3x3x1, 3x3 filter, stride 1, pad 1.
    // clang-format off
    const int8_t in[9] = {
        -5, -7, -9,
        -100, -128, -60,
        -3, -128, -128,
    };
    // clang-format on
    // (0,0) max(-5,-7,-100,-128) = -5   (0,2) max(-7,-9,-128,-60) = -7   (2,2) max(-128,-60,-128,-128) = -60
    // clang-format off
    const int8_t expected[9] = {
        -5, -5, -7,
        -3, -3, -7,
        -3, -3, -60,
    };
    // clang-format on
    int8_t out[9];
    tm_pool_params p = tm_test_pool_params(3, 3, 1, 3, 3, 3, 3, 1, 1, 1, 1);
    tm_max_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 9);
}

// Channels are pooled independently and the fused activation clamps the maximum.
static void test_channels_and_activation(void) {
    // 1x2x2x2: channel 0 = {100, 120, 110, 127}, channel 1 = {-100, -50, -20, -10}
    const int8_t in[8] = {100, -100, 120, -50, 110, -20, 127, -10};
    int8_t out[2];
    tm_pool_params p = tm_test_pool_params(2, 2, 2, 1, 1, 2, 2, 1, 1, 0, 0);
    const int8_t plain[2] = {127, -10};
    tm_max_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, plain, 2);
    // RELU6, scale 0.05, zero point -20: [-20, 100]
    TM_CHECK_EQ(tm_activation_range_quantized(3, 0.05f, -20, -128, 127, &p.act_min, &p.act_max), 0);
    const int8_t relu6[2] = {100, -10};
    tm_max_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, relu6, 2);
    // RELU_N1_TO_1, same quantization: [-20 - 20, -20 + 20] = [-40, 0]
    TM_CHECK_EQ(tm_activation_range_quantized(2, 0.05f, -20, -128, 127, &p.act_min, &p.act_max), 0);
    const int8_t relu1[2] = {0, -10};
    tm_max_pool_2d_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, relu1, 2);
}

static void test_generated(void) {
    for (size_t i = 0; i < sizeof(tm_max_pool_2d_vectors) / sizeof(tm_max_pool_2d_vectors[0]); ++i) {
        const tm_max_pool_2d_vector *v = &tm_max_pool_2d_vectors[i];
        tm_pool_params p = tm_test_pool_params(v->in_h, v->in_w, v->channels, v->out_h, v->out_w, v->filter_h,
            v->filter_w, v->stride_h, v->stride_w, v->pad_h, v->pad_w);
        p.batches = v->batches;
        tm_test_pool_vector(tm_max_pool_2d_s8, p, v->activation, v->scale, v->zero_point, v->input, v->expected, i);
    }
}

int main(void) {
    TM_RUN(test_valid_stride_2);
    TM_RUN(test_same_padding_never_wins);
    TM_RUN(test_channels_and_activation);
    TM_RUN(test_generated);
    return tm_test_summary("test_max_pool_2d");
}
