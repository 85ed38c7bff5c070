// tinyml C tests: DEQUANTIZE (device/kernels/dequantize.c): (float)((double)scale * (x - zp)).
#include <string.h>

#include "tm_test.h"
#include "dequantize.h"

static void test_dequantize_s8(void) {
    // scale 0.1f (= 0.100000001490116...), zp 3:
    //   13 -> 10 * 0.1f = 1.0000000149 in double -> 1.0f;  3 -> 0;
    //   -128 -> -131 * 0.1f = -13.1000001952 -> nearest float -13.1000003815 = -13.1f.
    const int8_t in[] = {13, 3, -128};
    float out[3];
    const tm_dequantize_params p = {(double)0.1f, 3};
    tm_dequantize_s8_f32(&p, in, out, 3);
    TM_CHECK(out[0] == 1.0f);
    TM_CHECK(out[1] == 0.0f);
    TM_CHECK(out[2] == -13.1f);
}

static void test_dequantize_exact_powers_of_two(void) {
    const int8_t in[] = {127, -128, 0};
    float out[3];
    const tm_dequantize_params p = {0.5, -1};
    tm_dequantize_s8_f32(&p, in, out, 3);
    TM_CHECK(out[0] == 64.0f);
    TM_CHECK(out[1] == -63.5f);
    TM_CHECK(out[2] == 0.5f);
}

static void test_dequantize_s16_unaligned_output(void) {
    // The output may sit at any address: stores go through memcpy.
    const int16_t in[] = {1024, -32768};
    unsigned char buf[9];
    float a;
    float b;
    const tm_dequantize_params p = {1.0 / 1024, 0};
    tm_dequantize_s16_f32(&p, in, buf + 1, 2);
    memcpy(&a, buf + 1, 4);
    memcpy(&b, buf + 5, 4);
    TM_CHECK(a == 1.0f);
    TM_CHECK(b == -32.0f);
}

int main(void) {
    TM_RUN(test_dequantize_s8);
    TM_RUN(test_dequantize_exact_powers_of_two);
    TM_RUN(test_dequantize_s16_unaligned_output);
    return tm_test_summary("test_dequantize");
}
