// tinyml: model loading (validation of everything the flatbuffer says), planning, prepare, invoke.
// See tm_model.h for the life of a model.
#include "tm_model.h"

#include <string.h>

#include "tm_ops.h"
#include "tm_planner.h"
#include "tm_patch.h"

// TFLite schema field indices (tensorflow/lite/schema/schema.fbs), 0-based.
enum { MODEL_VERSION = 0, MODEL_OPERATOR_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED_BUILTIN = 0, OPCODE_CUSTOM_CODE = 1, OPCODE_VERSION = 2, OPCODE_BUILTIN = 3 };
enum { SUBGRAPH_TENSORS = 0, SUBGRAPH_INPUTS = 1, SUBGRAPH_OUTPUTS = 2, SUBGRAPH_OPERATORS = 3 };
enum {
    TENSOR_SHAPE = 0,
    TENSOR_TYPE = 1,
    TENSOR_BUFFER = 2,
    TENSOR_NAME = 3,
    TENSOR_QUANTIZATION = 4,
    TENSOR_IS_VARIABLE = 5,
    TENSOR_SPARSITY = 6
};
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DIMENSION = 6 };
enum {
    OPERATOR_OPCODE_INDEX = 0,
    OPERATOR_INPUTS = 1,
    OPERATOR_OUTPUTS = 2,
    OPERATOR_BUILTIN_OPTIONS = 4,
    OPERATOR_CUSTOM_OPTIONS = 5,
    OPERATOR_LARGE_CUSTOM_OPTIONS_SIZE = 10
};
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };

#define TM_ARENA_ALIGN 4u
#define TM_MAX_TENSORS 32000u
#define TM_MAX_NODES 32000u

static size_t align8(size_t n) {
    return (n + 7u) & ~(size_t)7u;
}

uint32_t tm_type_size(int type) {
    switch (type) {
        case TM_FLOAT32:
            return 4;
        case TM_INT32:
            return 4;
        case TM_UINT8:
            return 1;
        case TM_INT64:
            return 8;
        case TM_BOOL:
            return 1;
        case TM_INT16:
            return 2;
        case TM_INT8:
            return 1;
        case TM_UINT64:
            return 8;
        case TM_UINT32:
            return 4;
        default:
            return 0;
    }
}

const char *tm_type_name(int type) {
    switch (type) {
        case TM_FLOAT32:
            return "float32";
        case TM_FLOAT16:
            return "float16";
        case TM_INT32:
            return "int32";
        case TM_UINT8:
            return "uint8";
        case TM_INT64:
            return "int64";
        case TM_STRING:
            return "string";
        case TM_BOOL:
            return "bool";
        case TM_INT16:
            return "int16";
        case TM_INT8:
            return "int8";
        case TM_UINT64:
            return "uint64";
        case TM_UINT32:
            return "uint32";
        default:
            return "unknown";
    }
}

int32_t tm_tensor_elements(const tm_tensor *t) {
    int32_t n = 1;
    for (int i = 0; i < t->ndim; ++i) {
        n *= t->dims[i];
    }
    return n;
}

// Reads the effective builtin code and version of operator_codes[index].
static int32_t opcode_builtin(const tm_model *m, uint32_t index, int32_t *version) {
    tm_fb_table oc = tm_fb_vec_table(&m->opcodes, index);
    int32_t deprecated = tm_fb_i8(&oc, OPCODE_DEPRECATED_BUILTIN, 0);
    int32_t code = tm_fb_i32(&oc, OPCODE_BUILTIN, 0);
    *version = tm_fb_i32(&oc, OPCODE_VERSION, 1);
    // Schema rule: the larger of the two fields is the real code (the byte field saturates at 127).
    return code > deprecated ? code : deprecated;
}

// The op table row of operator_codes[index] (effective builtin code `code`): a CUSTOM op (32) is
// found by its custom_code name, every other op by its code. NULL when this firmware lacks it.
static const tm_op *opcode_row(const tm_model *m, uint32_t index, int32_t code) {
    if (code != TM_BUILTIN_CUSTOM) {
        return tm_op_find(code);
    }
    uint32_t len;
    tm_fb_table oc = tm_fb_vec_table(&m->opcodes, index);
    const char *name = tm_fb_string_field(&oc, OPCODE_CUSTOM_CODE, &len);
    return name == NULL ? NULL : tm_op_find_custom(name, len);
}

// True when tensor t has constant data (a non-empty buffer).
static int tensor_is_const(const tm_model *m, int32_t t) {
    tm_fb_table tt = tm_fb_vec_table(&m->tensor_tables, (uint32_t)t);
    uint32_t buffer_index = tm_fb_u32(&tt, TENSOR_BUFFER, 0);
    if (buffer_index == 0 || buffer_index >= m->buffers.len) {
        return 0;
    }
    tm_fb_table b = tm_fb_vec_table(&m->buffers, buffer_index);
    return tm_fb_vec_field(&b, BUFFER_DATA, 1).len > 0 || tm_fb_u64(&b, BUFFER_SIZE, 0) > 0;
}

// True for the ops that carry a model's weights: what they take says how the model was quantized.
static int is_weighted_op(int32_t code) {
    switch (code) {
        case TM_BUILTIN_CONV_2D:
        case TM_BUILTIN_DEPTHWISE_CONV_2D:
        case TM_BUILTIN_FULLY_CONNECTED:
        case 67:  // TRANSPOSE_CONV
        case 27:  // SVDF
        case 44:  // UNIDIRECTIONAL_SEQUENCE_LSTM
        case 126: // BATCH_MATMUL
            return 1;
        default:
            return 0;
    }
}

// Float, dynamic-range ("hybrid") and uint8 models are refused as a whole, with the fix: the ops
// that carry their weights take float32 or uint8 activations.
static tm_status check_quantization_kind(tm_model *m, tm_error *err) {
    uint32_t float_node = UINT32_MAX, hybrid_node = UINT32_MAX, uint8_node = UINT32_MAX;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        tm_fb_table op = tm_fb_vec_table(&m->operator_tables, i);
        int32_t version;
        int32_t code = opcode_builtin(m, tm_fb_u32(&op, OPERATOR_OPCODE_INDEX, 0), &version);
        if (!is_weighted_op(code)) {
            continue;
        }
        tm_fb_vec in = tm_fb_vec_field(&op, OPERATOR_INPUTS, 4);
        int has_float = 0, has_int8_const = 0;
        for (uint32_t k = 0; k < in.len && tm_fb_ok(&m->fb); ++k) {
            int32_t t = tm_fb_vec_i32(&in, k);
            if (t < 0 || (uint32_t)t >= m->n_tensors) {
                continue; // reported as corrupt by parse
            }
            tm_fb_table tt = tm_fb_vec_table(&m->tensor_tables, (uint32_t)t);
            uint8_t type = tm_fb_u8(&tt, TENSOR_TYPE, 0);
            int is_const = tensor_is_const(m, t);
            has_float |= type == TM_FLOAT32 && !is_const;
            has_int8_const |= type == TM_INT8 && is_const;
            if (type == TM_UINT8 && !is_const && uint8_node == UINT32_MAX) {
                uint8_node = i;
            }
        }
        if (has_float && has_int8_const && hybrid_node == UINT32_MAX) {
            hybrid_node = i;
        } else if (has_float && float_node == UINT32_MAX) {
            float_node = i;
        }
    }
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    if (hybrid_node != UINT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "a dynamic-range (hybrid) model: int8 weights, float32 activations (node %u); "
            "tinyml runs full-integer models: convert with `tinyml-host convert` and calibration data",
            (unsigned)hybrid_node);
    }
    if (float_node != UINT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "a float model (float32 activations at node %u); "
            "tinyml runs full-integer models: convert with `tinyml-host convert` and calibration data",
            (unsigned)float_node);
    }
    if (uint8_node != UINT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "a uint8-quantized model (uint8 activations at node %u); "
            "tinyml runs int8 models: convert again with `tinyml-host convert` (int8, or --io uint8 for uint8 I/O only)",
            (unsigned)uint8_node);
    }
    return TM_OK;
}

// The distinct unsupported (op, version) kinds of a model, for one message naming them all.
typedef struct {
    int32_t code;
    int32_t version;
    uint32_t index; // operator code index (for a custom op's name)
    uint32_t first_node;
    uint32_t count;
} unsupported_kind;

// Appends the name of kind k to err's text ("LSTM v1", "CUSTOM 'Name' v1", "CONV_2D v9").
static void describe_kind(const tm_model *m, const unsupported_kind *k, char *out, size_t n) {
    const char *name = tm_builtin_name(k->code);
    char custom[40];
    if (k->code == 32) {
        uint32_t len;
        tm_fb_table oc = tm_fb_vec_table(&m->opcodes, k->index);
        const char *cname = tm_fb_string_field(&oc, OPCODE_CUSTOM_CODE, &len);
        size_t c = 0;
        const char *prefix = "CUSTOM '";
        while (*prefix && c < sizeof custom - 2) {
            custom[c++] = *prefix++;
        }
        for (uint32_t j = 0; cname != NULL && j < len && c < sizeof custom - 2; ++j) {
            custom[c++] = cname[j] >= 0x20 && cname[j] < 0x7f ? cname[j] : '?';
        }
        custom[c++] = '\'';
        custom[c] = '\0';
        name = custom;
    }
    size_t i = 0;
    while (*name && i + 1 < n) {
        out[i++] = *name++;
    }
    out[i] = '\0';
}

// Every node's op must be in the table at a version it runs. All the kinds that are not go into
// one message (the first few by name, with their first node and count), so a user fixes them in
// one go; a single unsupported kind keeps the familiar wording.
static tm_status check_ops_supported(tm_model *m, tm_error *err) {
    enum { MAX_KINDS = 6 };
    unsupported_kind kinds[MAX_KINDS];
    int n_kinds = 0;
    uint32_t more_kinds = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        tm_fb_table op = tm_fb_vec_table(&m->operator_tables, i);
        uint32_t index = tm_fb_u32(&op, OPERATOR_OPCODE_INDEX, 0);
        int32_t version;
        int32_t code = opcode_builtin(m, index, &version);
        const tm_op *row = opcode_row(m, index, code);
        if (row != NULL && version <= row->max_version) {
            continue;
        }
        int k = 0;
        while (k < n_kinds
               && !(kinds[k].code == code && kinds[k].version == version && (code != 32 || kinds[k].index == index))) {
            ++k;
        }
        if (k < n_kinds) {
            ++kinds[k].count;
        } else if (n_kinds < MAX_KINDS) {
            kinds[n_kinds++] = (unsupported_kind){code, version, index, i, 1};
        } else {
            ++more_kinds;
        }
    }
    if (n_kinds == 0) {
        return TM_OK;
    }
    char name[40];
    const unsupported_kind *k0 = &kinds[0];
    describe_kind(m, k0, name, sizeof name);
    err->node = (int)k0->first_node;
    if (n_kinds == 1 && k0->count == 1) {
        const tm_op *row = opcode_row(m, k0->index, k0->code);
        if (row != NULL) {
            return tm_fail(err, TM_ERR_UNSUPPORTED,
                "unsupported op version: %s version %d at node %u (this firmware runs versions 1 to %u)", row->name,
                (int)k0->version, (unsigned)k0->first_node, (unsigned)row->max_version);
        }
        if (k0->code == 32) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "unsupported op %s (version %d) at node %u", name, (int)k0->version,
                (unsigned)k0->first_node);
        }
        return tm_fail(err, TM_ERR_UNSUPPORTED, "unsupported op %s (code %d, version %d) at node %u", name,
            (int)k0->code, (int)k0->version, (unsigned)k0->first_node);
    }
    // Several: "unsupported ops: LSTM v1 (node 3, 2 nodes), LEAKY_RELU v2 (node 5), ..."
    char text[TM_ERROR_TEXT_LEN];
    size_t pos = 0;
    const char *head = "unsupported ops: ";
    while (*head && pos + 1 < sizeof text) {
        text[pos++] = *head++;
    }
    text[pos] = '\0';
    tm_error piece;
    for (int k = 0; k < n_kinds; ++k) {
        describe_kind(m, &kinds[k], name, sizeof name);
        tm_error_clear(&piece);
        if (kinds[k].count > 1) {
            tm_fail(&piece, TM_ERR_UNSUPPORTED, "%s%s v%d (node %u, %u nodes)", k ? ", " : "", name,
                (int)kinds[k].version, (unsigned)kinds[k].first_node, (unsigned)kinds[k].count);
        } else {
            tm_fail(&piece, TM_ERR_UNSUPPORTED, "%s%s v%d (node %u)", k ? ", " : "", name, (int)kinds[k].version,
                (unsigned)kinds[k].first_node);
        }
        for (const char *c = piece.text; *c && pos + 1 < sizeof text; ++c) {
            text[pos++] = *c;
        }
        text[pos] = '\0';
    }
    if (more_kinds > 0) {
        tm_error_clear(&piece);
        tm_fail(&piece, TM_ERR_UNSUPPORTED, " and %u more", (unsigned)more_kinds);
        for (const char *c = piece.text; *c && pos + 1 < sizeof text; ++c) {
            text[pos++] = *c;
        }
        text[pos] = '\0';
    }
    return tm_fail(err, TM_ERR_UNSUPPORTED, "%s", text);
}

tm_status tm_model_open_unchecked(tm_model *m, const uint8_t *buf, size_t len, tm_error *err) {
    memset(m, 0, sizeof *m);
    tm_error_clear(err);
    if (len > 0x7fffffffu) {
        return tm_fail(err, TM_ERR_MODEL, "model of %z bytes is larger than 2 GiB", len);
    }
    tm_fb_init(&m->fb, buf, len, err);
    m->root = tm_fb_root(&m->fb, "TFL3");
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    m->model_version = tm_fb_u32(&m->root, MODEL_VERSION, 0);
    m->opcodes = tm_fb_vec_field(&m->root, MODEL_OPERATOR_CODES, 4);
    tm_fb_vec subgraphs = tm_fb_vec_field(&m->root, MODEL_SUBGRAPHS, 4);
    m->buffers = tm_fb_vec_field(&m->root, MODEL_BUFFERS, 4);
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    // Schema versions 1 and 2 were real (older) formats; 0 and anything past a few never were.
    if (m->model_version == 0 || m->model_version > 100) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: TFLite schema version %u", (unsigned)m->model_version);
    }
    if (m->model_version != 3) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "TFLite schema version %u (only version 3 is supported)",
            (unsigned)m->model_version);
    }
    if (subgraphs.len == 0) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: no subgraph");
    }
    m->subgraph = tm_fb_vec_table(&subgraphs, 0);
    m->tensor_tables = tm_fb_vec_field(&m->subgraph, SUBGRAPH_TENSORS, 4);
    m->operator_tables = tm_fb_vec_field(&m->subgraph, SUBGRAPH_OPERATORS, 4);
    tm_fb_vec in = tm_fb_vec_field(&m->subgraph, SUBGRAPH_INPUTS, 4);
    tm_fb_vec out = tm_fb_vec_field(&m->subgraph, SUBGRAPH_OUTPUTS, 4);
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    if (m->tensor_tables.len > TM_MAX_TENSORS || m->operator_tables.len > TM_MAX_NODES) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "model too large: %u tensors, %u operators",
            (unsigned)m->tensor_tables.len, (unsigned)m->operator_tables.len);
    }
    m->n_tensors = m->tensor_tables.len;
    m->n_nodes = m->operator_tables.len;
    if (in.len == 0 || out.len == 0) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: subgraph has %u inputs and %u outputs", (unsigned)in.len,
            (unsigned)out.len);
    }
    if (in.len > TM_MAX_MODEL_IO || out.len > TM_MAX_MODEL_IO) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "model has %u inputs and %u outputs (at most %d each)",
            (unsigned)in.len, (unsigned)out.len, TM_MAX_MODEL_IO);
    }
    m->n_inputs = (uint8_t)in.len;
    m->n_outputs = (uint8_t)out.len;
    for (uint32_t i = 0; i < in.len + out.len; ++i) {
        int32_t t = i < in.len ? tm_fb_vec_i32(&in, i) : tm_fb_vec_i32(&out, i - in.len);
        if (t < 0 || (uint32_t)t >= m->n_tensors) {
            return tm_fail(
                err, TM_ERR_MODEL, "corrupt model: subgraph input/output tensor index %d out of range", (int)t);
        }
        if (i < in.len) {
            m->inputs[i] = (int16_t)t;
        } else {
            m->outputs[i - in.len] = (int16_t)t;
        }
    }
    // The shape pool's capacity: every tensor's dims (longer shapes are refused by parse).
    m->n_shape_dims = 0;
    for (uint32_t i = 0; i < m->n_tensors; ++i) {
        tm_fb_table tt = tm_fb_vec_table(&m->tensor_tables, i);
        uint32_t nd = tm_fb_vec_field(&tt, TENSOR_SHAPE, 4).len;
        m->n_shape_dims += nd < TM_MAX_DIMS ? nd : TM_MAX_DIMS;
    }
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    m->n_node_io = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        tm_fb_table op = tm_fb_vec_table(&m->operator_tables, i);
        uint32_t index = tm_fb_u32(&op, OPERATOR_OPCODE_INDEX, 0);
        tm_fb_vec op_in = tm_fb_vec_field(&op, OPERATOR_INPUTS, 4);
        tm_fb_vec op_out = tm_fb_vec_field(&op, OPERATOR_OUTPUTS, 4);
        if (!tm_fb_ok(&m->fb)) {
            return err->status;
        }
        if (op_in.len <= TM_MAX_NODE_INPUTS && op_out.len <= TM_MAX_NODE_OUTPUTS) {
            m->n_node_io += op_in.len + op_out.len; // larger nodes are refused by tm_model_parse
        }
        if (index >= m->opcodes.len) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: node %u uses operator code %u of %u", (unsigned)i,
                (unsigned)index, (unsigned)m->opcodes.len);
        }
        int32_t version;
        int32_t code = opcode_builtin(m, index, &version);
        if (!tm_fb_ok(&m->fb)) {
            return err->status;
        }
        if (tm_op_has_scratch(opcode_row(m, index, code))) {
            m->n_node_io += TM_NODE_SCRATCH_SLOTS; // its kernel scratch's offset (tm_node_scratch)
        }
        if (version < 1) {
            err->node = (int)i;
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: %s at node %u has version %d (versions start at 1)",
                tm_builtin_name(code), (unsigned)i, (int)version);
        }
    }
    m->unchecked = 1;
    err->node = -1;
    return TM_OK;
}

tm_status tm_model_open(tm_model *m, const uint8_t *buf, size_t len, tm_error *err) {
    if (tm_model_open_unchecked(m, buf, len, err) != TM_OK) {
        return err->status;
    }
    m->unchecked = 0;
    // A model that is not full-integer gets one message naming what it is and the fix, before
    // any op is blamed; then every unsupported op, all in one message.
    if (check_quantization_kind(m, err) != TM_OK) {
        return err->status;
    }
    if (check_ops_supported(m, err) != TM_OK) {
        if (tm_ops_selected_count > 0) { // a firmware built with TINYML_OPS: say so
            int node = err->node;
            char text[TM_ERROR_TEXT_LEN];
            memcpy(text, err->text, sizeof text);
            tm_error_clear(err);
            tm_fail(err, TM_ERR_UNSUPPORTED, "%s; this firmware was built with only %d ops (TINYML_OPS)", text,
                tm_ops_selected_count);
            err->node = node;
        }
        return err->status;
    }
    err->node = -1;
    return TM_OK;
}

// The state block: what the model keeps (records, node tensor indices, shapes), then the
// planner's scratch, used only by tm_model_parse.
static size_t kept_bytes(const tm_model *m, uint32_t shape_dims) {
    return align8(m->n_tensors * sizeof(tm_tensor)) + align8(m->n_nodes * sizeof(tm_node))
           + align8(m->n_node_io * sizeof(int16_t)) + align8(shape_dims * sizeof(int32_t));
}

// Buffers the planner places: every tensor, then every node's kernel scratch.
static uint32_t plan_count(const tm_model *m) {
    return m->n_tensors + m->n_nodes;
}

size_t tm_model_state_bytes(const tm_model *m) {
    return kept_bytes(m, m->n_shape_dims) + align8(plan_count(m) * sizeof(tm_plan_buffer))
           + align8(TM_PLAN_SCRATCH(plan_count(m)) * sizeof(uint16_t));
}

// Tensor t's dims into the shape pool, shared with an equal shape of one of the few tensors
// before it (the converter writes a layer's tensors together). NULL if the pool is full.
static const int32_t *pool_shape(tm_model *m, uint32_t t, const int32_t *dims, uint32_t ndim) {
    for (uint32_t back = 1; back <= 8 && back <= t; ++back) {
        const tm_tensor *o = &m->tensors[t - back];
        if (o->ndim == ndim && (ndim == 0 || memcmp(o->dims, dims, ndim * sizeof(int32_t)) == 0)) {
            return o->dims;
        }
    }
    if (ndim > m->n_shape_dims - m->shape_dims_used) {
        return NULL;
    }
    int32_t *at = m->shapes + m->shape_dims_used;
    if (ndim > 0) {
        memcpy(at, dims, ndim * sizeof(int32_t));
    }
    m->shape_dims_used += ndim;
    return at;
}

// A copy of the model's reader with its own error, for reads after load (the model struct may
// have been copied, and the error it was opened with may be gone).
static void private_reader(const tm_model *m, tm_fb *fb, tm_error *err, tm_fb_vec *tensor_tables) {
    tm_error_clear(err);
    *fb = m->fb;
    fb->err = err;
    *tensor_tables = m->tensor_tables;
    tensor_tables->fb = fb;
}

const char *tm_tensor_name(const tm_model *m, uint32_t index, uint32_t *len) {
    tm_fb fb;
    tm_error err;
    tm_fb_vec tables;
    private_reader(m, &fb, &err, &tables);
    *len = 0;
    if (index >= tables.len) {
        return NULL;
    }
    tm_fb_table tt = tm_fb_vec_table(&tables, index);
    uint32_t n = 0;
    const char *name = tm_fb_string_field(&tt, TENSOR_NAME, &n);
    if (!tm_fb_ok(&fb) || name == NULL) {
        return NULL;
    }
    *len = n;
    return name;
}

tm_status tm_tensor_quant(const tm_model *m, const tm_tensor *t, tm_quant_params *q, tm_error *err) {
    uint32_t index = (uint32_t)(t - m->tensors);
    tm_fb_table tt = tm_fb_vec_table(&m->tensor_tables, index);
    tm_fb_table qt = tm_fb_table_field(&tt, TENSOR_QUANTIZATION);
    q->scales = tm_fb_vec_field(&qt, QUANT_SCALE, 4);
    q->zero_points = tm_fb_vec_field(&qt, QUANT_ZERO_POINT, 8);
    q->quantized_dimension = tm_fb_i32(&qt, QUANT_DIMENSION, 0);
    if (!tm_fb_ok(&m->fb)) {
        return err->status != TM_OK
                   ? err->status
                   : tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u quantization unreadable", (unsigned)index);
    }
    if (q->scales.len != t->quant_count) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u quantization changed since parse", (unsigned)index);
    }
    return TM_OK;
}

static const tm_fb_table absent_table;

const tm_fb_table *tm_node_options(const tm_model *m, const tm_node *n) {
    return n == m->preparing ? &m->options : &absent_table;
}

const uint8_t *tm_node_custom_options(const tm_model *m, const tm_node *n, uint32_t *len) {
    tm_fb fb;
    tm_error err;
    tm_fb_vec unused;
    private_reader(m, &fb, &err, &unused);
    tm_fb_vec ops = m->operator_tables;
    ops.fb = &fb;
    uint32_t index = (uint32_t)(n - m->nodes);
    *len = 0;
    if (m->nodes == NULL || index >= m->n_nodes) {
        return NULL;
    }
    tm_fb_table op = tm_fb_vec_table(&ops, index);
    tm_fb_vec custom = tm_fb_vec_field(&op, OPERATOR_CUSTOM_OPTIONS, 1);
    if (!tm_fb_ok(&fb) || custom.len == 0) {
        return NULL;
    }
    *len = custom.len;
    return tm_fb_vec_data(&custom);
}

// Reads the constant data of a tensor (if any) from its buffer, checked against the tensor size.
static tm_status parse_tensor_data(tm_model *m, tm_tensor *t, uint32_t index, uint32_t buffer_index, tm_error *err) {
    if (buffer_index >= m->buffers.len) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u refers to buffer %u of %u", (unsigned)index,
            (unsigned)buffer_index, (unsigned)m->buffers.len);
    }
    tm_fb_table b = tm_fb_vec_table(&m->buffers, buffer_index);
    tm_fb_vec data = tm_fb_vec_field(&b, BUFFER_DATA, 1);
    uint64_t offset = tm_fb_u64(&b, BUFFER_OFFSET, 0);
    uint64_t size = tm_fb_u64(&b, BUFFER_SIZE, 0);
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    const uint8_t *ptr = NULL;
    uint64_t len = 0;
    if (data.len > 0) {
        ptr = tm_fb_vec_data(&data);
        len = data.len;
    } else if (offset > 1 && size > 0) {
        // Large-model layout: data stored after the flatbuffer, offset from the file start.
        if (offset > m->fb.len || size > m->fb.len - offset) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u data lies outside the model", (unsigned)index);
        }
        ptr = m->fb.buf + offset;
        len = size;
    }
    if (ptr == NULL) {
        return TM_OK; // not constant
    }
    if (len != t->bytes) {
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u has %u bytes of data for %u bytes of shape",
            (unsigned)index, (unsigned)len, (unsigned)t->bytes);
    }
    uint32_t elem = tm_type_size(t->type);
    uint32_t need = elem > 4 ? 4 : elem;
    if (need > 1 && ((uintptr_t)ptr % need) != 0) {
        return tm_fail(err, TM_ERR_MODEL,
            "tensor %u data is not %u-byte aligned (pass the model in an aligned buffer, e.g. bytes read from a file)",
            (unsigned)index, (unsigned)need);
    }
    t->data = (void *)ptr;
    t->is_const = 1;
    return TM_OK;
}

static tm_status parse_tensor(tm_model *m, uint32_t index, tm_error *err) {
    tm_tensor *t = &m->tensors[index];
    tm_fb_table tt = tm_fb_vec_table(&m->tensor_tables, index);
    tm_fb_vec shape = tm_fb_vec_field(&tt, TENSOR_SHAPE, 4);
    t->type = tm_fb_u8(&tt, TENSOR_TYPE, 0);
    uint32_t buffer_index = tm_fb_u32(&tt, TENSOR_BUFFER, 0);
    tm_fb_table q = tm_fb_table_field(&tt, TENSOR_QUANTIZATION);
    uint8_t is_variable = tm_fb_u8(&tt, TENSOR_IS_VARIABLE, 0);
    tm_fb_table sparsity = tm_fb_table_field(&tt, TENSOR_SPARSITY);
    tm_fb_vec scales = tm_fb_vec_field(&q, QUANT_SCALE, 4);
    tm_fb_vec zero_points = tm_fb_vec_field(&q, QUANT_ZERO_POINT, 8);
    int32_t quantized_dimension = tm_fb_i32(&q, QUANT_DIMENSION, 0);
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    if (tm_fb_table_present(&sparsity)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "tensor %u is sparse (not supported)", (unsigned)index);
    }
    t->is_variable = is_variable != 0;
    if (shape.len > TM_MAX_DIMS) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "tensor %u has %u dimensions (at most %d)", (unsigned)index,
            (unsigned)shape.len, TM_MAX_DIMS);
    }
    uint32_t elem = tm_type_size(t->type);
    int32_t dims[TM_MAX_DIMS];
    uint64_t count = 1;
    for (uint32_t d = 0; d < shape.len; ++d) {
        int32_t v = tm_fb_vec_i32(&shape, d);
        if (v == 0 && !is_variable) {
            // An empty tensor no node reads or writes: the converter's placeholders for an LSTM's
            // intermediates (shape [0]). parse_node refuses a node that uses one.
            dims[d] = 0;
            count = 0;
            continue;
        }
        if (v < 1) {
            return tm_fail(err, TM_ERR_MODEL,
                "tensor %u has dimension %d of %d (dynamic or empty shapes are not supported)", (unsigned)index, (int)d,
                (int)v);
        }
        dims[d] = v;
        count *= (uint64_t)v;
        if (count * (elem ? elem : 1) > 0x7fffffffu) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u is larger than 2 GiB", (unsigned)index);
        }
    }
    t->dims = pool_shape(m, index, dims, shape.len);
    if (t->dims == NULL) {
        return tm_fail(
            err, TM_ERR_MODEL, "corrupt model: tensor %u changed since the model was opened", (unsigned)index);
    }
    t->ndim = (uint8_t)shape.len;
    t->bytes = (uint32_t)(count * elem);
    // Quantization: per-tensor values are entry 0; per-channel counts must match the channel axis.
    t->quant_count = scales.len;
    if (scales.len > 0) {
        t->scale = tm_fb_vec_f32(&scales, 0);
        if (zero_points.len != scales.len && zero_points.len != 0) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u has %u scales but %u zero points",
                (unsigned)index, (unsigned)scales.len, (unsigned)zero_points.len);
        }
        if (zero_points.len > 0) {
            int64_t zp = tm_fb_vec_i64(&zero_points, 0);
            if (zp < INT32_MIN || zp > INT32_MAX) {
                return tm_fail(err, TM_ERR_MODEL, "corrupt model: tensor %u zero point out of range", (unsigned)index);
            }
            t->zero_point = (int32_t)zp;
        }
        if (scales.len > 1) {
            int32_t qd = quantized_dimension;
            // Quirk seen in person_detect.tflite: a 1-D depthwise bias whose quantized_dimension (3)
            // was copied from the 4-D weights. TFLM accepts it; so do we, as per-channel on axis 0.
            if (t->ndim == 1 && qd >= 1 && (uint32_t)t->dims[0] == scales.len) {
                qd = 0;
            }
            if (qd < 0 || qd >= t->ndim || (uint32_t)t->dims[qd] != scales.len) {
                return tm_fail(err, TM_ERR_MODEL,
                    "corrupt model: tensor %u has %u per-channel scales for quantized dimension %d", (unsigned)index,
                    (unsigned)scales.len, (int)qd);
            }
        }
    }
    if (elem == 0) {
        return TM_OK; // unsupported type: rejected by the prepare of any op that uses it
    }
    if (parse_tensor_data(m, t, index, buffer_index, err) != TM_OK) {
        return err->status;
    }
    if (t->is_variable && t->is_const) {
        // TFLM resets a variable tensor before the first invoke: its data would never be read.
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "variable tensor %u has constant data (not supported)", (unsigned)index);
    }
    return TM_OK;
}

// The op row of a node whose op is not in the table (host checks only: see tm_model.h).
static tm_status missing_prepare(tm_model *m, tm_node *n, tm_error *err) {
    (void)m;
    (void)n;
    return tm_fail(err, TM_ERR_UNSUPPORTED, "not in this firmware's op table");
}

static void missing_eval(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
}

static const tm_op missing_op = {"(not in the op table)", -1, 0, NULL, missing_prepare, missing_eval};

// Node n's kernel scratch offset into its node_io slots (read by tm_node_scratch).
static void set_node_scratch(tm_model *m, const tm_node *n, uint32_t offset) {
    int16_t *at = m->node_io + n->io + n->n_inputs + n->n_outputs;
    at[0] = (int16_t)(uint16_t)(offset & 0xffffu);
    at[1] = (int16_t)(uint16_t)(offset >> 16);
}

static tm_status parse_node(tm_model *m, uint32_t index, tm_error *err) {
    tm_node *n = &m->nodes[index];
    tm_fb_table op = tm_fb_vec_table(&m->operator_tables, index);
    uint32_t opcode_index = tm_fb_u32(&op, OPERATOR_OPCODE_INDEX, 0);
    tm_fb_vec in = tm_fb_vec_field(&op, OPERATOR_INPUTS, 4);
    tm_fb_vec out = tm_fb_vec_field(&op, OPERATOR_OUTPUTS, 4);
    tm_fb_table_field(&op, OPERATOR_BUILTIN_OPTIONS); // checked here, read again by prepare
    int32_t version;
    int32_t code = opcode_builtin(m, opcode_index, &version); // validated by tm_model_open
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    n->op = opcode_row(m, opcode_index, code);
    if (n->op == NULL) {
        n->op = &missing_op; // only after tm_model_open_unchecked: tm_model_open refuses the model
    }
    n->version = (uint8_t)version;
    // A custom op's options: a flexbuffer, kept in place in the model (read by the op's prepare
    // through tm_flexbuffer.h, which bounds-checks every read). The large-model layout that stores
    // them after the flatbuffer is not supported.
    tm_fb_vec custom = tm_fb_vec_field(&op, OPERATOR_CUSTOM_OPTIONS, 1);
    uint64_t large_custom = tm_fb_u64(&op, OPERATOR_LARGE_CUSTOM_OPTIONS_SIZE, 0);
    if (!tm_fb_ok(&m->fb)) {
        return err->status;
    }
    if (large_custom > 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s at node %u keeps its custom options outside the flatbuffer (not supported)", n->op->name,
            (unsigned)index);
    }
    (void)custom; // in bounds (checked above): read again by prepare
    if (in.len > TM_MAX_NODE_INPUTS || out.len > TM_MAX_NODE_OUTPUTS || out.len == 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s at node %u has %u inputs and %u outputs "
            "(this firmware takes 1 to %d outputs and at most %d inputs per node: "
            "TM_MAX_NODE_OUTPUTS, TM_MAX_NODE_INPUTS)",
            n->op->name, (unsigned)index, (unsigned)in.len, (unsigned)out.len, TM_MAX_NODE_OUTPUTS, TM_MAX_NODE_INPUTS);
    }
    const uint32_t slots = tm_op_has_scratch(n->op) ? TM_NODE_SCRATCH_SLOTS : 0;
    if (in.len + out.len + slots > m->n_node_io - m->node_io_used) { // counted by tm_model_open
        return tm_fail(err, TM_ERR_MODEL, "corrupt model: node %u changed since the model was opened", (unsigned)index);
    }
    n->io = m->node_io_used;
    int16_t *io = m->node_io + m->node_io_used;
    m->node_io_used += in.len + out.len + slots;
    n->n_inputs = (uint8_t)in.len;
    n->n_outputs = (uint8_t)out.len;
    n->first_omitted = (uint8_t)in.len;
    if (slots != 0) {
        set_node_scratch(m, n, TM_NODE_NO_SCRATCH); // until the planner places it
    }
    for (uint32_t i = 0; i < in.len + out.len; ++i) {
        int32_t t = i < in.len ? tm_fb_vec_i32(&in, i) : tm_fb_vec_i32(&out, i - in.len);
        int is_output = i >= in.len;
        if (t < -1 || t >= (int32_t)m->n_tensors || (is_output && t < 0)) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: node %u refers to tensor %d of %u", (unsigned)index,
                (int)t, (unsigned)m->n_tensors);
        }
        if (t >= 0 && tm_tensor_elements(&m->tensors[t]) == 0) {
            return tm_fail(err, TM_ERR_MODEL,
                "tensor %d has a dimension of 0 (dynamic or empty shapes are not supported)", (int)t);
        }
        io[i] = (int16_t)t;
        if (t < 0 && n->first_omitted == n->n_inputs) {
            n->first_omitted = (uint8_t)i;
        }
    }
    return TM_OK;
}

static int is_model_input(const tm_model *m, int t) {
    for (int i = 0; i < m->n_inputs; ++i) {
        if (m->inputs[i] == t) {
            return 1;
        }
    }
    return 0;
}

static void touch(tm_plan_buffer *b, int32_t node) {
    if (b->first < 0 || node < b->first) {
        b->first = node;
    }
    if (node > b->last) {
        b->last = node;
    }
}

// Bytes rounded up to the arena's alignment: the size of a planned buffer.
static size_t arena_aligned(size_t bytes) {
    return (bytes + TM_ARENA_ALIGN - 1) & ~(size_t)(TM_ARENA_ALIGN - 1);
}

// Node i's kernel scratch as the planner places it (compute_lifetimes has checked it is addressable).
static uint32_t scratch_size(const tm_model *m, uint32_t i) {
    return (uint32_t)arena_aligned(tm_op_scratch_bytes(m, &m->nodes[i]));
}

// Lifetimes of every non-constant tensor, in execution order; checks each is written before read.
static tm_status compute_lifetimes(tm_model *m, tm_plan_buffer *plan, tm_error *err) {
    const int32_t end = (int32_t)m->n_nodes; // model outputs stay live after the last node
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        plan[t].size = 0;
        plan[t].first = -1;
        plan[t].last = -1;
        plan[t].offset = 0;
    }
    for (int i = 0; i < m->n_inputs; ++i) {
        tm_tensor *t = &m->tensors[m->inputs[i]];
        if (t->is_const || t->is_variable) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: model input %d is a %s tensor", i,
                t->is_const ? "constant" : "variable");
        }
        touch(&plan[m->inputs[i]], 0);
        m->tensors[m->inputs[i]].in_arena = 1;
    }
    for (uint32_t ni = 0; ni < m->n_nodes; ++ni) {
        tm_node *n = &m->nodes[ni];
        for (int i = 0; i < n->n_inputs; ++i) {
            int ti = tm_node_input_index(m, n, i);
            if (ti < 0 || m->tensors[ti].is_const || m->tensors[ti].is_variable) {
                continue;
            }
            if (!m->tensors[ti].in_arena) {
                return tm_fail(err, TM_ERR_MODEL, "corrupt model: node %u reads tensor %d before any node writes it",
                    (unsigned)ni, ti);
            }
            touch(&plan[ti], (int32_t)ni);
        }
        for (int i = 0; i < n->n_outputs; ++i) {
            int ti = tm_node_output_index(m, n, i);
            if (m->tensors[ti].is_const || m->tensors[ti].is_variable || is_model_input(m, ti) || plan[ti].first >= 0) {
                return tm_fail(err, TM_ERR_MODEL,
                    "corrupt model: node %u writes tensor %d, which is constant, variable, an input or already written",
                    (unsigned)ni, ti);
            }
            m->tensors[ti].in_arena = 1;
            touch(&plan[ti], (int32_t)ni);
        }
    }
    for (int i = 0; i < m->n_outputs; ++i) {
        int ti = m->outputs[i];
        if (!m->tensors[ti].in_arena) {
            return tm_fail(err, TM_ERR_MODEL, "corrupt model: model output %d (tensor %d) is never written", i, ti);
        }
        touch(&plan[ti], end);
    }
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        if (m->tensors[t].in_arena) {
            if (tm_tensor_elements(&m->tensors[t]) == 0) {
                return tm_fail(err, TM_ERR_MODEL,
                    "tensor %u has a dimension of 0 (dynamic or empty shapes are not supported)", (unsigned)t);
            }
            if (tm_type_size(m->tensors[t].type) == 0) {
                if (m->unchecked) {
                    m->tensors[t].in_arena = 0; // host check: the prepare of every node using it fails
                    continue;
                }
                return tm_fail(err, TM_ERR_UNSUPPORTED, "tensor %u has type %s (not supported)", (unsigned)t,
                    tm_type_name(m->tensors[t].type));
            }
            plan[t].size = (uint32_t)arena_aligned(m->tensors[t].bytes);
        }
    }
    // Each node's kernel scratch, live during that node only.
    for (uint32_t ni = 0; ni < m->n_nodes; ++ni) {
        const tm_node *n = &m->nodes[ni];
        tm_plan_buffer *b = &plan[m->n_tensors + ni];
        const size_t bytes = tm_op_scratch_bytes(m, n);
        if (bytes > TM_MAX_ARENA_BYTES) {
            return tm_fail(err, TM_ERR_MODEL,
                "node %u needs %z bytes of kernel scratch, more than a 32-bit board can address", (unsigned)ni, bytes);
        }
        b->size = (uint32_t)arena_aligned(bytes);
        b->first = b->size != 0 ? (int32_t)ni : -1;
        b->last = b->first;
        b->offset = 0;
    }
    return TM_OK;
}

// Kernel scratch never raises the arena: it only makes a kernel faster (without it, CONV_2D takes
// its generic path), so when the plan with every node's scratch (arena) is larger than the plan
// without any, only the nodes whose scratch fits under that smaller peak keep theirs (the bytes
// live at the node, a lower bound, plus its scratch), and the plan without any is kept if even
// that is larger. Plans at most twice more; models past TM_PLAN_ONE_ORDERING buffers keep every
// scratch (load time). Returns the arena of the plan left in `plan`.
static uint64_t fit_kernel_scratch(tm_model *m, tm_plan_buffer *plan, uint16_t *order, uint64_t arena) {
    const int n = (int)plan_count(m);
    tm_plan_buffer *scratch = plan + m->n_tensors; // first = last = i where node i wants scratch
    uint32_t wanted = 0;
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        wanted += scratch[i].size != 0;
    }
    if (wanted == 0 || n > TM_PLAN_ONE_ORDERING) {
        return arena;
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        scratch[i].size = 0;
    }
    const uint64_t none = tm_plan(plan, n, order);
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        if (scratch[i].first < 0) {
            continue;
        }
        const uint32_t size = scratch_size(m, i);
        uint64_t live = size;
        for (uint32_t t = 0; t < m->n_tensors; ++t) {
            live += plan[t].first <= (int32_t)i && (int32_t)i <= plan[t].last ? plan[t].size : 0;
        }
        if (none == arena || live <= none) {
            scratch[i].size = size;
        }
    }
    const uint64_t kept = tm_plan(plan, n, order);
    if (kept <= none) {
        return kept;
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        scratch[i].size = 0;
    }
    return tm_plan(plan, n, order);
}

tm_status tm_model_parse(tm_model *m, void *state, tm_error *err) {
    uint8_t *p = (uint8_t *)state;
    m->tensors = (tm_tensor *)p;
    p += align8(m->n_tensors * sizeof(tm_tensor));
    m->nodes = (tm_node *)p;
    p += align8(m->n_nodes * sizeof(tm_node));
    m->node_io = (int16_t *)p;
    m->node_io_used = 0;
    p += align8(m->n_node_io * sizeof(int16_t));
    m->shapes = (int32_t *)p;
    m->shape_dims_used = 0;
    p += align8(m->n_shape_dims * sizeof(int32_t));
    // The planner's scratch, after everything the model keeps.
    tm_plan_buffer *plan = (tm_plan_buffer *)p;
    p += align8(plan_count(m) * sizeof(tm_plan_buffer));
    uint16_t *plan_order = (uint16_t *)p;
    memset(m->tensors, 0, m->n_tensors * sizeof(tm_tensor));
    memset(m->nodes, 0, m->n_nodes * sizeof(tm_node));
    m->state_keep_bytes = tm_model_state_bytes(m);

    for (uint32_t i = 0; i < m->n_tensors; ++i) {
        if (parse_tensor(m, i, err) != TM_OK) {
            return err->status;
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        if (parse_node(m, i, err) != TM_OK) {
            err->node = (int)i;
            return err->status;
        }
    }
    if (compute_lifetimes(m, plan, err) != TM_OK) {
        return err->status;
    }
    // Every size is summed in 64 bits and checked against what a 32-bit board can address, so
    // a model that needs 4 GiB is refused on every target instead of wrapping to a small arena.
    // Kernel scratch fitted to the plan without patches (the baseline patches are measured against),
    // then again to the patched plan.
    uint64_t arena = fit_kernel_scratch(m, plan, plan_order, tm_plan(plan, (int)plan_count(m), plan_order));
    arena = tm_patch_choose(m, plan, (int)plan_count(m), plan_order, arena);
    arena = fit_kernel_scratch(m, plan, plan_order, arena);
    if (arena > TM_MAX_ARENA_BYTES) {
        return tm_fail(err, TM_ERR_MODEL,
            "model needs %q bytes of activation arena, more than a 32-bit board can address (at most %u)", arena,
            (unsigned)TM_MAX_ARENA_BYTES);
    }
    m->arena_bytes = (size_t)arena;
    m->arena_lower_bound = (size_t)tm_plan_lower_bound(plan, (int)plan_count(m), plan_order);
    // Until set_arena, an activation's data holds its offset in the arena; a node's kernel scratch
    // keeps its offset in node_io (tm_node_scratch). The planner's scratch is done.
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        if (m->tensors[t].in_arena) {
            m->tensors[t].data = (void *)(uintptr_t)plan[t].offset;
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        if (tm_op_has_scratch(m->nodes[i].op)) {
            const tm_plan_buffer *b = &plan[m->n_tensors + i];
            set_node_scratch(m, &m->nodes[i], b->size != 0 ? b->offset : TM_NODE_NO_SCRATCH);
        }
    }
    m->state_keep_bytes = kept_bytes(m, m->shape_dims_used);
    uint64_t persist = 0;
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        if (m->tensors[t].is_variable) {
            if (tm_type_size(m->tensors[t].type) == 0 && !m->unchecked) {
                return tm_fail(err, TM_ERR_UNSUPPORTED, "tensor %u has type %s (not supported)", (unsigned)t,
                    tm_type_name(m->tensors[t].type));
            }
            persist += align8(m->tensors[t].bytes);
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        const tm_node *n = &m->nodes[i];
        if (n->op->persist_bytes != NULL) {
            persist += align8(n->op->persist_bytes(m, n));
        }
    }
    persist += align8(tm_patch_persist_bytes(m)); // the patch chain's geometry
    if (persist > TM_MAX_ARENA_BYTES) {
        return tm_fail(
            err, TM_ERR_MODEL, "model needs %q bytes of op data, more than a 32-bit board can address", persist);
    }
    m->persist_bytes = (size_t)persist;
    return TM_OK;
}

void *tm_model_persist_alloc(tm_model *m, size_t bytes) {
    size_t need = align8(bytes);
    if (m->persist == NULL || need > m->persist_bytes - m->persist_used) {
        return NULL;
    }
    void *p = m->persist + m->persist_used;
    m->persist_used += need;
    return p;
}

// An op state block in persist: this header (8 bytes), then the state.
typedef struct {
    uint32_t bytes;
    uint32_t previous; // the block allocated before: its offset in persist + 1, 0 if none
} op_state_header;

#define OP_STATE_HEADER_BYTES 8u

size_t tm_model_state_alloc_bytes(size_t bytes) {
    return OP_STATE_HEADER_BYTES + align8(bytes);
}

void tm_model_reset_state(tm_model *m) {
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        tm_tensor *v = &m->tensors[t];
        if (v->is_variable && v->data != NULL) {
            memset(v->data, v->type == TM_INT8 ? (int)(int8_t)v->zero_point : 0, v->bytes);
        }
    }
    for (uint32_t at = m->op_states; at != 0;) {
        op_state_header h;
        memcpy(&h, m->persist + (at - 1), sizeof h);
        memset(m->persist + (at - 1) + OP_STATE_HEADER_BYTES, 0, h.bytes);
        at = h.previous;
    }
}

void *tm_model_state_alloc(tm_model *m, size_t bytes) {
    uint8_t *p = (uint8_t *)tm_model_persist_alloc(m, tm_model_state_alloc_bytes(bytes));
    if (p == NULL || bytes > UINT32_MAX) {
        return NULL;
    }
    op_state_header h = {(uint32_t)bytes, m->op_states};
    memcpy(p, &h, sizeof h);
    m->op_states = (uint32_t)(p - m->persist) + 1u;
    memset(p + OP_STATE_HEADER_BYTES, 0, bytes);
    return p + OP_STATE_HEADER_BYTES;
}

tm_status tm_model_prepare(tm_model *m, void *persist, tm_error *err) {
    if (tm_model_prepare_state(m, persist, err) != TM_OK) {
        return err->status;
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        if (tm_model_prepare_node(m, i, err) != TM_OK) {
            return err->status;
        }
    }
    return tm_patch_prepare(m, err);
}

tm_status tm_model_prepare_state(tm_model *m, void *persist, tm_error *err) {
    m->persist = (uint8_t *)persist;
    m->persist_used = 0;
    // Variable tensors first: their memory was counted in parse, before the ops' data.
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        tm_tensor *v = &m->tensors[t];
        if (v->is_variable) {
            v->data = tm_model_persist_alloc(m, v->bytes);
            if (v->data == NULL) {
                return tm_fail(err, TM_ERR_MODEL, "persistent memory exhausted (variable tensor %u)", (unsigned)t);
            }
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        m->nodes[i].data = NULL;
    }
    m->op_states = 0; // no op state to reset yet: each prepare allocates its own
    tm_model_reset_state(m);
    return TM_OK;
}

// Node i's options, for its prepare (tm_node_options): read again from the model, whose reads
// parse_node checked.
static tm_status read_node_options(tm_model *m, uint32_t i, tm_error *err) {
    m->fb.err = err;
    tm_fb_table op = tm_fb_vec_table(&m->operator_tables, i);
    m->options = tm_fb_table_field(&op, OPERATOR_BUILTIN_OPTIONS);
    if (!tm_fb_ok(&m->fb)) {
        err->node = (int)i;
        return err->status;
    }
    m->preparing = &m->nodes[i];
    return TM_OK;
}

int tm_model_node_row_geom(tm_model *m, uint32_t i, tm_row_geom *g) {
    tm_node *n = &m->nodes[i];
    const tm_op_rows *rows = tm_op_rows_of(n->op);
    if (rows == NULL) {
        return 0;
    }
    tm_error err, *caller_err = m->fb.err; // the options reads report here, not to the caller
    tm_error_clear(&err);
    int ok = read_node_options(m, i, &err) == TM_OK && tm_op_row_geom(m, n, rows, g);
    m->preparing = NULL;
    m->fb.err = caller_err;
    return ok;
}

tm_status tm_model_prepare_node(tm_model *m, uint32_t i, tm_error *err) {
    tm_node *n = &m->nodes[i];
    n->data = NULL;
    m->preparing = NULL;
    if (read_node_options(m, i, err) != TM_OK) {
        return err->status;
    }
    tm_status s = n->op->prepare(m, n, err);
    m->preparing = NULL;
    if (s != TM_OK) {
        if (err->status == TM_OK) {
            tm_fail(err, TM_ERR_MODEL, "%s prepare failed", n->op->name);
        }
        err->node = (int)i;
        return err->status;
    }
    return TM_OK;
}

tm_status tm_model_set_arena(tm_model *m, void *arena, size_t arena_len, tm_error *err) {
    if (arena_len < m->arena_bytes) {
        err->bytes_needed = m->arena_bytes;
        return tm_fail(
            err, TM_ERR_ARENA, "arena too small: the model needs %z bytes, got %z", m->arena_bytes, arena_len);
    }
    // An activation's data holds its arena offset (parse), or its place in the previous arena.
    uintptr_t old = (uintptr_t)m->arena;
    m->arena = (uint8_t *)arena;
    for (uint32_t t = 0; t < m->n_tensors; ++t) {
        if (m->tensors[t].in_arena) {
            m->tensors[t].data = m->arena + ((uintptr_t)m->tensors[t].data - old);
        }
    }
    return TM_OK;
}

// Profiling is decided once per invoke, so the plain loop stays exactly what it was.
static void invoke_profiled(const tm_model *m, const tm_profile *p) {
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        const tm_node *n = &m->nodes[i];
        if (m->patch.count != 0 && i == m->patch.first) {
            tm_patch_run(m, p); // times each chain node's bands
            i += m->patch.count - 1u;
            continue;
        }
        uint32_t t0 = p->clock();
        n->op->eval(m, n);
        p->times[i] = p->clock() - t0;
    }
}

void tm_model_invoke(tm_model *m) {
    if (m->profile != NULL) {
        invoke_profiled(m, m->profile);
        return;
    }
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        const tm_node *n = &m->nodes[i];
        if (m->patch.count != 0 && i == m->patch.first) {
            tm_patch_run(m, NULL);
            i += m->patch.count - 1u;
            continue;
        }
        n->op->eval(m, n);
    }
}
