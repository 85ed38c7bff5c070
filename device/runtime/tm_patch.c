// tinyml: patch-based inference. See tm_patch.h.
#include "tm_patch.h"

#include <string.h>

#define ALIGN_UP(n) (((n) + 3u) & ~3u) // the arena alignment (tm_model.c TM_ARENA_ALIGN)

// The input rows [*lo, *hi) that output rows [a, b) read, clipped to the image.
static void input_rows(const tm_row_geom *g, int32_t a, int32_t b, int32_t *lo, int32_t *hi) {
    int32_t l = a * g->stride - g->pad;
    int32_t h = (b - 1) * g->stride - g->pad + g->extent;
    l = l < 0 ? 0 : l;
    h = h > g->in_h ? g->in_h : h;
    *lo = l;
    *hi = h < l ? l : h;
}

// Band j's output row range of every node of the chain: ranges[2k], ranges[2k + 1] for node k;
// ranges[2 * count], [2 * count + 1] hold the chain input's rows.
static void band_ranges(const tm_row_geom *geom, int count, int32_t rows, int32_t j, int32_t *ranges) {
    const int32_t out_h = geom[count - 1].out_h;
    int32_t a = j * rows, b = a + rows > out_h ? out_h : a + rows;
    for (int k = count - 1; k >= 0; --k) {
        ranges[2 * k] = a;
        ranges[2 * k + 1] = b;
        input_rows(&geom[k], a, b, &a, &b);
    }
    ranges[2 * count] = a;
    ranges[2 * count + 1] = b;
}

// Over all bands of `rows` output rows of the chain: the most rows node k computes for one band
// (max_rows[k], its band buffer's height), and the MACs of all bands (halo rows counted each time).
static uint64_t band_extents(const tm_row_geom *geom, int count, int32_t rows, int32_t *max_rows) {
    int32_t ranges[2 * TM_PATCH_MAX_NODES + 2];
    const int32_t out_h = geom[count - 1].out_h;
    uint64_t computed = 0;
    for (int k = 0; k < count; ++k) {
        max_rows[k] = 0;
    }
    for (int32_t j = 0; j * rows < out_h; ++j) {
        band_ranges(geom, count, rows, j, ranges);
        for (int k = 0; k < count; ++k) {
            const int32_t r = ranges[2 * k + 1] - ranges[2 * k];
            computed += (uint64_t)geom[k].macs_per_row * (uint32_t)r;
            max_rows[k] = r > max_rows[k] ? r : max_rows[k];
        }
    }
    return computed;
}

static int32_t activation_input(const tm_model *m, uint32_t node) {
    return tm_node_input_index(m, &m->nodes[node], 0);
}

static int32_t only_output(const tm_model *m, uint32_t node) {
    const tm_node *n = &m->nodes[node];
    return n->n_outputs == 1 ? tm_node_output_index(m, n, 0) : -1;
}

static int is_model_output(const tm_model *m, int32_t t) {
    for (int i = 0; i < m->n_outputs; ++i) {
        if (m->outputs[i] == t) {
            return 1;
        }
    }
    return 0;
}

// Node `node` reads tensor t as its activation input and nothing else reads it.
static int sole_reader(const tm_model *m, const tm_plan_buffer *plan, uint32_t node, int32_t t) {
    if (t < 0 || activation_input(m, node) != t || is_model_output(m, t) || plan[t].last != (int32_t)node) {
        return 0;
    }
    const tm_node *n = &m->nodes[node];
    for (int i = 1; i < n->n_inputs; ++i) {
        if (tm_node_input_index(m, n, i) == t) {
            return 0;
        }
    }
    return 1;
}

typedef struct {
    uint32_t first;
    int count;
    int32_t rows;
    uint64_t extra_macs;
    uint64_t score;
} candidate;

// Sizes and lifetimes of chain (first, count, rows) applied to plan; saved[] keeps what it changed.
typedef struct {
    uint32_t size[TM_PATCH_MAX_NODES];
    int32_t in_last, out_first;
} saved_plan;

static uint64_t apply(const tm_model *m, tm_plan_buffer *plan, const tm_row_geom *geom, const candidate *c,
    saved_plan *s, int32_t *max_rows) {
    const uint64_t computed = band_extents(geom, c->count, c->rows, max_rows);
    uint64_t needed = 0;
    for (int k = 0; k < c->count; ++k) {
        needed += (uint64_t)geom[k].macs_per_row * (uint32_t)geom[k].out_h;
    }
    const int32_t in_t = activation_input(m, c->first);
    const int32_t out_t = only_output(m, c->first + (uint32_t)c->count - 1);
    for (int k = 0; k + 1 < c->count; ++k) {
        const int32_t t = only_output(m, c->first + (uint32_t)k);
        s->size[k] = plan[t].size;
        plan[t].size = ALIGN_UP((uint32_t)max_rows[k] * geom[k].out_row_bytes);
    }
    s->in_last = plan[in_t].last;
    s->out_first = plan[out_t].first;
    const int32_t last = (int32_t)(c->first + (uint32_t)c->count - 1);
    plan[in_t].last = plan[in_t].last > last ? plan[in_t].last : last;
    plan[out_t].first = plan[out_t].first < (int32_t)c->first ? plan[out_t].first : (int32_t)c->first;
    return computed - needed;
}

static void restore(const tm_model *m, tm_plan_buffer *plan, const candidate *c, const saved_plan *s) {
    for (int k = 0; k + 1 < c->count; ++k) {
        plan[only_output(m, c->first + (uint32_t)k)].size = s->size[k];
    }
    plan[activation_input(m, c->first)].last = s->in_last;
    plan[only_output(m, c->first + (uint32_t)c->count - 1)].first = s->out_first;
}

// The chain starting at node `first`: its length (>= 1 if node first runs by rows), geom filled.
static int chain_at(tm_model *m, const tm_plan_buffer *plan, uint32_t first, tm_row_geom *geom) {
    int count = 0;
    for (uint32_t i = first; i < m->n_nodes && count < TM_PATCH_MAX_NODES; ++i) {
        if (only_output(m, i) < 0 || !tm_model_node_row_geom(m, i, &geom[count])) {
            break;
        }
        if (count > 0 && !sole_reader(m, plan, i, only_output(m, i - 1))) {
            break;
        }
        if (count > 0 && geom[count].in_h != geom[count - 1].out_h) {
            break;
        }
        ++count;
    }
    return count;
}

// The first node where the most bytes are live: only a chain through it can lower the peak (a
// chain shrinks only tensors live inside it). O(nodes x tensors): for models of at most
// TM_PLAN_ONE_ORDERING tensors.
static uint32_t peak_node(const tm_model *m, const tm_plan_buffer *plan, int n) {
    uint64_t best = 0;
    uint32_t at = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        uint64_t live = 0;
        for (int t = 0; t < n; ++t) {
            if (plan[t].first <= (int32_t)i && (int32_t)i <= plan[t].last) {
                live += plan[t].size;
            }
        }
        if (live > best) {
            best = live;
            at = i;
        }
    }
    return at;
}

// FNV-1a over the geometry's fields (the struct has no padding: 8 x 32 bits).
static uint32_t geom_checksum(const tm_row_geom *geom, int count) {
    const uint8_t *b = (const uint8_t *)geom;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < (size_t)count * sizeof geom[0]; ++i) {
        h = (h ^ b[i]) * 16777619u;
    }
    return h;
}

size_t tm_patch_persist_bytes(const tm_model *m) {
    return (size_t)m->patch.count * sizeof(tm_row_geom);
}

tm_status tm_patch_prepare(tm_model *m, tm_error *err) {
    tm_patch_plan *p = &m->patch;
    if (p->count == 0) {
        return TM_OK;
    }
    p->geom = (tm_row_geom *)tm_model_persist_alloc(m, tm_patch_persist_bytes(m));
    if (p->geom == NULL) {
        return tm_fail(err, TM_ERR_ARENA, "persistent memory too small for the patch plan");
    }
    for (int k = 0; k < p->count; ++k) {
        if (!tm_model_node_row_geom(m, p->first + (uint32_t)k, &p->geom[k])) {
            p->geom_sum ^= 1u; // cannot match below
            break;
        }
    }
    if (geom_checksum(p->geom, p->count) != p->geom_sum) {
        return tm_fail(err, TM_ERR_MODEL, "the model changed between parse and prepare (patch chain at node %u)",
            (unsigned)p->first);
    }
    return TM_OK;
}

uint64_t tm_patch_choose(tm_model *m, tm_plan_buffer *plan, int n, uint16_t *scratch, uint64_t arena) {
    memset(&m->patch, 0, sizeof m->patch);
    m->patch.arena_unpatched = (size_t)arena;
    m->patch.bound_unpatched = (size_t)tm_plan_lower_bound(plan, n, scratch);
    tm_row_geom geom[TM_PATCH_MAX_NODES];
    uint64_t macs = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        if (tm_model_node_row_geom(m, i, &geom[0])) {
            macs += (uint64_t)geom[0].macs_per_row * (uint32_t)geom[0].out_h;
        }
    }
    m->patch.macs = macs;
    if (m->patch_mode == TM_PATCH_OFF || n > TM_PLAN_ONE_ORDERING) {
        return arena;
    }
    // Auto: the chains through the peak node. On: every chain (one that saves nothing included).
    const int forced = m->patch_mode == TM_PATCH_ON;
    const uint32_t peak = forced ? m->n_nodes - 1 : peak_node(m, plan, n);
    const uint32_t lowest = forced || peak < TM_PATCH_MAX_NODES ? 0 : peak - TM_PATCH_MAX_NODES + 1;
    candidate best = {0, 0, 0, 0, UINT64_MAX};
    int32_t max_rows[TM_PATCH_MAX_NODES];
    saved_plan saved;
    int budget = TM_PATCH_MAX_CANDIDATES;
    for (uint32_t first = lowest; first <= peak && budget > 0; ++first) {
        const int len = chain_at(m, plan, first, geom);
        const int shortest = forced || peak - first < 1 ? 2 : (int)(peak - first) + 1;
        for (int count = shortest; count <= len; ++count) {
            const int32_t out_h = geom[count - 1].out_h;
            for (int32_t rows = 1; rows < out_h && budget-- > 0; rows = rows < 4 ? rows + 1 : rows * 3 / 2) {
                candidate c = {first, count, rows, 0, 0};
                c.extra_macs = apply(m, plan, geom, &c, &saved, max_rows);
                c.score = tm_plan_lower_bound(plan, n, scratch);
                restore(m, plan, &c, &saved);
                if (c.extra_macs * 100 <= macs * TM_PATCH_MAX_EXTRA_PERCENT
                    && (c.score < best.score || (c.score == best.score && c.extra_macs < best.extra_macs))) {
                    best = c;
                }
            }
        }
    }
    if (best.count == 0) {
        return arena;
    }
    chain_at(m, plan, best.first, geom);
    apply(m, plan, geom, &best, &saved, max_rows);
    const uint64_t patched = tm_plan(plan, n, scratch);
    if (m->patch_mode == TM_PATCH_AUTO && patched >= arena) {
        restore(m, plan, &best, &saved);
        return tm_plan(plan, n, scratch);
    }
    m->patch.first = (uint16_t)best.first;
    m->patch.count = (uint16_t)best.count;
    m->patch.rows = best.rows;
    m->patch.extra_macs = best.extra_macs;
    m->patch.geom_sum = geom_checksum(geom, best.count);
    return patched;
}

size_t tm_patch_band_bytes(const tm_model *m, int32_t t) {
    const tm_patch_plan *p = &m->patch;
    for (int k = 0; k + 1 < p->count && p->geom != NULL; ++k) {
        if (only_output(m, p->first + (uint32_t)k) == t) {
            int32_t max_rows[TM_PATCH_MAX_NODES];
            band_extents(p->geom, p->count, p->rows, max_rows);
            return (size_t)max_rows[k] * p->geom[k].out_row_bytes;
        }
    }
    return 0;
}

void tm_patch_run(const tm_model *m, const tm_profile *prof) {
    const tm_patch_plan *p = &m->patch;
    const int count = p->count;
    uint32_t *times = prof != NULL ? prof->times + p->first : NULL;
    for (int k = 0; times != NULL && k < count; ++k) {
        times[k] = 0;
    }
    int32_t ranges[2 * TM_PATCH_MAX_NODES + 2];
    const int32_t out_h = p->geom[count - 1].out_h;
    const tm_node *nodes = &m->nodes[p->first];
    for (int32_t j = 0; j * p->rows < out_h; ++j) {
        band_ranges(p->geom, count, p->rows, j, ranges);
        // Node k reads rows ranges[2k - 2 .. 2k - 1] (the chain input's for k = 0: ranges[2 count]).
        const int8_t *in =
            (const int8_t *)tm_input(m, &nodes[0], 0)->data + (size_t)ranges[2 * count] * p->geom[0].in_row_bytes;
        int32_t in_row0 = ranges[2 * count], in_rows = ranges[2 * count + 1] - ranges[2 * count];
        for (int k = 0; k < count; ++k) {
            int8_t *out = (int8_t *)tm_output(m, &nodes[k], 0)->data;
            if (k == count - 1) {
                out += (size_t)ranges[2 * k] * p->geom[k].out_row_bytes;
            }
            const int32_t out_rows = ranges[2 * k + 1] - ranges[2 * k];
            const uint32_t t0 = times != NULL ? prof->clock() : 0;
            tm_op_rows_of(nodes[k].op)->eval_rows(m, &nodes[k], in, in_row0, in_rows, out, ranges[2 * k], out_rows);
            if (times != NULL) {
                times[k] += prof->clock() - t0; // each node's bands add up
            }
            in = out;
            in_row0 = ranges[2 * k];
            in_rows = out_rows;
        }
    }
}
