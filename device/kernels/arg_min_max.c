// tinyml kernels: ARG_MAX / ARG_MIN, see arg_min_max.h.
#include "arg_min_max.h"

#include <stddef.h>
#include <string.h>

static void store_index(const tm_arg_min_max_params *p, void *out, size_t at, int32_t index) {
    if (p->output_int64) {
        const int64_t v = index;
        memcpy((uint8_t *)out + at * sizeof(int64_t), &v, sizeof(v));
    } else {
        memcpy((uint8_t *)out + at * sizeof(int32_t), &index, sizeof(index));
    }
}

// One loop per input type and direction (is_max a constant at each call, so the comparison is
// not a branch inside the loop): the index of the first best value along the axis, every
// (outer, inner) position.
#define TM_ARG_LOOP(NAME, T, BETTER)                                                                                   \
    static void NAME(const tm_arg_min_max_params *p, const T *in, void *out) {                                         \
        const size_t inner = (size_t)p->inner;                                                                         \
        for (int32_t o = 0; o < p->outer; ++o) {                                                                       \
            const T *plane = in + (size_t)o * (size_t)p->axis_size * inner;                                            \
            for (size_t i = 0; i < inner; ++i) {                                                                       \
                const T *at = plane + i;                                                                               \
                T best = *at;                                                                                          \
                int32_t best_at = 0;                                                                                   \
                for (int32_t a = 1; a < p->axis_size; ++a) {                                                           \
                    at += inner;                                                                                       \
                    if (BETTER(*at, best)) {                                                                           \
                        best = *at;                                                                                    \
                        best_at = a;                                                                                   \
                    }                                                                                                  \
                }                                                                                                      \
                store_index(p, out, (size_t)o *inner + i, best_at);                                                    \
            }                                                                                                          \
        }                                                                                                              \
    }

#define TM_ARG_GREATER(a, b) ((a) > (b))
#define TM_ARG_LESS(a, b) ((a) < (b))

TM_ARG_LOOP(arg_max_s8, int8_t, TM_ARG_GREATER)
TM_ARG_LOOP(arg_min_s8, int8_t, TM_ARG_LESS)
TM_ARG_LOOP(arg_max_f32, float, TM_ARG_GREATER)
TM_ARG_LOOP(arg_min_f32, float, TM_ARG_LESS)

void tm_arg_min_max(const tm_arg_min_max_params *p, const void *in, void *out) {
    if (p->input_float) {
        (p->is_max ? arg_max_f32 : arg_min_f32)(p, (const float *)in, out);
    } else {
        (p->is_max ? arg_max_s8 : arg_min_s8)(p, (const int8_t *)in, out);
    }
}
