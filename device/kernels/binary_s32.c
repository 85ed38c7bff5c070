// tinyml kernels: int32 element-wise binary ops, see binary_s32.h.
#include "binary_s32.h"

static int32_t wrap32(uint32_t v) {
    return (int32_t)v;
}

static int32_t apply(tm_binary_s32_kind kind, int32_t x, int32_t y) {
    switch (kind) {
        case TM_S32_ADD:
            return wrap32((uint32_t)x + (uint32_t)y);
        case TM_S32_SUB:
            return wrap32((uint32_t)x - (uint32_t)y);
        case TM_S32_MUL:
            return wrap32((uint32_t)x * (uint32_t)y);
        case TM_S32_DIV:
            if (y == 0) {
                return 0;
            }
            if (y == -1) {
                return wrap32(0u - (uint32_t)x);
            }
            return x / y;
        case TM_S32_MAXIMUM:
            return x > y ? x : y;
        default:
            return x < y ? x : y;
    }
}

static void row(
    const void *params, const int32_t *a, int32_t step_a, const int32_t *b, int32_t step_b, int32_t *out, int32_t n) {
    const tm_binary_s32_kind kind = *(const tm_binary_s32_kind *)params;
    for (int32_t i = 0; i < n; ++i) {
        out[i] = apply(kind, a[i * step_a], b[i * step_b]);
    }
}

void tm_binary_s32(
    const tm_broadcast *bc, tm_binary_s32_kind kind, const int32_t *in1, const int32_t *in2, int32_t *out) {
    tm_broadcast_run_s32(bc, in1, in2, out, row, &kind);
}
