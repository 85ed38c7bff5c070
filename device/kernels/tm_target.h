// tinyml kernels: the one place that decides which CPU the kernels are built for (as CMSIS-NN's
// ARM_MATH_DSP / ARM_MATH_MVEI selection does). Every kernel file asks TM_TARGET_IS(...) here and
// nowhere else reads a compiler's architecture macros.
//
// Targets and the file that holds each one's primitives (tm_prim.h is the interface):
//   PORTABLE     plain C99, any CPU (prim_portable.c, prim_portable.h); always compiled, so its
//                primitives are the reference every other target is tested against, on every host
//   ARMV6M       Cortex-M0/M0+ (prim_armv6m.c)
//   ARMV7M       Cortex-M3: ARMv7-M without the DSP extension (prim_armv7m.c)
//   ARMV7EM_DSP  Cortex-M4/M7/M33/M55: the DSP extension's SIMD multiplies (prim_armv7em_dsp.c, .h)
//   HOST64       x86-64 and other 64-bit hosts: 64-bit multiplies as several lanes (prim_host64.c)
// Not yet with files of their own (they build PORTABLE): Xtensa (ESP32, ESP32-S3: its PIE vector
// unit would be an XTENSA_S3 file), Armv8.1-M Helium (MVE, __ARM_FEATURE_MVE: M55/M85 take
// ARMV7EM_DSP until an MVE file exists), ARMv8-M without DSP (M23, M33 without DSP).
//
// -DTM_TARGET_FORCE_PORTABLE builds the portable primitives on any CPU (e.g. to measure them).
#ifndef TM_KERNEL_TARGET_H
#define TM_KERNEL_TARGET_H

#include <stdint.h>

#define TM_TARGET_ID_PORTABLE 0
#define TM_TARGET_ID_ARMV6M 1
#define TM_TARGET_ID_ARMV7M 2
#define TM_TARGET_ID_ARMV7EM_DSP 3
#define TM_TARGET_ID_HOST64 4

#if defined(TM_TARGET_FORCE_PORTABLE)
#define TM_TARGET TM_TARGET_ID_PORTABLE
#elif defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TM_TARGET TM_TARGET_ID_ARMV7EM_DSP
#elif defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define TM_TARGET TM_TARGET_ID_ARMV7M
#elif defined(__ARM_ARCH_6M__)
#define TM_TARGET TM_TARGET_ID_ARMV6M
#elif UINTPTR_MAX > 0xFFFFFFFFu
#define TM_TARGET TM_TARGET_ID_HOST64
#else
#define TM_TARGET TM_TARGET_ID_PORTABLE
#endif

#define TM_TARGET_IS(name) (TM_TARGET == TM_TARGET_ID_##name)

// 64-bit hosts with SSE2 (every x86-64): the matrix product and the one-row dot product run on
// 128-bit vectors (prim_host64.c). Other 64-bit hosts (AArch64) keep the 64-bit multiply lanes and
// the portable dot product.
#if TM_TARGET_IS(HOST64) && defined(__SSE2__) && defined(__x86_64__)
#define TM_HOST64_SSE2 1
#else
#define TM_HOST64_SSE2 0
#endif

// Rows the matrix product (tm_mm_s8) takes at a time on this target: callers that choose the row
// count (the im2col tiles) use multiples of it where they can. 3 on 64-bit hosts without SSE2
// (three rows per 64-bit multiply), 2 elsewhere (x86-64: 2 rows x 4 channels of SSE2; 1 on
// ARMv6-M, but 2 keeps the tiles the same).
#if TM_TARGET_IS(HOST64) && !TM_HOST64_SSE2
#define TM_MM_ROWS 3
#else
#define TM_MM_ROWS 2
#endif

// Unrolling of the one-row dot products with the input offset (tm_dot4_off): by two everywhere
// (x86-64: -12% instructions on AD; Cortex-M0+: -1% cycles) but the Cortex-M3, where GCC then
// spills (+4% cycles).
#if TM_TARGET_IS(ARMV7M)
#define TM_DOT_UNROLL 1
#else
#define TM_DOT_UNROLL 2
#endif

#endif
