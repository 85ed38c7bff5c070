// tinyml host runner: load, prepare and invoke a model with the plain C engine (device/runtime,
// device/kernels, device/ops), no MicroPython. Built into a shared library by host tests
// (test_conv_fc_tflm.py) and called through ctypes, so that op glue + kernels can be compared
// with TFLM on thousands of generated single-op models in seconds.
//
// int tm_host_run(model, model_len, n_inputs, inputs, input_lens, n_outputs, outputs, output_lens,
//                 errbuf, errbuf_len)
//   Copies the model into an aligned private buffer, runs the four load steps with malloc'd
//   state / persistent memory / arena of exactly the reported sizes, copies each input in
//   (its length must equal the tensor's bytes), invokes once and copies the outputs out.
//   Returns 0 (TM_OK) or the tm_status of the first error, whose text goes to errbuf
//   ("node N: ..." when the error belongs to a node).
//
// int tm_host_run_steps(model, model_len, n_steps, reset_every, n_inputs, inputs, input_lens,
//                       n_outputs, outputs, output_lens, errbuf, errbuf_len)
//   The same, invoking n_steps times on one loaded model (recurrent state carries over): input i
//   holds n_steps inputs back to back (input_lens[i] = n_steps x the tensor's bytes), output i
//   receives n_steps outputs. reset_every > 0: tm_model_reset_state() before every step k > 0
//   with k % reset_every == 0. tm_host_run is tm_host_run_steps with one step.
#include <stdlib.h>
#include <string.h>

#include "tm_model.h"

int tm_host_model_offset = 0;

static void put_error(const tm_error *err, char *errbuf, size_t errbuf_len) {
    if (errbuf == NULL || errbuf_len == 0) {
        return;
    }
    char node[24] = "";
    if (err->node >= 0) {
        // "node N: " without printf (the engine builds freestanding; keep this file alike).
        char digits[12];
        int n = 0, v = err->node;
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        size_t pos = 0;
        memcpy(node, "node ", 5);
        pos = 5;
        while (n > 0) {
            node[pos++] = digits[--n];
        }
        node[pos++] = ':';
        node[pos++] = ' ';
        node[pos] = '\0';
    }
    size_t a = strlen(node), b = strlen(err->text);
    if (a >= errbuf_len) {
        a = errbuf_len - 1;
    }
    memcpy(errbuf, node, a);
    if (b > errbuf_len - 1 - a) {
        b = errbuf_len - 1 - a;
    }
    memcpy(errbuf + a, err->text, b);
    errbuf[a + b] = '\0';
}

int tm_host_run_steps(const uint8_t *model_bytes, size_t model_len, int n_steps, int reset_every, int n_inputs,
    const uint8_t *const *inputs, const size_t *input_lens, int n_outputs, uint8_t *const *outputs,
    const size_t *output_lens, char *errbuf, size_t errbuf_len) {
    tm_error err;
    tm_model m;
    tm_error_clear(&err);
    err.text[0] = '\0';
    // malloc'd memory is aligned for any type: the copy is what a user's bytes object would be;
    // tm_host_model_offset 4 places it 4 bytes further (4- but not 8-byte aligned, which the
    // loader accepts: int64 data must then be read without assuming 8-byte alignment).
    uint8_t *block = (uint8_t *)malloc((model_len ? model_len : 1) + 8);
    uint8_t *buf = block != NULL ? block + (tm_host_model_offset & 4) : NULL;
    void *state = NULL, *persist = NULL, *arena = NULL;
    int status = TM_OK;
    if (buf == NULL) {
        tm_fail(&err, TM_ERR_ARENA, "out of memory");
        goto done;
    }
    memcpy(buf, model_bytes, model_len);
    if (tm_model_open(&m, buf, model_len, &err) != TM_OK) {
        goto done;
    }
    state = malloc(tm_model_state_bytes(&m) + 1);
    if (state == NULL || tm_model_parse(&m, state, &err) != TM_OK) {
        goto done;
    }
    // Exact sizes (at least 1 byte): a sanitizer build catches any access past them.
    persist = malloc(m.persist_bytes ? m.persist_bytes : 1);
    arena = malloc(m.arena_bytes ? m.arena_bytes : 1);
    if (persist == NULL || arena == NULL) {
        tm_fail(&err, TM_ERR_ARENA, "out of memory");
        goto done;
    }
    if (tm_model_prepare(&m, persist, &err) != TM_OK || tm_model_set_arena(&m, arena, m.arena_bytes, &err) != TM_OK) {
        goto done;
    }
    if (n_inputs != m.n_inputs || n_outputs != m.n_outputs) {
        tm_fail(
            &err, TM_ERR_ARGUMENT, "model has %u inputs and %u outputs", (unsigned)m.n_inputs, (unsigned)m.n_outputs);
        goto done;
    }
    for (int i = 0; i < n_inputs; ++i) {
        tm_tensor *t = &m.tensors[m.inputs[i]];
        if (input_lens[i] != (size_t)n_steps * t->bytes) {
            tm_fail(
                &err, TM_ERR_ARGUMENT, "input %d has %z bytes, the tensor %u", i, input_lens[i], (unsigned)t->bytes);
            goto done;
        }
    }
    for (int i = 0; i < n_outputs; ++i) {
        if (output_lens[i] != (size_t)n_steps * m.tensors[m.outputs[i]].bytes) {
            tm_fail(&err, TM_ERR_ARGUMENT, "output %d has %z bytes, the tensor %u", i, output_lens[i],
                (unsigned)m.tensors[m.outputs[i]].bytes);
            goto done;
        }
    }
    for (int k = 0; k < n_steps; ++k) {
        if (reset_every > 0 && k > 0 && k % reset_every == 0) {
            tm_model_reset_state(&m);
        }
        for (int i = 0; i < n_inputs; ++i) {
            tm_tensor *t = &m.tensors[m.inputs[i]];
            memcpy(t->data, inputs[i] + (size_t)k * t->bytes, t->bytes);
        }
        tm_model_invoke(&m);
        for (int i = 0; i < n_outputs; ++i) {
            const tm_tensor *t = &m.tensors[m.outputs[i]];
            memcpy(outputs[i] + (size_t)k * t->bytes, t->data, t->bytes);
        }
    }
done:
    status = (int)err.status;
    if (status != TM_OK) {
        put_error(&err, errbuf, errbuf_len);
    } else if (errbuf != NULL && errbuf_len > 0) {
        errbuf[0] = '\0';
    }
    free(arena);
    free(persist);
    free(state);
    free(block);
    return status;
}

int tm_host_run(const uint8_t *model_bytes, size_t model_len, int n_inputs, const uint8_t *const *inputs,
    const size_t *input_lens, int n_outputs, uint8_t *const *outputs, const size_t *output_lens, char *errbuf,
    size_t errbuf_len) {
    return tm_host_run_steps(model_bytes, model_len, 1, 0, n_inputs, inputs, input_lens, n_outputs, outputs,
        output_lens, errbuf, errbuf_len);
}
