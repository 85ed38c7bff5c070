// tinyml: a bounds-checked reader for the FlexBuffers maps that carry a CUSTOM op's options
// (TFLM's signal ops: {"shift": 12}, {"fft_length": 512, "T": 7}...).
//
// Only what options need: the root must be a map; a value is read by its key as an integer
// (int, uint or bool, inline or indirect). Every position is checked against the buffer before it
// is read, with 64-bit arithmetic, so a corrupted model gives TM_ERR_MODEL naming the op and the
// key, never an out-of-bounds read. Layout (flexbuffers.h): the buffer ends with the root's byte
// width and packed type; a map's values vector is preceded by its keys vector offset, the keys'
// byte width and the element count, and followed by one packed type byte per value.
#ifndef TM_FLEXBUFFER_H
#define TM_FLEXBUFFER_H

#include <stdint.h>

#include "tm_status.h"

typedef struct {
    const uint8_t *buf;
    uint32_t len;
    uint32_t values;    // first value of the map
    uint32_t keys;      // first key offset of the keys vector
    uint32_t count;     // entries
    uint8_t width;      // byte width of the values (and of the map's header fields)
    uint8_t keys_width; // byte width of the key offsets
} tm_flex_map;

// Opens buf[0..len) as a flexbuffer whose root is a map. `op` names the op in messages.
tm_status tm_flex_map_open(tm_flex_map *map, const uint8_t *buf, uint32_t len, const char *op, tm_error *err);

// The value of `key` as an int32 (ints, uints and bools; inline or indirect); TM_ERR_MODEL when
// the key is absent, the value another type, or out of int32 range.
tm_status tm_flex_map_int32(const tm_flex_map *map, const char *key, int32_t *out, const char *op, tm_error *err);

// The same, with a default when the key is absent.
tm_status tm_flex_map_int32_or(
    const tm_flex_map *map, const char *key, int32_t dflt, int32_t *out, const char *op, tm_error *err);

#endif
