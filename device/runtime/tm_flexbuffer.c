// tinyml: bounds-checked FlexBuffers map reader, see tm_flexbuffer.h.
#include "tm_flexbuffer.h"

#include <stddef.h>

// FlexBuffers value types (flexbuffers.h Type), the ones options use.
enum {
    FLEX_INT = 1,
    FLEX_UINT = 2,
    FLEX_KEY = 4,
    FLEX_INDIRECT_INT = 6,
    FLEX_INDIRECT_UINT = 7,
    FLEX_MAP = 9,
    FLEX_BOOL = 26,
};

static int in_bounds(const tm_flex_map *m, uint64_t pos, uint64_t size) {
    return pos <= m->len && size <= m->len - pos;
}

static int valid_width(uint64_t w) {
    return w == 1 || w == 2 || w == 4 || w == 8;
}

// Little-endian unsigned of `width` bytes at pos (the caller has checked the bounds).
static uint64_t read_u(const uint8_t *p, uint32_t width) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < width; ++i) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static int64_t read_i(const uint8_t *p, uint32_t width) {
    uint64_t v = read_u(p, width);
    if (width < 8 && (v >> (8 * width - 1)) != 0) {
        v |= ~(uint64_t)0 << (8 * width); // sign-extend
    }
    return (int64_t)v;
}

static tm_status corrupt(tm_error *err, const char *op, const char *what) {
    return tm_fail(err, TM_ERR_MODEL, "corrupt model: %s custom options: %s", op, what);
}

// The position an offset field at pos (of `width` bytes) points back to; 0 if out of bounds.
static int follow(const tm_flex_map *m, uint64_t pos, uint32_t width, uint64_t *target) {
    if (!in_bounds(m, pos, width)) {
        return 0;
    }
    uint64_t off = read_u(m->buf + pos, width);
    if (off == 0 || off > pos) {
        return 0;
    }
    *target = pos - off;
    return 1;
}

tm_status tm_flex_map_open(tm_flex_map *map, const uint8_t *buf, uint32_t len, const char *op, tm_error *err) {
    map->buf = buf;
    map->len = buf == NULL ? 0 : len;
    if (map->len < 3) {
        return corrupt(err, op, "missing or shorter than 3 bytes");
    }
    const uint32_t root_width = buf[map->len - 1];
    const uint8_t root_type = buf[map->len - 2];
    if (!valid_width(root_width) || root_width + 2u > map->len) {
        return corrupt(err, op, "bad root width");
    }
    if ((root_type >> 2) != FLEX_MAP) {
        return corrupt(err, op, "the root is not a map");
    }
    const uint32_t width = 1u << (root_type & 3u);
    uint64_t values;
    if (!follow(map, map->len - 2u - root_width, root_width, &values) || values < 3u * width) {
        return corrupt(err, op, "map offset out of range");
    }
    const uint64_t header = values - 3u * width;
    if (!in_bounds(map, header, 3u * width)) {
        return corrupt(err, op, "map header out of range");
    }
    const uint64_t count = read_u(buf + header + 2u * width, width);
    const uint64_t keys_width = read_u(buf + header + width, width);
    uint64_t keys;
    if (!valid_width(keys_width) || !follow(map, header, width, &keys)) {
        return corrupt(err, op, "keys vector out of range");
    }
    // count values of `width` bytes, then count type bytes; count keys, preceded by their count.
    if (count > map->len || !in_bounds(map, values, count * (width + 1u)) || keys < keys_width
        || !in_bounds(map, keys - keys_width, (count + 1u) * keys_width)
        || read_u(buf + keys - keys_width, (uint32_t)keys_width) != count) {
        return corrupt(err, op, "map entries out of range");
    }
    map->values = (uint32_t)values;
    map->keys = (uint32_t)keys;
    map->count = (uint32_t)count;
    map->width = (uint8_t)width;
    map->keys_width = (uint8_t)keys_width;
    return TM_OK;
}

// 1 if the NUL-terminated key string at pos equals `key`; 0 if not; -1 if it runs off the buffer.
static int key_equals(const tm_flex_map *m, uint64_t pos, const char *key) {
    for (;; ++pos, ++key) {
        if (pos >= m->len) {
            return -1;
        }
        if (m->buf[pos] != (uint8_t)*key) {
            return 0;
        }
        if (*key == '\0') {
            return 1;
        }
    }
}

// Entry index of key: >= 0; -1 absent; -2 corrupt.
static int32_t find_key(const tm_flex_map *m, const char *key) {
    for (uint32_t i = 0; i < m->count; ++i) {
        uint64_t str;
        if (!follow(m, (uint64_t)m->keys + (uint64_t)i * m->keys_width, m->keys_width, &str)) {
            return -2;
        }
        int eq = key_equals(m, str, key);
        if (eq < 0) {
            return -2;
        }
        if (eq) {
            return (int32_t)i;
        }
    }
    return -1;
}

tm_status tm_flex_map_int32_or(
    const tm_flex_map *map, const char *key, int32_t dflt, int32_t *out, const char *op, tm_error *err) {
    int32_t i = find_key(map, key);
    if (i == -2) {
        return corrupt(err, op, "key out of range");
    }
    if (i < 0) {
        *out = dflt;
        return TM_OK;
    }
    const uint64_t pos = (uint64_t)map->values + (uint64_t)i * map->width;
    const uint8_t packed = map->buf[(uint64_t)map->values + (uint64_t)map->count * map->width + (uint32_t)i];
    const uint32_t type = packed >> 2;
    const uint32_t child_width = 1u << (packed & 3u);
    int64_t v;
    uint64_t target;
    switch (type) {
        case FLEX_INT:
            v = read_i(map->buf + pos, map->width);
            break;
        case FLEX_UINT:
        case FLEX_BOOL:
            v = (int64_t)(read_u(map->buf + pos, map->width) & INT64_MAX);
            break;
        case FLEX_INDIRECT_INT:
        case FLEX_INDIRECT_UINT:
            if (!follow(map, pos, map->width, &target) || !in_bounds(map, target, child_width)) {
                return tm_fail(err, TM_ERR_MODEL, "corrupt model: %s custom option '%s' out of range", op, key);
            }
            v = type == FLEX_INDIRECT_INT ? read_i(map->buf + target, child_width)
                                          : (int64_t)(read_u(map->buf + target, child_width) & INT64_MAX);
            break;
        default:
            return tm_fail(err, TM_ERR_MODEL, "%s custom option '%s' is not an integer (flexbuffer type %u)", op, key,
                (unsigned)type);
    }
    if (v < INT32_MIN || v > INT32_MAX) {
        return tm_fail(err, TM_ERR_MODEL, "%s custom option '%s' is out of the int32 range", op, key);
    }
    *out = (int32_t)v;
    return TM_OK;
}

tm_status tm_flex_map_int32(const tm_flex_map *map, const char *key, int32_t *out, const char *op, tm_error *err) {
    int32_t i = find_key(map, key);
    if (i == -1) {
        return tm_fail(err, TM_ERR_MODEL, "%s custom options lack '%s'", op, key);
    }
    return tm_flex_map_int32_or(map, key, 0, out, op, err);
}
