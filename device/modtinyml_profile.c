// tinyml: Model.profile - per-node times of the last inference (see modtinyml_profile.h).
#include <string.h>

#include "py/runtime.h"
#include "py/obj.h"

#include "modtinyml_profile.h"
#include "tm_ticks.h"

void tinyml_profile_set(tinyml_profile_t *p, tm_model *m, bool on) {
    if (!on) {
        m->profile = NULL;
        p->hook.times = NULL; // garbage for the GC
        p->ran = false;
        return;
    }
    if (m->profile != NULL) {
        return; // already on: the last profile stays
    }
    const char *unit = NULL;
    tm_ticks_clock clock = tm_ticks_profile_clock(&unit);
    if (clock == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("this port has no clock to time each node with"));
    }
    p->hook.times = m_new0(uint32_t, m->n_nodes ? m->n_nodes : 1);
    p->hook.clock = clock;
    p->unit = unit;
    p->ran = false;
    m->profile = &p->hook;
}

mp_obj_t tinyml_profile_rows(const tinyml_profile_t *p, const tm_model *m) {
    if (m->profile == NULL) {
        mp_raise_msg(&mp_type_RuntimeError,
            MP_ERROR_TEXT("profiling is off: turn it on with m.profile(True) or Model(..., profile=True), then run the model"));
    }
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
            mp_obj_new_int_from_uint(p->hook.times[i]),
        };
        items[i] = mp_obj_new_tuple(3, row);
    }
    return rows;
}

mp_obj_t tinyml_profile_unit(const tinyml_profile_t *p, const tm_model *m) {
    return m->profile == NULL ? mp_const_none : mp_obj_new_str(p->unit, strlen(p->unit));
}
