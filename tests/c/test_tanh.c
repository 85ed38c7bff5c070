// C tests of kernels/tanh.c: hand-checked vectors, then TFLM-generated ones covering every int8
// input (vectors/tanh.h, see gen_vectors.py).
#include "tm_test_kernel.h"
#include "tanh.h"
#include "vectors/tanh.h"

static void test_values(void) {
    // scale 0.1, zero point 0 (radius 120 as for LOGISTIC). Output = round(128 * tanh(x)),
    // saturated to int8: tanh(1.0) = 0.7616 -> 97; tanh(0.5) = 0.4621 -> 59; tanh(0) = 0;
    // tanh(11.9) -> 128 -> 127; inputs at or beyond +-radius saturate directly.
    tm_tanh_params p;
    TM_CHECK_EQ(tm_tanh_prepare_params(0.1f, 0, &p), 0);
    TM_CHECK_EQ(p.input_range_radius, 120);
    const int8_t in[11] = {-128, -120, -119, -10, -5, 0, 5, 10, 119, 120, 127};
    const int8_t expected[11] = {-128, -128, -128, -97, -59, 0, 59, 97, 127, 127, 127};
    int8_t out[11];
    tm_tanh_s8(&p, 11, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 11);
    // Zero point -20: input -20 is x = 0, input -10 is x = 1.0.
    TM_CHECK_EQ(tm_tanh_prepare_params(0.1f, -20, &p), 0);
    const int8_t in2[3] = {-30, -20, -10};
    const int8_t expected2[3] = {-97, 0, 97};
    tm_tanh_s8(&p, 3, in2, out);
    TM_CHECK_I8_ARRAY(out, expected2, 3);
}

static void test_generated(void) {
    int8_t in[256];
    tm_test_all_int8(in);
    for (size_t i = 0; i < sizeof(tm_tanh_vectors) / sizeof(tm_tanh_vectors[0]); ++i) {
        const tm_tanh_vector *v = &tm_tanh_vectors[i];
        tm_tanh_params p;
        TM_CHECK_EQ(tm_tanh_prepare_params(v->input_scale, v->input_zero_point, &p), 0);
        int8_t out[256];
        tm_tanh_s8(&p, 256, in, out);
        TM_CHECK_I8_ARRAY(out, v->expected, 256);
    }
}

int main(void) {
    TM_RUN(test_values);
    TM_RUN(test_generated);
    return tm_test_summary("test_tanh");
}
