// tinyml kernel: int8 RESIZE_BILINEAR of an NHWC tensor, bit-exact with TFLM's
// reference_ops::ResizeBilinearInteger (no floating point): source positions in 1/1024 steps,
// each output the weighted sum of four input pixels in 2^20 steps, rounded half away from zero.
// The quantization is not looked at (as in TFLM): input and output share it.
//
// The source row (column) of every output row (column) is computed once at prepare
// (tm_resize_bilinear_axis) and kept in the op data.
#ifndef TM_KERNEL_RESIZE_BILINEAR_H
#define TM_KERNEL_RESIZE_BILINEAR_H

#include <stdint.h>

#include "resize_shape.h"

// One output row or column: the two input rows (columns) it reads and the position between
// them, in 1/1024 steps.
typedef struct {
    int32_t lo;  // in [0, in_size)
    int32_t hi;  // in [0, in_size)
    int32_t pos; // source position * 1024 (may be below lo * 1024 with half pixel centers)
} tm_resize_bilinear_tap;

typedef struct {
    tm_resize_shape shape;
    const tm_resize_bilinear_tap *y; // out_h entries
    const tm_resize_bilinear_tap *x; // out_w entries
} tm_resize_bilinear_params;

// Fills out_size taps for one axis (TFLM's scale in 1/1024 steps and
// ComputeInterpolationValuesInteger). in_size * 1024 must fit in int32.
void tm_resize_bilinear_axis(
    int32_t in_size, int32_t out_size, int align_corners, int half_pixel_centers, tm_resize_bilinear_tap *taps);

void tm_resize_bilinear_s8(const tm_resize_bilinear_params *p, const int8_t *in, int8_t *out);

#endif
