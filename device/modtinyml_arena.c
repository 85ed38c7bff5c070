// tinyml: tinyml.Arena, the activation memory models run in. See modtinyml_arena.h.
#include <string.h>

#include "py/runtime.h"
#include "py/objint.h"

#include "modtinyml_arena.h"
#include "tm_model.h"

size_t tinyml_get_size(mp_obj_t obj, const char *what, size_t max) {
    if (!mp_obj_is_int(obj)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("%s must be an int"), what);
    }
    // Compared as Python ints, so a size past a machine word is a ValueError, not an
    // OverflowError, and 1 << 30 (a big int on 32-bit boards) is an ordinary size.
    if (mp_obj_int_sign(obj) < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s must be >= 0"), what);
    }
    if (mp_obj_is_true(mp_binary_op(MP_BINARY_OP_MORE, obj, mp_obj_new_int_from_uint(max)))) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s must be at most %u bytes"), what, (unsigned)max);
    }
    return (size_t)mp_obj_get_int(obj);
}

tinyml_arena_obj_t *tinyml_arena_new(size_t len) {
    // The block first: a MemoryError leaves nothing half-built.
    uint8_t *block = m_new(uint8_t, len ? len : 1);
    tinyml_arena_obj_t *a = mp_obj_malloc(tinyml_arena_obj_t, &tinyml_type_Arena);
    a->block = block;
    a->len = len;
    a->tenant = 0;
    a->last_id = 0;
#if MICROPY_PY_THREAD
    mp_thread_mutex_init(&a->mutex);
#endif
    return a;
}

void tinyml_arena_hold(tinyml_arena_obj_t *arena) {
#if MICROPY_PY_THREAD
    if (!mp_thread_mutex_lock(&arena->mutex, 0)) {
        // Another thread runs a model in it: wait without holding the GIL (where there is one).
        MP_THREAD_GIL_EXIT();
        mp_thread_mutex_lock(&arena->mutex, 1);
        MP_THREAD_GIL_ENTER();
    }
#else
    (void)arena;
#endif
}

void tinyml_arena_release(tinyml_arena_obj_t *arena) {
#if MICROPY_PY_THREAD
    mp_thread_mutex_unlock(&arena->mutex);
#else
    (void)arena;
#endif
}

// tinyml.Arena(size): size bytes for models to run in, one after another.
static mp_obj_t tinyml_arena_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)type;
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    return MP_OBJ_FROM_PTR(tinyml_arena_new(tinyml_get_size(args[0], "arena size", TM_MAX_ARENA_BYTES)));
}

static void tinyml_arena_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    tinyml_arena_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<tinyml.Arena %u bytes>", (unsigned)self->len);
}

static mp_obj_t tinyml_arena_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    tinyml_arena_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (op == MP_UNARY_OP_LEN) {
        return MP_OBJ_NEW_SMALL_INT(self->len);
    }
    return MP_OBJ_NULL;
}

MP_DEFINE_CONST_OBJ_TYPE(tinyml_type_Arena, MP_QSTR_Arena, MP_TYPE_FLAG_NONE, make_new, tinyml_arena_make_new, print,
    tinyml_arena_print, unary_op, tinyml_arena_unary_op);
