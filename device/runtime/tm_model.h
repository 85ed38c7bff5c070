// tinyml: the loaded model: tensors, nodes, the op interface, and the load / prepare / invoke API.
//
// Life of a model (the binding in modtinyml.c does exactly this; C tests do the same):
//   tm_model_open()     parse + validate the flatbuffer header, count tensors and nodes, check every
//                       op is supported (no allocation);
//   tm_model_parse()    into caller-provided tensor/node arrays (tm_model_state_bytes()): read every
//                       tensor (shape, type, quantization, constant data checked in place), every
//                       node, plan the activation arena; reports persist_bytes and arena_bytes;
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
    TM_UINT64 = 12,          // the signal ops' filter bank sums
    TM_UINT32 = 15,          // the signal ops' energies and channel values
} tm_type;

typedef struct {
    void *data;              // constant: into the model buffer; activation: into the arena
    uint32_t bytes;          // element count * element size
    int32_t dims[TM_MAX_DIMS];
    uint8_t ndim;
    uint8_t type;            // tm_type
    uint8_t is_const;        // data comes from the model buffer
    uint8_t in_arena;        // data is planned in the arena
    uint8_t is_variable;     // state kept across invokes, in persistent memory (see above)
    float scale;             // per-tensor scale (first entry of per-channel scales), 0 if none
    int32_t zero_point;      // per-tensor zero point (first entry), 0 if none
    int32_t quantized_dimension;
    tm_fb_vec scales;        // all scales (float32 vector, in place in the model)
    tm_fb_vec zero_points;   // all zero points (int64 vector, in place in the model)
    const char *name;        // into the model buffer, not NUL-terminated
    uint32_t name_len;
} tm_tensor;

struct tm_model;
struct tm_node;

// One row of the op table (tm_ops.c). prepare validates and stores what eval needs in node->data
// (allocated with tm_model_persist_alloc, sized by persist_bytes); eval cannot fail.
// Memory rule for eval: it may not take a memory offset, count or index from tensor data without
// a bounds check at eval time - activations change every inference, and the MicroPython binding
// lets a program rewrite a bytearray model in place (constant data included) between inferences.
// Structure taken from constant tensors (shapes, axes, paddings, gather indices) is read and
// checked in prepare and kept in node->data; eval reads only that copy.
typedef struct tm_op {
    const char *name;        // TFLite builtin name, e.g. "CONV_2D"
    int32_t builtin_code;    // TFLite BuiltinOperator
    uint8_t max_version;     // highest op version accepted
    size_t (*persist_bytes)(const struct tm_model *m, const struct tm_node *n);  // NULL: none
    tm_status (*prepare)(struct tm_model *m, struct tm_node *n, tm_error *err);
    void (*eval)(const struct tm_model *m, const struct tm_node *n);
} tm_op;

typedef struct tm_node {
    const tm_op *op;
    int16_t *inputs;         // n_inputs tensor indices (-1 = optional input omitted), in m->node_io
    int16_t *outputs;        // n_outputs tensor indices, in m->node_io
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint8_t version;
    tm_fb_table options;     // builtin_options table (absent if none)
    const uint8_t *custom_options;  // a CUSTOM op's flexbuffer options, in the model (NULL if none)
    uint32_t custom_options_len;
    void *data;              // op-private persistent data from prepare
    void *state;             // op state kept between invokes (tm_model_state_alloc), zero at reset
    uint32_t state_bytes;
    void *scratch;           // kernel scratch in the arena (tm_op_scratch_bytes), set by tm_model_set_arena (NULL: none)
} tm_node;

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
    struct tm_plan_buffer_s *plan; // one per tensor (size 0 = not in the arena), then one per node
                                   // (its kernel scratch); parse-time
    uint16_t *plan_order;          // planner scratch
    uint32_t n_tensors;
    uint32_t n_nodes;
    int16_t *node_io;        // every node's input and output indices, back to back (parse-time)
    uint32_t n_node_io;      // their count, from tm_model_open
    uint32_t node_io_used;
    int16_t inputs[TM_MAX_MODEL_IO];
    int16_t outputs[TM_MAX_MODEL_IO];
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint32_t model_version;
    uint8_t unchecked;       // opened with tm_model_open_unchecked (host checks): parse lets
                             // tensors of unsupported types through, for their nodes' prepare to refuse
    // Memory: sizes known after parse, pointers set by prepare.
    size_t persist_bytes;    // op-private data (multipliers...), 8-byte aligned pieces
    size_t arena_bytes;      // planned activation bytes
    size_t arena_lower_bound; // largest live set: no plan can use less
    uint8_t *persist;
    size_t persist_used;
    uint8_t *arena;
} tm_model;

// Step 1: header, counts, op support. The buffer must stay alive and unchanged for the model's life.
tm_status tm_model_open(tm_model *m, const uint8_t *buf, size_t len, tm_error *err);
// Step 1 without the model-kind and op-table checks, for host tools that report on every node
// (tinyml-host inspect): parse then gives a node whose op is missing an op row whose prepare
// fails. Devices use tm_model_open.
tm_status tm_model_open_unchecked(tm_model *m, const uint8_t *buf, size_t len, tm_error *err);
// Bytes the caller must provide to tm_model_parse (tensors + nodes + their tensor indices + planner scratch).
size_t tm_model_state_bytes(const tm_model *m);
// Step 2: state is tm_model_state_bytes() bytes, 8-byte aligned, owned by the caller.
tm_status tm_model_parse(tm_model *m, void *state, tm_error *err);
// Step 3: persist is m->persist_bytes bytes, 8-byte aligned. Prepare reads only constant tensor data.
tm_status tm_model_prepare(tm_model *m, void *persist, tm_error *err);
// Step 3 in two parts, for host tools that check every node: the variable tensors, then node i.
tm_status tm_model_prepare_state(tm_model *m, void *persist, tm_error *err);
tm_status tm_model_prepare_node(tm_model *m, uint32_t i, tm_error *err);
// Step 4: arena of arena_len >= m->arena_bytes bytes, 8-byte aligned (TM_ERR_ARENA if too small).
tm_status tm_model_set_arena(tm_model *m, void *arena, size_t arena_len, tm_error *err);
// Step 5 (after prepare and set_arena succeeded).
void tm_model_invoke(tm_model *m);

// Sets every variable tensor back to its reset value, and every op's own state to zero, as after a
// successful prepare.
void tm_model_reset_state(tm_model *m);

// Persistent memory for op data during prepare (8-byte aligned); NULL if persist_bytes was too small.
void *tm_model_persist_alloc(tm_model *m, size_t bytes);

// Persistent memory for state an op keeps between invokes (during prepare, counted in the op's
// persist_bytes): zeroed now and by every tm_model_reset_state. NULL if persist_bytes was too small.
void *tm_model_state_alloc(tm_model *m, tm_node *n, size_t bytes);

// Helpers for op code.
static inline tm_tensor *tm_input(const tm_model *m, const tm_node *n, int i) {
    return (i < n->n_inputs && n->inputs[i] >= 0) ? &m->tensors[n->inputs[i]] : NULL;
}
static inline tm_tensor *tm_output(const tm_model *m, const tm_node *n, int i) {
    return (i < n->n_outputs && n->outputs[i] >= 0) ? &m->tensors[n->outputs[i]] : NULL;
}
// Product of dims (elements); the loader guarantees it fits in 31 bits.
int32_t tm_tensor_elements(const tm_tensor *t);
// Size of one element of a tm_type, 0 for unsupported types.
uint32_t tm_type_size(int type);
const char *tm_type_name(int type);
// Number of per-channel quantization entries (1 for per-tensor, 0 if unquantized).
static inline uint32_t tm_tensor_quant_count(const tm_tensor *t) {
    return t->scales.len;
}

#endif
