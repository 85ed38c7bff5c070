// tinyml C tests: QUANTIZE (device/kernels/quantize.c): float -> int8/int16 and requantization.
#include <math.h>

#include "tm_test.h"
#include "quantize.h"

static void test_float_to_int8(void) {
    // scale 0.5, zp 3: q = round_half_away(x / 0.5) + 3, saturated.
    //   0.25 -> 0.5 -> 1 -> 4;  -0.25 -> -0.5 -> -1 -> 2;  0.74 -> 1.48 -> 1 -> 4;
    //   10 -> 20 -> 23;  1000 -> 2003 -> 127;  -1000 -> -128;  1e20 and +inf -> 127;
    //   -inf -> -128; NaN -> -128 (what TFLM's out-of-range cast gives on x86).
    const float in[] = {0.25f, -0.25f, 0.74f, 10.0f, 1000.0f, -1000.0f, 1e20f, INFINITY, -INFINITY, NAN};
    const int8_t expected[] = {4, 2, 4, 23, 127, -128, 127, 127, -128, -128};
    int8_t out[10];
    const tm_quantize_params p = {0.5f, 3};
    tm_quantize_f32_s8(&p, in, out, 10);
    TM_CHECK_I8_ARRAY(out, expected, 10);
}

static void test_float_division_not_reciprocal(void) {
    // TFLM divides by the scale in float; multiplying by 1 / scale would differ on ties:
    //   8.15f / 0.1f = 81.49999f -> 81, whereas 8.15f * (1 / 0.1f) = 81.5f -> 82;
    //   -12.65f / 0.1f = -126.49999f -> -126 (not -127).
    const float in[] = {8.15f, -12.65f, 0.05f, -0.05f};
    const int8_t expected[] = {81, -126, 1, -1}; // 0.05f / 0.1f = 0.5f -> 1 (half away from zero)
    int8_t out[4];
    const tm_quantize_params p = {0.1f, 0};
    tm_quantize_f32_s8(&p, in, out, 4);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

static void test_float_to_int16(void) {
    const float in[] = {1.0f, -1.0f, 1e9f};
    int16_t out[3];
    const tm_quantize_params p = {1.0f / 1024, 0};
    tm_quantize_f32_s16(&p, in, out, 3);
    TM_CHECK_EQ(out[0], 1024);
    TM_CHECK_EQ(out[1], -1024);
    TM_CHECK_EQ(out[2], 32767);
}

static void test_requantize_params(void) {
    tm_requantize_params p;
    // 0.5 / 0.25 = 2 -> (2^30, 2); equal scales -> (2^30, 1), which maps x - zp to itself.
    TM_CHECK_EQ(tm_requantize_params_init(&p, 0.5f, 1, 0.25f, -2), 0);
    TM_CHECK_EQ(p.multiplier, 1 << 30);
    TM_CHECK_EQ(p.shift, 2);
    TM_CHECK_EQ(tm_requantize_params_init(&p, 0.3f, 0, 0.3f, 0), 0);
    TM_CHECK_EQ(p.multiplier, 1 << 30);
    TM_CHECK_EQ(p.shift, 1);
    TM_CHECK_EQ(tm_requantize_params_init(&p, 0.3f, 0, 0.0f, 0), -1);
    TM_CHECK_EQ(tm_requantize_params_init(&p, 1e10f, 0, 1e-10f, 0), -1); // 2^66: shift too large
}

static void test_requantize_s8_s8(void) {
    // in scale 0.5 zp 1 -> out scale 0.25 zp -2: q = 2 * (x - 1) - 2.
    //   4 -> 4; 1 -> -2; 100 -> 127 (196 saturated); -128 -> -128.
    const int8_t in[] = {4, 1, 100, -128};
    const int8_t expected[] = {4, -2, 127, -128};
    int8_t out[4];
    tm_requantize_params p;
    TM_CHECK_EQ(tm_requantize_params_init(&p, 0.5f, 1, 0.25f, -2), 0);
    tm_requantize_s8_s8(&p, in, out, 4);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

static void test_requantize_rounding(void) {
    // Halving (in 0.5 -> out 1.0, zps 0): 3 -> 1.5 -> 2; -3 -> -1.5: high multiply by 2^30 with
    // shift 0 gives -1.5 -> -1 (gemmlowp rounds negative ties toward zero here).
    const int8_t in[] = {3, -3, 5, -5};
    const int8_t expected[] = {2, -1, 3, -2};
    int8_t out[4];
    tm_requantize_params p;
    TM_CHECK_EQ(tm_requantize_params_init(&p, 0.5f, 0, 1.0f, 0), 0);
    TM_CHECK_EQ(p.shift, 0);
    tm_requantize_s8_s8(&p, in, out, 4);
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

static void test_requantize_widening_and_narrowing(void) {
    // int8 (scale 1, zp 10) -> int16 (scale 1/256, zp 0): q = 256 * (x - 10).
    const int8_t in8[] = {10, 11, -128, 127};
    int16_t out16[4];
    tm_requantize_params p;
    TM_CHECK_EQ(tm_requantize_params_init(&p, 1.0f, 10, 1.0f / 256, 0), 0);
    tm_requantize_s8_s16(&p, in8, out16, 4);
    TM_CHECK_EQ(out16[0], 0);
    TM_CHECK_EQ(out16[1], 256);
    TM_CHECK_EQ(out16[2], -32768); // -138 * 256 = -35328, saturated
    TM_CHECK_EQ(out16[3], 29952);  // 117 * 256
    // And back: int16 (1/256, 0) -> int8 (1, 10).
    int8_t back[4];
    TM_CHECK_EQ(tm_requantize_params_init(&p, 1.0f / 256, 0, 1.0f, 10), 0);
    tm_requantize_s16_s8(&p, out16, back, 4);
    TM_CHECK_EQ(back[0], 10);
    TM_CHECK_EQ(back[1], 11);
    TM_CHECK_EQ(back[2], -118); // -128 + 10
    TM_CHECK_EQ(back[3], 127);
    int16_t same[4];
    TM_CHECK_EQ(tm_requantize_params_init(&p, 1.0f / 256, 0, 1.0f / 512, 0), 0);
    tm_requantize_s16_s16(&p, out16, same, 4);
    TM_CHECK_EQ(same[1], 512);
    TM_CHECK_EQ(same[3], 32767);
}

int main(void) {
    TM_RUN(test_float_to_int8);
    TM_RUN(test_float_division_not_reciprocal);
    TM_RUN(test_float_to_int16);
    TM_RUN(test_requantize_params);
    TM_RUN(test_requantize_s8_s8);
    TM_RUN(test_requantize_rounding);
    TM_RUN(test_requantize_widening_and_narrowing);
    return tm_test_summary("test_quantize");
}
