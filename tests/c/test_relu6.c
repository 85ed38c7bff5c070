// C tests of kernels/relu6.c: hand-checked vectors, then TFLM-generated ones covering every int8
// input (vectors/relu6.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "relu6.h"
#include "vectors/relu6.h"

static void test_bounds(void) {
    int8_t lo, hi;
    // scale 0.1, zp -20: [-20, round(6 / 0.1) - 20 = 40]
    TM_CHECK_EQ(tm_relu6_prepare_params(0.1f, -20, &lo, &hi), 0);
    TM_CHECK_EQ(lo, -20);
    TM_CHECK_EQ(hi, 40);
    // scale 0.04: 6 / 0.04 = 150 -> saturated to 127
    TM_CHECK_EQ(tm_relu6_prepare_params(0.04f, 0, &lo, &hi), 0);
    TM_CHECK_EQ(hi, 127);
    // scale 0.25: 24
    TM_CHECK_EQ(tm_relu6_prepare_params(0.25f, 0, &lo, &hi), 0);
    TM_CHECK_EQ(hi, 24);
    // refused: zero / negative scales, a zero point outside int8
    TM_CHECK_EQ(tm_relu6_prepare_params(0.0f, 0, &lo, &hi), -1);
    TM_CHECK_EQ(tm_relu6_prepare_params(-1.0f, 0, &lo, &hi), -1);
    TM_CHECK_EQ(tm_relu6_prepare_params(0.1f, 200, &lo, &hi), -1);
}

static void test_clamp(void) {
    // A clamp of the raw values, no requantization.
    const int8_t in[7] = {-128, -21, -20, 0, 40, 41, 127};
    const int8_t expected[7] = {-20, -20, -20, 0, 40, 40, 40};
    int8_t out[7];
    tm_relu6_s8(-20, 40, 7, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 7);
}

static void test_generated(void) {
    int8_t in[256];
    tm_test_all_int8(in);
    for (size_t i = 0; i < sizeof(tm_relu6_vectors) / sizeof(tm_relu6_vectors[0]); ++i) {
        const tm_relu6_vector *v = &tm_relu6_vectors[i];
        int8_t lo, hi;
        TM_CHECK_EQ(tm_relu6_prepare_params(v->input_scale, v->input_zero_point, &lo, &hi), 0);
        int8_t out[256];
        tm_relu6_s8(lo, hi, 256, in, out);
        TM_CHECK_I8_ARRAY(out, v->expected, 256);
    }
}

int main(void) {
    TM_RUN(test_bounds);
    TM_RUN(test_clamp);
    TM_RUN(test_generated);
    return tm_test_summary("test_relu6");
}
