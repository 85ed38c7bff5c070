// tinyml kernel: int8 table lookup (see lut.h).
#include "lut.h"

void tm_lut_s8(const tm_lut_s8_table *t, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        output[i] = t->table[(uint8_t)input[i]];
    }
}
