// tinyml: the MicroPython binding - the only file that includes MicroPython headers.
//
//   import tinyml
//   m = tinyml.Model(source, arena=None)  # source: bytes-like (used in place) or a file path
//                                         # (a ROMFS file is used in place in flash: zero copy)
//   y = m.predict(x)                      # int8 bytes -> bytes; array('b') -> array('b') (signed
//                                         # values); array('f')/list -> array('f') (dequantized)
//   m.set_input(x, index=0); m.invoke(); m.get_output(index=0)   # index positional or keyword
//   m.reset()                             # state kept between invokes (LSTM, SVDF variables, the
//                                         # audio front-end's noise estimate) back to its value at load
//   m.input_buffer(index=0) / m.output_buffer(index=0)  -> memoryview into the arena
//   m.get_output_into(buf, offset=0, index=0); m.set_input_ring(buf, start, index=0)  (streaming:
//                                         # copies at an offset / from a ring, allocating nothing)
//   m.inputs, m.outputs, m.ops, m.arena_bytes, m.state_bytes; tinyml.ops(); tinyml.__version__
//   m.last_us, m.last_cycles              -> duration of the last inference (tm_ticks.c), None before
//   Model(..., profile=True) / m.profile(True|False); m.profile() -> [(node, op, time), ...] of the
//   last inference, in m.profile_unit ("cycles", "us", "ns"): modtinyml_profile.c
//
// Memory: three GC blocks - the runtime state (tensor and node records), the ops' persistent data
// (multipliers...), then the arena - and every check (model, ops, arena size) happens before the
// arena, the big one, is allocated: a MemoryError or a model error leaves only garbage for the GC,
// never a half-built Model.
//
// Memory safety against the program: no Python object can make the engine touch memory it does
// not own.
//   - The model source is used in place only where it cannot move: bytes (immutable), or a
//     bytearray/array whose buffer pointer and length are checked again before every use (a
//     resized one makes the Model refuse to run, with a RuntimeError). Any other buffer (a
//     memoryview, whose owner we cannot see) is copied into bytes at load. A file path whose
//     open file exports a buffer outside the GC heap (ROMFS in flash) is used in place, the
//     Model keeping the file object; any other file is read into bytes.
//   - The arena is a tinyml.Arena (modtinyml_arena.c): a block nobody can resize; the memoryviews
//     of tensors point at its start (keeping it alive), with an item offset.
//   - Every call that touches the arena holds it (threads wait their turn) and checks which
//     model's tensors it holds, so models sharing an Arena run one after another, never mixed.
// Names come from the model buffer: invalid UTF-8 in them is shown as '?', never raised.
#include <string.h>

#include "py/runtime.h"
#include "py/obj.h"
#include "py/objarray.h"
#include "py/objtuple.h"
#include "py/objexcept.h"
#include "py/binary.h"
#include "py/builtin.h"
#include "py/objstr.h"
#include "py/unicode.h"
#include "py/gc.h"
#include "py/mpstate.h"

#include "tm_model.h"
#include "tm_ops.h"
#include "tm_io.h"
#include "tm_ticks.h"
#include "modtinyml_arena.h"
#include "modtinyml_profile.h"

#define TINYML_VERSION "0.1.0"

// Raised for a valid model this firmware cannot run (op, version, type, option).
MP_DEFINE_EXCEPTION(UnsupportedOpError, NotImplementedError)

typedef struct _tinyml_model_obj_t {
    mp_obj_base_t base;
    mp_obj_t source;        // the model buffer's owner: kept alive, weights are read in place
    const void *source_buf; // its buffer as loaded: checked again before every use when
    size_t source_len;      //   source_mutable (a bytearray or an array)
    bool source_mutable;
    uint32_t id; // this model's id in its arena (the arena's tenant when it is ours)
    tinyml_arena_obj_t *arena;
    uint8_t *state;   // tensor/node records (GC block)
    uint8_t *persist; // ops' persistent data: multipliers... (GC block)
    tm_model model;
    tm_duration last; // duration of the last invoke (last.us == 0: none yet)
} tinyml_model_obj_t;

static NORETURN void raise_error(const tm_error *err) {
    const mp_obj_type_t *type = &mp_type_ValueError;
    if (err->status == TM_ERR_UNSUPPORTED) {
        type = &mp_type_UnsupportedOpError;
    } else if (err->status == TM_ERR_ARENA) {
        type = &mp_type_MemoryError;
    }
    mp_raise_msg_varg(type, MP_ERROR_TEXT("%s"), err->text);
}

// An error found while preparing a node: the message names the node and its op.
static NORETURN void raise_node_error(const tm_model *m, const tm_error *err) {
    if (err->node >= 0 && (uint32_t)err->node < m->n_nodes && err->status != TM_ERR_ARENA) {
        const tm_node *n = &m->nodes[err->node];
        const mp_obj_type_t *type =
            err->status == TM_ERR_UNSUPPORTED ? &mp_type_UnsupportedOpError : &mp_type_ValueError;
        mp_raise_msg_varg(type, MP_ERROR_TEXT("node %d (%s v%d): %s"), err->node, n->op->name, n->version, err->text);
    }
    raise_error(err);
}

// Whether `p` lies in MicroPython's GC heap (any of its areas).
static bool in_gc_heap(const void *p) {
    const byte *b = p;
    for (const mp_state_mem_area_t *area = &MP_STATE_MEM(area); area != NULL;
#if MICROPY_GC_SPLIT_HEAP
         area = area->next
#else
         area = NULL
#endif
    ) {
        if (b >= area->gc_pool_start && b < area->gc_pool_end) {
            return true;
        }
    }
    return false;
}

// A model file: used in place when the open file exports its bytes as a buffer outside the GC
// heap (a ROMFS file in flash: zero copy), else read whole into a bytes object. The file object
// is what the Model keeps: it holds the pointer into flash, which no GC can free or move. A
// buffer inside the heap (a ROMFS mounted from a bytearray) is not used in place: the GC does
// not see a pointer into the middle of a block, so nothing would keep its owner alive. Nor is a
// file whose data does not start at a multiple of 16 (a .tflite aligns its buffers to the file's
// start; `tinyml-host deploy --rom` aligns them in the image): the copy is aligned.
static mp_obj_t open_model_file(mp_obj_t path, mp_buffer_info_t *buf) {
    // The load allocates the model's big blocks next, and keeps them: collect first, from this
    // shallow stack, where fewer stale words keep garbage alive than in a collection triggered
    // deep inside the loader (measured: KWS from a ROMFS file after tests/device/model_api.py's
    // garbage failed for want of 16,000 contiguous bytes without it, with 100 KB free after it).
    gc_collect();
    mp_obj_t args[2] = {path, MP_OBJ_NEW_QSTR(MP_QSTR_rb)};
    mp_obj_t f = mp_builtin_open(2, args, (mp_map_t *)&mp_const_empty_map);
    if (mp_get_buffer(f, buf, MP_BUFFER_READ) && !in_gc_heap(buf->buf) && ((uintptr_t)buf->buf % 16) == 0) {
        return f;
    }
    mp_obj_t dest[2];
    mp_load_method(f, MP_QSTR_read, dest);
    mp_obj_t data = mp_call_method_n_kw(0, 0, dest);
    mp_load_method(f, MP_QSTR_close, dest);
    mp_call_method_n_kw(0, 0, dest);
    if (!mp_obj_is_type(data, &mp_type_bytes)) {
        mp_raise_TypeError(MP_ERROR_TEXT("the model file did not read as bytes"));
    }
    mp_get_buffer_raise(data, buf, MP_BUFFER_READ);
    return data;
}

// The model source as the Model keeps it: bytes in place; a bytearray or array in place, checked
// before every use; any other buffer copied into bytes (a memoryview's owner is not visible).
static mp_obj_t model_source(mp_obj_t source, mp_buffer_info_t *buf, bool *is_mutable) {
    *is_mutable = false;
    if (mp_obj_is_str(source)) {
        return open_model_file(source, buf);
    }
    if (mp_obj_is_type(source, &mp_type_bytes)) {
        mp_get_buffer_raise(source, buf, MP_BUFFER_READ);
        return source;
    }
    if (!mp_get_buffer(source, buf, MP_BUFFER_READ)) {
        mp_raise_TypeError(MP_ERROR_TEXT("source must be a file path or a bytes-like object"));
    }
#if MICROPY_PY_BUILTINS_BYTEARRAY || MICROPY_PY_ARRAY
    if (mp_obj_is_type(source, &mp_type_bytearray)
#if MICROPY_PY_ARRAY
        || mp_obj_is_type(source, &mp_type_array)
#endif
    ) {
        *is_mutable = true;
        return source;
    }
#endif
    source = mp_obj_new_bytes(buf->buf, buf->len);
    mp_get_buffer_raise(source, buf, MP_BUFFER_READ);
    return source;
}

static mp_obj_t tinyml_model_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    enum { ARG_source, ARG_arena, ARG_profile, ARG_patches };
    static const mp_arg_t allowed_args[] = {
        {MP_QSTR_source, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
        {MP_QSTR_arena, MP_ARG_OBJ, {.u_obj = mp_const_none}},
        {MP_QSTR_profile, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false}},
        {MP_QSTR_patches, MP_ARG_KW_ONLY | MP_ARG_OBJ, {.u_obj = mp_const_none}},
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    // Decide the arena before anything is allocated, so a bad argument allocates nothing.
    mp_obj_t arena_arg = args[ARG_arena].u_obj;
    tinyml_arena_obj_t *shared = NULL;
    size_t arena_request = 0;
    if (mp_obj_is_type(arena_arg, &tinyml_type_Arena)) {
        shared = MP_OBJ_TO_PTR(arena_arg);
    } else if (mp_obj_is_int(arena_arg)) {
        arena_request = tinyml_get_size(arena_arg, "arena size", TM_MAX_ARENA_BYTES);
    } else if (arena_arg != mp_const_none) {
        mp_raise_TypeError(MP_ERROR_TEXT(
            "arena must be None, an int or a tinyml.Arena (a bytearray could be resized while the model runs in it)"));
    }

    mp_buffer_info_t model_buf;
    bool source_mutable;
    mp_obj_t source = model_source(args[ARG_source].u_obj, &model_buf, &source_mutable);

    // Validate header and ops before allocating anything.
    tm_model probe;
    tm_error err;
    if (tm_model_open(&probe, model_buf.buf, model_buf.len, &err) != TM_OK) {
        raise_error(&err);
    }
    // Patch-based inference (tm_patch.h): None lets the planner decide, True forces, False disables.
    mp_obj_t patches = args[ARG_patches].u_obj;
    probe.patch_mode = patches == mp_const_none ? TM_PATCH_AUTO : mp_obj_is_true(patches) ? TM_PATCH_ON : TM_PATCH_OFF;

    // Small blocks first, with every check done before the arena (the big block) is allocated:
    // a MemoryError or a model error leaves only garbage for the GC, never a half-built Model.
    // `probe` lives on the C stack, which the GC scans, so these blocks stay alive meanwhile.
    size_t state_bytes = tm_model_state_bytes(&probe);
    uint8_t *state = m_new(uint8_t, state_bytes ? state_bytes : 1);
    if (tm_model_parse(&probe, state, &err) != TM_OK) {
        raise_error(&err);
    }
    // The planner's scratch at the end of the state is done with: give it back, in place (a
    // shrink never moves the block; if the heap says otherwise the block stays whole).
    if (probe.state_keep_bytes < state_bytes
        && m_renew_maybe(uint8_t, state, state_bytes, probe.state_keep_bytes ? probe.state_keep_bytes : 1, false)
               == state) {
        state_bytes = probe.state_keep_bytes;
    }
    uint8_t *persist = m_new(uint8_t, probe.persist_bytes ? probe.persist_bytes : 1);
    if (tm_model_prepare(&probe, persist, &err) != TM_OK) {
        raise_node_error(&probe, &err);
    }

    size_t needed = probe.arena_bytes;
    size_t have = shared != NULL ? shared->len : arena_request;
    if ((shared != NULL || arena_arg != mp_const_none) && have < needed) {
        mp_raise_msg_varg(&mp_type_MemoryError,
            MP_ERROR_TEXT("arena too small: the model needs %u bytes, %u were given"), (unsigned)needed,
            (unsigned)have);
    }
    tinyml_arena_obj_t *arena =
        shared != NULL ? shared : tinyml_arena_new(arena_arg == mp_const_none ? needed : arena_request);
    tinyml_model_obj_t *self = mp_obj_malloc(tinyml_model_obj_t, type);

    // The new model's tensors move in: the arena is held, so no other model runs meanwhile.
    tinyml_arena_hold(arena);
    if (tm_model_set_arena(&probe, arena->block, arena->len, &err) != TM_OK) {
        tinyml_arena_release(arena);
        raise_error(&err);
    }
    memset(arena->block, 0, needed);
    self->id = ++arena->last_id;
    arena->tenant = self->id;
    tinyml_arena_release(arena);

    self->source = source;
    self->source_buf = model_buf.buf;
    self->source_len = model_buf.len;
    self->source_mutable = source_mutable;
    self->arena = arena;
    self->state = state;
    self->persist = persist;
    self->model = probe;
    self->last = (tm_duration){0};
    tinyml_profile_set(&self->model, args[ARG_profile].u_bool);
    return MP_OBJ_FROM_PTR(self);
}

// The model buffer must be where it was at load (a bytearray source can be resized meanwhile).
static void check_source(const tinyml_model_obj_t *self) {
    if (!self->source_mutable) {
        return;
    }
    mp_buffer_info_t buf;
    mp_get_buffer_raise(self->source, &buf, MP_BUFFER_READ);
    if (buf.buf != self->source_buf || buf.len != self->source_len) {
        mp_raise_msg(&mp_type_RuntimeError,
            MP_ERROR_TEXT(
                "the model's buffer was resized after the Model was made: make a new Model (or load from bytes)"));
    }
}

// The arena must still hold this model's tensors (another model sharing it may have run since).
static void check_tenant(const tinyml_model_obj_t *self) {
    if (self->arena->tenant != self->id) {
        mp_raise_msg(&mp_type_RuntimeError,
            MP_ERROR_TEXT("another Model ran in this arena since: set this model's input again"));
    }
}

// An input/output index: any int (a big one is simply out of range), else TypeError.
static mp_int_t get_index(mp_obj_t obj) {
    if (mp_obj_is_small_int(obj)) {
        return MP_OBJ_SMALL_INT_VALUE(obj);
    }
    if (!mp_obj_is_int(obj)) {
        mp_raise_TypeError(MP_ERROR_TEXT("index must be an int"));
    }
    return -1;
}

static tm_tensor *io_tensor(tinyml_model_obj_t *self, mp_int_t index, int output) {
    int n = output ? self->model.n_outputs : self->model.n_inputs;
    if (index < 0 || index >= n) {
        mp_raise_msg_varg(
            &mp_type_IndexError, MP_ERROR_TEXT("%s index out of range (model has %d)"), output ? "output" : "input", n);
    }
    int t = output ? self->model.outputs[index] : self->model.inputs[index];
    return &self->model.tensors[t];
}

// The array typecode of a tensor's elements, 0 where arrays have none.
static char array_typecode(int type) {
    switch (type) {
        case TM_INT8:
            return 'b';
        case TM_UINT8:
            return 'B';
        case TM_INT16:
            return 'h';
        case TM_INT32:
            return 'i';
        case TM_UINT32:
            return 'I';
        case TM_INT64:
            return 'q';
        case TM_FLOAT32:
            return 'f';
        default:
            return 0;
    }
}

static mp_obj_t tensor_view(tinyml_model_obj_t *self, tm_tensor *t) {
    // Tensors start 4-byte aligned in the arena, so 8-byte (int64) and typeless (bool) elements
    // are viewed as bytes.
    char tc = tm_type_size(t->type) <= 4 && array_typecode(t->type) ? array_typecode(t->type) : 'B';
    size_t item = tc == 'B' ? 1 : tm_type_size(t->type);
    uint8_t *base = self->arena->block;
    size_t offset = (size_t)((uint8_t *)t->data - base);
    // The view points at the start of the arena block (keeps it alive) with an item offset.
    mp_obj_array_t *view =
        MP_OBJ_TO_PTR(mp_obj_new_memoryview(tc | MP_OBJ_ARRAY_TYPECODE_FLAG_RW, t->bytes / item, base));
    view->free = offset / item;
    return MP_OBJ_FROM_PTR(view);
}

// A tensor name from the model buffer as a str: bytes that are not UTF-8 become '?'.
static mp_obj_t name_str(const tm_model *m, const tm_tensor *t) {
    uint32_t len;
    const byte *name = (const byte *)tm_tensor_name(m, (uint32_t)(t - m->tensors), &len);
    if (name == NULL) {
        return mp_const_none;
    }
    if (utf8_check(name, len)) {
        return mp_obj_new_str((const char *)name, len);
    }
    vstr_t v;
    vstr_init(&v, len);
    for (size_t i = 0; i < len; ++i) {
        vstr_add_byte(&v, name[i] < 0x80 ? name[i] : '?');
    }
    return mp_obj_new_str_from_vstr(&v);
}

static mp_obj_t new_attrtuple_info(const tm_model *m, tm_tensor *t, int index) {
    static const qstr fields[] = {
        MP_QSTR_index, MP_QSTR_name, MP_QSTR_shape, MP_QSTR_dtype, MP_QSTR_scale, MP_QSTR_zero_point};
    mp_obj_t shape[TM_MAX_DIMS];
    for (int d = 0; d < t->ndim; ++d) {
        shape[d] = MP_OBJ_NEW_SMALL_INT(t->dims[d]);
    }
    mp_obj_t items[6] = {
        MP_OBJ_NEW_SMALL_INT(index),
        name_str(m, t),
        mp_obj_new_tuple(t->ndim, shape),
        mp_obj_new_str(tm_type_name(t->type), strlen(tm_type_name(t->type))),
        mp_obj_new_float(t->scale),
        mp_obj_new_int(t->zero_point),
    };
    return mp_obj_new_attrtuple(fields, 6, items);
}

static mp_obj_t io_infos(tinyml_model_obj_t *self, int output) {
    check_source(self); // names are read from the model buffer
    int n = output ? self->model.n_outputs : self->model.n_inputs;
    mp_obj_t items[TM_MAX_MODEL_IO];
    for (int i = 0; i < n; ++i) {
        items[i] = new_attrtuple_info(&self->model, io_tensor(self, i, output), i);
    }
    return mp_obj_new_tuple(n, items);
}

// The range a float input is quantized into, per input dtype; 0 for a dtype without one.
static int quantized_range(int type, int32_t *lo, int32_t *hi) {
    switch (type) {
        case TM_INT8:
            *lo = -128;
            *hi = 127;
            return 1;
        case TM_UINT8:
            *lo = 0;
            *hi = 255;
            return 1;
        case TM_INT16:
            *lo = -32768;
            *hi = 32767;
            return 1;
        default:
            return 0;
    }
}

// Raw input: bytes/bytearray, or an array of the tensor's own element type.
static int raw_typecode_ok(char typecode, int type) {
    return typecode == 'b' || typecode == 'B' || typecode == BYTEARRAY_TYPECODE
           || (typecode == array_typecode(type) && type != TM_FLOAT32);
}

// How x is given: floats (quantized or copied into the tensor) or the tensor's raw bytes.
// Checked before anything is written, so a wrong input leaves the arena as it was.
static int input_is_float(tm_tensor *t, mp_obj_t x, mp_buffer_info_t *buf, size_t *len, mp_obj_t **items) {
    int32_t n = tm_tensor_elements(t);
    if (mp_obj_is_str(x)) {
        mp_raise_TypeError(MP_ERROR_TEXT("input must be bytes-like or floats, not str"));
    }
    if (mp_get_buffer(x, buf, MP_BUFFER_READ) && buf->typecode != 'f') {
        if (!raw_typecode_ok(buf->typecode, t->type)) {
            mp_raise_TypeError(MP_ERROR_TEXT(
                "input must be int8 bytes-like (bytes, bytearray, array('b')) or floats (array('f'), list)"));
        }
        if (buf->len != t->bytes) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("input has %u bytes, the model's input tensor needs %u (%s %d elements)"),
                (unsigned)buf->len, (unsigned)t->bytes, tm_type_name(t->type), (int)n);
        }
        return 0;
    }
    *items = NULL;
    if (mp_get_buffer(x, buf, MP_BUFFER_READ)) {
        *len = buf->len / sizeof(float);
    } else if (mp_obj_is_type(x, &mp_type_list) || mp_obj_is_type(x, &mp_type_tuple)) {
        mp_obj_get_array(x, len, items);
    } else {
        mp_raise_TypeError(MP_ERROR_TEXT("input must be int8 bytes-like or floats (array('f'), list, tuple)"));
    }
    if (*len != (size_t)n) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("input has %u values, the model's input tensor has %d elements"), (unsigned)*len, (int)n);
    }
    int32_t lo, hi;
    if (t->type != TM_FLOAT32 && !quantized_range(t->type, &lo, &hi)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("float input for a %s input tensor is not supported"),
            tm_type_name(t->type));
    }
    for (size_t i = 0; *items != NULL && i < *len; ++i) {
        mp_obj_get_float((*items)[i]); // a non-number raises here, before anything is written
    }
    return 1;
}

// How predict() gives its outputs back: as it was given its input.
enum { AS_BYTES, AS_FLOATS, AS_ARRAYS };

// Writes x into input tensor t: raw bytes of exactly the tensor size, or floats (array('f'),
// list, tuple) quantized with the tensor's parameters (or copied into a float32 tensor).
// Returns AS_FLOATS when the float path was taken, AS_ARRAYS for an array of the tensor's own
// element type (array('b') for int8), else AS_BYTES. The caller holds the arena.
static int write_input(tm_tensor *t, mp_obj_t x) {
    mp_buffer_info_t buf;
    size_t len = 0;
    mp_obj_t *items = NULL;
    if (!input_is_float(t, x, &buf, &len, &items)) {
        memcpy(t->data, buf.buf, buf.len);
        return mp_obj_is_type(x, &mp_type_array) && buf.typecode == array_typecode(t->type) ? AS_ARRAYS : AS_BYTES;
    }
    const float *floats = items == NULL ? buf.buf : NULL;
    int32_t lo = 0, hi = 0;
    quantized_range(t->type, &lo, &hi);
    for (size_t i = 0; i < len; ++i) {
        float v = floats != NULL ? floats[i] : (float)mp_obj_get_float(items[i]);
        int32_t q = t->type == TM_FLOAT32 ? 0 : tm_quantize_value(v, t->scale, t->zero_point, lo, hi);
        switch (t->type) {
            case TM_FLOAT32:
                ((float *)t->data)[i] = v;
                break;
            case TM_INT8:
                ((int8_t *)t->data)[i] = (int8_t)q;
                break;
            case TM_UINT8:
                ((uint8_t *)t->data)[i] = (uint8_t)q;
                break;
            default:
                ((int16_t *)t->data)[i] = (int16_t)q;
                break;
        }
    }
    return AS_FLOATS;
}

// A new array of n items of `typecode` (MicroPython has no public constructor for typed arrays),
// its contents uninitialised: the caller fills it.
static mp_obj_array_t *new_typed_array(char typecode, size_t n) {
    size_t item = mp_binary_get_size('@', typecode, NULL);
    void *items = m_new(uint8_t, (n ? n : 1) * item);
    mp_obj_array_t *o = m_new_obj(mp_obj_array_t);
    o->base.type = &mp_type_array;
    o->typecode = typecode;
    o->free = 0;
    o->len = n;
    o->items = items;
    return o;
}

static mp_obj_array_t *new_float_array(size_t n) {
    return new_typed_array('f', n);
}

// Element i of a tensor as a float: dequantized as TFLM's DEQUANTIZE where the tensor is
// quantized, else its value (bool as 0/1).
static float element_value(const tm_tensor *t, int32_t i) {
    const void *d = t->data;
    int64_t q;
    switch (t->type) {
        case TM_FLOAT32:
            return ((const float *)d)[i];
        case TM_BOOL:
            return ((const uint8_t *)d)[i] ? 1.0f : 0.0f;
        case TM_INT8:
            q = ((const int8_t *)d)[i];
            break;
        case TM_UINT8:
            q = ((const uint8_t *)d)[i];
            break;
        case TM_INT16:
            q = ((const int16_t *)d)[i];
            break;
        case TM_INT32:
            q = ((const int32_t *)d)[i];
            break;
        case TM_INT64:
            memcpy(&q, (const uint8_t *)d + 8 * (size_t)i, sizeof q);
            break;
        default:
            return 0.0f; // no other dtype loads (the loader refuses them)
    }
    if (t->scale == 0.0f) {
        return (float)q;
    }
    if (t->type != TM_INT64) {
        return tm_dequantize_value((int32_t)q, t->scale, t->zero_point);
    }
    return (float)((double)t->scale * ((double)q - (double)t->zero_point));
}

// Output tensor t as a new object: bytes (AS_BYTES), an array of its own element type (AS_ARRAYS:
// array('b') for int8, 'h' for int16...; bytes where arrays have no such type: bool, int64), or
// array('f') of its dequantized values (AS_FLOATS).
static mp_obj_t read_output(tm_tensor *t, int as) {
    char tc = array_typecode(t->type);
    if (as == AS_ARRAYS && tc != 0 && tm_type_size(t->type) <= 4) {
        mp_obj_array_t *out = new_typed_array(tc, (size_t)tm_tensor_elements(t));
        memcpy(out->items, t->data, t->bytes);
        return MP_OBJ_FROM_PTR(out);
    }
    if (as != AS_FLOATS) {
        return mp_obj_new_bytes(t->data, t->bytes);
    }
    int32_t n = tm_tensor_elements(t);
    mp_obj_array_t *out = new_float_array((size_t)n);
    float *dst = out->items;
    for (int32_t i = 0; i < n; ++i) {
        dst[i] = element_value(t, i);
    }
    return MP_OBJ_FROM_PTR(out);
}

// tm_model_invoke, timed by the port's clock.
static void timed_invoke(tinyml_model_obj_t *self) {
    tm_ticks_mark mark;
    tm_ticks_start(&mark);
    tm_model_invoke(&self->model);
    tm_ticks_stop(&mark, &self->last);
    tinyml_profile_ran(&self->model);
}

// What a call does once it holds the arena: one of the model_* functions below.
typedef mp_obj_t (*model_call_fn)(tinyml_model_obj_t *self, mp_obj_t arg, mp_int_t index);

// Runs `call` holding the model's arena (other threads and models sharing it wait), after checking
// that the model buffer has not moved; the arena is let go whatever `call` raises.
static mp_obj_t with_arena(mp_obj_t self_in, model_call_fn call, mp_obj_t arg, mp_int_t index) {
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_source(self);
    tinyml_arena_hold(self->arena);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t result = call(self, arg, index);
        nlr_pop();
        tinyml_arena_release(self->arena);
        return result;
    }
    tinyml_arena_release(self->arena);
    nlr_jump(nlr.ret_val);
}

static mp_obj_t model_predict(tinyml_model_obj_t *self, mp_obj_t x, mp_int_t index) {
    (void)index;
    if (self->model.n_inputs != 1) {
        mp_raise_ValueError(
            MP_ERROR_TEXT("predict() takes single-input models; use set_input(), invoke(), get_output()"));
    }
    int as = write_input(io_tensor(self, 0, 0), x);
    self->arena->tenant = self->id;
    timed_invoke(self);
    if (self->model.n_outputs == 1) {
        return read_output(io_tensor(self, 0, 1), as);
    }
    mp_obj_t outs[TM_MAX_MODEL_IO];
    for (int i = 0; i < self->model.n_outputs; ++i) {
        outs[i] = read_output(io_tensor(self, i, 1), as);
    }
    return mp_obj_new_tuple(self->model.n_outputs, outs);
}

static mp_obj_t model_set_input(tinyml_model_obj_t *self, mp_obj_t x, mp_int_t index) {
    tm_tensor *t = io_tensor(self, index, 0);
    mp_buffer_info_t buf;
    size_t len;
    mp_obj_t *items;
    input_is_float(t, x, &buf, &len, &items); // a wrong input raises before the arena changes hands
    if (self->arena->tenant != self->id) {
        // This model moves back in: its other inputs are what the other model left.
        memset(self->arena->block, 0, self->model.arena_bytes);
        self->arena->tenant = self->id;
    }
    write_input(t, x);
    return mp_const_none;
}

static mp_obj_t model_invoke(tinyml_model_obj_t *self, mp_obj_t arg, mp_int_t index) {
    (void)arg;
    (void)index;
    check_tenant(self);
    timed_invoke(self);
    return mp_const_none;
}

// The state of recurrent ops (variable tensors, in the model's own persistent memory) back to
// what it was after loading, as TFLM's MicroInterpreter::Reset().
static mp_obj_t model_reset(tinyml_model_obj_t *self, mp_obj_t arg, mp_int_t index) {
    (void)arg;
    (void)index;
    tm_model_reset_state(&self->model);
    return mp_const_none;
}

static mp_obj_t model_get_output(tinyml_model_obj_t *self, mp_obj_t arg, mp_int_t index) {
    (void)arg;
    tm_tensor *t = io_tensor(self, index, 1);
    check_tenant(self);
    return read_output(t, AS_BYTES);
}

static mp_obj_t model_tensor_view(tinyml_model_obj_t *self, mp_obj_t output, mp_int_t index) {
    tm_tensor *t = io_tensor(self, index, output == mp_const_true);
    if (output != mp_const_true && self->arena->tenant != self->id) {
        memset(self->arena->block, 0, self->model.arena_bytes);
        self->arena->tenant = self->id;
    }
    return tensor_view(self, t);
}

// m.profile(on) turns per-node timing on or off; m.profile() returns the last inference's.
static mp_obj_t model_profile(tinyml_model_obj_t *self, mp_obj_t on, mp_int_t index) {
    (void)index;
    if (on == MP_OBJ_NULL) {
        return tinyml_profile_rows(&self->model);
    }
    tinyml_profile_set(&self->model, mp_obj_is_true(on));
    return mp_const_none;
}

static mp_obj_t tinyml_model_profile(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    static const mp_arg_t allowed_args[] = {
        {MP_QSTR_on, MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    return with_arena(pos_args[0], model_profile, args[0].u_obj, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_profile_obj, 1, tinyml_model_profile);

static mp_obj_t tinyml_model_predict(mp_obj_t self_in, mp_obj_t x) {
    return with_arena(self_in, model_predict, x, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_2(tinyml_model_predict_obj, tinyml_model_predict);

// The `index` argument of set_input / get_output / input_buffer / output_buffer, positional or
// keyword (m.set_input(x, index=1)); `first` is the number of positional arguments before it.
static mp_int_t parse_index(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args, size_t first, mp_obj_t *x) {
    enum { ARG_x, ARG_index };
    static const mp_arg_t with_x[] = {
        {MP_QSTR_x, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
        {MP_QSTR_index, MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
    };
    mp_arg_val_t args[2];
    const mp_arg_t *allowed = first ? with_x : with_x + 1;
    mp_arg_val_t *vals = first ? args : args + 1;
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, 2 - (first ? 0 : 1), allowed, vals);
    if (x != NULL) {
        *x = args[ARG_x].u_obj;
    }
    return args[ARG_index].u_obj == MP_OBJ_NULL ? 0 : get_index(args[ARG_index].u_obj);
}

static mp_obj_t tinyml_model_set_input(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    mp_obj_t x;
    mp_int_t index = parse_index(n_args, pos_args, kw_args, 1, &x);
    return with_arena(pos_args[0], model_set_input, x, index);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_set_input_obj, 2, tinyml_model_set_input);

static mp_obj_t tinyml_model_invoke(mp_obj_t self_in) {
    return with_arena(self_in, model_invoke, mp_const_none, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_model_invoke_obj, tinyml_model_invoke);

static mp_obj_t tinyml_model_reset(mp_obj_t self_in) {
    return with_arena(self_in, model_reset, mp_const_none, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(tinyml_model_reset_obj, tinyml_model_reset);

static mp_obj_t tinyml_model_get_output(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    return with_arena(pos_args[0], model_get_output, mp_const_none, parse_index(n_args, pos_args, kw_args, 0, NULL));
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_get_output_obj, 1, tinyml_model_get_output);

static mp_obj_t tinyml_model_input_buffer(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    return with_arena(pos_args[0], model_tensor_view, mp_const_false, parse_index(n_args, pos_args, kw_args, 0, NULL));
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_input_buffer_obj, 1, tinyml_model_input_buffer);

static mp_obj_t tinyml_model_output_buffer(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    return with_arena(pos_args[0], model_tensor_view, mp_const_true, parse_index(n_args, pos_args, kw_args, 0, NULL));
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_output_buffer_obj, 1, tinyml_model_output_buffer);

// Streaming without allocating (a keyword spotter feeding 30 ms frames): copies between a tensor
// and a program's buffer at a byte offset, which slicing would do only by allocating a slice and
// a memoryview each time. Everything is checked before the arena is held; the copy cannot raise.
//   m.get_output_into(buf, offset=0, index=0): output `index`'s bytes into writable buf at offset
//   m.set_input_ring(buf, start, index=0): input `index` = buf[start:] + buf[:start] (a ring whose
//       oldest byte is at `start`); len(buf) must be the input's size in bytes, and buf a buffer of
//       the program's (not a view of this model's own arena)
// The arguments of both: (buf, offset/start, index=0) -> the tensor, buf's buffer and the offset.
static tm_tensor *stream_args(
    size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args, int output, mp_buffer_info_t *buf, size_t *at) {
    qstr second = output ? MP_QSTR_offset : MP_QSTR_start;
    const mp_arg_t allowed[3] = {
        {MP_QSTR_buf, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
        {second, MP_ARG_INT | (output ? 0 : MP_ARG_REQUIRED), {.u_int = 0}},
        {MP_QSTR_index, MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL}},
    };
    mp_arg_val_t args[3];
    mp_arg_parse_all(n_args - 1, pos_args + 1, kw_args, 3, allowed, args);
    if (mp_obj_is_str(args[0].u_obj)) {
        mp_raise_TypeError(MP_ERROR_TEXT("buf must be bytes-like, not str"));
    }
    mp_get_buffer_raise(args[0].u_obj, buf, output ? MP_BUFFER_WRITE : MP_BUFFER_READ);
    mp_int_t index = args[2].u_obj == MP_OBJ_NULL ? 0 : get_index(args[2].u_obj);
    tm_tensor *t = io_tensor(MP_OBJ_TO_PTR(pos_args[0]), index, output);
    mp_int_t off = args[1].u_int;
    bool fits = output ? off >= 0 && (size_t)off <= buf->len && t->bytes <= buf->len - (size_t)off
                       : buf->len == t->bytes && off >= 0 && (size_t)off < buf->len;
    if (!fits) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("%s %d has %d bytes: %q %d of a %d-byte buffer does not fit"), output ? "output" : "input",
            (int)index, (int)t->bytes, second,
            (int)(off > INT32_MAX   ? INT32_MAX
                  : off < INT32_MIN ? INT32_MIN
                                    : off),
            (int)buf->len);
    }
    *at = (size_t)off;
    return t;
}

// Either copy: output -> buf at the offset, or the ring buf (from start, wrapping) -> input.
static mp_obj_t stream_copy(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args, int output) {
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(pos_args[0]);
    mp_buffer_info_t buf;
    size_t at;
    tm_tensor *t = stream_args(n_args, pos_args, kw_args, output, &buf, &at);
    uint8_t *ring = buf.buf;
    check_source(self);
    tinyml_arena_hold(self->arena);
    bool ours = self->arena->tenant == self->id;
    if (output && ours) {
        memcpy(ring + at, t->data, t->bytes);
    } else if (!output) {
        if (!ours) { // this model moves back in, as with set_input
            memset(self->arena->block, 0, self->model.arena_bytes);
            self->arena->tenant = self->id;
        }
        memcpy(t->data, ring + at, buf.len - at);
        memcpy((uint8_t *)t->data + (buf.len - at), ring, at);
    }
    tinyml_arena_release(self->arena);
    check_tenant(self); // an output after another model ran in the arena: raises, nothing copied
    return mp_const_none;
}

static mp_obj_t tinyml_model_get_output_into(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    return stream_copy(n_args, pos_args, kw_args, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_get_output_into_obj, 1, tinyml_model_get_output_into);

static mp_obj_t tinyml_model_set_input_ring(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    return stream_copy(n_args, pos_args, kw_args, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(tinyml_model_set_input_ring_obj, 1, tinyml_model_set_input_ring);

static void print_tensor(const mp_print_t *print, const char *kind, int i, const tm_tensor *t) {
    mp_printf(print, "\n  %s %d: %s [", kind, i, tm_type_name(t->type));
    for (int d = 0; d < t->ndim; ++d) {
        mp_printf(print, d ? ", %d" : "%d", (int)t->dims[d]);
    }
    mp_printf(print, "] scale=%.6g zero_point=%d", (double)t->scale, (int)t->zero_point);
}

static void tinyml_model_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const tm_model *m = &self->model;
    mp_printf(print, "<tinyml.Model: %u ops, arena %u bytes, state %u bytes", (unsigned)m->n_nodes,
        (unsigned)m->arena_bytes, (unsigned)(m->state_keep_bytes + m->persist_bytes));
    for (int i = 0; i < m->n_inputs; ++i) {
        print_tensor(print, "input", i, &m->tensors[m->inputs[i]]);
    }
    for (int i = 0; i < m->n_outputs; ++i) {
        print_tensor(print, "output", i, &m->tensors[m->outputs[i]]);
    }
    // Op counts in table order, e.g. "CONV_2D x5, DEPTHWISE_CONV_2D x4".
    mp_printf(print, "\n  ops:");
    int first = 1;
    for (int k = 0; k < tm_op_table_len; ++k) {
        unsigned count = 0;
        for (uint32_t i = 0; i < m->n_nodes; ++i) {
            count += m->nodes[i].op == tm_op_table[k];
        }
        if (count) {
            mp_printf(print, "%s %s x%u", first ? "" : ",", tm_op_table[k]->name, count);
            first = 0;
        }
    }
    mp_printf(print, ">");
}

static void tinyml_model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    tinyml_model_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return; // read-only attributes
    }
    const tm_model *m = &self->model;
    switch (attr) {
        case MP_QSTR_inputs:
            dest[0] = io_infos(self, 0);
            return;
        case MP_QSTR_outputs:
            dest[0] = io_infos(self, 1);
            return;
        case MP_QSTR_arena_bytes:
            dest[0] = mp_obj_new_int_from_uint(m->arena_bytes);
            return;
        case MP_QSTR_state_bytes:
            dest[0] = mp_obj_new_int_from_uint(m->state_keep_bytes + m->persist_bytes);
            return;
        case MP_QSTR_last_us:
            dest[0] = self->last.us ? mp_obj_new_int_from_ull(self->last.us) : mp_const_none;
            return;
        case MP_QSTR_profile_unit:
            dest[0] = tinyml_profile_unit(m);
            return;
        case MP_QSTR_last_cycles:
            dest[0] =
                self->last.us && self->last.has_cycles ? mp_obj_new_int_from_ull(self->last.cycles) : mp_const_none;
            return;
        case MP_QSTR_ops: {
            mp_obj_tuple_t *ops = MP_OBJ_TO_PTR(mp_obj_new_tuple(m->n_nodes, NULL));
            for (uint32_t i = 0; i < m->n_nodes; ++i) {
                const char *name = m->nodes[i].op->name;
                ops->items[i] = mp_obj_new_str(name, strlen(name));
            }
            dest[0] = MP_OBJ_FROM_PTR(ops);
            return;
        }
        default:
            dest[1] = MP_OBJ_SENTINEL; // continue lookup in locals_dict
            return;
    }
}

static const mp_rom_map_elem_t tinyml_model_locals_dict_table[] = {
    {MP_ROM_QSTR(MP_QSTR_predict), MP_ROM_PTR(&tinyml_model_predict_obj)},
    {MP_ROM_QSTR(MP_QSTR_set_input), MP_ROM_PTR(&tinyml_model_set_input_obj)},
    {MP_ROM_QSTR(MP_QSTR_invoke), MP_ROM_PTR(&tinyml_model_invoke_obj)},
    {MP_ROM_QSTR(MP_QSTR_get_output), MP_ROM_PTR(&tinyml_model_get_output_obj)},
    {MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&tinyml_model_reset_obj)},
    {MP_ROM_QSTR(MP_QSTR_input_buffer), MP_ROM_PTR(&tinyml_model_input_buffer_obj)},
    {MP_ROM_QSTR(MP_QSTR_output_buffer), MP_ROM_PTR(&tinyml_model_output_buffer_obj)},
    {MP_ROM_QSTR(MP_QSTR_profile), MP_ROM_PTR(&tinyml_model_profile_obj)},
    {MP_ROM_QSTR(MP_QSTR_get_output_into), MP_ROM_PTR(&tinyml_model_get_output_into_obj)},
    {MP_ROM_QSTR(MP_QSTR_set_input_ring), MP_ROM_PTR(&tinyml_model_set_input_ring_obj)},
};
static MP_DEFINE_CONST_DICT(tinyml_model_locals_dict, tinyml_model_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(tinyml_type_Model, MP_QSTR_Model, MP_TYPE_FLAG_NONE, make_new, tinyml_model_make_new,
    print, tinyml_model_print, attr, tinyml_model_attr, locals_dict, &tinyml_model_locals_dict);

// tinyml.ops(): ((name, max_version), ...) for every op this firmware runs.
static mp_obj_t tinyml_ops(void) {
    mp_obj_t rows = mp_obj_new_tuple(tm_op_table_len, NULL);
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(rows);
    for (int i = 0; i < tm_op_table_len; ++i) {
        const tm_op *op = tm_op_table[i];
        mp_obj_t pair[2] = {mp_obj_new_str(op->name, strlen(op->name)), MP_OBJ_NEW_SMALL_INT(op->max_version)};
        t->items[i] = mp_obj_new_tuple(2, pair);
    }
    return rows;
}
static MP_DEFINE_CONST_FUN_OBJ_0(tinyml_ops_obj, tinyml_ops);

static const MP_DEFINE_STR_OBJ(tinyml_version_obj, TINYML_VERSION);

static const mp_rom_map_elem_t tinyml_module_globals_table[] = {
    {MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_tinyml)},
    {MP_ROM_QSTR(MP_QSTR___version__), MP_ROM_PTR(&tinyml_version_obj)},
    {MP_ROM_QSTR(MP_QSTR_Model), MP_ROM_PTR(&tinyml_type_Model)},
    {MP_ROM_QSTR(MP_QSTR_Arena), MP_ROM_PTR(&tinyml_type_Arena)},
    {MP_ROM_QSTR(MP_QSTR_UnsupportedOpError), MP_ROM_PTR(&mp_type_UnsupportedOpError)},
    {MP_ROM_QSTR(MP_QSTR_ops), MP_ROM_PTR(&tinyml_ops_obj)},
};
static MP_DEFINE_CONST_DICT(tinyml_module_globals, tinyml_module_globals_table);

const mp_obj_module_t tinyml_user_cmodule = {
    .base = {&mp_type_module},
    .globals = (mp_obj_dict_t *)&tinyml_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_tinyml, tinyml_user_cmodule);
