// Per-node profiling in the runtime (tm_model.profile, what Model.profile uses): with a profile set,
// invoke reads the clock exactly once before and once after every node, in node order, and stores
// each node's difference at its own index; with none, it never reads it; the outputs are the same
// either way. On real models: our gesture model, and KWS when ../shared is there.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test.h"
#include "tm_test_model.h"

// Call k (from 1) returns k*k: the node read by calls 2i+1 and 2i+2 takes (2i+2)^2 - (2i+1)^2 = 4i+3.
static uint32_t clock_calls;
static uint32_t square_clock(void) {
    ++clock_calls;
    return clock_calls * clock_calls;
}

// Fills the input with a fixed pattern, runs, and copies output 0 into out (<= cap bytes).
static uint32_t run_once(tm_model *m, uint8_t *out, uint32_t cap) {
    tm_tensor *in = &m->tensors[m->inputs[0]];
    for (uint32_t i = 0; i < in->bytes; ++i) {
        ((uint8_t *)in->data)[i] = (uint8_t)(i * 37u + 11u);
    }
    tm_model_invoke(m);
    const tm_tensor *o = &m->tensors[m->outputs[0]];
    uint32_t n = o->bytes < cap ? o->bytes : cap;
    memcpy(out, o->data, n);
    return n;
}

static void check_model(const char *path, int required) {
    tm_test_model t;
    if (!tm_test_model_load(&t, path, required)) {
        return;
    }
    tm_model *m = &t.m;
    tm_error err;
    void *arena = calloc(1, m->arena_bytes + 1);
    TM_CHECK_EQ(tm_model_set_arena(m, arena, m->arena_bytes, &err), TM_OK);
    TM_CHECK(m->profile == NULL); // off unless the caller sets it

    static uint8_t plain[65536], profiled[65536], again[65536];
    clock_calls = 0;
    uint32_t n_plain = run_once(m, plain, sizeof plain);
    TM_CHECK_EQ(clock_calls, 0);

    uint32_t *times = malloc(m->n_nodes * sizeof *times);
    memset(times, 0xff, m->n_nodes * sizeof *times);
    tm_profile p = {square_clock, times};
    m->profile = &p;
    uint32_t n_profiled = run_once(m, profiled, sizeof profiled);
    TM_CHECK_EQ(clock_calls, 2 * m->n_nodes);
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        TM_CHECK_EQ(times[i], 4 * i + 3);
    }
    TM_CHECK_EQ(n_profiled, n_plain);
    TM_CHECK(memcmp(plain, profiled, n_plain) == 0);

    m->profile = NULL;
    clock_calls = 0;
    run_once(m, again, sizeof again);
    TM_CHECK_EQ(clock_calls, 0);
    TM_CHECK(memcmp(plain, again, n_plain) == 0);
    printf("%s: %u nodes, %u output bytes, profiled run identical\n", path, (unsigned)m->n_nodes, (unsigned)n_plain);

    free(times);
    free(arena);
    tm_test_model_free(&t);
}

static void test_gesture_profile(void) {
    check_model("models/gesture/gesture.tflite", 1);
}

static void test_kws_profile(void) {
    check_model("../shared/models/mlperf_tiny/kws_ref_model.tflite", 0);
}

int main(void) {
    TM_RUN(test_gesture_profile);
    TM_RUN(test_kws_profile);
    return tm_test_summary("test_profile");
}
