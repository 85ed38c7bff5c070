// Quantized-math edge cases: saturation, rounding ties, negative shifts, INT32_MIN.
// Expected values are worked out by hand from the definitions in tm_quant.h (gemmlowp / TFLM).
#include <float.h>
#include <math.h>

#include "tm_test.h"
#include "tm_quant.h"
#include "tm_io.h"
#include "mean.h"
#include "mul.h"
#include "quantize.h"

static void test_srdhm(void) {
    // The single overflow case saturates.
    TM_CHECK_EQ(tm_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    // 2^30 * 2^30 * 2 / 2^32 = 2^29 exactly.
    TM_CHECK_EQ(tm_srdhm(1 << 30, 1 << 30), 1 << 29);
    TM_CHECK_EQ(tm_srdhm(-(1 << 30), 1 << 30), -(1 << 29));
    // 3 * 0.5 = 1.5: positive ties round up ...
    TM_CHECK_EQ(tm_srdhm(3, 1 << 30), 2);
    // ... and -1.5 gives -1: (-3*2^30 + 1 - 2^30) / 2^31 = -2 + 2^-31, truncated toward zero.
    TM_CHECK_EQ(tm_srdhm(-3, 1 << 30), -1);
    // INT32_MIN * INT32_MAX: -2^31 * (2^31 - 1) / 2^31 = -(2^31 - 1).
    TM_CHECK_EQ(tm_srdhm(INT32_MIN, INT32_MAX), -INT32_MAX);
    TM_CHECK_EQ(tm_srdhm(0, INT32_MIN), 0);
}

static void test_rounding_divide_by_pot(void) {
    TM_CHECK_EQ(tm_rounding_divide_by_pot(5, 1), 3);   // 2.5 -> 3
    TM_CHECK_EQ(tm_rounding_divide_by_pot(-5, 1), -3); // -2.5 -> -3 (away from zero)
    TM_CHECK_EQ(tm_rounding_divide_by_pot(-3, 1), -2); // -1.5 -> -2
    TM_CHECK_EQ(tm_rounding_divide_by_pot(-1, 1), -1); // -0.5 -> -1
    TM_CHECK_EQ(tm_rounding_divide_by_pot(1, 1), 1);   // 0.5 -> 1
    TM_CHECK_EQ(tm_rounding_divide_by_pot(6, 2), 2);   // 1.5 -> 2
    TM_CHECK_EQ(tm_rounding_divide_by_pot(5, 2), 1);   // 1.25 -> 1
    TM_CHECK_EQ(tm_rounding_divide_by_pot(INT32_MIN, 31), -1);
    TM_CHECK_EQ(tm_rounding_divide_by_pot(INT32_MAX, 31), 1);
    TM_CHECK_EQ(tm_rounding_divide_by_pot(INT32_MIN, 0), INT32_MIN);
    TM_CHECK_EQ(tm_rounding_divide_by_pot(7, 0), 7);
}

static void test_multiply_by_quantized_multiplier(void) {
    // multiplier 2^30 is 0.5 in Q31.
    TM_CHECK_EQ(tm_mul_by_quantized_mul(100, 1 << 30, 1), 100); // 100 * 2 * 0.5
    TM_CHECK_EQ(tm_mul_by_quantized_mul(100, 1 << 30, 0), 50);
    TM_CHECK_EQ(tm_mul_by_quantized_mul(100, 1 << 30, -1), 25);
    TM_CHECK_EQ(tm_mul_by_quantized_mul(-100, 1 << 30, -3), -6); // -6.25 -> -6
    TM_CHECK_EQ(tm_mul_by_quantized_mul(-101, 1 << 30, -3), -6); // -50 (srdhm of -50.5 is -50), / 8 = -6.25 -> -6
    TM_CHECK_EQ(tm_mul_by_quantized_mul(12345, 1 << 30, -31), 0);
    TM_CHECK_EQ(tm_mul_by_quantized_mul(INT32_MIN, INT32_MIN, 0), INT32_MAX);
    // A left shift that overflows int32 wraps, as in the reference: 2^30 << 2 = 0.
    TM_CHECK_EQ(tm_mul_by_quantized_mul(1 << 30, 1 << 30, 2), 0);
}

static void test_quantize_multiplier(void) {
    int32_t m;
    int s;
    tm_quantize_multiplier(0.5, &m, &s);
    TM_CHECK_EQ(m, 1 << 30);
    TM_CHECK_EQ(s, 0);
    tm_quantize_multiplier(1.0, &m, &s);
    TM_CHECK_EQ(m, 1 << 30);
    TM_CHECK_EQ(s, 1);
    tm_quantize_multiplier(0.75, &m, &s);
    TM_CHECK_EQ(m, 1610612736);
    TM_CHECK_EQ(s, 0);
    tm_quantize_multiplier(0.0, &m, &s);
    TM_CHECK_EQ(m, 0);
    TM_CHECK_EQ(s, 0);
    // Too small to represent (exponent below -31): zero.
    tm_quantize_multiplier(1e-12, &m, &s);
    TM_CHECK_EQ(m, 0);
    TM_CHECK_EQ(s, 0);
    // Rounds up to 2^31: halved, exponent bumped.
    tm_quantize_multiplier(1.0 - ldexp(1.0, -40), &m, &s);
    TM_CHECK_EQ(m, 1 << 30);
    TM_CHECK_EQ(s, 1);
    // 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 -> 1717986918.
    tm_quantize_multiplier(0.1, &m, &s);
    TM_CHECK_EQ(m, 1717986918);
    TM_CHECK_EQ(s, -3);
    TM_CHECK_EQ(tm_quantize_multiplier(0.1, &m, &s), 0);
    // A corrupt scale (infinite, NaN) is refused, not converted (the fuzzer's UBSan finding).
    TM_CHECK_EQ(tm_quantize_multiplier(HUGE_VAL, &m, &s), -1);
    TM_CHECK_EQ(m, 0);
    TM_CHECK_EQ(s, 0);
    TM_CHECK_EQ(tm_quantize_multiplier(-HUGE_VAL, &m, &s), -1);
    TM_CHECK_EQ(tm_quantize_multiplier(NAN, &m, &s), -1);
    // The largest finite double still converts: (1 - 2^-53) * 2^1024 rounds up to 2^1024, shift 1025
    // (every caller refuses shifts above 31).
    TM_CHECK_EQ(tm_quantize_multiplier(DBL_MAX, &m, &s), 0);
    TM_CHECK_EQ(s, 1025);
}

static void test_kernels_refuse_an_infinite_scale(void) {
    tm_mul_params mul;
    TM_CHECK_EQ(tm_mul_params_init(&mul, INFINITY, 0, 0.5f, 0, 0.5f, 0, -128, 127), -1);
    tm_requantize_params rq;
    TM_CHECK_EQ(tm_requantize_params_init(&rq, INFINITY, 0, 0.5f, 0), -1);
    tm_mean_params mean = {0};
    TM_CHECK_EQ(tm_mean_init_quant(&mean, INFINITY, 0, 0.5f, 0), -1);
}

static void test_activation_range(void) {
    int32_t lo, hi;
    TM_CHECK_EQ(tm_activation_range_quantized(0, 0.1f, -128, -128, 127, &lo, &hi), 0);
    TM_CHECK_EQ(lo, -128);
    TM_CHECK_EQ(hi, 127);
    // RELU6 with scale 0.1, zp -128: 6 / 0.1 = 60 -> -68.
    TM_CHECK_EQ(tm_activation_range_quantized(3, 0.1f, -128, -128, 127, &lo, &hi), 0);
    TM_CHECK_EQ(lo, -128);
    TM_CHECK_EQ(hi, -68);
    // RELU with zp 5: [5, 127].
    TM_CHECK_EQ(tm_activation_range_quantized(1, 0.5f, 5, -128, 127, &lo, &hi), 0);
    TM_CHECK_EQ(lo, 5);
    TM_CHECK_EQ(hi, 127);
    // RELU_N1_TO_1 with scale 1/64, zp 0: [-64, 64].
    TM_CHECK_EQ(tm_activation_range_quantized(2, 1.0f / 64, 0, -128, 127, &lo, &hi), 0);
    TM_CHECK_EQ(lo, -64);
    TM_CHECK_EQ(hi, 64);
    // RELU6 whose 6.0 lies beyond int8: clamped to 127.
    TM_CHECK_EQ(tm_activation_range_quantized(3, 0.01f, 0, -128, 127, &lo, &hi), 0);
    TM_CHECK_EQ(hi, 127);
    TM_CHECK_EQ(tm_activation_range_quantized(4, 0.1f, 0, -128, 127, &lo, &hi), -1); // TANH: not a clamp
}

static void test_quantize_value(void) {
    TM_CHECK_EQ(tm_quantize_value(0.25f, 0.5f, 0, -128, 127), 1);   // 0.5 -> 1 (half away from zero)
    TM_CHECK_EQ(tm_quantize_value(-0.25f, 0.5f, 0, -128, 127), -1); // -0.5 -> -1
    TM_CHECK_EQ(tm_quantize_value(0.74f, 0.5f, 10, -128, 127), 11);
    TM_CHECK_EQ(tm_quantize_value(1000.0f, 0.5f, 0, -128, 127), 127);
    TM_CHECK_EQ(tm_quantize_value(-1e30f, 0.5f, 0, -128, 127), -128);
    TM_CHECK_EQ(tm_quantize_value(NAN, 0.5f, 3, -128, 127), 3);
    TM_CHECK(tm_dequantize_value(-128, 0.5f, -128) == 0.0f);
    TM_CHECK(tm_dequantize_value(127, 0.5f, -1) == 64.0f);
}

int main(void) {
    TM_RUN(test_srdhm);
    TM_RUN(test_rounding_divide_by_pot);
    TM_RUN(test_multiply_by_quantized_multiplier);
    TM_RUN(test_quantize_multiplier);
    TM_RUN(test_kernels_refuse_an_infinite_scale);
    TM_RUN(test_activation_range);
    TM_RUN(test_quantize_value);
    return tm_test_summary("test_quant");
}
