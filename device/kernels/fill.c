// tinyml kernels: FILL, see fill.h.
#include "fill.h"

#include <stddef.h>
#include <string.h>

void tm_fill(void *out, int32_t count, const void *value, int32_t elem_size) {
    uint8_t *dst = (uint8_t *)out;
    if (elem_size == 1) {
        memset(dst, *(const uint8_t *)value, (size_t)count);
        return;
    }
    for (int32_t i = 0; i < count; ++i) {
        memcpy(dst + (size_t)i * (size_t)elem_size, value, (size_t)elem_size);
    }
}
