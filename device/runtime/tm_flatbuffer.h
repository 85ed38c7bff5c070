// tinyml: a bounds-checked reader for FlatBuffers (the binary format of .tflite files).
//
// Every accessor validates what it reads against the buffer before reading it: table and vtable
// positions, field offsets against the table size, vector and string lengths against the buffer
// end, element alignment is not required (all reads go through memcpy-free byte assembly).
//
// Errors are sticky: the first violation is recorded in the reader's tm_error (TM_ERR_MODEL) and
// every accessor then returns its "absent" value (0, default, empty vector, absent table). Callers
// check tm_fb_ok() at the end of a parsing step instead of after every read. This keeps parsing
// code short while making an out-of-bounds read impossible.
#ifndef TM_FLATBUFFER_H
#define TM_FLATBUFFER_H

#include <stdint.h>
#include <stddef.h>

#include "tm_status.h"

typedef struct {
    const uint8_t *buf;
    uint32_t len;
    tm_error *err;
} tm_fb;

// A table: pos == 0 means "absent" (position 0 always holds the root offset, never a table).
typedef struct {
    const tm_fb *fb;
    uint32_t pos;     // start of the table
    uint32_t vtable;  // start of its vtable
    uint16_t vt_len;  // vtable size in bytes
    uint16_t tab_len; // table size in bytes (inline part)
} tm_fb_table;

// A vector of fixed-size elements: data at pos, len elements of elem_size bytes, all in bounds.
typedef struct {
    const tm_fb *fb;
    uint32_t pos;
    uint32_t len;
    uint32_t elem_size;
} tm_fb_vec;

void tm_fb_init(tm_fb *fb, const uint8_t *buf, size_t len, tm_error *err);
static inline int tm_fb_ok(const tm_fb *fb) {
    return fb->err->status == TM_OK;
}

// The root table; also checks the 4-byte file identifier at offset 4 when ident != NULL.
tm_fb_table tm_fb_root(const tm_fb *fb, const char *ident);

static inline int tm_fb_table_present(const tm_fb_table *t) {
    return t->pos != 0;
}

// Scalars: the default when the field is absent (or the table is absent).
uint8_t tm_fb_u8(const tm_fb_table *t, int field, uint8_t dflt);
int8_t tm_fb_i8(const tm_fb_table *t, int field, int8_t dflt);
uint16_t tm_fb_u16(const tm_fb_table *t, int field, uint16_t dflt);
int32_t tm_fb_i32(const tm_fb_table *t, int field, int32_t dflt);
uint32_t tm_fb_u32(const tm_fb_table *t, int field, uint32_t dflt);
uint64_t tm_fb_u64(const tm_fb_table *t, int field, uint64_t dflt);
float tm_fb_f32(const tm_fb_table *t, int field, float dflt);

// Sub-table / vector / string through an offset field; absent field -> absent table / empty vector.
tm_fb_table tm_fb_table_field(const tm_fb_table *t, int field);
tm_fb_vec tm_fb_vec_field(const tm_fb_table *t, int field, uint32_t elem_size);
// A string: pointer into the buffer (not NUL-terminated) and its length; NULL/0 if absent.
const char *tm_fb_string_field(const tm_fb_table *t, int field, uint32_t *len);

// Vector elements (index checked; out of range records an error and returns 0).
tm_fb_table tm_fb_vec_table(const tm_fb_vec *v, uint32_t i);
int32_t tm_fb_vec_i32(const tm_fb_vec *v, uint32_t i);
int64_t tm_fb_vec_i64(const tm_fb_vec *v, uint32_t i);
float tm_fb_vec_f32(const tm_fb_vec *v, uint32_t i);
static inline const uint8_t *tm_fb_vec_data(const tm_fb_vec *v) {
    return v->len ? v->fb->buf + v->pos : NULL;
}

#endif
