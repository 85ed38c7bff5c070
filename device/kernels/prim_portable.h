// tinyml kernels: the inline primitives of every target without a SIMD file (tm_prim.h): the
// depthwise taps in plain C.
#ifndef TM_KERNEL_PRIM_PORTABLE_H
#define TM_KERNEL_PRIM_PORTABLE_H

#include <stdint.h>

#include "tm_quant.h"

// acc_i += w[4 * t + i] * x[i] for the four channels of tap t (locals a0..a3 and the int32 table
// w of the caller, filled by tm_dw_pack).
#define TM_DW_TAP(t, xp)                                                                                               \
    do {                                                                                                               \
        const int8_t *x_ = (xp);                                                                                       \
        const int32_t *w_ = w + 4 * (t);                                                                               \
        a0 += w_[0] * x_[0];                                                                                           \
        a1 += w_[1] * x_[1];                                                                                           \
        a2 += w_[2] * x_[2];                                                                                           \
        a3 += w_[3] * x_[3];                                                                                           \
    } while (0)

// The table TM_DW_TAP reads: w[4 * t + i], the weight of channel i at tap t, as it is.
TM_ALWAYS_INLINE void tm_dw_pack(int32_t *w, int32_t taps) {
    (void)w;
    (void)taps;
}

// acc[i] += f[i] * (x[i] + input_offset) for four adjacent channels.
TM_ALWAYS_INLINE void tm_dw4_off(const int8_t *x, const int8_t *f, int32_t input_offset, int32_t acc[4]) {
    acc[0] += (int32_t)f[0] * ((int32_t)x[0] + input_offset);
    acc[1] += (int32_t)f[1] * ((int32_t)x[1] + input_offset);
    acc[2] += (int32_t)f[2] * ((int32_t)x[2] + input_offset);
    acc[3] += (int32_t)f[3] * ((int32_t)x[3] + input_offset);
}

#endif
