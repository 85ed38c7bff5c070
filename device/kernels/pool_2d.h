// tinyml kernels: parameters shared by the 2D pooling kernels (average_pool_2d, max_pool_2d).
// NHWC int8 tensors. The caller (prepare) guarantees every size and the padding are consistent:
// all sizes >= 1, out_h/out_w as TFLite's ComputeOutSize, pad_h/pad_w as ComputePaddingWithOffset
// (the padding before the first row / column), so every window holds at least one input element;
// for the average, min(filter_h, in_h) * min(filter_w, in_w) * 128 fits in int32.
#ifndef TM_KERNEL_POOL_2D_H
#define TM_KERNEL_POOL_2D_H

#include <stdint.h>

typedef struct {
    int32_t batches, in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t stride_h, stride_w;
    int32_t filter_h, filter_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max; // fused activation clamp, in output units
} tm_pool_params;

#endif
