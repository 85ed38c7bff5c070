// tinyml: greedy multi-ordering memory planner. See tm_planner.h.
#include "tm_planner.h"

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

// Insertion sort of the index array (stable, no recursion, n is small).
static void sort_order(const tm_plan_buffer *bufs, int n, uint16_t *order, before_fn before) {
    for (int i = 0; i < n; ++i) {
        order[i] = (uint16_t)i;
    }
    for (int i = 1; i < n; ++i) {
        uint16_t v = order[i];
        int j = i - 1;
        while (j >= 0 && before(&bufs[v], &bufs[order[j]])) {
            order[j + 1] = order[j];
            --j;
        }
        order[j + 1] = v;
    }
}

// True when [off, off + size) is free of every placed buffer live at the same time as b.
static int fits_at(const tm_plan_buffer *bufs, const uint16_t *order, int placed,
    const tm_plan_buffer *b, uint64_t off) {
    for (int k = 0; k < placed; ++k) {
        const tm_plan_buffer *o = &bufs[order[k]];
        if (lifetimes_overlap(o, b) && off < (uint64_t)o->offset + o->size && (uint64_t)o->offset < off + b->size) {
            return 0;
        }
    }
    return 1;
}

// Places every buffer in the given order; returns the peak.
static size_t place_all(tm_plan_buffer *bufs, int n, const uint16_t *order) {
    uint64_t peak = 0;
    for (int i = 0; i < n; ++i) {
        tm_plan_buffer *b = &bufs[order[i]];
        uint64_t best = fits_at(bufs, order, i, b, 0) ? 0 : UINT64_MAX;
        for (int k = 0; k < i && best != 0; ++k) {
            const tm_plan_buffer *o = &bufs[order[k]];
            uint64_t cand = (uint64_t)o->offset + o->size;
            if (lifetimes_overlap(o, b) && cand < best && fits_at(bufs, order, i, b, cand)) {
                best = cand;
            }
        }
        b->offset = (uint32_t)best;
        if (best + b->size > peak) {
            peak = best + b->size;
        }
    }
    return (size_t)peak;
}

size_t tm_plan(tm_plan_buffer *bufs, int n, uint16_t *order) {
    static const before_fn orderings[] = {by_size, by_span, by_first, by_area};
    const int n_orderings = (int)(sizeof(orderings) / sizeof(orderings[0]));
    size_t best_peak = (size_t)-1;
    int best = 0;
    for (int o = 0; o < n_orderings; ++o) {
        sort_order(bufs, n, order, orderings[o]);
        size_t peak = place_all(bufs, n, order);
        if (peak < best_peak) {
            best_peak = peak;
            best = o;
        }
    }
    // Re-run the winner so the offsets in bufs are its offsets.
    sort_order(bufs, n, order, orderings[best]);
    return n > 0 ? place_all(bufs, n, order) : 0;
}

size_t tm_plan_lower_bound(const tm_plan_buffer *bufs, int n) {
    size_t bound = 0;
    for (int i = 0; i < n; ++i) {
        // The live set is largest at some buffer's first node: check each such node.
        size_t live = 0;
        for (int k = 0; k < n; ++k) {
            if (bufs[k].first <= bufs[i].first && bufs[i].first <= bufs[k].last) {
                live += bufs[k].size;
            }
        }
        if (live > bound) {
            bound = live;
        }
    }
    return bound;
}
