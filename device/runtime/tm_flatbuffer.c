// tinyml: bounds-checked FlatBuffers reader. See tm_flatbuffer.h for the error model.
#include "tm_flatbuffer.h"

#include <string.h>

static const tm_fb_table absent_table = {NULL, 0, 0, 0, 0};

static uint32_t rd_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t rd_u16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

// True when [pos, pos + size) lies inside the buffer (overflow-safe).
static int in_bounds(const tm_fb *fb, uint32_t pos, uint32_t size) {
    return pos <= fb->len && size <= fb->len - pos;
}

static int bad(const tm_fb *fb, const char *what, uint32_t pos) {
    tm_fail(fb->err, TM_ERR_MODEL, "corrupt model: %s at byte %u", what, (unsigned)pos);
    return 0;
}

void tm_fb_init(tm_fb *fb, const uint8_t *buf, size_t len, tm_error *err) {
    fb->buf = buf;
    // FlatBuffers are limited to 2 GiB; anything larger is not a model we can address.
    fb->len = len > 0x7fffffffu ? 0 : (uint32_t)len;
    fb->err = err;
}

// Validates a table at pos and fills t; returns the absent table on any violation.
static tm_fb_table table_at(const tm_fb *fb, uint32_t pos) {
    tm_fb_table t = absent_table;
    if (!tm_fb_ok(fb)) {
        return t;
    }
    if (pos < 4 || (pos & 3) != 0 || !in_bounds(fb, pos, 4)) {
        bad(fb, "table offset out of range", pos);
        return t;
    }
    int64_t vt = (int64_t)pos - (int32_t)rd_u32(fb->buf + pos);
    if (vt < 0 || vt > (int64_t)fb->len || (vt & 1) != 0 || !in_bounds(fb, (uint32_t)vt, 4)) {
        bad(fb, "vtable offset out of range", pos);
        return t;
    }
    uint16_t vt_len = rd_u16(fb->buf + vt);
    uint16_t tab_len = rd_u16(fb->buf + vt + 2);
    if (vt_len < 4 || (vt_len & 1) != 0 || !in_bounds(fb, (uint32_t)vt, vt_len) || tab_len < 4
        || !in_bounds(fb, pos, tab_len)) {
        bad(fb, "vtable or table size out of range", pos);
        return t;
    }
    t.fb = fb;
    t.pos = pos;
    t.vtable = (uint32_t)vt;
    t.vt_len = vt_len;
    t.tab_len = tab_len;
    return t;
}

tm_fb_table tm_fb_root(const tm_fb *fb, const char *ident) {
    if (!tm_fb_ok(fb)) {
        return absent_table;
    }
    if (fb->len < 8) {
        tm_fail(fb->err, TM_ERR_MODEL, "not a TFLite model: %u bytes is too short", (unsigned)fb->len);
        return absent_table;
    }
    if (ident != NULL && memcmp(fb->buf + 4, ident, 4) != 0) {
        tm_fail(fb->err, TM_ERR_MODEL, "not a TFLite model: file identifier is not '%s'", ident);
        return absent_table;
    }
    return table_at(fb, rd_u32(fb->buf));
}

// Position of field's inline data if present and size bytes fit in the table; 0 if absent.
static uint32_t field_pos(const tm_fb_table *t, int field, uint32_t size) {
    if (t->pos == 0 || !tm_fb_ok(t->fb)) {
        return 0;
    }
    uint32_t entry = 4u + 2u * (uint32_t)field;
    if (entry + 2 > t->vt_len) {
        return 0; // field newer than the writer's schema: absent
    }
    uint16_t off = rd_u16(t->fb->buf + t->vtable + entry);
    if (off == 0) {
        return 0;
    }
    if (off < 4 || (uint32_t)off + size > t->tab_len) {
        bad(t->fb, "field outside its table", t->pos);
        return 0;
    }
    return t->pos + off;
}

uint8_t tm_fb_u8(const tm_fb_table *t, int field, uint8_t dflt) {
    uint32_t p = field_pos(t, field, 1);
    return p ? t->fb->buf[p] : dflt;
}

int8_t tm_fb_i8(const tm_fb_table *t, int field, int8_t dflt) {
    uint32_t p = field_pos(t, field, 1);
    return p ? (int8_t)t->fb->buf[p] : dflt;
}

uint16_t tm_fb_u16(const tm_fb_table *t, int field, uint16_t dflt) {
    uint32_t p = field_pos(t, field, 2);
    return p ? rd_u16(t->fb->buf + p) : dflt;
}

uint32_t tm_fb_u32(const tm_fb_table *t, int field, uint32_t dflt) {
    uint32_t p = field_pos(t, field, 4);
    return p ? rd_u32(t->fb->buf + p) : dflt;
}

int32_t tm_fb_i32(const tm_fb_table *t, int field, int32_t dflt) {
    return (int32_t)tm_fb_u32(t, field, (uint32_t)dflt);
}

uint64_t tm_fb_u64(const tm_fb_table *t, int field, uint64_t dflt) {
    uint32_t p = field_pos(t, field, 8);
    return p ? ((uint64_t)rd_u32(t->fb->buf + p) | ((uint64_t)rd_u32(t->fb->buf + p + 4) << 32)) : dflt;
}

float tm_fb_f32(const tm_fb_table *t, int field, float dflt) {
    uint32_t p = field_pos(t, field, 4);
    if (!p) {
        return dflt;
    }
    uint32_t bits = rd_u32(t->fb->buf + p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

// Follows the uoffset stored in an offset field; 0 if absent or out of range.
static uint32_t follow(const tm_fb_table *t, int field) {
    uint32_t p = field_pos(t, field, 4);
    if (!p) {
        return 0;
    }
    uint32_t off = rd_u32(t->fb->buf + p);
    if (off == 0 || off > t->fb->len - p) {
        bad(t->fb, "offset field points outside the buffer", p);
        return 0;
    }
    return p + off;
}

tm_fb_table tm_fb_table_field(const tm_fb_table *t, int field) {
    uint32_t p = follow(t, field);
    return p ? table_at(t->fb, p) : absent_table;
}

// Validates a vector header at p (length, then len * elem_size bytes).
static tm_fb_vec vec_at(const tm_fb *fb, uint32_t p, uint32_t elem_size) {
    tm_fb_vec v = {fb, 0, 0, elem_size};
    if (!in_bounds(fb, p, 4)) {
        bad(fb, "vector header outside the buffer", p);
        return v;
    }
    uint32_t len = rd_u32(fb->buf + p);
    if ((uint64_t)len * elem_size > (uint64_t)(fb->len - p - 4)) {
        bad(fb, "vector length runs past the end of the buffer", p);
        return v;
    }
    v.pos = p + 4;
    v.len = len;
    return v;
}

tm_fb_vec tm_fb_vec_field(const tm_fb_table *t, int field, uint32_t elem_size) {
    uint32_t p = follow(t, field);
    if (!p) {
        tm_fb_vec v = {t->fb, 0, 0, elem_size};
        return v;
    }
    return vec_at(t->fb, p, elem_size);
}

const char *tm_fb_string_field(const tm_fb_table *t, int field, uint32_t *len) {
    *len = 0;
    uint32_t p = follow(t, field);
    if (!p) {
        return NULL;
    }
    tm_fb_vec v = vec_at(t->fb, p, 1);
    if (!tm_fb_ok(t->fb)) {
        return NULL;
    }
    *len = v.len;
    return (const char *)t->fb->buf + v.pos;
}

static int index_ok(const tm_fb_vec *v, uint32_t i) {
    if (i >= v->len) {
        tm_fail(v->fb->err, TM_ERR_MODEL, "corrupt model: vector index %u out of range (length %u)", (unsigned)i,
            (unsigned)v->len);
        return 0;
    }
    return tm_fb_ok(v->fb);
}

tm_fb_table tm_fb_vec_table(const tm_fb_vec *v, uint32_t i) {
    if (!index_ok(v, i)) {
        return absent_table;
    }
    uint32_t p = v->pos + 4 * i;
    uint32_t off = rd_u32(v->fb->buf + p);
    if (off == 0 || off > v->fb->len - p) {
        bad(v->fb, "table offset in vector points outside the buffer", p);
        return absent_table;
    }
    return table_at(v->fb, p + off);
}

int32_t tm_fb_vec_i32(const tm_fb_vec *v, uint32_t i) {
    return index_ok(v, i) ? (int32_t)rd_u32(v->fb->buf + v->pos + 4 * i) : 0;
}

int64_t tm_fb_vec_i64(const tm_fb_vec *v, uint32_t i) {
    if (!index_ok(v, i)) {
        return 0;
    }
    const uint8_t *p = v->fb->buf + v->pos + 8 * i;
    return (int64_t)((uint64_t)rd_u32(p) | ((uint64_t)rd_u32(p + 4) << 32));
}

float tm_fb_vec_f32(const tm_fb_vec *v, uint32_t i) {
    uint32_t bits = index_ok(v, i) ? rd_u32(v->fb->buf + v->pos + 4 * i) : 0;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}
