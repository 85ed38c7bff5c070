// tinyml kernel: an int8 -> int8 function as a 256-entry table (built by an op's prepare, e.g.
// elu.c, rsqrt.c), applied with one lookup per element.
#ifndef TM_KERNEL_LUT_H
#define TM_KERNEL_LUT_H

#include <stdint.h>

typedef struct {
    int8_t table[256]; // indexed by (uint8_t)q
} tm_lut_s8_table;

void tm_lut_s8(const tm_lut_s8_table *t, int32_t size, const int8_t *input, int8_t *output);

#endif
