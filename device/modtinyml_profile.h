// tinyml: Model.profile of the MicroPython binding (modtinyml_profile.c), used by modtinyml.c.
//
// Per-node times of a model's last inference: while profiling is on, the model's tm_model.profile
// points at `hook` (a clock from tm_ticks.c and one time per node, allocated once from the GC
// heap when profiling is turned on), so tm_model_invoke reads the clock around every node; while
// it is off, tm_model.profile is NULL and invoke reads no clock at all.
#ifndef MODTINYML_PROFILE_H
#define MODTINYML_PROFILE_H

#include <stdbool.h>

#include "py/obj.h"
#include "tm_model.h"

typedef struct {
    tm_profile hook;   // what model->profile points at while on; hook.times: a GC block
    const char *unit;  // the clock's unit while on: "cycles", "us" or "ns"
    bool ran;          // an inference ran since profiling was turned on: hook.times is its profile
} tinyml_profile_t;

// Turns per-node timing of `m` on (allocating its times; a MemoryError changes nothing) or off.
// `p` must stay where it is while on (it lives in the Model object).
void tinyml_profile_set(tinyml_profile_t *p, tm_model *m, bool on);
// After each inference of `m`.
static inline void tinyml_profile_ran(tinyml_profile_t *p, const tm_model *m) {
    p->ran = m->profile != NULL;
}
// [(node, op, time), ...] of the last inference; None when none ran since profiling was turned
// on; RuntimeError when profiling is off.
mp_obj_t tinyml_profile_rows(const tinyml_profile_t *p, const tm_model *m);
// The unit of the times as a str, None while profiling is off.
mp_obj_t tinyml_profile_unit(const tinyml_profile_t *p, const tm_model *m);

#endif
