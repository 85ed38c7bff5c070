// C tests of kernels/relu.c: hand-checked vectors, then TFLM-generated ones covering every int8
// input (vectors/relu.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "relu.h"
#include "vectors/relu.h"

static void test_requantize(void) {
    // in (scale 0.5, zp -10) -> out (scale 0.25, zp 5): out = 5 + 2 * (in + 10), clamped to
    // [5 (the output zero point, real 0), 127].
    tm_relu_params p;
    TM_CHECK_EQ(tm_relu_prepare_params(0.5f, -10, 0.25f, 5, &p), 0);
    TM_CHECK_EQ(p.act_min, 5);
    TM_CHECK_EQ(p.act_max, 127);
    const int8_t in[9] = {-128, -20, -10, 0, 1, 3, 50, 51, 127};
    const int8_t expected[9] = {5, 5, 5, 25, 27, 31, 125, 127, 127};
    int8_t out[9];
    tm_relu_s8(&p, 9, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 9);
}

static void test_rounding(void) {
    // in scale 0.25 -> out scale 0.5: out = in / 2, halves rounded away from zero
    // (1 -> 0.5 -> 1, 3 -> 1.5 -> 2, 5 -> 3, 7 -> 4), negatives clamped to 0.
    tm_relu_params p;
    TM_CHECK_EQ(tm_relu_prepare_params(0.25f, 0, 0.5f, 0, &p), 0);
    const int8_t in[8] = {-3, -1, 0, 1, 2, 3, 5, 7};
    const int8_t expected[8] = {0, 0, 0, 1, 1, 2, 3, 4};
    int8_t out[8];
    tm_relu_s8(&p, 8, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 8);
}

static void test_bad_scales(void) {
    tm_relu_params p;
    TM_CHECK_EQ(tm_relu_prepare_params(0.0f, 0, 0.5f, 0, &p), -1);
    TM_CHECK_EQ(tm_relu_prepare_params(1.0f, 0, 1e-12f, 0, &p), -1); // ratio 2^40: shift > 30
}

static void test_generated(void) {
    int8_t in[256];
    tm_test_all_int8(in);
    for (size_t i = 0; i < sizeof(tm_relu_vectors) / sizeof(tm_relu_vectors[0]); ++i) {
        const tm_relu_vector *v = &tm_relu_vectors[i];
        tm_relu_params p;
        TM_CHECK_EQ(
            tm_relu_prepare_params(v->input_scale, v->input_zero_point, v->output_scale, v->output_zero_point, &p), 0);
        int8_t out[256];
        tm_relu_s8(&p, 256, in, out);
        TM_CHECK_I8_ARRAY(out, v->expected, 256);
    }
}

int main(void) {
    TM_RUN(test_requantize);
    TM_RUN(test_rounding);
    TM_RUN(test_bad_scales);
    TM_RUN(test_generated);
    return tm_test_summary("test_relu");
}
