// C tests of kernels/logistic.c: hand-checked vectors, then TFLM-generated ones covering every
// int8 input (vectors/logistic.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "logistic.h"
#include "vectors/logistic.h"

static void test_params(void) {
    tm_logistic_params p;
    // scale 0.1 (as float): 0.1 * 2^27 = 13421773 = 0.8 * 2^24 -> shift 24;
    // radius = floor(15 * 2^27 / 2^24) = 120 (inputs 12.0 away from the zero point).
    TM_CHECK_EQ(tm_logistic_prepare_params(0.1f, 3, &p), 0);
    TM_CHECK_EQ(p.input_left_shift, 24);
    TM_CHECK_EQ(p.input_range_radius, 120);
    TM_CHECK_EQ(p.input_zero_point, 3);
    // scale 1/16: 2^-4 * 2^27 = 2^23 = 0.5 * 2^24 -> multiplier 0.5 * 2^31 = 2^30, shift 24.
    TM_CHECK_EQ(tm_logistic_prepare_params(0.0625f, 0, &p), 0);
    TM_CHECK_EQ(p.input_multiplier, 1 << 30);
    TM_CHECK_EQ(p.input_left_shift, 24);
    TM_CHECK_EQ(p.input_range_radius, 120);
    // Scales the reference cannot handle (scale * 2^27 < 0.5, or not a number) are refused.
    TM_CHECK_EQ(tm_logistic_prepare_params(1e-9f, 0, &p), -1);
    TM_CHECK_EQ(tm_logistic_prepare_params(0.0f, 0, &p), -1);
    TM_CHECK_EQ(tm_logistic_prepare_params(-0.1f, 0, &p), -1);
}

static void test_values(void) {
    // scale 0.1, zero point 0. Output = round(256 * logistic(x)) - 128, saturated to int8:
    //   x <= -12.0 (radius) -> -128; x >= 12.0 -> 127; x = 0 -> 0.5 -> 0;
    //   x = +-1.0 -> 0.7311 / 0.2689 -> 187 / 69 -> 59 / -59; x = +-0.5 -> 0.6225 -> 159 -> 31 / -31;
    //   x = 11.9 -> 0.999993 -> 256 -> 128 -> 127; x = -11.9 -> 0.0017 -> 0 -> -128.
    tm_logistic_params p;
    TM_CHECK_EQ(tm_logistic_prepare_params(0.1f, 0, &p), 0);
    const int8_t in[11] = {-128, -120, -119, -10, -5, 0, 5, 10, 119, 120, 127};
    const int8_t expected[11] = {-128, -128, -128, -59, -31, 0, 31, 59, 127, 127, 127};
    int8_t out[11];
    tm_logistic_s8(&p, 11, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 11);
    // The zero point shifts the curve: with zero point 10, input 10 is x = 0.
    TM_CHECK_EQ(tm_logistic_prepare_params(0.1f, 10, &p), 0);
    const int8_t in2[3] = {0, 10, 20};
    const int8_t expected2[3] = {-59, 0, 59};
    tm_logistic_s8(&p, 3, in2, out);
    TM_CHECK_I8_ARRAY(out, expected2, 3);
}

static void test_generated(void) {
    int8_t in[256];
    tm_test_all_int8(in);
    for (size_t i = 0; i < sizeof(tm_logistic_vectors) / sizeof(tm_logistic_vectors[0]); ++i) {
        const tm_logistic_vector *v = &tm_logistic_vectors[i];
        tm_logistic_params p;
        TM_CHECK_EQ(tm_logistic_prepare_params(v->input_scale, v->input_zero_point, &p), 0);
        int8_t out[256];
        tm_logistic_s8(&p, 256, in, out);
        TM_CHECK_I8_ARRAY(out, v->expected, 256);
    }
}

int main(void) {
    TM_RUN(test_params);
    TM_RUN(test_values);
    TM_RUN(test_generated);
    return tm_test_summary("test_logistic");
}
