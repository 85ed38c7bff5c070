// tinyml kernels: constant PAD of an int8 or int16 tensor, bit-exact with TFLM's
// reference_ops::Pad (micro/kernels/internal/reference/pad.h): every output element outside the
// input's box [left, left + in_dim) in some dim is pad_value, the rest is the input in order.
#ifndef TM_KERNEL_PAD_H
#define TM_KERNEL_PAD_H

#include <stdint.h>

#define TM_PAD_MAX_DIMS 6

typedef struct {
    int32_t ndim; // >= 1
    int32_t in_dims[TM_PAD_MAX_DIMS];
    int32_t left[TM_PAD_MAX_DIMS];      // >= 0
    int32_t right[TM_PAD_MAX_DIMS];     // >= 0
    int32_t out_block[TM_PAD_MAX_DIMS]; // output elements in one step of dim i (product of out dims after i)
    int8_t pad_value;                   // int8
    int16_t pad_value_s16;              // int16
} tm_pad_params;

// Fills out_block from in_dims/left/right (call once ndim, in_dims, left and right are set).
void tm_pad_init(tm_pad_params *p);

void tm_pad_s8(const tm_pad_params *p, const int8_t *in, int8_t *out);
void tm_pad_s16(const tm_pad_params *p, const int16_t *in, int16_t *out);

#endif
