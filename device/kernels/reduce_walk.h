// tinyml kernels: the odometer walk shared by the reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN).
// A reduction's input is described by two strided index spaces (tm_mean_params in mean.h): the
// kept dims and the reduced dims. Each is walked in row-major order by tm_reduce_step(), which
// moves a running element offset to the next index.
#ifndef TM_KERNEL_REDUCE_WALK_H
#define TM_KERNEL_REDUCE_WALK_H

#include <stdint.h>

// Advance idx[0..nd-1] (row-major, last dim fastest) within dims and move *off by the strides.
// After the last index it wraps to all zeros and *off back to where it started.
static inline void tm_reduce_step(int32_t *idx, int32_t *off, const int32_t *dims, const int32_t *strides, int nd) {
    for (int k = nd - 1; k >= 0; --k) {
        *off += strides[k];
        if (++idx[k] < dims[k]) {
            return;
        }
        idx[k] = 0;
        *off -= strides[k] * dims[k];
    }
}

// Product of the first nd dims.
static inline int32_t tm_reduce_count(const int32_t *dims, int nd) {
    int32_t c = 1;
    for (int k = 0; k < nd; ++k) {
        c *= dims[k];
    }
    return c;
}

#endif
