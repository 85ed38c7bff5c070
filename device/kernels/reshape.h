// tinyml kernels: RESHAPE / SQUEEZE data movement: the bytes are unchanged, only the shape differs.
// Copies unless input and output already share the buffer (TFLM: memcpy when the pointers differ).
#ifndef TM_KERNEL_RESHAPE_H
#define TM_KERNEL_RESHAPE_H

#include <stddef.h>

void tm_reshape(const void *in, void *out, size_t bytes);

#endif
