// tinyml kernels: helpers for the ARMv7E-M DSP fast paths (Cortex-M4/M7/M33 with the DSP
// extension), compiled only when __ARM_FEATURE_DSP is set; every other target builds the plain
// C paths, which stay the reference the fast paths are checked against.
//
// The trick: one 32-bit load brings four int8 values; SXTB16 sign-extends bytes 0 and 2 into two
// int16 lanes and SXTB16 of the word rotated by 8 bytes 1 and 3 (SXTAB16 also adds an offset to
// each lane: x + input_offset is in [-256, 255], so it fits); SMLAD multiplies the two lane pairs
// and adds both products to an int32 accumulator modulo 2^32, exactly like the plain C sum. Pairing
// x and w lanes the same way gives the plain dot product of four values in two SMLADs.
#ifndef TM_KERNEL_SIMD_H
#define TM_KERNEL_SIMD_H

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TM_SIMD_DSP 1
#include <arm_acle.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t tm_load4(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);   // one LDR (unaligned loads are allowed on ARMv7-M)
    return v;
}

static inline uint32_t tm_ror8(uint32_t v) {
    return (v >> 8) | (v << 24);
}

// acc + dot(w[0..3], x[0..3]) with x already split into lanes (xe: bytes 0,2; xo: bytes 1,3).
static inline int32_t tm_dot4(const int8_t *w, int16x2_t xe, int16x2_t xo, int32_t acc) {
    const uint32_t ww = tm_load4(w);
    return __smlad(__sxtb16(ww), xe, __smlad(__sxtb16(tm_ror8(ww)), xo, acc));
}
#else
#define TM_SIMD_DSP 0
#endif

#endif
