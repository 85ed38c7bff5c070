// tinyml C tests: int8 MUL (device/kernels/mul.c), hand-checked against TFLM's arithmetic:
// (a - zp1) * (b - zp2) times QuantizeMultiplier(s1 * s2 / so), gemmlowp rounding.
#include <stddef.h>

#include "tm_test.h"
#include "mul.h"

static void test_params(void) {
    tm_mul_params p;
    // 0.5 * 0.5 / 0.25 = 1 -> (2^30, shift 1); 0.5 * 0.5 / 0.5 = 0.5 -> (2^30, 0);
    // 0.5 * 0.5 / 0.0625 = 4 -> (2^30, 3): a left shift.
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.25f, 0, -128, 127), 0);
    TM_CHECK_EQ(p.output_multiplier, 1 << 30);
    TM_CHECK_EQ(p.output_shift, 1);
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.5f, 0, -128, 127), 0);
    TM_CHECK_EQ(p.output_shift, 0);
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.0625f, 0, -128, 127), 0);
    TM_CHECK_EQ(p.output_shift, 3);
    // A multiplier of 2^40 would need 1 << 41 in TFLM: refused.
    TM_CHECK_EQ(tm_mul_params_init(&p, 1024.0f, 0, 1024.0f, 0, 1.0f / (1 << 20), 0, -128, 127), -1);
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.0f, 0, 1.0f, 0, -128, 127), -1);
}

static void test_values_and_rounding(void) {
    tm_mul_params p;
    // Exact: 0.5*3 * 0.5*5 = 3.75 = 15 * 0.25 -> 15.
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.25f, 0, -128, 127), 0);
    TM_CHECK_EQ(tm_mul_s8_one(&p, 3, 5), 15);
    // Output scale 0.5: 15 * 0.5 = 7.5. The rounding high multiply rounds +7.5 to 8 but -7.5 to -7
    // (gemmlowp's nudge is 1 - 2^30 for negative products, then C division truncates).
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.5f, 0, -128, 127), 0);
    TM_CHECK_EQ(tm_mul_s8_one(&p, 3, 5), 8);
    TM_CHECK_EQ(tm_mul_s8_one(&p, -3, 5), -7);
    // Saturation: -128 * -128 = 16384 -> 8192 -> 127; -128 * 127 = -16256 -> -8128 -> -128.
    TM_CHECK_EQ(tm_mul_s8_one(&p, -128, -128), 127);
    TM_CHECK_EQ(tm_mul_s8_one(&p, -128, 127), -128);
}

static void test_zero_points_and_left_shift(void) {
    // s1 = 0.5 zp 4, s2 = 0.5 zp -2, so = 0.0625 zp -100: real 4 -> shift 3.
    // a = 6, b = 1: (6-4) * (1+2) = 6 -> * 4 = 24 -> -76.
    // a = 4: product 0 -> -100. a = 10, b = 8: 6 * 10 = 60 -> 240 - 100 = 140 -> 127.
    tm_mul_params p;
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 4, 0.5f, -2, 0.0625f, -100, -128, 127), 0);
    TM_CHECK_EQ(tm_mul_s8_one(&p, 6, 1), -76);
    TM_CHECK_EQ(tm_mul_s8_one(&p, 4, 100), -100);
    TM_CHECK_EQ(tm_mul_s8_one(&p, 10, 8), 127);
}

static void test_fused_relu(void) {
    // RELU with output zp 5: act range [5, 127]. 0.5*a * 0.5*b / 0.25 = a*b.
    tm_mul_params p;
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.5f, 0, 0.25f, 5, 5, 127), 0);
    TM_CHECK_EQ(tm_mul_s8_one(&p, -3, 4), 5); // -12 + 5 = -7 -> 5
    TM_CHECK_EQ(tm_mul_s8_one(&p, 3, 4), 17); // 12 + 5
}

static void test_broadcast_scalar(void) {
    // [2,2] * [] (a scalar): every element times 2, output scale = s1 * s2 -> exact products.
    const int32_t d[] = {2, 2};
    const int8_t in1[] = {1, -2, 60, -64};
    const int8_t two[] = {2};
    const int8_t expected[] = {2, -4, 120, -128};
    int8_t out[4];
    tm_mul_params p;
    tm_broadcast bc;
    TM_CHECK_EQ(tm_mul_params_init(&p, 0.5f, 0, 0.25f, 0, 0.125f, 0, -128, 127), 0);
    TM_CHECK_EQ(tm_broadcast_init(&bc, d, 2, NULL, 0, d, 2), 0);
    tm_mul_s8(&p, &bc, in1, two, out);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

int main(void) {
    TM_RUN(test_params);
    TM_RUN(test_values_and_rounding);
    TM_RUN(test_zero_points_and_left_shift);
    TM_RUN(test_fused_relu);
    TM_RUN(test_broadcast_scalar);
    return tm_test_summary("test_mul");
}
