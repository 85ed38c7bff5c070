// tinyml kernels: FILL (TFLM reference_ops::Fill): every output element is the one value.
#ifndef TM_KERNEL_FILL_H
#define TM_KERNEL_FILL_H

#include <stdint.h>

// `count` elements of elem_size bytes (1, 2, 4 or 8), each a copy of *value.
void tm_fill(void *out, int32_t count, const void *value, int32_t elem_size);

#endif
