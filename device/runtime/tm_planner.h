// tinyml: the activation memory planner - a pure component with no model knowledge.
//
// Input: buffers with a size and a lifetime [first, last] (node indices, inclusive). Two buffers
// whose lifetimes overlap must not overlap in memory. Output: an offset for each buffer and the
// peak (arena bytes).
//
// Algorithm: greedy placement. Buffers are taken in a given order; each is placed at the lowest
// offset where it fits between the buffers already placed whose lifetimes overlap its own
// (candidates: 0 and the end of each such buffer; O(n^3) in the worst case, n is small). The
// planner runs this for several orderings (largest first - TFLM's GreedyMemoryPlanner order -,
// longest-lived first, earliest first, and largest "size x lifetime" first) and keeps the plan
// with the smallest peak. It also reports the lower bound: the largest total size of buffers alive
// at one node, which no plan can beat.
#ifndef TM_PLANNER_H
#define TM_PLANNER_H

#include <stdint.h>
#include <stddef.h>

typedef struct tm_plan_buffer_s {
    uint32_t size;     // bytes (already rounded to the arena alignment by the caller)
    int32_t first;     // first node index where the buffer is live
    int32_t last;      // last node index where the buffer is live (>= first)
    uint32_t offset;   // result
} tm_plan_buffer;

// Plans n buffers; order is scratch for n entries. Returns the peak (arena bytes needed).
size_t tm_plan(tm_plan_buffer *bufs, int n, uint16_t *order);

// The largest sum of sizes of buffers simultaneously live (a lower bound for any plan).
size_t tm_plan_lower_bound(const tm_plan_buffer *bufs, int n);

#endif
