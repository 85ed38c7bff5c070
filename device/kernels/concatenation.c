// tinyml kernels: CONCATENATION, see concatenation.h.
#include "concatenation.h"

#include <string.h>

void tm_concatenation(const tm_concatenation_params *p, const void *const *inputs, void *out) {
    uint8_t *o = (uint8_t *)out;
    for (int32_t k = 0; k < p->outer; ++k) {
        for (int32_t i = 0; i < p->n_inputs; ++i) {
            const uint32_t n = p->copy_bytes[i];
            if (n != 0) {
                memcpy(o, (const uint8_t *)inputs[i] + (size_t)k * n, n);
                o += n;
            }
        }
    }
}
