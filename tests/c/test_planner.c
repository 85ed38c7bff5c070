// The memory planner: known offsets and peak on small cases, and on random lifetimes the two
// invariants (no two live buffers overlap; the peak is never below the lower bound).
#include "tm_test.h"
#include "tm_planner.h"

#include <string.h>

static void test_two_buffers_disjoint_lifetimes(void) {
    // Never live together: both at offset 0, peak = the larger.
    tm_plan_buffer b[2] = {{64, 0, 0, 99}, {32, 1, 1, 99}};
    uint16_t order[TM_PLAN_SCRATCH(2)];
    TM_CHECK_EQ(tm_plan(b, 2, order), 64);
    TM_CHECK_EQ(b[0].offset, 0);
    TM_CHECK_EQ(b[1].offset, 0);
    TM_CHECK_EQ(tm_plan_lower_bound(b, 2, order), 64);
}

static void test_two_buffers_overlapping(void) {
    // Live together at node 1: side by side, largest first at 0.
    tm_plan_buffer b[2] = {{32, 0, 1, 0}, {64, 1, 2, 0}};
    uint16_t order[TM_PLAN_SCRATCH(2)];
    TM_CHECK_EQ(tm_plan(b, 2, order), 96);
    TM_CHECK_EQ(b[1].offset, 0);
    TM_CHECK_EQ(b[0].offset, 64);
}

static void test_chain(void) {
    // A -> B -> C, each op reads one and writes the next: A [0,1], B [1,2], C [2,3].
    // Lower bound 150 (A+B at node 1, B+C at node 2); A and C share offset 0, B above them.
    tm_plan_buffer b[3] = {{100, 0, 1, 0}, {50, 1, 2, 0}, {100, 2, 3, 0}};
    uint16_t order[TM_PLAN_SCRATCH(3)];
    TM_CHECK_EQ(tm_plan(b, 3, order), 150);
    TM_CHECK_EQ(b[0].offset, 0);
    TM_CHECK_EQ(b[1].offset, 100);
    TM_CHECK_EQ(b[2].offset, 0);
    TM_CHECK_EQ(tm_plan_lower_bound(b, 3, order), 150);
}

static void test_gap_reuse(void) {
    // A [0,3] 16 bytes stays live; B [0,1] 40 and C [2,3] 40 can share one slot after A.
    tm_plan_buffer b[3] = {{16, 0, 3, 0}, {40, 0, 1, 0}, {40, 2, 3, 0}};
    uint16_t order[TM_PLAN_SCRATCH(3)];
    TM_CHECK_EQ(tm_plan(b, 3, order), 56);
    TM_CHECK_EQ(b[1].offset, b[2].offset);
}

static void test_empty(void) {
    uint16_t order[TM_PLAN_SCRATCH(1)];
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
        uint16_t order[TM_PLAN_SCRATCH(N)];
        int n = 1 + (int)(lcg(&seed) % N);
        for (int i = 0; i < n; ++i) {
            b[i].size = 4 * (1 + lcg(&seed) % 64);
            b[i].first = (int32_t)(lcg(&seed) % 16);
            b[i].last = b[i].first + (int32_t)(lcg(&seed) % 5);
        }
        uint64_t peak = tm_plan(b, n, order);
        TM_CHECK(peak >= tm_plan_lower_bound(b, n, order));
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


// The plan's definition, written the slow and obvious way (the planner before it was made fast):
// for each of the four orderings, buffers in that order, each at the lowest of 0 and the ends of
// the placed buffers live with it where it overlaps none of them; the first ordering with the
// smallest peak wins. Orderings, each tie broken by the next key: 0 larger size, earlier first;
// 1 longer span; 2 earlier first; 3 larger size x span; then the index.
static int64_t ref_key(const tm_plan_buffer *x, int ordering) {
    int64_t span = (int64_t)x->last - x->first + 1;
    switch (ordering) {
        case 1:
            return -span;
        case 2:
            return x->first;
        case 3:
            return -(int64_t)x->size * span;
        default:
            return 0;
    }
}

static int ref_before(const tm_plan_buffer *b, int ordering, int i, int j) {
    int64_t ki = ref_key(&b[i], ordering), kj = ref_key(&b[j], ordering);
    if (ki != kj) {
        return ki < kj;
    }
    if (b[i].size != b[j].size) {
        return b[i].size > b[j].size;
    }
    return b[i].first != b[j].first ? b[i].first < b[j].first : i < j;
}

static uint64_t reference_place(tm_plan_buffer *b, int n, int ordering) {
    int done[64] = {0};
    uint64_t peak = 0;
    for (int step = 0; step < n; ++step) {
        int pick = -1;
        for (int i = 0; i < n; ++i) {
            if (!done[i] && (pick < 0 || ref_before(b, ordering, i, pick))) {
                pick = i;
            }
        }
        uint64_t best = UINT64_MAX;
        for (int c = -1; c < n; ++c) {
            if (c >= 0 && (!done[c] || b[c].size == 0)) {
                continue;
            }
            uint64_t cand = c < 0 ? 0 : (uint64_t)b[c].offset + b[c].size;
            int fits = 1;
            for (int k = 0; k < n && fits; ++k) {
                int live_together = b[k].first <= b[pick].last && b[pick].first <= b[k].last;
                fits = !(done[k] && b[k].size && live_together && cand < (uint64_t)b[k].offset + b[k].size
                         && b[k].offset < cand + b[pick].size);
            }
            if (fits && cand < best) {
                best = cand;
            }
        }
        done[pick] = 1;
        b[pick].offset = b[pick].size ? (uint32_t)best : 0;
        if (b[pick].size && best + b[pick].size > peak) {
            peak = best + b[pick].size;
        }
    }
    return peak;
}

static uint64_t reference_plan(tm_plan_buffer *b, int n) {
    int best = 0;
    uint64_t best_peak = UINT64_MAX;
    for (int o = 0; o < 4; ++o) {
        uint64_t peak = reference_place(b, n, o);
        if (peak < best_peak) {
            best_peak = peak;
            best = o;
        }
    }
    return reference_place(b, n, best);
}

static void test_same_plan_as_reference(void) {
    uint32_t seed = 777;
    for (int round = 0; round < 300; ++round) {
        enum { N = 40 };
        tm_plan_buffer b[N], ref[N];
        uint16_t order[TM_PLAN_SCRATCH(N)];
        int n = 1 + (int)(lcg(&seed) % N);
        for (int i = 0; i < n; ++i) {
            b[i].size = (lcg(&seed) % 8 == 0) ? 0 : 4 * (1 + lcg(&seed) % 16);
            b[i].first = (int32_t)(lcg(&seed) % 12);
            b[i].last = b[i].first + (int32_t)(lcg(&seed) % 6);
        }
        memcpy(ref, b, sizeof b);
        TM_CHECK_EQ(tm_plan(b, n, order), reference_plan(ref, n));
        for (int i = 0; i < n; ++i) {
            TM_CHECK_EQ(b[i].offset, ref[i].offset);
        }
    }
}

// More buffers than the multi-ordering limit, all live together: one ordering, packed back to
// back (the lower bound), every buffer inside the peak.
static void test_many_live_together(void) {
    enum { N = TM_PLAN_ONE_ORDERING + 1000 };
    static tm_plan_buffer b[N];
    static uint16_t order[TM_PLAN_SCRATCH(N)];
    for (int i = 0; i < N; ++i) {
        b[i].size = 4 * (1 + i % 7);
        b[i].first = i % 3;
        b[i].last = N;
    }
    uint64_t peak = tm_plan(b, N, order);
    uint64_t bound = tm_plan_lower_bound(b, N, order);
    TM_CHECK_EQ(peak, bound);
    for (int i = 0; i < N; ++i) {
        TM_CHECK((uint64_t)b[i].offset + b[i].size <= peak);
    }
}

// Two 2 GiB buffers live together need 4 GiB: the peak says so, it does not wrap to 0.
static void test_peak_past_4gib(void) {
    tm_plan_buffer b[3] = {{0x80000000u, 0, 1, 0}, {0x80000000u, 0, 1, 0}, {0x40000000u, 1, 1, 0}};
    uint16_t order[TM_PLAN_SCRATCH(3)];
    TM_CHECK_EQ(tm_plan(b, 3, order), 0x140000000ull);
    TM_CHECK_EQ(tm_plan_lower_bound(b, 3, order), 0x140000000ull);
}

int main(void) {
    TM_RUN(test_two_buffers_disjoint_lifetimes);
    TM_RUN(test_two_buffers_overlapping);
    TM_RUN(test_chain);
    TM_RUN(test_gap_reuse);
    TM_RUN(test_empty);
    TM_RUN(test_random_invariants);
    TM_RUN(test_same_plan_as_reference);
    TM_RUN(test_many_live_together);
    TM_RUN(test_peak_past_4gib);
    return tm_test_summary("test_planner");
}
