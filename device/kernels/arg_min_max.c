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

static void arg_s8(const tm_arg_min_max_params *p, const int8_t *in, void *out) {
    const size_t inner = (size_t)p->inner;
    for (int32_t o = 0; o < p->outer; ++o) {
        const int8_t *plane = in + (size_t)o * (size_t)p->axis_size * inner;
        for (size_t i = 0; i < inner; ++i) {
            int8_t best = plane[i];
            int32_t best_at = 0;
            for (int32_t a = 1; a < p->axis_size; ++a) {
                const int8_t v = plane[(size_t)a * inner + i];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    best_at = a;
                }
            }
            store_index(p, out, (size_t)o * inner + i, best_at);
        }
    }
}

static void arg_f32(const tm_arg_min_max_params *p, const float *in, void *out) {
    const size_t inner = (size_t)p->inner;
    for (int32_t o = 0; o < p->outer; ++o) {
        const float *plane = in + (size_t)o * (size_t)p->axis_size * inner;
        for (size_t i = 0; i < inner; ++i) {
            float best = plane[i];
            int32_t best_at = 0;
            for (int32_t a = 1; a < p->axis_size; ++a) {
                const float v = plane[(size_t)a * inner + i];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    best_at = a;
                }
            }
            store_index(p, out, (size_t)o * inner + i, best_at);
        }
    }
}

void tm_arg_min_max(const tm_arg_min_max_params *p, const void *in, void *out) {
    if (p->input_float) {
        arg_f32(p, (const float *)in, out);
    } else {
        arg_s8(p, (const int8_t *)in, out);
    }
}
