// tinyml kernel: SVDF int8 with an int16 or int8 state (see svdf.h).
#include "svdf.h"

#include <string.h>

#include "tm_quant.h"

// Element i of an int16 or int8 array.
static inline int32_t get(const void *a, int is16, size_t i) {
    return is16 ? (int32_t)((const int16_t *)a)[i] : (int32_t)((const int8_t *)a)[i];
}

void tm_svdf_s8(const tm_svdf_params *p, const int8_t *input, const int8_t *weights_feature, const void *weights_time,
    const int32_t *bias, void *state, int8_t *output, int32_t *scratch) {
    const int is16 = p->state_is_int16;
    const size_t elem = is16 ? 2u : 1u;
    const size_t total = (size_t)p->batch * (size_t)p->n_filter * (size_t)p->n_memory;
    const int32_t lo = is16 ? -32768 : -128;
    const int32_t hi = is16 ? 32767 : 127;
    // The whole state one element left (each filter's newest slot is rewritten below).
    memmove(state, (uint8_t *)state + elem, (total - 1) * elem);
    for (int32_t b = 0; b < p->batch; ++b) {
        const int8_t *x = input + (size_t)b * (size_t)p->n_input;
        for (int32_t f = 0; f < p->n_filter; ++f) {
            const int8_t *w = weights_feature + (size_t)f * (size_t)p->n_input;
            uint32_t acc = 0; // TFLM's int32 sum, wrapping
            for (int32_t k = 0; k < p->n_input; ++k) {
                acc += (uint32_t)((int32_t)w[k] * ((int32_t)x[k] - p->input_zero_point));
            }
            int32_t v = tm_mul_by_quantized_mul((int32_t)acc, p->multiplier_1, (int)p->shift_1);
            v = (v < lo ? lo : (v > hi ? hi : v)) + p->state_zero_point;
            const size_t at =
                ((size_t)b * (size_t)p->n_filter + (size_t)f) * (size_t)p->n_memory + (size_t)p->n_memory - 1u;
            if (is16) {
                ((int16_t *)state)[at] = (int16_t)v;
            } else {
                ((int8_t *)state)[at] = (int8_t)v;
            }
        }
    }
    for (int32_t b = 0; b < p->batch; ++b) {
        for (int32_t f = 0; f < p->n_filter; ++f) {
            const size_t row = (size_t)f * (size_t)p->n_memory;
            const size_t srow = ((size_t)b * (size_t)p->n_filter + (size_t)f) * (size_t)p->n_memory;
            uint32_t acc = 0;
            for (int32_t k = 0; k < p->n_memory; ++k) {
                acc += (uint32_t)(get(weights_time, is16, row + (size_t)k)
                                  * (get(state, is16, srow + (size_t)k) - p->state_zero_point));
            }
            scratch[(size_t)b * (size_t)p->n_filter + (size_t)f] = (int32_t)acc;
        }
    }
    const int32_t units = p->n_filter / p->rank;
    for (int32_t b = 0; b < p->batch; ++b) {
        for (int32_t u = 0; u < units; ++u) {
            uint32_t acc = bias != NULL ? (uint32_t)bias[u] : 0u;
            for (int32_t r = 0; r < p->rank; ++r) {
                acc += (uint32_t)scratch[(size_t)b * (size_t)p->n_filter + (size_t)u * (size_t)p->rank + (size_t)r];
            }
            int32_t v = tm_mul_by_quantized_mul((int32_t)acc, p->multiplier_2, (int)p->shift_2) + p->output_zero_point;
            output[(size_t)b * (size_t)units + (size_t)u] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
    }
}
