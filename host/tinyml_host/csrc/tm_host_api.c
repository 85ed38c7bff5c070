// tinyml host API: the device's plain C engine (device/runtime, device/kernels, device/ops) built
// as a host shared library and called by tinyml_host/native.py through ctypes. The host SDK asks
// *this* code which ops the firmware runs and how large the arena is, so `tinyml-host inspect`
// and `convert` give the device's own answers, not a copy of them.
//
//   tm_host_op_count() / tm_host_op_at(i, &code, &max_version) -> name: the op table (tm_ops.c).
//   tm_host_builtin_name(code): the TFLite name of any builtin code.
//   tm_host_plan(model, len, sizes[4], &node, errbuf, errlen): open + parse + prepare, exactly as
//       tinyml.Model() does on the board; sizes = {state, persist, arena, arena lower bound}.
//   tm_host_run_batch(model, len, n, in, in_bytes, out, out_bytes, reset_each, errbuf, errlen): load
//       once, invoke n times (single-input, single-output models), raw tensor bytes in and out;
//       reset_each: recurrent state (LSTM, SVDF) back to its reset value before each sample.
//   tm_host_check_nodes(model, len, statuses, texts, text_len, max_nodes, &n_nodes, errbuf, errlen):
//       every node's own verdict, not only the first failure's: the model is opened without the
//       op-table checks, parsed, and each node's prepare runs on its own (a node whose op is
//       missing or too new gets TM_ERR_UNSUPPORTED). statuses[i] and texts + i * text_len hold
//       node i's tm_status and error text. Returns TM_OK when every node was checked, else the
//       error that stopped the parse (a corrupt model).
// All return a tm_status (0 = ok); errors go to errbuf, `node` is the failing node or -1.
#include <stdlib.h>
#include <string.h>

#include "tm_model.h"
#include "tm_ops.h"

int tm_host_op_count(void) {
    return tm_op_table_len;
}

const char *tm_host_op_at(int i, int32_t *code, int32_t *max_version) {
    if (i < 0 || i >= tm_op_table_len) {
        return NULL;
    }
    *code = tm_op_table[i]->builtin_code;
    *max_version = tm_op_table[i]->max_version;
    return tm_op_table[i]->name;
}

const char *tm_host_builtin_name(int32_t code) {
    return tm_builtin_name(code);
}

static void copy_error(const tm_error *err, char *errbuf, size_t errlen) {
    if (errbuf == NULL || errlen == 0) {
        return;
    }
    size_t n = strlen(err->text);
    if (n > errlen - 1) {
        n = errlen - 1;
    }
    memcpy(errbuf, err->text, n);
    errbuf[n] = '\0';
}

typedef struct {
    tm_model m;
    uint8_t *buf;
    void *state;
    void *persist;
    void *arena;
} host_model;

// Patch-based inference for the loads below (TM_PATCH_AUTO / OFF / ON: tm_host_set_patch_mode).
static int host_patch_mode = TM_PATCH_AUTO;

void tm_host_set_patch_mode(int mode) {
    host_patch_mode = mode;
}

static void host_free(host_model *h) {
    free(h->arena);
    free(h->persist);
    free(h->state);
    free(h->buf);
}

// The load steps of tinyml.Model(): open, parse, prepare, and (with_arena) set_arena.
static tm_status host_load(host_model *h, const uint8_t *model, size_t len, int with_arena, tm_error *err) {
    memset(h, 0, sizeof *h);
    tm_error_clear(err);
    err->text[0] = '\0';
    // A malloc'd copy is aligned like the bytes object the board reads the model into.
    h->buf = (uint8_t *)malloc(len ? len : 1);
    if (h->buf == NULL) {
        return tm_fail(err, TM_ERR_ARENA, "out of memory");
    }
    memcpy(h->buf, model, len);
    if (tm_model_open(&h->m, h->buf, len, err) != TM_OK) {
        return err->status;
    }
    h->m.patch_mode = (uint8_t)host_patch_mode;
    h->state = malloc(tm_model_state_bytes(&h->m) + 1);
    if (h->state == NULL) {
        return tm_fail(err, TM_ERR_ARENA, "out of memory");
    }
    if (tm_model_parse(&h->m, h->state, err) != TM_OK) {
        return err->status;
    }
    h->persist = malloc(h->m.persist_bytes ? h->m.persist_bytes : 1);
    if (h->persist == NULL) {
        return tm_fail(err, TM_ERR_ARENA, "out of memory");
    }
    if (tm_model_prepare(&h->m, h->persist, err) != TM_OK || !with_arena) {
        return err->status;
    }
    h->arena = malloc(h->m.arena_bytes ? h->m.arena_bytes : 1);
    if (h->arena == NULL) {
        return tm_fail(err, TM_ERR_ARENA, "out of memory");
    }
    return tm_model_set_arena(&h->m, h->arena, h->m.arena_bytes, err);
}

// The end of every entry: the error text (or "") into errbuf, the model's memory freed.
static int finish(host_model *h, tm_status status, const tm_error *err, char *errbuf, size_t errlen) {
    if (status != TM_OK) {
        copy_error(err, errbuf, errlen);
    } else if (errbuf != NULL && errlen > 0) {
        errbuf[0] = '\0';
    }
    host_free(h);
    return (int)status;
}

int tm_host_plan(const uint8_t *model, size_t len, size_t *sizes, int *node, char *errbuf, size_t errlen) {
    host_model h;
    tm_error err;
    tm_status status = host_load(&h, model, len, 0, &err);
    sizes[0] = h.m.state_keep_bytes ? h.m.state_keep_bytes : tm_model_state_bytes(&h.m); // what the model keeps
    sizes[1] = h.m.persist_bytes;
    sizes[2] = h.m.arena_bytes;
    sizes[3] = h.m.arena_lower_bound;
    *node = status == TM_OK ? -1 : err.node;
    return finish(&h, status, &err, errbuf, errlen);
}

// The patch plan parse chose: info[0..9] = arena, lower bound, arena and bound without patches,
// conv MACs, halo MACs, chain first node, node count (0: none), rows per band, bands.
int tm_host_patch_info(const uint8_t *model, size_t len, uint64_t *info, char *errbuf, size_t errlen) {
    host_model h;
    tm_error err;
    tm_status status = host_load(&h, model, len, 0, &err);
    const tm_patch_plan *p = &h.m.patch;
    info[0] = h.m.arena_bytes;
    info[1] = h.m.arena_lower_bound;
    info[2] = p->arena_unpatched;
    info[3] = p->bound_unpatched;
    info[4] = p->macs;
    info[5] = p->extra_macs;
    info[6] = p->first;
    info[7] = p->count;
    info[8] = (uint64_t)p->rows;
    info[9] = p->count && p->geom != NULL ? (uint64_t)((p->geom[p->count - 1].out_h + p->rows - 1) / p->rows) : 0;
    return finish(&h, status, &err, errbuf, errlen);
}

// Runs the model once on `in` in an arena of m.arena_bytes followed by `guard` more bytes, all
// filled first with 0x5A then (second run) 0xA5, and reports in *touched_end one past the highest
// byte either run changed: a plan whose buffers stay inside what it claims gives <= arena_bytes.
int tm_host_arena_touched(const uint8_t *model, size_t len, const uint8_t *in, size_t in_bytes, size_t guard,
    uint64_t *touched_end, char *errbuf, size_t errlen) {
    static const uint8_t poison[2] = {0x5A, 0xA5};
    host_model h;
    tm_error err;
    tm_status status = host_load(&h, model, len, 0, &err);
    *touched_end = 0;
    const size_t total = h.m.arena_bytes + guard;
    if (status == TM_OK && (h.arena = malloc(total ? total : 1)) == NULL) {
        status = tm_fail(&err, TM_ERR_ARENA, "out of memory");
    }
    if (status == TM_OK && (h.m.n_inputs != 1 || h.m.tensors[h.m.inputs[0]].bytes != in_bytes)) {
        status = tm_fail(&err, TM_ERR_ARGUMENT, "the model needs one input of %z bytes", in_bytes);
    }
    for (int run = 0; status == TM_OK && run < 2; ++run) {
        memset(h.arena, poison[run], total);
        status = tm_model_set_arena(&h.m, h.arena, h.m.arena_bytes, &err);
        if (status == TM_OK) {
            memcpy(h.m.tensors[h.m.inputs[0]].data, in, in_bytes);
            tm_model_invoke(&h.m);
            size_t end = total;
            while (end > 0 && ((const uint8_t *)h.arena)[end - 1] == poison[run]) {
                --end;
            }
            *touched_end = end > *touched_end ? end : *touched_end;
        }
    }
    return finish(&h, status, &err, errbuf, errlen);
}

int tm_host_run_batch(const uint8_t *model, size_t len, size_t n, const uint8_t *in, size_t in_bytes, uint8_t *out,
    size_t out_bytes, int reset_each, char *errbuf, size_t errlen) {
    host_model h;
    tm_error err;
    tm_status status = host_load(&h, model, len, 1, &err);
    if (status == TM_OK && (h.m.n_inputs != 1 || h.m.n_outputs != 1)) {
        status = tm_fail(&err, TM_ERR_ARGUMENT, "model has %u inputs and %u outputs (batch runs need 1 and 1)",
            (unsigned)h.m.n_inputs, (unsigned)h.m.n_outputs);
    }
    tm_tensor *ti = status == TM_OK ? &h.m.tensors[h.m.inputs[0]] : NULL;
    tm_tensor *to = status == TM_OK ? &h.m.tensors[h.m.outputs[0]] : NULL;
    if (status == TM_OK && (ti->bytes != in_bytes || to->bytes != out_bytes)) {
        status = tm_fail(&err, TM_ERR_ARGUMENT, "input/output of %z/%z bytes given, the model's are %u/%u", in_bytes,
            out_bytes, (unsigned)ti->bytes, (unsigned)to->bytes);
    }
    for (size_t i = 0; status == TM_OK && i < n; ++i) {
        memcpy(ti->data, in + i * in_bytes, in_bytes);
        if (reset_each) {
            tm_model_reset_state(&h.m);
        }
        tm_model_invoke(&h.m);
        memcpy(out + i * out_bytes, to->data, out_bytes);
    }
    return finish(&h, status, &err, errbuf, errlen);
}

int tm_host_check_nodes(const uint8_t *model, size_t len, int *statuses, char *texts, size_t text_len, int max_nodes,
    int *n_nodes, char *errbuf, size_t errlen) {
    host_model h;
    tm_error err;
    memset(&h, 0, sizeof h);
    tm_error_clear(&err);
    err.text[0] = '\0';
    *n_nodes = 0;
    tm_status status = TM_OK;
    h.buf = (uint8_t *)malloc(len ? len : 1);
    if (h.buf == NULL) {
        status = tm_fail(&err, TM_ERR_ARENA, "out of memory");
    } else {
        memcpy(h.buf, model, len);
        status = tm_model_open_unchecked(&h.m, h.buf, len, &err);
    }
    if (status == TM_OK && (int)h.m.n_nodes > max_nodes) {
        status = tm_fail(&err, TM_ERR_ARGUMENT, "model has %u nodes, room for %d", (unsigned)h.m.n_nodes, max_nodes);
    }
    if (status == TM_OK) {
        h.state = malloc(tm_model_state_bytes(&h.m) + 1);
        status = h.state == NULL ? tm_fail(&err, TM_ERR_ARENA, "out of memory") : tm_model_parse(&h.m, h.state, &err);
    }
    if (status == TM_OK) {
        h.persist = malloc(h.m.persist_bytes ? h.m.persist_bytes : 1);
        status = h.persist == NULL ? tm_fail(&err, TM_ERR_ARENA, "out of memory")
                                   : tm_model_prepare_state(&h.m, h.persist, &err);
    }
    for (uint32_t i = 0; status == TM_OK && i < h.m.n_nodes; ++i) {
        const tm_node *n = &h.m.nodes[i];
        tm_error node_err;
        tm_error_clear(&node_err);
        node_err.text[0] = '\0';
        if (tm_op_find(n->op->builtin_code) != n->op) {
            tm_fail(&node_err, TM_ERR_UNSUPPORTED, "not in this firmware's op table");
        } else if (n->version > n->op->max_version) {
            tm_fail(&node_err, TM_ERR_UNSUPPORTED, "version %u; this firmware runs versions 1 to %u",
                (unsigned)n->version, (unsigned)n->op->max_version);
        } else {
            tm_model_prepare_node(&h.m, i, &node_err);
        }
        statuses[i] = (int)node_err.status;
        copy_error(&node_err, texts + i * text_len, text_len);
        *n_nodes = (int)i + 1;
    }
    return finish(&h, status, &err, errbuf, errlen);
}
