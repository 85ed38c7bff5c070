// tinyml: the Arena type of the MicroPython binding (modtinyml_arena.c), shared with modtinyml.c.
//
// An Arena is one GC block that is never resized or freed while anything points into it: the
// memoryviews input_buffer()/output_buffer() return point at its start, so they keep it alive.
// Every Model has one - its own (arena=None or an int), or one the program made and shares
// between models run one after another (arena=tinyml.Arena(n)). The Arena records which model's
// tensors it holds now (the tenant) and serialises every use of a model in it (a mutex on ports
// with threads), so two threads or two models never interleave inside it.
#ifndef MODTINYML_ARENA_H
#define MODTINYML_ARENA_H

#include "py/obj.h"
#include "py/mpthread.h"

typedef struct _tinyml_arena_obj_t {
    mp_obj_base_t base;
    uint8_t *block;   // the GC block (never resized)
    size_t len;       // its usable bytes
    uint32_t tenant;  // id of the model whose tensors it holds now (0: none)
    uint32_t last_id; // ids handed to the models made in it
#if MICROPY_PY_THREAD
    mp_thread_mutex_t mutex;
#endif
} tinyml_arena_obj_t;

extern const mp_obj_type_t tinyml_type_Arena;

// A new arena of len bytes (checked against TM_MAX_ARENA_BYTES).
tinyml_arena_obj_t *tinyml_arena_new(size_t len);
// Waits for the arena to be free (other threads), then holds it; tinyml_arena_release lets go.
void tinyml_arena_hold(tinyml_arena_obj_t *arena);
void tinyml_arena_release(tinyml_arena_obj_t *arena);
// Reads a size argument: an int in 0..max, else ValueError/TypeError naming `what`.
size_t tinyml_get_size(mp_obj_t obj, const char *what, size_t max);

#endif
