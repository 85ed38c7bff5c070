// tinyml C tests: numpy-style broadcast descriptors (device/kernels/broadcast.c), used by ADD/MUL.
#include <string.h>

#include "tm_test.h"
#include "broadcast.h"

static void test_same_shape_is_one_elementwise_row(void) {
    // [1,4,4,3] + [1,4,4,3]: size-1 dims dropped, the rest merged into one run of 48.
    const int32_t d[] = {1, 4, 4, 3};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d, 4, d, 4, d, 4), 0);
    TM_CHECK_EQ(bc.ndim, 1);
    TM_CHECK_EQ(bc.dims[0], 48);
    TM_CHECK(tm_broadcast_is_elementwise(&bc));
}

static void test_channel_broadcast_merges_outer_dims(void) {
    // [1,8,8,16] * [16]: outer 64 rows where input 2 repeats (stride 0), inner 16 where both run.
    const int32_t d1[] = {1, 8, 8, 16};
    const int32_t d2[] = {16};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d1, 4, d2, 1, d1, 4), 0);
    TM_CHECK_EQ(bc.ndim, 2);
    TM_CHECK_EQ(bc.dims[0], 64);
    TM_CHECK_EQ(bc.dims[1], 16);
    TM_CHECK_EQ(bc.stride1[0], 16);
    TM_CHECK_EQ(bc.stride1[1], 1);
    TM_CHECK_EQ(bc.stride2[0], 0);
    TM_CHECK_EQ(bc.stride2[1], 1);
    TM_CHECK(!tm_broadcast_is_elementwise(&bc));
}

static void test_both_inputs_broadcast(void) {
    // [2,1,3] + [1,4,1] -> [2,4,3]: three dims, alternating broadcast patterns.
    const int32_t d1[] = {2, 1, 3};
    const int32_t d2[] = {1, 4, 1};
    const int32_t o[] = {2, 4, 3};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d1, 3, d2, 3, o, 3), 0);
    TM_CHECK_EQ(bc.ndim, 3);
    TM_CHECK_EQ(bc.stride1[0], 3);
    TM_CHECK_EQ(bc.stride1[1], 0);
    TM_CHECK_EQ(bc.stride1[2], 1);
    TM_CHECK_EQ(bc.stride2[0], 0);
    TM_CHECK_EQ(bc.stride2[1], 1);
    TM_CHECK_EQ(bc.stride2[2], 0);
}

static void test_scalar_operands(void) {
    // [] + [] -> []: one element. [] + [2,3] -> [2,3]: input 1 stride 0 everywhere.
    const int32_t d[] = {2, 3};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, NULL, 0, NULL, 0, NULL, 0), 0);
    TM_CHECK_EQ(bc.ndim, 1);
    TM_CHECK_EQ(bc.dims[0], 1);
    TM_CHECK_EQ(tm_broadcast_init(&bc, NULL, 0, d, 2, d, 2), 0);
    TM_CHECK_EQ(bc.ndim, 1);
    TM_CHECK_EQ(bc.dims[0], 6);
    TM_CHECK_EQ(bc.stride1[0], 0);
    TM_CHECK_EQ(bc.stride2[0], 1);
}

static void test_rejects_incompatible_shapes(void) {
    const int32_t a[] = {2, 3};
    const int32_t b[] = {3, 2};
    const int32_t wrong_out[] = {2, 4};
    const int32_t out_extra[] = {1, 2, 3};
    const int32_t seven[] = {1, 1, 1, 1, 1, 1, 1};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, a, 2, b, 2, a, 2), -1);         // 3 vs 2
    TM_CHECK_EQ(tm_broadcast_init(&bc, a, 2, a, 2, wrong_out, 2), -1); // output is not the broadcast
    TM_CHECK_EQ(tm_broadcast_init(&bc, a, 2, a, 2, out_extra, 3), 0);  // leading 1 in the output is fine
    TM_CHECK_EQ(tm_broadcast_init(&bc, seven, 7, a, 2, a, 2), -1);     // rank above the maximum
}

// Records (a, b) pairs so the walk order can be checked: out = a * 16 + b.
static void record_row(
    const void *params, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb, int8_t *out, int32_t n) {
    (void)params;
    for (int32_t i = 0; i < n; ++i) {
        out[i] = (int8_t)(a[i * sa] * 16 + b[i * sb]);
    }
}

static void test_run_visits_numpy_order(void) {
    // in1 [2,1,3] = {0,1,2, 3,4,5}; in2 [1,4,1] = {0,1,2,3}; out[i][j][k] = in1[i][0][k]*16 + in2[0][j][0].
    const int32_t d1[] = {2, 1, 3};
    const int32_t d2[] = {1, 4, 1};
    const int32_t o[] = {2, 4, 3};
    const int8_t in1[] = {0, 1, 2, 3, 4, 5};
    const int8_t in2[] = {0, 1, 2, 3};
    int8_t out[24];
    int8_t expected[24];
    for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 4; ++j) {
            for (int k = 0; k < 3; ++k) {
                expected[(i * 4 + j) * 3 + k] = (int8_t)(in1[i * 3 + k] * 16 + in2[j]);
            }
        }
    }
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d1, 3, d2, 3, o, 3), 0);
    memset(out, 0x55, sizeof(out));
    tm_broadcast_run_s8(&bc, in1, in2, out, record_row, NULL);
    TM_CHECK_I8_ARRAY(out, expected, 24);
}

static void test_run_empty_output_writes_nothing(void) {
    const int32_t d[] = {2, 0, 3};
    int8_t out[1] = {42};
    const int8_t in[1] = {1};
    tm_broadcast bc;
    TM_CHECK_EQ(tm_broadcast_init(&bc, d, 3, d, 3, d, 3), 0);
    tm_broadcast_run_s8(&bc, in, in, out, record_row, NULL);
    TM_CHECK_EQ(out[0], 42);
}

int main(void) {
    TM_RUN(test_same_shape_is_one_elementwise_row);
    TM_RUN(test_channel_broadcast_merges_outer_dims);
    TM_RUN(test_both_inputs_broadcast);
    TM_RUN(test_scalar_operands);
    TM_RUN(test_rejects_incompatible_shapes);
    TM_RUN(test_run_visits_numpy_order);
    TM_RUN(test_run_empty_output_writes_nothing);
    return tm_test_summary("test_broadcast");
}
