// tinyml: greedy multi-ordering memory planner. See tm_planner.h.
#include "tm_planner.h"

#include <string.h>

typedef int (*before_fn)(const tm_plan_buffer *a, const tm_plan_buffer *b);

static int lifetimes_overlap(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    return a->first <= b->last && b->first <= a->last;
}

static int64_t span(const tm_plan_buffer *b) {
    return (int64_t)b->last - b->first + 1;
}

static int by_size(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    return a->size != b->size ? a->size > b->size : a->first < b->first;
}

static int by_span(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    return span(a) != span(b) ? span(a) > span(b) : by_size(a, b);
}

static int by_first(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    return a->first != b->first ? a->first < b->first : by_size(a, b);
}

static int by_area(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    int64_t aa = (int64_t)a->size * span(a), bb = (int64_t)b->size * span(b);
    return aa != bb ? aa > bb : by_size(a, b);
}

static int by_last(const tm_plan_buffer *a, const tm_plan_buffer *b) {
    return a->last < b->last;
}

// The total order the sort uses: `before`, then the buffer index (what a stable sort gives).
static int precedes(const tm_plan_buffer *bufs, before_fn before, uint16_t i, uint16_t j) {
    if (before(&bufs[i], &bufs[j])) {
        return 1;
    }
    return !before(&bufs[j], &bufs[i]) && i < j;
}

static void sift_down(const tm_plan_buffer *bufs, before_fn before, uint16_t *a, int root, int n) {
    for (;;) {
        int child = 2 * root + 1;
        if (child >= n) {
            return;
        }
        if (child + 1 < n && precedes(bufs, before, a[child], a[child + 1])) {
            ++child;
        }
        if (!precedes(bufs, before, a[root], a[child])) {
            return;
        }
        uint16_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

// Heap sort of the index array 0..n-1 (O(n log n), no recursion, no extra memory).
static void sort_order(const tm_plan_buffer *bufs, int n, uint16_t *order, before_fn before) {
    for (int i = 0; i < n; ++i) {
        order[i] = (uint16_t)i;
    }
    for (int i = n / 2 - 1; i >= 0; --i) {
        sift_down(bufs, before, order, i, n);
    }
    for (int end = n - 1; end > 0; --end) {
        uint16_t t = order[0];
        order[0] = order[end];
        order[end] = t;
        sift_down(bufs, before, order, 0, end);
    }
}

// Places every buffer in the given order; returns the peak. `placed` (n entries) holds the
// buffers placed so far sorted by offset: a buffer goes at the lowest offset where it misses every
// placed buffer live at the same time, found in one walk up that list (a placed buffer that starts
// at or above candidate + size ends the walk: so does every one after it).
static uint64_t place_all(tm_plan_buffer *bufs, int n, const uint16_t *order, uint16_t *placed) {
    uint64_t peak = 0;
    int n_placed = 0;
    for (int i = 0; i < n; ++i) {
        tm_plan_buffer *b = &bufs[order[i]];
        b->offset = 0;
        if (b->size == 0) {
            continue;
        }
        uint64_t cand = 0;
        for (int k = 0; k < n_placed; ++k) {
            const tm_plan_buffer *o = &bufs[placed[k]];
            uint64_t end = (uint64_t)o->offset + o->size;
            if (o->offset >= cand + b->size) {
                break;
            }
            if (end > cand && lifetimes_overlap(o, b)) {
                cand = end;
            }
        }
        // Offsets are 32-bit: a plan past 4 GiB saturates them, and its peak says it is too large.
        b->offset = cand > UINT32_MAX ? UINT32_MAX : (uint32_t)cand;
        if (cand + b->size > peak) {
            peak = cand + b->size;
        }
        int lo = 0, hi = n_placed;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (bufs[placed[mid]].offset <= b->offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        memmove(&placed[lo + 1], &placed[lo], (size_t)(n_placed - lo) * sizeof placed[0]);
        placed[lo] = order[i];
        ++n_placed;
    }
    return peak;
}

uint64_t tm_plan(tm_plan_buffer *bufs, int n, uint16_t *scratch) {
    static const before_fn orderings[] = {by_size, by_span, by_first, by_area};
    const int n_orderings = n > TM_PLAN_ONE_ORDERING ? 1 : (int)(sizeof(orderings) / sizeof(orderings[0]));
    uint16_t *order = scratch, *placed = scratch + n;
    uint64_t best_peak = UINT64_MAX;
    int best = 0;
    if (n <= 0) {
        return 0;
    }
    for (int o = 0; o < n_orderings; ++o) {
        sort_order(bufs, n, order, orderings[o]);
        uint64_t peak = place_all(bufs, n, order, placed);
        if (peak < best_peak) {
            best_peak = peak;
            best = o;
        }
    }
    if (best == n_orderings - 1) {
        return best_peak; // the offsets in bufs are already the winner's
    }
    sort_order(bufs, n, order, orderings[best]);
    return place_all(bufs, n, order, placed);
}

uint64_t tm_plan_lower_bound(const tm_plan_buffer *bufs, int n, uint16_t *scratch) {
    // Sweep over the buffers in order of their first node, dropping those whose last node is
    // before it: the live set is largest at some buffer's first node.
    uint16_t *by_start = scratch, *by_end = scratch + n;
    sort_order(bufs, n, by_start, by_first);
    sort_order(bufs, n, by_end, by_last);
    uint64_t live = 0, bound = 0;
    int e = 0;
    for (int i = 0; i < n; ++i) {
        const tm_plan_buffer *b = &bufs[by_start[i]];
        while (e < n && bufs[by_end[e]].last < b->first) {
            live -= bufs[by_end[e++]].size;
        }
        live += b->size;
        if (live > bound) {
            bound = live;
        }
    }
    return bound;
}
