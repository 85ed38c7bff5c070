// tinyml bare-metal benchmark harness for the Cortex-M cycle estimate (bench/cortexm_bench.py).
// No startup code, no vector table, no I/O: the emulator writes a bench_job (model and heap
// addresses), calls bench_load() then bench_invoke() with LR pointing at a stop address, and
// reads the results back from bench_job. Only bench_invoke() is counted.
#include <stdint.h>
#include <string.h>

#include "tm_model.h"

typedef struct {
    // Set by the emulator.
    const uint8_t *model;
    uint32_t model_len;
    uint8_t *heap; // state + persistent data + arena, 8-byte aligned pieces
    uint32_t heap_len;
    // Set by bench_load().
    int32_t status;
    uint32_t state_bytes;   // state kept after parse: tensor and node records, shapes
    uint32_t persist_bytes; // op-private data from prepare
    uint32_t arena_bytes;
    uint32_t arena_lower_bound;
    uint32_t model_struct_bytes; // sizeof(tm_model)
    uint8_t *input;
    uint32_t input_len;
    uint8_t *output;
    uint32_t output_len;
    char text[TM_ERROR_TEXT_LEN];
} bench_job;

bench_job bench_job_block;
static tm_model model;

static uint8_t *take(uint32_t *used, uint32_t bytes) {
    bench_job *j = &bench_job_block;
    uint32_t at = (*used + 7u) & ~7u;
    if (at + bytes > j->heap_len) {
        return NULL;
    }
    *used = at + bytes;
    return j->heap + at;
}

void bench_load(void) {
    bench_job *j = &bench_job_block;
    tm_error err;
    uint32_t used = 0;
    tm_error_clear(&err);
    err.text[0] = '\0';
    j->model_struct_bytes = sizeof(tm_model);
    if (tm_model_open(&model, j->model, j->model_len, &err) != TM_OK) {
        goto done;
    }
    j->state_bytes = (uint32_t)tm_model_state_bytes(&model);
    uint8_t *state = take(&used, j->state_bytes);
    if (state == NULL) {
        tm_fail(&err, TM_ERR_ARENA, "heap too small for the state");
        goto done;
    }
    if (tm_model_parse(&model, state, &err) != TM_OK) {
        goto done;
    }
    // The planner's scratch at the end of the state is free again, as in the binding.
    used = (uint32_t)(state - j->heap) + (uint32_t)model.state_keep_bytes;
    j->state_bytes = (uint32_t)model.state_keep_bytes;
    j->persist_bytes = (uint32_t)model.persist_bytes;
    j->arena_bytes = (uint32_t)model.arena_bytes;
    j->arena_lower_bound = (uint32_t)model.arena_lower_bound;
    uint8_t *persist = take(&used, j->persist_bytes);
    uint8_t *arena = take(&used, j->arena_bytes);
    if (persist == NULL || arena == NULL) {
        tm_fail(&err, TM_ERR_ARENA, "heap too small for the arena");
        goto done;
    }
    if (tm_model_prepare(&model, persist, &err) != TM_OK
        || tm_model_set_arena(&model, arena, j->arena_bytes, &err) != TM_OK) {
        goto done;
    }
    tm_tensor *in = &model.tensors[model.inputs[0]];
    tm_tensor *out = &model.tensors[model.outputs[0]];
    j->input = (uint8_t *)in->data;
    j->input_len = in->bytes;
    j->output = (uint8_t *)out->data;
    j->output_len = out->bytes;
done:
    j->status = (int32_t)err.status;
    memcpy(j->text, err.text, sizeof(j->text));
}

void bench_invoke(void) {
    tm_model_invoke(&model);
}
