// tinyml kernels: the per-target primitives behind CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED.
//
// The kernels (conv_2d.c, conv_2d_1x1.c, depthwise_conv_2d.c, fully_connected.c) are drivers: they
// walk pixels, channel blocks and tiles and call the primitives below for the arithmetic. Each
// target (tm_target.h) has one file of primitives; a file compiles to nothing unless its target is
// selected, except the portable one, which is always built (its functions carry a _portable
// suffix) so that every target's primitives can be checked against it, bit for bit, on any CPU
// (tests/c/test_prim.c, also run on Cortex-M0+/M3/M4 in unicorn by bench/cortexm_ctest.py).
//
//   matrix product     tm_mm_s8 (matmul_s8.h): register-blocked int8 dot products of rows x
//                      channels, with the output stage; per target: prim_<target>.c
//   dot with offset    tm_dot4_off: one row against four channels, input offset in the loop
//                      (fully connected layers with few rows, the generic convolution)
//   depthwise taps     TM_DW_TAP / tm_dw_pack (four channels of one tap, weights packed once per
//                      block) and tm_dw4_off (the same with the input offset, generic path):
//                      inline, in prim_portable.h or prim_armv7em_dsp.h
//   weight sums        tm_sum_s8 (tm_mm_prepare's input-offset folding): inline, here or in
//                      prim_armv7em_dsp.h
//   requantize         tm_rq_apply_s8 (requantize.h): the same C on every target for now
//
// Exactness: every primitive computes exact int32 sums (the callers' prepare bounds the depth), so
// any order or blocking gives the portable result.
#ifndef TM_KERNEL_PRIM_H
#define TM_KERNEL_PRIM_H

#include <stdint.h>

#include "tm_target.h"
#include "matmul_s8.h"
#include "requantize.h"
#include "tm_hot.h"

#if TM_TARGET_IS(ARMV7EM_DSP)
#include "prim_armv7em_dsp.h"
#else
#include "prim_portable.h"
#endif

// tm_mm_s8 with the portable blocking (2 rows x 4 channels), on every target.
void tm_mm_s8_portable(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride);

// a[j] = sum over i < n of w0[j * w_stride + i] * (x[i] + input_offset), for j < 4. The DSP
// target has its own (inline: tm_dot4_off_dsp), ARMv6-M its own (prim_armv6m.c, assembly), x86-64
// hosts theirs (SSE2: prim_host64.c); the others run the portable one.
#if TM_TARGET_IS(ARMV7EM_DSP)
#define tm_dot4_off tm_dot4_off_dsp
#elif TM_TARGET_IS(ARMV6M)
#define tm_dot4_off tm_dot4_off_armv6m
void tm_dot4_off_armv6m(
    const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n, int32_t a[4]);
#elif TM_TARGET_IS(HOST64) && TM_HOST64_SSE2
#define tm_dot4_off tm_dot4_off_sse2
void tm_dot4_off_sse2(
    const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n, int32_t a[4]);
#else
#define tm_dot4_off tm_dot4_off_portable
#endif
void tm_dot4_off_portable(
    const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n, int32_t a[4]);

// Sum of p[0..n): the weight sums of tm_mm_prepare. Only the DSP target has its own
// (tm_sum_s8_dsp, four values per SXTAB16 pair); the others run this loop, as before.
static inline int32_t tm_sum_s8_portable(const int8_t *p, int32_t n) {
    int32_t sum = 0;
    for (int32_t k = 0; k < n; ++k) {
        sum += p[k];
    }
    return sum;
}
#if TM_TARGET_IS(ARMV7EM_DSP)
#define tm_sum_s8 tm_sum_s8_dsp
#else
#define tm_sum_s8 tm_sum_s8_portable
#endif

// ---- Blocks the targets' matrix products share (prim_portable.c) ----

// Output stage of channel c of the call.
TM_ALWAYS_INLINE int8_t tm_mm_out1(const tm_mm_out *o, int32_t c, int32_t acc) {
#if TM_TARGET_IS(ARMV6M)
    return tm_rq_finish_s8(tm_rq_scale_armv6m(acc, &o->rq[c]), o->output_offset, o->act_min, o->act_max);
#else
    return tm_rq_apply_s8(acc, &o->rq[c], o->output_offset, o->act_min, o->act_max);
#endif
}

// a[j] = x . w_j for the four channels of w0 (rows depth apart).
void tm_prim_dot_1x4(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]);

// The loops around the blocks: prim_mm_blocks.h.

#endif
