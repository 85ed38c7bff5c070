// tinyml: Model.profile - per-node times of the last inference (see modtinyml_profile.h).
#include <stddef.h>
#include <string.h>

#include "py/runtime.h"
#include "py/obj.h"

#include "modtinyml_profile.h"
#include "tm_ticks.h"

// The GC block tm_model.profile points at while profiling is on.
typedef struct {
    tm_profile hook;  // first: the block starts here; hook.times = times
    const char *unit; // "cycles", "us" or "ns"
    bool ran;         // an inference ran since profiling was turned on: times is its profile
    uint32_t times[]; // one per node
} profile_block_t;

static profile_block_t *block_of(const tm_model *m) {
    return (profile_block_t *)m->profile;
}

void tinyml_profile_set(tm_model *m, bool on) {
    if (!on) {
        m->profile = NULL; // the block is garbage for the GC
        return;
    }
    if (m->profile != NULL) {
        return;
    }
    const char *unit = NULL;
    tm_ticks_clock clock = tm_ticks_profile_clock(&unit);
    if (clock == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("this port has no clock to time each node with"));
    }
    profile_block_t *p = m_new_obj_var0(profile_block_t, times, uint32_t, m->n_nodes);
    p->hook.clock = clock;
    p->hook.times = p->times;
    p->unit = unit;
    m->profile = &p->hook;
}

void tinyml_profile_ran(tm_model *m) {
    if (m->profile != NULL) {
        block_of(m)->ran = true;
    }
}

mp_obj_t tinyml_profile_rows(const tm_model *m) {
    if (m->profile == NULL) {
        mp_raise_msg(&mp_type_RuntimeError,
            MP_ERROR_TEXT(
                "profiling is off: turn it on with m.profile(True) or Model(..., profile=True), then run the model"));
    }
    const profile_block_t *p = block_of(m);
    if (!p->ran) {
        return mp_const_none;
    }
    mp_obj_t rows = mp_obj_new_list(m->n_nodes, NULL);
    mp_obj_t *items;
    size_t len;
    mp_obj_list_get(rows, &len, &items);
    for (uint32_t i = 0; i < m->n_nodes; ++i) {
        const char *op = m->nodes[i].op->name;
        mp_obj_t row[3] = {
            MP_OBJ_NEW_SMALL_INT(i),
            mp_obj_new_str(op, strlen(op)),
            mp_obj_new_int_from_uint(p->times[i]),
        };
        items[i] = mp_obj_new_tuple(3, row);
    }
    return rows;
}

mp_obj_t tinyml_profile_unit(const tm_model *m) {
    return m->profile == NULL ? mp_const_none : mp_obj_new_str(block_of(m)->unit, strlen(block_of(m)->unit));
}
