// tinyml C tests: CONCATENATION (device/kernels/concatenation.c).
#include "tm_test.h"
#include "concatenation.h"

static void test_concat_inner_axis(void) {
    // [2,2] ++ [2,1] along axis 1 -> [2,3]: outer 2, copies of 2 and 1 elements per row.
    const int8_t a[] = {1, 2, 3, 4};
    const int8_t b[] = {-1, -2};
    const void *inputs[] = {a, b};
    const uint32_t bytes[] = {2, 1};
    const int8_t expected[] = {1, 2, -1, 3, 4, -2};
    int8_t out[6];
    const tm_concatenation_params p = {2, 2, bytes};
    tm_concatenation(&p, inputs, out);
    TM_CHECK_I8_ARRAY(out, expected, 6);
}

static void test_concat_outer_axis(void) {
    // [1,3] ++ [2,3] along axis 0 -> [3,3]: outer 1, whole tensors one after the other.
    const int8_t a[] = {1, 2, 3};
    const int8_t b[] = {4, 5, 6, 7, 8, 9};
    const void *inputs[] = {a, b};
    const uint32_t bytes[] = {3, 6};
    const int8_t expected[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    int8_t out[9];
    const tm_concatenation_params p = {2, 1, bytes};
    tm_concatenation(&p, inputs, out);
    TM_CHECK_I8_ARRAY(out, expected, 9);
}

static void test_concat_channels_three_inputs(void) {
    // [1,2,2,1] ++ [1,2,2,2] ++ [1,2,2,1] along axis 3 -> [1,2,2,4]: outer 4 pixels.
    const int8_t a[] = {10, 20, 30, 40};
    const int8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int8_t c[] = {-1, -2, -3, -4};
    const void *inputs[] = {a, b, c};
    const uint32_t bytes[] = {1, 2, 1};
    const int8_t expected[] = {10, 1, 2, -1, 20, 3, 4, -2, 30, 5, 6, -3, 40, 7, 8, -4};
    int8_t out[16];
    const tm_concatenation_params p = {3, 4, bytes};
    tm_concatenation(&p, inputs, out);
    TM_CHECK_I8_ARRAY(out, expected, 16);
}

static void test_concat_wider_elements(void) {
    // int32 elements: the kernel copies bytes, 4 per element.
    const int32_t a[] = {1, 2};
    const int32_t b[] = {3};
    const void *inputs[] = {a, b};
    const uint32_t bytes[] = {8, 4};
    int32_t out[3];
    const tm_concatenation_params p = {2, 1, bytes};
    tm_concatenation(&p, inputs, out);
    TM_CHECK_EQ(out[0], 1);
    TM_CHECK_EQ(out[1], 2);
    TM_CHECK_EQ(out[2], 3);
}

int main(void) {
    TM_RUN(test_concat_inner_axis);
    TM_RUN(test_concat_outer_axis);
    TM_RUN(test_concat_channels_three_inputs);
    TM_RUN(test_concat_wider_elements);
    return tm_test_summary("test_concatenation");
}
