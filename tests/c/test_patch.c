// Patch-based inference in the runtime (tm_patch.h) on the shared CNNs (VWW, person_detect; skipped
// when ../shared is missing): with patches forced on, auto and off, the outputs are the same byte
// for byte on several inputs; a patched plan is smaller than the unpatched one and within the MAC
// budget; and a run in an arena poisoned past the size the plan claims (two poison bytes) writes
// nothing past it, while writing its last byte region (the plan is not oversized either). Profiled,
// every chain node gets the sum of its bands' times, one clock pair per band.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test.h"
#include "tm_test_model.h"

#define GUARD 4096
#define N_INPUTS 3

typedef struct {
    tm_test_model t;
    tm_model *m;
    uint8_t *arena;
} loaded;

static void unload(loaded *l) {
    free(l->arena);
    tm_test_model_free(&l->t);
}

// The model in patch `mode`, in an arena of the planned size followed by GUARD bytes, all `poison`.
// 0 when the file is missing (skipped) or a step failed (checked).
static int load(loaded *l, const char *path, int mode, uint8_t poison) {
    tm_error err;
    if (!tm_test_model_load_patch_mode(&l->t, path, 0, mode)) {
        return 0;
    }
    l->m = &l->t.m;
    l->arena = malloc(l->m->arena_bytes + GUARD);
    memset(l->arena, poison, l->m->arena_bytes + GUARD);
    const tm_status s = tm_model_set_arena(l->m, l->arena, l->m->arena_bytes, &err);
    TM_CHECK_EQ(s, TM_OK);
    if (s != TM_OK) {
        unload(l);
    }
    return s == TM_OK;
}

// Input k: a fixed pattern per k; output 0 into out. Returns one past the last arena byte not poison.
static size_t run(loaded *l, int k, uint8_t poison, uint8_t *out, uint32_t *out_len) {
    tm_tensor *in = &l->m->tensors[l->m->inputs[0]];
    for (uint32_t i = 0; i < in->bytes; ++i) {
        ((uint8_t *)in->data)[i] = (uint8_t)(i * (37u + 2u * (uint32_t)k) + 11u * (uint32_t)k);
    }
    tm_model_invoke(l->m);
    const tm_tensor *o = &l->m->tensors[l->m->outputs[0]];
    memcpy(out, o->data, o->bytes);
    *out_len = o->bytes;
    size_t end = l->m->arena_bytes + GUARD;
    while (end > 0 && l->arena[end - 1] == poison) {
        --end;
    }
    return end;
}

static uint32_t clock_calls;
static uint32_t count_clock(void) {
    return ++clock_calls;
}

static void check_model(const char *path) {
    static const uint8_t poison[2] = {0x5A, 0xA5};
    static const int modes[3] = {TM_PATCH_OFF, TM_PATCH_ON, TM_PATCH_AUTO};
    static uint8_t ref[N_INPUTS][64], out[64];
    uint32_t ref_len = 0, out_len = 0;
    size_t arena[3] = {0, 0, 0};
    for (int mi = 0; mi < 3; ++mi) {
        for (int pi = 0; pi < 2; ++pi) {
            loaded l;
            if (!load(&l, path, modes[mi], poison[pi])) {
                return; // the file is missing (skipped) or did not load (a failed check)
            }
            arena[mi] = l.m->arena_bytes;
            TM_CHECK_EQ(l.m->patch.count != 0, modes[mi] != TM_PATCH_OFF);
            TM_CHECK(l.m->patch.extra_macs * 100 <= l.m->patch.macs * 15);
            for (int k = 0; k < N_INPUTS; ++k) {
                size_t end = run(&l, k, poison[pi], mi == 0 ? ref[k] : out, mi == 0 ? &ref_len : &out_len);
                TM_CHECK(end <= l.m->arena_bytes);     // nothing written past the plan
                TM_CHECK(end + 64 > l.m->arena_bytes); // and its last bytes are used
                if (mi > 0) {
                    TM_CHECK_EQ(out_len, ref_len);
                    TM_CHECK(memcmp(out, ref[k], ref_len) == 0);
                }
            }
            if (modes[mi] == TM_PATCH_ON && pi == 0) {
                uint32_t *times = calloc(l.m->n_nodes, sizeof *times);
                tm_profile p = {count_clock, times};
                l.m->profile = &p;
                clock_calls = 0;
                run(&l, 0, poison[pi], out, &out_len);
                TM_CHECK(memcmp(out, ref[0], ref_len) == 0);
                const tm_patch_plan *pp = &l.m->patch;
                const uint32_t bands = (uint32_t)((pp->geom[pp->count - 1].out_h + pp->rows - 1) / pp->rows);
                TM_CHECK_EQ(clock_calls, 2 * (l.m->n_nodes - pp->count) + 2 * pp->count * bands);
                for (uint32_t k = 0; k < pp->count; ++k) {
                    TM_CHECK_EQ(times[pp->first + k], bands); // each band's clock pair differs by 1
                }
                free(times);
            }
            unload(&l);
        }
    }
    TM_CHECK(arena[1] < arena[0]);
    TM_CHECK_EQ(arena[2], arena[1]);
    printf("%s: arena %u B unpatched, %u B patched, outputs identical\n", path, (unsigned)arena[0], (unsigned)arena[1]);
}

static void test_vww(void) {
    check_model("../shared/models/mlperf_tiny/vww_96_int8.tflite");
}

static void test_person_detect(void) {
    check_model("../shared/models/tflm/person_detect.tflite");
}

int main(void) {
    TM_RUN(test_vww);
    TM_RUN(test_person_detect);
    return tm_test_summary("test_patch");
}
