// tinyml C tests: int8 MEAN (device/kernels/mean.c), hand-checked against TFLM's
// QuantizedMeanOrSum: sum - zp * count, times QuantizeMultiplier(in/out scale) with 1/count folded in.
#include "tm_test.h"
#include "mean.h"
#include "tm_quant.h"

static void test_fold_count(void) {
    int32_t m;
    int32_t s;
    // count 4: floor(log2 4) = 2; (2^30 << 2) / 4 = 2^30; shift 1 - 2 = -1.
    tm_mean_fold_count(1 << 30, 1, 4, &m, &s);
    TM_CHECK_EQ(m, 1 << 30);
    TM_CHECK_EQ(s, -1);
    // count 3: log2 = 1; 2^31 / 3 = 715827882 (truncated); shift 1 - 1 = 0.
    tm_mean_fold_count(1 << 30, 1, 3, &m, &s);
    TM_CHECK_EQ(m, 715827882);
    TM_CHECK_EQ(s, 0);
    // count 1: unchanged.
    tm_mean_fold_count(1234567890, -3, 1, &m, &s);
    TM_CHECK_EQ(m, 1234567890);
    TM_CHECK_EQ(s, -3);
    // The shift taken from log2(count) is capped at 31 + shift: shift -30, count 8 -> only 1.
    tm_mean_fold_count(1 << 30, -30, 8, &m, &s);
    TM_CHECK_EQ(m, (int32_t)(((int64_t)1 << 31) / 8));
    TM_CHECK_EQ(s, -31);
}

static void test_shape_split_global_pool(void) {
    // [1,3,4,5] over axes 1,2: kept = channels (5, stride 1), reduced = 3*4 merged (stride 5).
    const int32_t dims[] = {1, 3, 4, 5};
    const uint8_t red[] = {0, 1, 1, 0};
    tm_mean_params p;
    tm_mean_init_shape(&p, dims, 4, red);
    TM_CHECK_EQ(p.count, 12);
    TM_CHECK_EQ(p.out_ndim, 1);
    TM_CHECK_EQ(p.out_dims[0], 5);
    TM_CHECK_EQ(p.out_strides[0], 1);
    TM_CHECK_EQ(p.red_ndim, 1);
    TM_CHECK_EQ(p.red_dims[0], 12);
    TM_CHECK_EQ(p.red_strides[0], 5);
}

static void test_mean_rounding(void) {
    // [1,2,2,1] over H,W, equal quantization (scale 1, zp 0): TFLM does not divide the sum but
    // rescales it: mean of 1,2,3,4 = 2.5 -> 3 (rounding shift, half away from zero);
    // mean of -1,-2,-3,-4 = -2.5: the high multiply gives -5 (not -5.5 -> its nudge), then the
    // rounding shift by 1 rounds -2.5 to -3.
    const int32_t dims[] = {1, 2, 2, 1};
    const uint8_t red[] = {0, 1, 1, 0};
    const int8_t pos[] = {1, 2, 3, 4};
    const int8_t neg[] = {-1, -2, -3, -4};
    int8_t out[1];
    tm_mean_params p;
    tm_mean_init_shape(&p, dims, 4, red);
    TM_CHECK_EQ(tm_mean_init_quant(&p, 1.0f, 0, 1.0f, 0), 0);
    tm_mean_s8(&p, pos, out);
    TM_CHECK_EQ(out[0], 3);
    tm_mean_s8(&p, neg, out);
    TM_CHECK_EQ(out[0], -3);
}

static void test_mean_count_three_and_zero_points(void) {
    // [3] over axis 0, in scale 0.5 zp 2, out scale 0.25 zp -1: real 2 -> (2^30, 2); count 3 ->
    // (715827882, 1). Inputs 4, 4, 6: (4-2 + 4-2 + 6-2) = 8 half-units = 4.0 / 3 = 1.333 real
    // = 5.333 output units -> 5 - 1 = 4.
    const int32_t dims[] = {3};
    const uint8_t red[] = {1};
    const int8_t in[] = {4, 4, 6};
    int8_t out[1];
    tm_mean_params p;
    tm_mean_init_shape(&p, dims, 1, red);
    TM_CHECK_EQ(tm_mean_init_quant(&p, 0.5f, 2, 0.25f, -1), 0);
    TM_CHECK_EQ(p.multiplier, 715827882);
    TM_CHECK_EQ(p.shift, 1);
    tm_mean_s8(&p, in, out);
    TM_CHECK_EQ(out[0], 4);
}

static void test_mean_saturates(void) {
    // Output scale 8x smaller than input: the mean of 100s is 800 output units -> 127.
    const int32_t dims[] = {2};
    const uint8_t red[] = {1};
    const int8_t in[] = {100, 100};
    int8_t out[1];
    tm_mean_params p;
    tm_mean_init_shape(&p, dims, 1, red);
    TM_CHECK_EQ(tm_mean_init_quant(&p, 1.0f, 0, 0.125f, 0), 0);
    tm_mean_s8(&p, in, out);
    TM_CHECK_EQ(out[0], 127);
}

// Naive reference for [A,B,C] reduced over any subset, same formula as TFLM.
static void test_mean_axes_match_naive_loops(void) {
    const int32_t dims[] = {3, 4, 5};
    int8_t in[60];
    for (int i = 0; i < 60; ++i) {
        in[i] = (int8_t)((i * 37) % 256 - 128);
    }
    for (int mask = 0; mask < 8; ++mask) {
        const uint8_t red[] = {(uint8_t)(mask & 1), (uint8_t)((mask >> 1) & 1), (uint8_t)((mask >> 2) & 1)};
        tm_mean_params p;
        tm_mean_init_shape(&p, dims, 3, red);
        TM_CHECK_EQ(tm_mean_init_quant(&p, 0.05f, -3, 0.04f, 6), 0);
        int8_t out[60];
        int8_t expected[60];
        int n_out = 0;
        // Outputs in row-major order of the kept dims.
        const int na = red[0] ? 1 : 3;
        const int nb = red[1] ? 1 : 4;
        const int nc = red[2] ? 1 : 5;
        for (int a = 0; a < na; ++a) {
            for (int b = 0; b < nb; ++b) {
                for (int c = 0; c < nc; ++c) {
                    int32_t sum = 0;
                    for (int x = 0; x < 3; ++x) {
                        for (int y = 0; y < 4; ++y) {
                            for (int z = 0; z < 5; ++z) {
                                if ((red[0] || x == a) && (red[1] || y == b) && (red[2] || z == c)) {
                                    sum += in[(x * 4 + y) * 5 + z];
                                }
                            }
                        }
                    }
                    const int32_t v = tm_mul_by_quantized_mul(sum - (-3) * p.count, p.multiplier, p.shift) + 6;
                    expected[n_out++] = (int8_t)tm_clamp_i32(v, -128, 127);
                }
            }
        }
        tm_mean_s8(&p, in, out);
        TM_CHECK_I8_ARRAY(out, expected, n_out);
    }
}

static void test_mean_empty_reduction_gives_zeros(void) {
    // A reduced dim of 0: TFLM leaves the zero-initialised output.
    const int32_t dims[] = {2, 0};
    const uint8_t red[] = {0, 1};
    int8_t out[2] = {9, 9};
    tm_mean_params p;
    tm_mean_init_shape(&p, dims, 2, red);
    TM_CHECK_EQ(tm_mean_init_quant(&p, 1.0f, 5, 1.0f, 5), 0);
    tm_mean_s8(&p, NULL, out);
    TM_CHECK_EQ(out[0], 0);
    TM_CHECK_EQ(out[1], 0);
}

int main(void) {
    TM_RUN(test_fold_count);
    TM_RUN(test_shape_split_global_pool);
    TM_RUN(test_mean_rounding);
    TM_RUN(test_mean_count_three_and_zero_points);
    TM_RUN(test_mean_saturates);
    TM_RUN(test_mean_axes_match_naive_loops);
    TM_RUN(test_mean_empty_reduction_gives_zeros);
    return tm_test_summary("test_mean");
}
