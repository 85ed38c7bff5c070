// tinyml kernels: numpy-style broadcasting of two inputs to one output (TFLM's binary ops:
// BroadcastBinaryOpSimple / ProcessBroadcastShapes), shared by ADD and MUL (int8 and int16).
//
// tm_broadcast_init() extends the three shapes to the same rank (leading 1s), checks that each
// output dim is the broadcast of the input dims, drops size-1 dims and merges neighbouring dims
// that broadcast the same way, so [1,8,8,16] + [1,1,1,16] becomes 64 x 16 with input 2 stride 0
// on the outer dim. tm_broadcast_run_s8() walks the output row by row (innermost merged dim) and
// calls an element-wise row function with per-input steps of 0 (broadcast) or 1.
#ifndef TM_KERNEL_BROADCAST_H
#define TM_KERNEL_BROADCAST_H

#include <stdint.h>

#define TM_BROADCAST_MAX_DIMS 6

typedef struct {
    int32_t ndim;                           // >= 1 after init
    int32_t dims[TM_BROADCAST_MAX_DIMS];    // merged output dims, outermost first
    int32_t stride1[TM_BROADCAST_MAX_DIMS]; // input 1 element stride per dim, 0 = broadcast
    int32_t stride2[TM_BROADCAST_MAX_DIMS];
} tm_broadcast;

// Shapes outermost first, ranks 0..TM_BROADCAST_MAX_DIMS. Returns 0, or -1 if the shapes are not
// broadcast-compatible or out_dims is not their broadcast shape.
int tm_broadcast_init(
    tm_broadcast *bc, const int32_t *dims1, int n1, const int32_t *dims2, int n2, const int32_t *out_dims, int n_out);

// True when both inputs are walked element by element (same shape: no broadcasting at all).
static inline int tm_broadcast_is_elementwise(const tm_broadcast *bc) {
    return bc->ndim == 1 && bc->stride1[0] == 1 && bc->stride2[0] == 1;
}

// out[i] = f(a[i * step_a], b[i * step_b]) for i < n; steps are 0 or 1.
typedef void (*tm_broadcast_row_fn)(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n);

void tm_broadcast_run_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out,
    tm_broadcast_row_fn row, const void *params);

// The same walk over int16 tensors (the int16 ADD, SUB and MUL).
typedef void (*tm_broadcast_row_s16_fn)(
    const void *params, const int16_t *a, int32_t step_a, const int16_t *b, int32_t step_b, int16_t *out, int32_t n);

void tm_broadcast_run_s16(const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out,
    tm_broadcast_row_s16_fn row, const void *params);

// The same walk over int32 tensors (the int32 ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM).
typedef void (*tm_broadcast_row_s32_fn)(
    const void *params, const int32_t *a, int32_t step_a, const int32_t *b, int32_t step_b, int32_t *out, int32_t n);

void tm_broadcast_run_s32(const tm_broadcast *bc, const int32_t *in1, const int32_t *in2, int32_t *out,
    tm_broadcast_row_s32_fn row, const void *params);

#endif
