// Kernel scratch planned in the arena (tm_op_scratch_bytes, tm_node_scratch): a node given scratch
// gets exactly that many bytes inside the arena, clear of the arena tensors that node reads and
// writes, and the place follows the arena when the model is given another one. A node may go
// without (its kernel's generic path) where its scratch would raise the arena: KWS's first
// convolution keeps its im2col scratch (the arena's peak is elsewhere).
// On real models: our gesture model, and KWS (its 10x4 first conv takes im2col scratch) when
// ../shared is there.
#include <stdio.h>
#include <stdlib.h>

#include "tm_test.h"
#include "tm_test_model.h"
#include "tm_ops.h"

static int overlaps(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
    return a < b + b_len && b < a + a_len;
}

// Checks each node's scratch in the current arena; returns how many nodes have some.
static uint32_t check_scratch(const tm_model *m) {
    uint32_t with_scratch = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        const tm_node *n = &m->nodes[i];
        if (!tm_op_has_scratch(n->op)) {
            continue;
        }
        const size_t bytes = tm_op_scratch_bytes(m, n);
        const uint8_t *s = (const uint8_t *)tm_node_scratch(m, n);
        if (bytes == 0 || s == NULL) {
            continue; // none wanted, or none given: it would have raised the arena (fit_kernel_scratch)
        }
        ++with_scratch;
        TM_CHECK(s >= m->arena && s + bytes <= m->arena + m->arena_bytes);
        for (int k = 0; k < n->n_inputs + n->n_outputs; ++k) {
            const tm_tensor *t = k < n->n_inputs ? tm_input(m, n, k) : tm_output(m, n, k - n->n_inputs);
            if (t != NULL && t->in_arena) {
                TM_CHECK(!overlaps(s, bytes, (const uint8_t *)t->data, t->bytes));
            }
        }
    }
    return with_scratch;
}

static void check_model(const char *path, int required, uint32_t min_with_scratch) {
    tm_test_model t;
    if (!tm_test_model_load(&t, path, required)) {
        return;
    }
    tm_model *m = &t.m;
    tm_error err;
    uint8_t *arena = malloc(m->arena_bytes + 1);
    uint8_t *other = malloc(m->arena_bytes + 1);
    TM_CHECK_EQ(tm_model_set_arena(m, arena, m->arena_bytes, &err), TM_OK);
    const uint32_t with_scratch = check_scratch(m);
    TM_CHECK(with_scratch >= min_with_scratch);
    // The same offsets in another arena.
    TM_CHECK_EQ(tm_model_set_arena(m, other, m->arena_bytes, &err), TM_OK);
    TM_CHECK_EQ(check_scratch(m), with_scratch);
    printf("%s: %u nodes, %u with kernel scratch in the arena\n", path, (unsigned)m->n_nodes, (unsigned)with_scratch);
    free(other);
    free(arena);
    tm_test_model_free(&t);
}

static void test_gesture_scratch(void) {
    check_model("models/gesture/gesture.tflite", 1, 0);
}

static void test_kws_scratch(void) {
    check_model("../shared/models/mlperf_tiny/kws_ref_model.tflite", 0, 1);
}

int main(void) {
    TM_RUN(test_gesture_scratch);
    TM_RUN(test_kws_scratch);
    return tm_test_summary("test_node_scratch");
}
