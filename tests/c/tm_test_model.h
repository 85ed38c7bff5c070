// tinyml C tests: a model file opened, parsed and prepared as the binding does, its state and
// persistent memory malloc'd (tm_test_model_free frees them with the file). The arena is the test's.
#ifndef TM_TEST_MODEL_H
#define TM_TEST_MODEL_H

#include <stdio.h>
#include <stdlib.h>

#include "tm_test.h"
#include "tm_test_file.h"
#include "tm_model.h"

typedef struct {
    uint8_t *file;
    size_t len;
    void *state, *persist;
    tm_model m;
} tm_test_model;

static inline void tm_test_model_free(tm_test_model *t) {
    free(t->persist);
    free(t->state);
    free(t->file);
}

// 1 when the model is ready for tm_model_set_arena; 0 when the file is missing (a failed check
// when `required`, else skipped with a note: ../shared is absent) or a step failed (checked; then
// nothing is left to free). Parsed with patch-based inference in `patch_mode` (TM_PATCH_*).
static inline int tm_test_model_load_patch_mode(tm_test_model *t, const char *path, int required, int patch_mode) {
    tm_error err;
    t->state = t->persist = NULL;
    t->file = tm_test_read_file(path, &t->len);
    if (t->file == NULL) {
        if (required) {
            printf("%s: cannot read\n", path);
            TM_CHECK(0);
        } else {
            printf("skip %s (not found)\n", path);
        }
        return 0;
    }
    tm_status s = tm_model_open(&t->m, t->file, t->len, &err);
    TM_CHECK_EQ(s, TM_OK);
    if (s == TM_OK) {
        t->m.patch_mode = (uint8_t)patch_mode;
        t->state = malloc(tm_model_state_bytes(&t->m) + 1);
        s = tm_model_parse(&t->m, t->state, &err);
        TM_CHECK_EQ(s, TM_OK);
    }
    if (s == TM_OK) {
        t->persist = malloc(t->m.persist_bytes + 1);
        s = tm_model_prepare(&t->m, t->persist, &err);
        TM_CHECK_EQ(s, TM_OK);
    }
    if (s != TM_OK) {
        tm_test_model_free(t);
    }
    return s == TM_OK;
}

// The same with the runtime's default patch mode (TM_PATCH_AUTO), as the binding loads.
static inline int tm_test_model_load(tm_test_model *t, const char *path, int required) {
    return tm_test_model_load_patch_mode(t, path, required, TM_PATCH_AUTO);
}


#endif
