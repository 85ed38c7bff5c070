// tinyml kernels: GATHER, bit-exact with TFLM's gather.cc (Gather<InputT, int32_t>): the input
// viewed as [batch, outer, axis_size, inner] elements, int32 positions as [batch, coords]; output
// slice (b, o, c) is input slice (b, o, positions[b][c]) of `inner` elements.
// Positions are data: each is checked here, at every inference. TFLM's eval fails on one outside
// [0, axis_size); this eval cannot fail, so it writes that output slice as zero bytes instead (see
// op_gather.c) and never reads outside the input.
#ifndef TM_KERNEL_GATHER_H
#define TM_KERNEL_GATHER_H

#include <stdint.h>

typedef struct {
    int32_t batch;     // product of the first batch_dims input dims
    int32_t outer;     // product of the input dims from batch_dims to the axis
    int32_t axis_size; // the input's dimension at the axis (>= 1)
    int32_t coords;    // positions per batch (product of their dims after batch_dims)
    int32_t inner;     // elements per slice (product of the input dims after the axis)
    int32_t elem_size; // bytes per element
} tm_gather_params;

void tm_gather(const tm_gather_params *p, const void *in, const void *positions, void *out);

#endif
