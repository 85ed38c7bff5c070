// tinyml: the activation memory planner - a pure component with no model knowledge.
//
// Input: buffers with a size and a lifetime [first, last] (node indices, inclusive). Two buffers
// whose lifetimes overlap must not overlap in memory. Output: an offset for each buffer and the
// peak (arena bytes).
//
// Algorithm: greedy placement. Buffers are taken in a given order; each is placed at the lowest
// offset where it misses every buffer already placed whose lifetime overlaps its own (one walk up
// the placed buffers kept sorted by offset). The planner runs this for several orderings (largest
// first - TFLM's GreedyMemoryPlanner order -, longest-lived first, earliest first, and largest
// "size x lifetime" first) and keeps the plan with the smallest peak; past TM_PLAN_ONE_ORDERING
// buffers it runs the first ordering only. Cost: O(n log n) to sort, O(n) per placement, so
// O(n^2) in all with a small constant (32,000 buffers all live at once: see tests/c/test_planner.c).
// It also reports the lower bound: the largest total size of buffers alive at one node, which no
// plan can beat (a sweep, O(n log n)).
//
// Sizes and the peak are 64-bit, so a caller on a 32-bit target sees a plan that does not fit its
// address space instead of a wrapped one; offsets are 32-bit and saturate past 4 GiB.
#ifndef TM_PLANNER_H
#define TM_PLANNER_H

#include <stdint.h>
#include <stddef.h>

typedef struct tm_plan_buffer_s {
    uint32_t size;   // bytes (already rounded to the arena alignment by the caller)
    int32_t first;   // first node index where the buffer is live
    int32_t last;    // last node index where the buffer is live (>= first)
    uint32_t offset; // result
} tm_plan_buffer;

// Plans at most 65,535 buffers.
#define TM_PLAN_MAX_BUFFERS 65535
// Above this many buffers only one ordering is tried.
#define TM_PLAN_ONE_ORDERING 4096

// Scratch entries tm_plan and tm_plan_lower_bound need for n buffers.
#define TM_PLAN_SCRATCH(n) (2 * (size_t)(n))

// Plans n buffers; scratch holds TM_PLAN_SCRATCH(n) entries. Returns the peak (arena bytes needed).
uint64_t tm_plan(tm_plan_buffer *bufs, int n, uint16_t *scratch);

// The largest sum of sizes of buffers simultaneously live (a lower bound for any plan).
uint64_t tm_plan_lower_bound(const tm_plan_buffer *bufs, int n, uint16_t *scratch);

#endif
