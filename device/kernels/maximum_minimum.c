// tinyml kernels: int8 MAXIMUM / MINIMUM, see maximum_minimum.h.
#include "maximum_minimum.h"

#include <stddef.h>

static void maximum_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    (void)params;
    for (int32_t i = 0; i < n; ++i) {
        const int8_t x = a[i * step_a], y = b[i * step_b];
        out[i] = x > y ? x : y;
    }
}

static void minimum_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    (void)params;
    for (int32_t i = 0; i < n; ++i) {
        const int8_t x = a[i * step_a], y = b[i * step_b];
        out[i] = x < y ? x : y;
    }
}

void tm_maximum_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, maximum_row, NULL);
}

void tm_minimum_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out) {
    tm_broadcast_run_s8(bc, in1, in2, out, minimum_row, NULL);
}
