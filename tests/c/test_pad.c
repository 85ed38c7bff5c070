// tinyml C tests: constant PAD (device/kernels/pad.c).
#include <string.h>

#include "tm_test.h"
#include "pad.h"

static void test_pad_2d(void) {
    // [2,3] padded [[1,0],[0,2]] with -5:
    //   -5 -5 -5 -5 -5
    //    1  2  3 -5 -5
    //    4  5  6 -5 -5
    const int8_t in[] = {1, 2, 3, 4, 5, 6};
    const int8_t expected[] = {-5, -5, -5, -5, -5, 1, 2, 3, -5, -5, 4, 5, 6, -5, -5};
    int8_t out[15];
    tm_pad_params p = {2, {2, 3}, {1, 0}, {0, 2}, {0}, -5, 0};
    tm_pad_init(&p);
    TM_CHECK_EQ(p.out_block[0], 5);
    TM_CHECK_EQ(p.out_block[1], 1);
    memset(out, 0x77, sizeof(out));
    tm_pad_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 15);
}

static void test_pad_image_style_4d(void) {
    // [1,2,2,1] padded H and W by 1 on both sides with the zero point 3 -> [1,4,4,1].
    const int8_t in[] = {10, 20, 30, 40};
    // clang-format off
    const int8_t expected[] = {
        3, 3, 3, 3,
        3, 10, 20, 3,
        3, 30, 40, 3,
        3, 3, 3, 3,
    };
    // clang-format on
    int8_t out[16];
    tm_pad_params p = {4, {1, 2, 2, 1}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0}, 3, 0};
    tm_pad_init(&p);
    tm_pad_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 16);
}

static void test_pad_channels_and_batch(void) {
    // [2,1,1,2] padded: batch [0,1], channels [1,1] -> [3,1,1,4], pad value -128.
    const int8_t in[] = {1, 2, 3, 4};
    const int8_t expected[] = {-128, 1, 2, -128, -128, 3, 4, -128, -128, -128, -128, -128};
    int8_t out[12];
    tm_pad_params p = {4, {2, 1, 1, 2}, {0, 0, 0, 1}, {1, 0, 0, 1}, {0}, -128, 0};
    tm_pad_init(&p);
    tm_pad_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, expected, 12);
}

static void test_pad_nothing_is_a_copy(void) {
    const int8_t in[] = {1, -2, 3, -4, 5, -6};
    int8_t out[6];
    tm_pad_params p = {3, {1, 2, 3}, {0, 0, 0}, {0, 0, 0}, {0}, 99, 0};
    tm_pad_init(&p);
    tm_pad_s8(&p, in, out);
    TM_CHECK_I8_ARRAY(out, in, 6);
}

static void test_pad_empty_input(void) {
    // [0] padded [2,1] -> three pad values, the input is never read.
    int8_t out[3];
    tm_pad_params p = {1, {0}, {2}, {1}, {0}, 7, 0};
    tm_pad_init(&p);
    tm_pad_s8(&p, NULL, out);
    TM_CHECK_EQ(out[0], 7);
    TM_CHECK_EQ(out[1], 7);
    TM_CHECK_EQ(out[2], 7);
}

int main(void) {
    TM_RUN(test_pad_2d);
    TM_RUN(test_pad_image_style_4d);
    TM_RUN(test_pad_channels_and_batch);
    TM_RUN(test_pad_nothing_is_a_copy);
    TM_RUN(test_pad_empty_input);
    return tm_test_summary("test_pad");
}
