// tinyml: Model.profile of the MicroPython binding (modtinyml_profile.c), used by modtinyml.c.
//
// Per-node times of a model's last inference. While profiling is on, the model's tm_model.profile
// points at the start of one GC block, allocated when profiling is turned on: the clock from
// tm_ticks.c, its unit and one time per node (that pointer, inside the Model object, is what keeps
// the block alive). While it is off, tm_model.profile is NULL: the Model holds nothing more, and
// tm_model_invoke reads no clock at all.
#ifndef MODTINYML_PROFILE_H
#define MODTINYML_PROFILE_H

#include <stdbool.h>

#include "py/obj.h"
#include "tm_model.h"

// Turns per-node timing of `m` on (a MemoryError changes nothing; already on: the last profile
// stays) or off.
void tinyml_profile_set(tm_model *m, bool on);
// To call after each inference of `m`.
void tinyml_profile_ran(tm_model *m);
// [(node, op, time), ...] of the last inference; None when none ran since profiling was turned
// on; RuntimeError when profiling is off.
mp_obj_t tinyml_profile_rows(const tm_model *m);
// The unit of the times ("cycles", "us" or "ns") as a str, None while profiling is off.
mp_obj_t tinyml_profile_unit(const tm_model *m);

#endif
