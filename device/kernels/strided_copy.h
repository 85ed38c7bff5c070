// tinyml kernels: the one data-movement loop behind STRIDED_SLICE, PACK and UNPACK: copies an
// N-D box of elements from one buffer to another, each side with its own element strides (in
// elements, negative allowed) and start offset. The element size is free (int8, int16, int32,
// float32, int64, bool), nothing is converted. Bit-exact with TFLM's reference loops by
// construction: each op's prepare computes the same start / count / step per axis as TFLM
// (strided_slice_logic.h, pack.cc, unpack.cc) and the box visits the elements in the same order.
#ifndef TM_KERNEL_STRIDED_COPY_H
#define TM_KERNEL_STRIDED_COPY_H

#include <stdint.h>

#define TM_STRIDED_COPY_MAX_DIMS 6

typedef struct {
    int32_t ndim;                               // 1..TM_STRIDED_COPY_MAX_DIMS
    int32_t count[TM_STRIDED_COPY_MAX_DIMS];    // elements along each loop axis (>= 0)
    int32_t in_step[TM_STRIDED_COPY_MAX_DIMS];  // input elements between two steps of the axis
    int32_t out_step[TM_STRIDED_COPY_MAX_DIMS]; // output elements between two steps of the axis
    int32_t in_start;                           // element offset of the first input element
    int32_t out_start;                          // element offset of the first output element
    int32_t elem_size;                          // bytes per element: 1, 2, 4 or 8
} tm_strided_copy_params;

// Sets out_step to the row-major steps of a contiguous output of shape count[0..ndim).
void tm_strided_copy_contiguous_out(tm_strided_copy_params *p);

// The caller (prepare) guarantees that every visited offset lies inside both buffers. The box is
// first folded into fewer, longer axes (same elements, same order), so callers need not.
void tm_strided_copy(const tm_strided_copy_params *p, const void *in, void *out);

#endif
