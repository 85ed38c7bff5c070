// tinyml C tests: RESHAPE / SQUEEZE data movement (device/kernels/reshape.c).
#include "tm_test.h"
#include "reshape.h"

static void test_reshape_copies(void) {
    const int8_t in[] = {1, 2, 3, 4, 5, 6};
    int8_t out[6] = {0};
    tm_reshape(in, out, 6);
    TM_CHECK_I8_ARRAY(out, in, 6);
}

static void test_reshape_in_place_is_untouched(void) {
    int8_t buf[] = {9, 8, 7};
    const int8_t expected[] = {9, 8, 7};
    tm_reshape(buf, buf, 3);
    TM_CHECK_I8_ARRAY(buf, expected, 3);
}

int main(void) {
    TM_RUN(test_reshape_copies);
    TM_RUN(test_reshape_in_place_is_untouched);
    return tm_test_summary("test_reshape");
}
