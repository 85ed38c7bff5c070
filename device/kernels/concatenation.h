// tinyml kernels: CONCATENATION along one axis, bit-exact with TFLM's reference_ops::Concatenation
// (a byte copy: TFLM requires int8 inputs to share the output's quantization, so no rescaling).
// The tensors are seen as [outer, axis_i * inner] row-major blocks; for each outer index the
// inputs' blocks are copied one after the other.
#ifndef TM_KERNEL_CONCATENATION_H
#define TM_KERNEL_CONCATENATION_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t n_inputs;
    int32_t outer;              // product of the output dims before the axis
    const uint32_t *copy_bytes; // per input: dims[axis] * inner * element size
} tm_concatenation_params;

void tm_concatenation(const tm_concatenation_params *p, const void *const *inputs, void *out);

#endif
