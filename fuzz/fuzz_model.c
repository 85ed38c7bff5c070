// libFuzzer target: the plain C engine (device/runtime, kernels, ops) on arbitrary bytes taken as a
// .tflite model: open -> parse -> prepare -> set_arena -> invoke, with the binding's float I/O
// (tm_io quantize of the inputs, dequantize of the outputs), under ASan + UBSan
// (fuzz/run.sh builds it; `make fuzz` runs it). Every buffer the engine gets is exactly the size
// it asked for and freshly allocated, so any access past one is an ASan report.
//
// What counts as a finding (besides a sanitizer report, a crash or a libFuzzer timeout / OOM):
//   - an error status whose message is empty (every refusal must say why);
//   - an unknown status code;
//   - after set_arena, an activation tensor not wholly inside the arena (check_arena).
// What is refused before it runs, so that the fuzzer does not report the harness's limits:
//   - state, persistent or arena memory above TM_FUZZ_MAX_BYTES (default 4 MiB each): the engine
//     plans 4 GiB arenas for 400-byte models (issue 11 A) and that is the planner's business, not
//     a memory-safety finding here;
//   - an inference whose estimated work (fuzz_work below: MACs and element visits) is above
//     TM_FUZZ_MAX_WORK (default 2,000,000), so libFuzzer's -timeout only fires for real hangs.
// Both limits can be changed with environment variables of the same name.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h> // the target is always built with ASan (fuzz/run.sh)

#include "tm_io.h"
#include "tm_model.h"
#include "tm_patch.h"
#include "tm_ops.h"
#include "pool_2d.h"

static size_t limit_from_env(const char *name, size_t fallback) {
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        return fallback;
    }
    return (size_t)strtoull(v, NULL, 10);
}

static size_t max_bytes;
static uint64_t max_work;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    max_bytes = limit_from_env("TM_FUZZ_MAX_BYTES", (size_t)4 << 20);
    max_work = limit_from_env("TM_FUZZ_MAX_WORK", 2000000u);
    return 0;
}

static uint64_t elements(const tm_tensor *t) {
    return t == NULL ? 0 : (uint64_t)tm_tensor_elements(t);
}

// An upper estimate of one node's inner-loop iterations: every input and output element once,
// plus, per output element, the window a convolution, fully connected or pooling op reduces.
static uint64_t node_work(const tm_model *m, const tm_node *n) {
    uint64_t work = 0;
    for (int i = 0; i < n->n_inputs; ++i) {
        work += elements(tm_input(m, n, i));
    }
    uint64_t out = 0;
    for (int i = 0; i < n->n_outputs; ++i) {
        out += elements(tm_output(m, n, i));
    }
    uint64_t per_output = 1;
    const tm_tensor *w = tm_input(m, n, 1);
    switch (n->op->builtin_code) {
        case TM_BUILTIN_CONV_2D:         // filter [out_c, kh, kw, in_c]
        case TM_BUILTIN_FULLY_CONNECTED: // weights [units, depth]
            if (w != NULL && w->ndim > 0 && w->dims[0] > 0) {
                per_output = elements(w) / (uint64_t)w->dims[0];
            }
            break;
        case TM_BUILTIN_DEPTHWISE_CONV_2D: // filter [1, kh, kw, out_c]
            if (w != NULL && w->ndim == 4) {
                per_output = (uint64_t)w->dims[1] * (uint64_t)w->dims[2];
            }
            break;
        case TM_BUILTIN_AVERAGE_POOL_2D:
        case TM_BUILTIN_MAX_POOL_2D: {
            const tm_pool_params *p = (const tm_pool_params *)n->data;
            if (p != NULL) {
                uint64_t fh = (uint64_t)(p->filter_h < p->in_h ? p->filter_h : p->in_h);
                uint64_t fw = (uint64_t)(p->filter_w < p->in_w ? p->filter_w : p->in_w);
                per_output = fh * fw;
            }
            break;
        }
        default:
            break;
    }
    return work + out * (per_output ? per_output : 1);
}

static uint64_t fuzz_work(const tm_model *m) {
    uint64_t work = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        work += node_work(m, &m->nodes[i]);
    }
    return work;
}

// Deterministic arena contents derived from the input (inputs are not all zero, and a crash
// reproduces from the file alone): xorshift seeded with FNV-1a of the data.
static void fill(uint8_t *p, size_t n, const uint8_t *data, size_t size) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; ++i) {
        h = (h ^ data[i]) * 16777619u;
    }
    h |= 1u;
    for (size_t i = 0; i < n; ++i) {
        h ^= h << 13;
        h ^= h >> 17;
        h ^= h << 5;
        p[i] = (uint8_t)h;
    }
}

// The binding's float I/O (predict with floats): every int8 input quantized from floats taken
// from the fuzz input (NaN, infinities and denormals included), every quantized output dequantized.
static void quantize_inputs(const tm_model *m, const uint8_t *data, size_t size) {
    for (int i = 0; i < m->n_inputs && size >= 4; ++i) {
        const tm_tensor *t = &m->tensors[m->inputs[i]];
        if (t->type != TM_INT8 || t->data == NULL || t->is_const) {
            continue;
        }
        for (int32_t k = 0; k < tm_tensor_elements(t); ++k) {
            float x;
            memcpy(&x, data + ((size_t)k * 4) % (size - 3), 4);
            ((int8_t *)t->data)[k] = (int8_t)tm_quantize_value(x, t->scale, t->zero_point, -128, 127);
        }
    }
}

static float dequantize_outputs(const tm_model *m) {
    float sum = 0.0f;
    for (int i = 0; i < m->n_outputs; ++i) {
        const tm_tensor *t = &m->tensors[m->outputs[i]];
        for (int32_t k = 0; k < tm_tensor_elements(t); ++k) {
            switch (t->type) {
                case TM_INT8:
                    sum += tm_dequantize_value(((const int8_t *)t->data)[k], t->scale, t->zero_point);
                    break;
                case TM_UINT8:
                    sum += tm_dequantize_value(((const uint8_t *)t->data)[k], t->scale, t->zero_point);
                    break;
                case TM_INT16:
                    sum += tm_dequantize_value(((const int16_t *)t->data)[k], t->scale, t->zero_point);
                    break;
                default:
                    break;
            }
        }
    }
    return sum;
}

static volatile float sink;

// After set_arena: every activation tensor lies inside the arena the engine asked for. On a 32-bit
// build (FUZZ_ARCH=i386) this is where a size that wrapped around (issue 11 A) shows up before any
// inference runs.
static void check_arena(const tm_model *m) {
    for (uint32_t i = 0; i < m->n_tensors; ++i) {
        const tm_tensor *t = &m->tensors[i];
        if (!t->in_arena) {
            continue;
        }
        const uint8_t *p = (const uint8_t *)t->data;
        const size_t band = tm_patch_band_bytes(m, (int32_t)i); // a patch chain's band buffer
        const size_t bytes = band != 0 ? band : t->bytes;
        if (p < m->arena || (size_t)(p - m->arena) > m->arena_bytes
            || bytes > m->arena_bytes - (size_t)(p - m->arena)) {
            fprintf(stderr, "fuzz_model: tensor %u (%u bytes at arena offset %lld) is outside the %llu-byte arena\n",
                (unsigned)i, (unsigned)bytes, (long long)(p - m->arena), (unsigned long long)m->arena_bytes);
            abort();
        }
    }
}

static void check_error(tm_status s, const tm_error *err) {
    if (s != TM_ERR_MODEL && s != TM_ERR_UNSUPPORTED && s != TM_ERR_ARENA && s != TM_ERR_ARGUMENT) {
        fprintf(stderr, "fuzz_model: unknown status %d\n", (int)s);
        abort();
    }
    if (err->text[0] == '\0') {
        fprintf(stderr, "fuzz_model: status %d without a message\n", (int)s);
        abort();
    }
}

static void run(const uint8_t *buf, size_t len, const uint8_t *data, size_t size) {
    tm_model m;
    tm_error err;
    tm_error_clear(&err);
    tm_status s = tm_model_open(&m, buf, len, &err);
    if (s != TM_OK) {
        check_error(s, &err);
        return;
    }
    size_t state_bytes = tm_model_state_bytes(&m);
    if (state_bytes > max_bytes) {
        return;
    }
    void *state = malloc(state_bytes ? state_bytes : 1);
    s = tm_model_parse(&m, state, &err);
    // After parse the planner's scratch (past state_keep_bytes) is released, as the binding
    // shrinks the block: any later access to it is an ASan report.
    size_t tail_bytes = s == TM_OK ? state_bytes - m.state_keep_bytes : 0;
    ASAN_POISON_MEMORY_REGION((uint8_t *)state + m.state_keep_bytes, tail_bytes);
    if (s != TM_OK) {
        check_error(s, &err);
    } else if (m.persist_bytes <= max_bytes && m.arena_bytes <= max_bytes) {
        void *persist = malloc(m.persist_bytes ? m.persist_bytes : 1);
        s = tm_model_prepare(&m, persist, &err);
        if (s != TM_OK) {
            check_error(s, &err);
        } else {
            uint8_t *arena = malloc(m.arena_bytes ? m.arena_bytes : 1);
            fill(arena, m.arena_bytes, data, size);
            s = tm_model_set_arena(&m, arena, m.arena_bytes, &err);
            if (s != TM_OK) {
                check_error(s, &err);
            } else if (check_arena(&m), fuzz_work(&m) <= max_work) {
                quantize_inputs(&m, data, size);
                tm_model_invoke(&m);
                sink = dequantize_outputs(&m);
            }
            free(arena);
        }
        free(persist);
    }
    ASAN_UNPOISON_MEMORY_REGION((uint8_t *)state + m.state_keep_bytes, tail_bytes);
    free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // An exact-size copy: libFuzzer's buffer already is one, but the copy is 16-byte aligned as
    // the binding guarantees (a bytes object's data), and the model must not be the fuzzer's memory.
    uint8_t *copy = malloc(size ? size : 1);
    if (size) {
        memcpy(copy, data, size);
    }
    run(copy, size, data, size);
    free(copy);
    return 0;
}
