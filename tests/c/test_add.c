// tinyml C tests: int8 ADD (device/kernels/add.c), hand-checked against TFLM's arithmetic:
// inputs shifted left by 20, rescaled to 1 / (2 * max input scale), summed, rescaled to the output.
#include <string.h>

#include "tm_test.h"
#include "add.h"

static void test_params_equal_scales(void) {
    // s1 = s2 = 0.5, so = 1: twice_max = 1, real1 = real2 = 0.5 -> (2^30, shift 0);
    // real_out = 1 / 2^20 -> (2^30, shift -19).
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.5f, 0, 0.5f, 0, 1.0f, 0, -128, 127), 0);
    TM_CHECK_EQ(p.left_shift, 20);
    TM_CHECK_EQ(p.input1_multiplier, 1 << 30);
    TM_CHECK_EQ(p.input1_shift, 0);
    TM_CHECK_EQ(p.input2_multiplier, 1 << 30);
    TM_CHECK_EQ(p.input2_shift, 0);
    TM_CHECK_EQ(p.output_multiplier, 1 << 30);
    TM_CHECK_EQ(p.output_shift, -19);
}

static void test_params_unequal_scales(void) {
    // s1 = 0.25, s2 = 1: twice_max = 2, real1 = 0.125 -> (2^30, -2), real2 = 0.5 -> (2^30, 0),
    // so = 0.5: real_out = 2 / 2^19 = 2^-18 -> (2^30, -17).
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.25f, 3, 1.0f, -7, 0.5f, 11, -128, 127), 0);
    TM_CHECK_EQ(p.input1_offset, -3);
    TM_CHECK_EQ(p.input2_offset, 7);
    TM_CHECK_EQ(p.output_offset, 11);
    TM_CHECK_EQ(p.input1_multiplier, 1 << 30);
    TM_CHECK_EQ(p.input1_shift, -2);
    TM_CHECK_EQ(p.input2_shift, 0);
    TM_CHECK_EQ(p.output_multiplier, 1 << 30);
    TM_CHECK_EQ(p.output_shift, -17);
}

static void test_params_rejects_what_tflm_aborts_on(void) {
    tm_add_params p;
    // Output scale so small that 2 * max / (2^20 * so) >= 1.
    TM_CHECK_EQ(tm_add_params_init(&p, 1.0f, 0, 1.0f, 0, 1.0f / (1 << 20), 0, -128, 127), -1);
    TM_CHECK_EQ(tm_add_params_init(&p, 0.0f, 0, 1.0f, 0, 1.0f, 0, -128, 127), -1);
    TM_CHECK_EQ(tm_add_params_init(&p, 1.0f, 0, -1.0f, 0, 1.0f, 0, -128, 127), -1);
}

static void test_values_and_rounding(void) {
    // 0.5*a + 0.5*b with output scale 1: 3,5 -> 4.0 -> 4; 3,2 -> 2.5: the sum 5 * 2^19 becomes
    // 5 * 2^18 after the high multiply, then a rounding right shift by 19: 2.5 -> 3 (half away
    // from zero); -3,-2 -> -2.5 -> -3; 127,127 -> 127; -128,-128 -> -128.
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.5f, 0, 0.5f, 0, 1.0f, 0, -128, 127), 0);
    TM_CHECK_EQ(tm_add_s8_one(&p, 3, 5), 4);
    TM_CHECK_EQ(tm_add_s8_one(&p, 3, 2), 3);
    TM_CHECK_EQ(tm_add_s8_one(&p, -3, -2), -3);
    TM_CHECK_EQ(tm_add_s8_one(&p, 127, 127), 127);
    TM_CHECK_EQ(tm_add_s8_one(&p, -128, -128), -128);
}

static void test_zero_points_and_saturation(void) {
    // s1 = 0.25 zp 3, s2 = 1 zp -7, so = 0.5 zp 11.
    // a = 7 -> 0.25 * 4 = 1.0; b = -5 -> 1 * 2 = 2.0; sum 3.0 -> 6 + 11 = 17.
    // a = -128 -> 0.25 * -131 = -32.75; b = -128 -> -121; sum -153.75 -> -307.5 + 11 -> -128 (saturated).
    // a = 127, b = 127 -> 31 + 134 = 165 -> 330 + 11 -> 127 (saturated).
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.25f, 3, 1.0f, -7, 0.5f, 11, -128, 127), 0);
    TM_CHECK_EQ(tm_add_s8_one(&p, 7, -5), 17);
    TM_CHECK_EQ(tm_add_s8_one(&p, -128, -128), -128);
    TM_CHECK_EQ(tm_add_s8_one(&p, 127, 127), 127);
}

static void test_fused_activation_clamps(void) {
    // RELU6 on an output of scale 0.5, zp -10: range [zp, zp + round(6 / 0.5)] = [-10, 2].
    // 0.5*a + 0.5*b: (-20, -20) -> -20 -> -40 - 10 -> clamped to -10; (10, 10) -> 10 -> 20 - 10 = 10 -> 2;
    // (2, 2) -> 2 -> 4 - 10 = -6 (inside).
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.5f, 0, 0.5f, 0, 0.5f, -10, -10, 2), 0);
    TM_CHECK_EQ(tm_add_s8_one(&p, -20, -20), -10);
    TM_CHECK_EQ(tm_add_s8_one(&p, 10, 10), 2);
    TM_CHECK_EQ(tm_add_s8_one(&p, 2, 2), -6);
}

static void test_broadcast_rows(void) {
    // [2,3] + [3] with s = 0.5 everywhere except so = 1: out = round((a + b) / 2).
    // row 0: {1,2,3} + {1,1,-3} = {2,3,0} / 2 -> {1, 2 (1.5 -> 2), 0}
    // row 1: {4,5,-9} + {1,1,-3} = {5,6,-12} / 2 -> {3 (2.5 -> 3), 3, -6}
    const int32_t d1[] = {2, 3};
    const int32_t d2[] = {3};
    const int8_t in1[] = {1, 2, 3, 4, 5, -9};
    const int8_t in2[] = {1, 1, -3};
    const int8_t expected[] = {1, 2, 0, 3, 3, -6};
    int8_t out[6];
    tm_add_params p;
    tm_broadcast bc;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.5f, 0, 0.5f, 0, 1.0f, 0, -128, 127), 0);
    TM_CHECK_EQ(tm_broadcast_init(&bc, d1, 2, d2, 1, d1, 2), 0);
    tm_add_s8(&p, &bc, in1, in2, out);
    TM_CHECK_I8_ARRAY(out, expected, 6);
    // Same with the operands swapped ([3] + [2,3]): addition with equal scales is symmetric.
    TM_CHECK_EQ(tm_broadcast_init(&bc, d2, 1, d1, 2, d1, 2), 0);
    memset(out, 0, sizeof(out));
    tm_add_s8(&p, &bc, in2, in1, out);
    TM_CHECK_I8_ARRAY(out, expected, 6);
}

static void test_broadcast_matches_elementwise_definition(void) {
    // [2,1,4,3] + [1,5,1,3] -> [2,5,4,3], checked element by element against tm_add_s8_one.
    const int32_t d1[] = {2, 1, 4, 3};
    const int32_t d2[] = {1, 5, 1, 3};
    const int32_t o[] = {2, 5, 4, 3};
    int8_t in1[24];
    int8_t in2[15];
    int8_t out[120];
    int8_t expected[120];
    for (int i = 0; i < 24; ++i) {
        in1[i] = (int8_t)(i * 11 - 128);
    }
    for (int i = 0; i < 15; ++i) {
        in2[i] = (int8_t)(127 - i * 17);
    }
    tm_add_params p;
    TM_CHECK_EQ(tm_add_params_init(&p, 0.07f, -5, 0.031f, 9, 0.09f, 2, -128, 127), 0);
    for (int a = 0; a < 2; ++a) {
        for (int b = 0; b < 5; ++b) {
            for (int c = 0; c < 4; ++c) {
                for (int d = 0; d < 3; ++d) {
                    const int oi = ((a * 5 + b) * 4 + c) * 3 + d;
                    expected[oi] = tm_add_s8_one(&p, in1[(a * 4 + c) * 3 + d], in2[b * 3 + d]);
                }
            }
        }
    }
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d1, 4, d2, 4, o, 4), 0);
    tm_add_s8(&p, &bc, in1, in2, out);
    TM_CHECK_I8_ARRAY(out, expected, 120);
}

// tm_add_s8 (add.c's row loop, with its rescales prepared per row) against tm_add_s8_one on
// random scales, zero points and activation ranges, for every pair of int8 inputs.
static void test_rows_match_one_element_definition(void) {
    static int8_t in1[256 * 256], in2[256 * 256], out[256 * 256];
    for (int i = 0; i < 256 * 256; ++i) {
        in1[i] = (int8_t)(i / 256 - 128);
        in2[i] = (int8_t)(i % 256 - 128);
    }
    const int32_t dims[] = {256 * 256};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, dims, 1, dims, 1, dims, 1), 0);
    uint32_t seed = 2463534242u;
    for (int iter = 0; iter < 40; ++iter) {
        float sc[3];
        int32_t zp[3];
        for (int j = 0; j < 3; ++j) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            sc[j] = 0.001f + (float)(seed % 100000u) / 100000.0f * (j == 2 ? 0.5f : 0.1f);
            zp[j] = (int32_t)(seed >> 24) - 128;
        }
        tm_add_params p;
        const int32_t act_min = iter % 3 == 0 ? zp[2] : -128;
        if (tm_add_params_init(&p, sc[0], zp[0], sc[1], zp[1], sc[2], zp[2], act_min, 127) != 0) {
            continue;
        }
        tm_add_s8(&p, &bc, in1, in2, out);
        for (int i = 0; i < 256 * 256; ++i) {
            if (out[i] != tm_add_s8_one(&p, in1[i], in2[i])) {
                TM_CHECK_EQ(out[i], tm_add_s8_one(&p, in1[i], in2[i]));
                break;
            }
        }
    }
}

int main(void) {
    TM_RUN(test_params_equal_scales);
    TM_RUN(test_params_unequal_scales);
    TM_RUN(test_params_rejects_what_tflm_aborts_on);
    TM_RUN(test_values_and_rounding);
    TM_RUN(test_zero_points_and_saturation);
    TM_RUN(test_fused_activation_clamps);
    TM_RUN(test_broadcast_rows);
    TM_RUN(test_broadcast_matches_elementwise_definition);
    TM_RUN(test_rows_match_one_element_definition);
    return tm_test_summary("test_add");
}
