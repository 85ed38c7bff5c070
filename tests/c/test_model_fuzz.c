// The whole runtime as a plain C library on the shared reference models and on corrupted variants
// of them, under ASan + UBSan (the Makefile's host flags): every variant must end in an error with a
// message or in a model that loads, prepares and runs one inference - never an out-of-bounds access.
// Coverage-guided fuzzing of the same path is fuzz/fuzz_model.c (`make fuzz`).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test.h"
#include "tm_test_file.h"
#include "tm_model.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RELEASE(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define RECLAIM(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define RELEASE(p, n) ((void)(p), (void)(n))
#define RECLAIM(p, n) ((void)(p), (void)(n))
#endif

#define MODELS "../shared/models/"
#define VARIANTS_PER_MODEL 3000

// Loads, prepares and runs buf; returns the status. All memory comes from the harness.
static tm_status run_model(const uint8_t *buf, size_t len, tm_error *err, size_t *arena_bytes) {
    tm_model m;
    if (tm_model_open(&m, buf, len, err) != TM_OK) {
        return err->status;
    }
    size_t state_bytes = tm_model_state_bytes(&m);
    void *state = malloc(state_bytes ? state_bytes : 1);
    tm_status s = tm_model_parse(&m, state, err);
    // The planner's scratch after state_keep_bytes is given back after parse (the binding shrinks
    // the block): garbage in it, and under ASan any later access to it is a report.
    uint8_t *tail = (uint8_t *)state + m.state_keep_bytes;
    size_t tail_bytes = s == TM_OK ? state_bytes - m.state_keep_bytes : 0;
    TM_CHECK(m.state_keep_bytes <= state_bytes);
    memset(tail, 0xA5, tail_bytes);
    RELEASE(tail, tail_bytes);
    if (s == TM_OK) {
        void *persist = malloc(m.persist_bytes ? m.persist_bytes : 1);
        s = tm_model_prepare(&m, persist, err);
        if (s == TM_OK) {
            // Only a model that prepared gets its arena (as in the binding): a corrupt shape cannot
            // ask for gigabytes before it is validated.
            void *arena = calloc(1, m.arena_bytes ? m.arena_bytes : 1);
            s = tm_model_set_arena(&m, arena, m.arena_bytes, err);
            if (s == TM_OK) {
                tm_model_invoke(&m);
                *arena_bytes = m.arena_bytes;
            }
            free(arena);
        }
        free(persist);
    }
    RECLAIM(tail, tail_bytes);
    free(state);
    return s;
}

static uint32_t rng_state;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

// One corruption: bit flips (mostly in the first KB, where the tables and offsets live), a
// truncation, a large 32-bit value written over a length/offset-like word, or random bytes.
static size_t mutate(uint8_t *b, size_t len) {
    switch (rng() % 4) {
        case 0: {
            int flips = 1 + (int)(rng() % 4);
            for (int i = 0; i < flips; ++i) {
                size_t region = (rng() % 2) ? (len < 1024 ? len : 1024) : len;
                size_t pos = rng() % region;
                b[pos] ^= (uint8_t)(1u << (rng() % 8));
            }
            return len;
        }
        case 1:
            return rng() % len;
        case 2: {
            static const uint32_t big[] = {0x7fffffffu, 0xffffffffu, 0x80000000u, 0x10000u, 0xfffffffcu};
            size_t pos = (rng() % (len / 4)) * 4;
            uint32_t v = big[rng() % 5];
            memcpy(b + pos, &v, 4);
            return len;
        }
        default: {
            size_t pos = rng() % len;
            size_t n = 1 + rng() % 16;
            for (size_t i = 0; i < n && pos + i < len; ++i) {
                b[pos + i] = (uint8_t)rng();
            }
            return len;
        }
    }
}

// clang-format off
static const char *const models[] = {
    "mlperf_tiny/kws_ref_model.tflite", "mlperf_tiny/vww_96_int8.tflite",
    "mlperf_tiny/pretrainedResnet_quant.tflite", "mlperf_tiny/ad01_int8.tflite",
    "tflm/hello_world_int8.tflite", "tflm/micro_speech_quantized.tflite", "tflm/person_detect.tflite",
};
// clang-format on

static int skipped;

static void fuzz_one(const char *name) {
    char path[256];
    snprintf(path, sizeof path, MODELS "%s", name);
    size_t len;
    uint8_t *orig = tm_test_read_file(path, &len);
    if (orig == NULL) {
        printf("SKIP %s: not found (run from the repository root with ../shared beside it)\n", path);
        ++skipped;
        return;
    }
    tm_error err;
    size_t arena = 0;
    tm_status s = run_model(orig, len, &err, &arena);
    if (s != TM_OK) {
        printf("%s: %s\n", name, err.text);
    }
    TM_CHECK_EQ(s, TM_OK);
    int outcome[5] = {0};
    rng_state = 0x9e3779b9u;
    for (int v = 0; v < VARIANTS_PER_MODEL; ++v) {
        uint8_t *b = malloc(len);
        memcpy(b, orig, len);
        size_t n = mutate(b, len);
        uint8_t *exact = malloc(n ? n : 1); // exact-size copy: ASan catches any read past the end
        memcpy(exact, b, n);
        s = run_model(exact, n, &err, &arena);
        if (s != TM_OK && err.text[0] == '\0') {
            printf("%s variant %d: error %d without a message\n", name, v, (int)s);
            TM_CHECK(0);
        }
        ++outcome[s];
        free(exact);
        free(b);
    }
    printf("%s: %d variants: %d ran, %d corrupt-model errors, %d unsupported, %d other\n", name, VARIANTS_PER_MODEL,
        outcome[TM_OK], outcome[TM_ERR_MODEL], outcome[TM_ERR_UNSUPPORTED],
        outcome[TM_ERR_ARENA] + outcome[TM_ERR_ARGUMENT]);
    free(orig);
}

static void test_shared_models_and_variants(void) {
    for (size_t i = 0; i < sizeof models / sizeof models[0]; ++i) {
        fuzz_one(models[i]);
    }
}

int main(void) {
    TM_RUN(test_shared_models_and_variants);
    return tm_test_summary("test_model_fuzz");
}
