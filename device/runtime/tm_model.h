// tinyml: the loaded model: tensors, nodes, the op interface, and the load / prepare / invoke API.
//
// Life of a model (the binding in modtinyml.c does exactly this; C tests do the same):
//   tm_model_open()     parse + validate the flatbuffer header, count tensors and nodes, check every
//                       op is supported (no allocation);
//   tm_model_parse()    into caller-provided state (tm_model_state_bytes()): read every tensor
//                       (shape, type, quantization, constant data checked in place), every node,
//                       plan the activation arena; reports persist_bytes and arena_bytes, and
//                       state_keep_bytes: the planner's scratch at the end of the state is done
//                       with, and the caller may shrink the block to that (the binding does);
//   tm_model_prepare()  with caller-provided persistent memory (persist_bytes): run each op's
//                       prepare (validation, multipliers) - all model errors are found here, before
//                       the caller allocates the (large) arena;
//   tm_model_set_arena() points every activation tensor into the caller's arena (>= arena_bytes);
//   tm_model_invoke()   runs each op's eval, nothing else.
// Variable tensors (the state of UNIDIRECTIONAL_SEQUENCE_LSTM and SVDF) live in the persistent
// memory, not in the arena: the planner never reuses them, another model sharing the arena cannot
// overwrite them, and they carry over from one invoke to the next. tm_model_prepare sets them to
// their reset value (TFLM's ResetVariableTensors: an int8 tensor's zero point, else 0);
// tm_model_reset_state() does it again (Model.reset() in MicroPython). The same goes for the state
// an op keeps for itself (tm_model_state_alloc: the noise estimate of TFLM's
// SignalFilterBankSpectralSubtraction, which TFLM zeroes in Prepare and MicroInterpreter::Reset):
// persistent memory, zero after prepare and after every reset.
// Weights are never copied: constant tensors point into the model buffer, which must outlive the model.
#ifndef TM_MODEL_H
#define TM_MODEL_H

#include <stdint.h>
#include <stddef.h>

#include "tm_status.h"
#include "tm_flatbuffer.h"

#define TM_MAX_DIMS 6
// A node's tensor indices live in one pool shared by all nodes (tm_model.node_io), sized from
// the model: the caps only bound what ops and their stack buffers must handle.
#define TM_MAX_NODE_INPUTS 24   // UNIDIRECTIONAL_SEQUENCE_LSTM has 24
#define TM_MAX_MODEL_IO 16      // model inputs, and model outputs
#define TM_MAX_NODE_OUTPUTS 255 // UNPACK/SPLIT of an unrolled RNN: one output per time step
// The largest activation arena (or op data) any target accepts: offsets are 32-bit, and a 32-bit
// board cannot address more. The same limit on 64-bit hosts, so `inspect` says what a board says.
#define TM_MAX_ARENA_BYTES 0x7fffffffu

// TFLite TensorType codes.
typedef enum {
    TM_FLOAT32 = 0,
    TM_FLOAT16 = 1,
    TM_INT32 = 2,
    TM_UINT8 = 3,
    TM_INT64 = 4,
    TM_STRING = 5,
    TM_BOOL = 6,
    TM_INT16 = 7,
    TM_INT8 = 9,
    TM_UINT64 = 12, // the signal ops' filter bank sums
    TM_UINT32 = 15, // the signal ops' energies and channel values
} tm_type;

// A tensor's record: only what the ops read after prepare, sized for 32-bit boards (28 bytes).
// Its name and per-channel quantization stay in the model and are read on demand
// (tm_tensor_name, tm_tensor_quant: every read bounds-checked).
typedef struct {
    void *data;           // constant: into the model buffer; variable: persistent memory;
                          // activation: into the arena (until set_arena: its arena offset)
    const int32_t *dims;  // ndim sizes, in the model's shape pool (shared by equal shapes)
    uint32_t bytes;       // element count * element size
    float scale;          // per-tensor scale (first entry of per-channel scales), 0 if none
    int32_t zero_point;   // per-tensor zero point (first entry), 0 if none
    uint32_t quant_count; // scales in the model: 0 unquantized, 1 per-tensor, else per-channel
    uint8_t ndim;
    uint8_t type;            // tm_type
    uint8_t is_const : 1;    // data comes from the model buffer
    uint8_t in_arena : 1;    // data is planned in the arena
    uint8_t is_variable : 1; // state kept across invokes, in persistent memory (see above)
} tm_tensor;

struct tm_model;
struct tm_node;

// Row geometry of an op that can run on a band of rows (patch-based inference, tm_patch.h): output
// row y reads the input rows [y * stride - pad, y * stride - pad + extent) clipped to [0, in_h).
typedef struct {
    int32_t in_h, out_h;
    int32_t stride, pad, extent;
    uint32_t in_row_bytes, out_row_bytes;
    uint32_t macs_per_row; // multiply-accumulates per output row
} tm_row_geom;

// One row of the op table (tm_ops.c). prepare validates and stores what eval needs in node->data
// (allocated with tm_model_persist_alloc, sized by persist_bytes); eval cannot fail.
// Memory rule for eval: it may not take a memory offset, count or index from tensor data without
// a bounds check at eval time - activations change every inference, and the MicroPython binding
// lets a program rewrite a bytearray model in place (constant data included) between inferences.
// Structure taken from constant tensors (shapes, axes, paddings, gather indices) is read and
// checked in prepare and kept in node->data; eval reads only that copy.
typedef struct tm_op {
    const char *name;                                                           // TFLite builtin name, e.g. "CONV_2D"
    int32_t builtin_code;                                                       // TFLite BuiltinOperator
    uint8_t max_version;                                                        // highest op version accepted
    size_t (*persist_bytes)(const struct tm_model *m, const struct tm_node *n); // NULL: none
    tm_status (*prepare)(struct tm_model *m, struct tm_node *n, tm_error *err);
    void (*eval)(const struct tm_model *m, const struct tm_node *n);
} tm_op;

// What a windowed op (input 0 an int8 [1, h, w, c] image, filter input 1 whose dims[1] is the
// window height) adds for patch-based inference (tm_patch.h).
typedef struct tm_op_rows {
    const tm_op *op;
    uint8_t opt_padding, opt_stride_h, opt_dilation_h; // field indices in its builtin options
    // After prepare: output rows [out_row0, out_row0 + out_rows) into out (their first row), from
    // in holding input rows [in_row0, in_row0 + in_rows): every row those outputs read inside the image.
    void (*eval_rows)(const struct tm_model *m, const struct tm_node *n, const int8_t *in, int32_t in_row0,
        int32_t in_rows, int8_t *out, int32_t out_row0, int32_t out_rows);
} tm_op_rows;

// Node n's row geometry (ops/op_rows.c; during parse, its options readable): 1 and g filled when
// it can run by rows (batch 1, int8), else 0.
int tm_op_row_geom(const struct tm_model *m, const struct tm_node *n, const tm_op_rows *rows, tm_row_geom *g);

// The row hooks of op (ops/op_rows.c), NULL when it cannot run by rows.
const tm_op_rows *tm_op_rows_of(const tm_op *op);

// A node's record (16 bytes on a 32-bit board). Its builtin and custom options stay in the model:
// an op's prepare reads them with tm_node_options / tm_node_custom_options.
typedef struct tm_node {
    const tm_op *op;
    void *data;  // op-private persistent data from prepare
    uint32_t io; // its n_inputs tensor indices (-1 = optional input omitted), then its
                 // n_outputs, at m->node_io[io]
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint8_t version;
    uint8_t first_omitted; // the first optional input omitted (-1 in the model), n_inputs if none
} tm_node;

// Per-node timing of invoke (Model.profile in MicroPython), set up by the caller: with
// m->profile NULL (the default) invoke reads no clock at all. `clock` reads a free-running
// counter (cycles, microseconds...; wrapping at 32 bits is fine: only differences are kept);
// times has n_nodes entries, each node's clock difference from before to after its eval.
typedef struct tm_profile {
    uint32_t (*clock)(void);
    uint32_t *times;
} tm_profile;

// Patch-based inference (tm_patch.h): a chain of nodes run band by band of output rows.
#define TM_PATCH_MAX_NODES 16
enum { TM_PATCH_AUTO = 0, TM_PATCH_OFF = 1, TM_PATCH_ON = 2 };
typedef struct {
    uint16_t first, count;     // the chain: nodes [first, first + count); count 0: no patches
    int32_t rows;              // output rows of the chain's last node per patch
    uint64_t macs, extra_macs; // the model's conv MACs, and those the halos recompute
    size_t arena_unpatched;    // the arena and the lower bound without patches
    size_t bound_unpatched;
    uint32_t geom_sum; // checksum of the chain's geometry at parse (prepare reads it again)
    tm_row_geom *geom; // count entries in persistent memory, set by prepare
} tm_patch_plan;

typedef struct tm_model {
    tm_fb fb;
    tm_fb_table root;
    tm_fb_table subgraph;
    tm_fb_vec buffers;
    tm_fb_vec opcodes;
    tm_fb_vec tensor_tables;
    tm_fb_vec operator_tables;
    tm_tensor *tensors;
    tm_node *nodes;
    int16_t *node_io;   // every node's input and output indices, back to back
    uint32_t n_node_io; // their count, from tm_model_open
    uint32_t node_io_used;
    int32_t *shapes;       // the shape pool: every tensor's dims (tm_tensor.dims points here)
    uint32_t n_shape_dims; // its capacity, from tm_model_open
    uint32_t shape_dims_used;
    uint32_t n_tensors;
    uint32_t n_nodes;
    // The node being prepared and its options (tm_node_options), set by tm_model_prepare_node.
    const struct tm_node *preparing;
    tm_fb_table options;
    int16_t inputs[TM_MAX_MODEL_IO];
    int16_t outputs[TM_MAX_MODEL_IO];
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint32_t model_version;
    uint8_t unchecked; // opened with tm_model_open_unchecked (host checks): parse lets
                       // tensors of unsupported types through, for their nodes' prepare to refuse
    // Memory: sizes known after parse, pointers set by prepare.
    size_t state_keep_bytes;  // after parse: the prefix of the state the model keeps (records,
                              // tensor indices, shapes); the rest was the planner's scratch, and
                              // the caller may shrink the state block to this size
    size_t persist_bytes;     // op-private data (multipliers...), 8-byte aligned pieces
    size_t arena_bytes;       // planned activation bytes
    size_t arena_lower_bound; // largest live set: no plan can use less
    uint8_t *persist;
    size_t persist_used;
    uint32_t op_states; // the last op state block (tm_model_state_alloc): its offset in
                        // persist + 1, 0 if none; each block's header links the one before
    uint8_t *arena;
    uint8_t patch_mode;  // TM_PATCH_AUTO (default), OFF or ON: set between open and parse
    tm_patch_plan patch; // set by parse
    tm_profile *profile; // NULL: invoke times nothing (see tm_profile)
} tm_model;

// Step 1: header, counts, op support. The buffer must stay alive and unchanged for the model's life.
tm_status tm_model_open(tm_model *m, const uint8_t *buf, size_t len, tm_error *err);
// Step 1 without the model-kind and op-table checks, for host tools that report on every node
// (tinyml-host inspect): parse then gives a node whose op is missing an op row whose prepare
// fails. Devices use tm_model_open.
tm_status tm_model_open_unchecked(tm_model *m, const uint8_t *buf, size_t len, tm_error *err);
// Bytes the caller must provide to tm_model_parse (tensors + nodes + their tensor indices +
// shapes + planner scratch). After parse only the first m->state_keep_bytes are used.
size_t tm_model_state_bytes(const tm_model *m);
// Step 2: state is tm_model_state_bytes() bytes, 8-byte aligned, owned by the caller. On success
// the caller may shrink it in place to m->state_keep_bytes (the planner's scratch at its end is
// no longer used); it must not move.
tm_status tm_model_parse(tm_model *m, void *state, tm_error *err);
// Step 3: persist is m->persist_bytes bytes, 8-byte aligned. Prepare reads only constant tensor data.
tm_status tm_model_prepare(tm_model *m, void *persist, tm_error *err);
// Step 3 in two parts, for host tools that check every node: the variable tensors, then node i.
tm_status tm_model_prepare_state(tm_model *m, void *persist, tm_error *err);
tm_status tm_model_prepare_node(tm_model *m, uint32_t i, tm_error *err);
// Step 4: arena of arena_len >= m->arena_bytes bytes, 8-byte aligned (TM_ERR_ARENA if too small).
tm_status tm_model_set_arena(tm_model *m, void *arena, size_t arena_len, tm_error *err);
// Step 5 (after prepare and set_arena succeeded). With m->profile set, also times each node.
void tm_model_invoke(tm_model *m);

// Node i's row geometry (tm_op.row_geom, with its options readable): 1 when it can run by rows.
// During parse and after; not during another node's prepare.
int tm_model_node_row_geom(tm_model *m, uint32_t i, tm_row_geom *g);

// Sets every variable tensor back to its reset value, and every op's own state to zero, as after a
// successful prepare.
void tm_model_reset_state(tm_model *m);

// Persistent memory for op data during prepare (8-byte aligned); NULL if persist_bytes was too small.
void *tm_model_persist_alloc(tm_model *m, size_t bytes);

// Persistent memory for state an op keeps between invokes (during prepare; the op keeps the
// pointer in its data): zeroed now and by every tm_model_reset_state. The op's persist_bytes
// counts tm_model_state_alloc_bytes(bytes) for it. NULL if persist_bytes was too small.
void *tm_model_state_alloc(tm_model *m, size_t bytes);
size_t tm_model_state_alloc_bytes(size_t bytes);

// Helpers for op code.
// Tensor index of node input i (-1: an optional input omitted) / output i; i must be in range.
static inline int tm_node_input_index(const tm_model *m, const tm_node *n, int i) {
    return m->node_io[n->io + (uint32_t)i];
}
static inline int tm_node_output_index(const tm_model *m, const tm_node *n, int i) {
    return m->node_io[n->io + n->n_inputs + (uint32_t)i];
}
// Kernel scratch (tm_op_scratch_bytes: planned in the arena, live during its node only). A node
// whose op has scratch (tm_op_has_scratch) keeps its arena offset in m->node_io, after its outputs
// (TM_NODE_SCRATCH_SLOTS int16 halves, low first; all ones: none), written by tm_model_parse:
// no field in every node's record. Valid after tm_model_set_arena; only for such a node.
#define TM_NODE_SCRATCH_SLOTS 2u
#define TM_NODE_NO_SCRATCH UINT32_MAX
static inline void *tm_node_scratch(const tm_model *m, const tm_node *n) {
    const int16_t *at = m->node_io + n->io + n->n_inputs + n->n_outputs;
    uint32_t offset = (uint32_t)(uint16_t)at[0] | ((uint32_t)(uint16_t)at[1] << 16);
    return offset == TM_NODE_NO_SCRATCH ? NULL : m->arena + offset;
}
static inline tm_tensor *tm_input(const tm_model *m, const tm_node *n, int i) {
    return (i < n->n_inputs && tm_node_input_index(m, n, i) >= 0) ? &m->tensors[tm_node_input_index(m, n, i)] : NULL;
}
static inline tm_tensor *tm_output(const tm_model *m, const tm_node *n, int i) {
    return (i < n->n_outputs && tm_node_output_index(m, n, i) >= 0) ? &m->tensors[tm_node_output_index(m, n, i)] : NULL;
}
// During the prepare of node n (only then): its builtin options table (absent if none).
const tm_fb_table *tm_node_options(const tm_model *m, const tm_node *n);
// A CUSTOM op's flexbuffer options, in place in the model (NULL if none), read on demand
// (persist_bytes and prepare), every read bounds-checked.
const uint8_t *tm_node_custom_options(const tm_model *m, const tm_node *n, uint32_t *len);
// A tensor's quantization as the model stores it, read on demand (prepare): all scales (float32
// vector) and zero points (int64 vector) in place in the model, and the quantized dimension.
typedef struct {
    tm_fb_vec scales;
    tm_fb_vec zero_points;
    int32_t quantized_dimension;
} tm_quant_params;
// Reads into q (empty vectors if none); TM_ERR_MODEL in err if the model cannot be read there.
tm_status tm_tensor_quant(const tm_model *m, const tm_tensor *t, tm_quant_params *q, tm_error *err);
// A tensor's name, in place in the model (not NUL-terminated), read on demand with every read
// bounds-checked; NULL when it has none or the model cannot be read there. Never fails otherwise.
const char *tm_tensor_name(const tm_model *m, uint32_t index, uint32_t *len);
// Product of dims (elements); the loader guarantees it fits in 31 bits.
int32_t tm_tensor_elements(const tm_tensor *t);
// Size of one element of a tm_type, 0 for unsupported types.
uint32_t tm_type_size(int type);
const char *tm_type_name(int type);
// Number of per-channel quantization entries (1 for per-tensor, 0 if unquantized).
static inline uint32_t tm_tensor_quant_count(const tm_tensor *t) {
    return t->quant_count;
}

#endif
