// tm_ticks: the on-device clock that times each inference (Model.last_us, Model.last_cycles) and
// each node of it (Model.profile).
// Binding layer, like modtinyml.c: one implementation per port in tm_ticks.c, picked at compile time.
//
//   tm_ticks_mark t;
//   tm_ticks_start(&t);
//   ... work ...
//   tm_duration d;
//   tm_ticks_stop(&t, &d);   // d.us, d.cycles (valid when d.has_cycles)
//
// Start/stop pairs must not nest (one inference at a time): on the emulated board tm_ticks_start
// restarts the hardware timer.
#ifndef TM_TICKS_H
#define TM_TICKS_H

#include <stdint.h>

// An opaque start point.
typedef struct {
    uint64_t t;      // time or timer count at the start
    uint32_t cycles; // cycle counter at the start, where there is one
    uint8_t has_cycles;
} tm_ticks_mark;

typedef struct {
    uint64_t us;     // elapsed microseconds
    uint64_t cycles; // elapsed CPU cycles (instructions on the emulated board), if has_cycles
    int has_cycles;  // 0 where the port has no cycle counter, or it may have wrapped
} tm_duration;

void tm_ticks_start(tm_ticks_mark *mark);
void tm_ticks_stop(const tm_ticks_mark *mark, tm_duration *out);

// The clock of per-node profiles (Model.profile, tm_profile.clock): a free-running 32-bit count,
// read between tm_ticks_start and tm_ticks_stop. Returns the function reading it (turning the
// cycle counter on where the core has one) and sets *unit to "cycles", "us" or "ns"; NULL where
// the port has no clock.
typedef uint32_t (*tm_ticks_clock)(void);
tm_ticks_clock tm_ticks_profile_clock(const char **unit);

#endif
