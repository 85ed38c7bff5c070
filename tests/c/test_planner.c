// The memory planner: known offsets and peak on small cases, and on random lifetimes the two
// invariants (no two live buffers overlap; the peak is never below the lower bound).
#include "tm_test.h"
#include "tm_planner.h"

static void test_two_buffers_disjoint_lifetimes(void) {
    // Never live together: both at offset 0, peak = the larger.
    tm_plan_buffer b[2] = {{64, 0, 0, 99}, {32, 1, 1, 99}};
    uint16_t order[2];
    TM_CHECK_EQ(tm_plan(b, 2, order), 64);
    TM_CHECK_EQ(b[0].offset, 0);
    TM_CHECK_EQ(b[1].offset, 0);
    TM_CHECK_EQ(tm_plan_lower_bound(b, 2), 64);
}

static void test_two_buffers_overlapping(void) {
    // Live together at node 1: side by side, largest first at 0.
    tm_plan_buffer b[2] = {{32, 0, 1, 0}, {64, 1, 2, 0}};
    uint16_t order[2];
    TM_CHECK_EQ(tm_plan(b, 2, order), 96);
    TM_CHECK_EQ(b[1].offset, 0);
    TM_CHECK_EQ(b[0].offset, 64);
}

static void test_chain(void) {
    // A -> B -> C, each op reads one and writes the next: A [0,1], B [1,2], C [2,3].
    // Lower bound 150 (A+B at node 1, B+C at node 2); A and C share offset 0, B above them.
    tm_plan_buffer b[3] = {{100, 0, 1, 0}, {50, 1, 2, 0}, {100, 2, 3, 0}};
    uint16_t order[3];
    TM_CHECK_EQ(tm_plan(b, 3, order), 150);
    TM_CHECK_EQ(b[0].offset, 0);
    TM_CHECK_EQ(b[1].offset, 100);
    TM_CHECK_EQ(b[2].offset, 0);
    TM_CHECK_EQ(tm_plan_lower_bound(b, 3), 150);
}

static void test_gap_reuse(void) {
    // A [0,3] 16 bytes stays live; B [0,1] 40 and C [2,3] 40 can share one slot after A.
    tm_plan_buffer b[3] = {{16, 0, 3, 0}, {40, 0, 1, 0}, {40, 2, 3, 0}};
    uint16_t order[3];
    TM_CHECK_EQ(tm_plan(b, 3, order), 56);
    TM_CHECK_EQ(b[1].offset, b[2].offset);
}

static void test_empty(void) {
    uint16_t order[1];
    TM_CHECK_EQ(tm_plan(NULL, 0, order), 0);
}

static uint32_t lcg(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_random_invariants(void) {
    uint32_t seed = 12345;
    for (int round = 0; round < 200; ++round) {
        enum { N = 24 };
        tm_plan_buffer b[N];
        uint16_t order[N];
        int n = 1 + (int)(lcg(&seed) % N);
        for (int i = 0; i < n; ++i) {
            b[i].size = 4 * (1 + lcg(&seed) % 64);
            b[i].first = (int32_t)(lcg(&seed) % 16);
            b[i].last = b[i].first + (int32_t)(lcg(&seed) % 5);
        }
        size_t peak = tm_plan(b, n, order);
        TM_CHECK(peak >= tm_plan_lower_bound(b, n));
        for (int i = 0; i < n; ++i) {
            TM_CHECK(b[i].offset + b[i].size <= peak);
            for (int k = i + 1; k < n; ++k) {
                int live_together = b[i].first <= b[k].last && b[k].first <= b[i].last;
                int overlap = b[i].offset < b[k].offset + b[k].size && b[k].offset < b[i].offset + b[i].size;
                TM_CHECK(!(live_together && overlap));
            }
        }
    }
}

int main(void) {
    TM_RUN(test_two_buffers_disjoint_lifetimes);
    TM_RUN(test_two_buffers_overlapping);
    TM_RUN(test_chain);
    TM_RUN(test_gap_reuse);
    TM_RUN(test_empty);
    TM_RUN(test_random_invariants);
    return tm_test_summary("test_planner");
}
