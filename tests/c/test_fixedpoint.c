// C tests of kernels/fixedpoint.h, the gemmlowp fixed-point functions behind SOFTMAX, LOGISTIC
// and TANH: exact values where the algorithm defines them, else closeness to libm (bit-exactness
// with TFLM is checked through the op vectors in test_softmax.c, test_logistic.c, test_tanh.c).
#include <math.h>

#include "tm_test.h"
#include "fixedpoint.h"

#define Q0(x) ((double)(x) / 2147483648.0) // Q0.31 raw -> real

static void check_close(double actual, double expected, double tol, const char *what, double at) {
    if (!(fabs(actual - expected) <= tol)) {
        printf("%s(%g): actual %.9f, expected %.9f\n", what, at, actual, expected);
        ++tm_test_checks_failed;
    }
}

static void test_mul_pot(void) {
    TM_CHECK_EQ(tm_fp_mul_pot(3, 2), 12);
    TM_CHECK_EQ(tm_fp_mul_pot(1 << 29, 1), 1 << 30);
    TM_CHECK_EQ(tm_fp_mul_pot(1 << 30, 1), INT32_MAX); // saturates
    TM_CHECK_EQ(tm_fp_mul_pot(-(1 << 30), 2), INT32_MIN);
    TM_CHECK_EQ(tm_fp_mul_pot(5, -1), 3); // 2.5 -> 3 (half away from zero)
    TM_CHECK_EQ(tm_fp_mul_pot(-5, -1), -3);
    TM_CHECK_EQ(tm_fp_mul_pot(-7, 0), -7);
    TM_CHECK_EQ(tm_fp_rescale(INT32_MAX, 0, 12), 1 << 19); // 1.0 in Q12.19
}

static void test_rounding_half_sum(void) {
    TM_CHECK_EQ(tm_fp_rounding_half_sum(1, 2), 2);               // 1.5 -> 2
    TM_CHECK_EQ(tm_fp_rounding_half_sum(-1, -2), -2);            // -1.5 -> -2
    TM_CHECK_EQ(tm_fp_rounding_half_sum(0, INT32_MAX), 1 << 30); // (0 + 1) / 2 in Q0
    TM_CHECK_EQ(tm_fp_rounding_half_sum(INT32_MAX, INT32_MAX), INT32_MAX);
}

static void test_exp(void) {
    TM_CHECK_EQ(tm_fp_exp_on_negative_values(0, 5), INT32_MAX); // exp(0) is "one"
    // Q5.26 inputs over [-31, 0]; gemmlowp's exp is accurate to about 2e-7 (absolute).
    for (int i = 0; i <= 31 * 16; ++i) {
        const double x = -i / 16.0;
        const int32_t raw = (int32_t)(x * (double)(1 << 26));
        check_close(Q0(tm_fp_exp_on_negative_values(raw, 5)), exp(x), 5e-7, "exp Q5", x);
    }
    // Q4.27 (integer_bits 4) and Q6.25: below -32 the Q6 result is exactly 0.
    check_close(Q0(tm_fp_exp_on_negative_values(-(1 << 27), 4)), exp(-1.0), 5e-7, "exp Q4", -1.0);
    TM_CHECK_EQ(tm_fp_exp_on_negative_values(-33 * (1 << 25), 6), 0);
}

static void test_reciprocal(void) {
    // 1 / (1 + x) for x in [0, 1): Newton-Raphson, 3 iterations.
    for (int i = 0; i < 64; ++i) {
        const double x = i / 64.0;
        const int32_t raw = (int32_t)(x * 2147483648.0);
        check_close(Q0(tm_fp_one_over_one_plus_x_for_x_in_0_1(raw)), 1.0 / (1.0 + x), 1e-8, "1/(1+x)", x);
        check_close(
            Q0(tm_fp_one_minus_x_over_one_plus_x_for_x_in_0_1(raw)), (1.0 - x) / (1.0 + x), 1e-8, "(1-x)/(1+x)", x);
    }
    // GetReciprocal of 3.0 in Q12.19: normalised to 1.5 with one bit over unit; 1/1.5 in Q0.
    int bits = -1;
    const int32_t r = tm_fp_get_reciprocal(3 << 19, 12, &bits);
    TM_CHECK_EQ(bits, 1);
    check_close(Q0(r), 1.0 / 1.5, 1e-8, "reciprocal", 3.0);
    // 1.0: no bit over unit, 1/1 saturates just below one.
    TM_CHECK(tm_fp_get_reciprocal(1 << 19, 12, &bits) >= INT32_MAX - 8);
    TM_CHECK_EQ(bits, 0);
}

static void test_logistic_tanh(void) {
    TM_CHECK_EQ(tm_fp_logistic(0, 4), 1 << 30); // 0.5 exactly
    TM_CHECK_EQ(tm_fp_tanh(0, 4), 0);
    for (int i = -15 * 8; i <= 15 * 8; ++i) {
        const double x = i / 8.0;
        const int32_t raw = (int32_t)(x * (double)(1 << 27)); // Q4.27
        check_close(Q0(tm_fp_logistic(raw, 4)), 1.0 / (1.0 + exp(-x)), 5e-7, "logistic", x);
        check_close(Q0(tm_fp_tanh(raw, 4)), tanh(x), 5e-7, "tanh", x);
        // Symmetries that hold exactly in the algorithm (logistic(-x) is computed as one minus
        // logistic(x), "one" being INT32_MAX; x = 0 gives 0.5 = 2^30 on both sides).
        if (raw != 0) {
            TM_CHECK_EQ((int64_t)tm_fp_logistic(raw, 4) + tm_fp_logistic(-raw, 4), INT32_MAX);
        }
        TM_CHECK_EQ(tm_fp_tanh(-raw, 4), -tm_fp_tanh(raw, 4));
    }
}

int main(void) {
    TM_RUN(test_mul_pot);
    TM_RUN(test_rounding_half_sum);
    TM_RUN(test_exp);
    TM_RUN(test_reciprocal);
    TM_RUN(test_logistic_tanh);
    return tm_test_summary("test_fixedpoint");
}
