// tinyml kernels: the primitives of the ARMv6-M target (Cortex-M0/M0+; tm_prim.h, tm_target.h).
//
// Matrix product: one row x four channels, then single channels (prim_mm_blocks.h), with the
// one-row block in assembly (v6m_dot4 below); the dot product with the input offset is the same
// loop with the offset added to each input value.
//
// Why assembly: Thumb-1 data-processing instructions reach r0-r7 only, and a 1x4 block needs five
// byte streams, four accumulators, the input value and a product. GCC keeps the accumulators in
// r0-r7 and moves stream pointers in and out of the high registers on every step (6.25 cycles per
// multiply-accumulate on the M0+). Here the accumulators live in r8-r11 (ADD Rd, Rm reaches
// them in one cycle, as ADDS does a low register), all five streams are one moving pointer plus
// one offset register each (LDRSB Rt, [Rn, Rm]: 2 cycles, sign-extended, no extraction), the loop
// end sits in r12 (CMP reaches it) and the loop is unrolled by four: 18 cycles per input value (four
// MACs) plus 0.75 of loop, 4.7 cycles per MAC (4.9 with the offset add; unrolled by two: 4.9).
//
// Tried and not kept (estimated cycles per 16 MACs on the M0+): 32-bit weight loads split with
// shifts (LDR 2 + SXTB/LSLS/ASRS 6 per four values: 2 cycles a value, the same as LDRSB, and four
// more live registers); two lanes of 16 bits per MULS (the lanes overflow after two products, and
// extracting them costs what the second multiply saves); 2 rows x 2 channels (a ninth low register
// or LDRB + SXTB for one stream: 20 cycles per four MACs against 19); all the channel blocks of a
// row in one call (one prologue, sums through a stack buffer: KWS +2% in tm_mm_s8's loop); the
// depthwise 3x3 block of four channels in assembly (LDRSB + LDR + MULS + ADDS, 6 cycles a tap:
// 292 cycles a block against GCC's ~270, KWS +1%).
#include "tm_prim.h"
#include "prim_mm_blocks.h"

// Hand-scheduled assembly and intrinsics, laid out by hand:
// clang-format off
#if TM_TARGET_IS(ARMV6M)

// One input value x[k] (+ offset in lr when WITH_OFF) against the four weight streams: r1 walks
// w0, r0 = x - w0, r2/r3/r4 = 1/2/3 strides, r5 = 0, r8-r11 the sums.
#define V6M_STEP(OFF)                                                                              \
    "ldrsb r6, [r1, r0]\n" OFF                                                                       \
    "ldrsb r7, [r1, r5]\n muls r7, r6\n add r8, r7\n"                                                \
    "ldrsb r7, [r1, r2]\n muls r7, r6\n add r9, r7\n"                                                \
    "ldrsb r7, [r1, r3]\n muls r7, r6\n add r10, r7\n"                                               \
    "ldrsb r7, [r1, r4]\n muls r6, r7\n add r11, r6\n"                                               \
    "adds r1, r1, #1\n"

// void f(const int8_t *x, const int8_t *w0, int32_t stride, int32_t n, int32_t a[4], int32_t off):
// a[j] = sum over k < n of w0[j * stride + k] * (x[k] (+ off)).
#define V6M_DOT4_BODY(OFF)                                                                         \
    ".syntax unified\n"                                                                             \
    "push {r4, r5, r6, r7, lr}\n"                                                                   \
    "mov r4, r8\n mov r5, r9\n mov r6, r10\n mov r7, r11\n"                                        \
    "push {r4, r5, r6, r7}\n"                                                                       \
    "ldr r4, [sp, #40]\n mov lr, r4\n"          /* off (5th argument after a) */                  \
    "subs r0, r0, r1\n"                         /* x - w0 */                                      \
    "adds r3, r1, r3\n mov r12, r3\n"           /* end of w0 */                                   \
    "lsls r3, r2, #1\n adds r4, r3, r2\n"       /* 2 and 3 strides */                             \
    "movs r5, #0\n mov r8, r5\n mov r9, r5\n mov r10, r5\n mov r11, r5\n"                        \
    "mov r7, r12\n subs r7, r7, r1\n lsls r7, r7, #31\n"  /* carry: n & 2 */                     \
    "bcc 4f\n" V6M_STEP(OFF) V6M_STEP(OFF)                                                          \
    "4:\n mov r7, r12\n subs r7, r7, r1\n lsrs r7, r7, #1\n"   /* carry: n odd */                \
    "bcc 1f\n" V6M_STEP(OFF)                                                                        \
    "1:\n cmp r1, r12\n beq 3f\n"                                                                   \
    "2:\n" V6M_STEP(OFF) V6M_STEP(OFF) V6M_STEP(OFF) V6M_STEP(OFF) "cmp r1, r12\n bne 2b\n"        \
    "3:\n ldr r0, [sp, #36]\n"                  /* a */                                           \
    "mov r1, r8\n str r1, [r0]\n mov r1, r9\n str r1, [r0, #4]\n"                                  \
    "mov r1, r10\n str r1, [r0, #8]\n mov r1, r11\n str r1, [r0, #12]\n"                           \
    "pop {r4, r5, r6, r7}\n"                                                                        \
    "mov r8, r4\n mov r9, r5\n mov r10, r6\n mov r11, r7\n"                                        \
    "pop {r4, r5, r6, r7, pc}\n"                                                                   \
    ".syntax divided\n"

// The arguments of the two: read by the assembly only (naked functions have no C body).
#define V6M_UNUSED __attribute__((unused))
#define V6M_ARGS V6M_UNUSED const int8_t *x, V6M_UNUSED const int8_t *w0, V6M_UNUSED int32_t stride, \
    V6M_UNUSED int32_t n, V6M_UNUSED int32_t a[4], V6M_UNUSED int32_t off

__attribute__((naked, noinline)) static void v6m_dot4(V6M_ARGS) {
    __asm__ volatile(V6M_DOT4_BODY(""));
}

__attribute__((naked, noinline)) static void v6m_dot4_off(V6M_ARGS) {
    __asm__ volatile(V6M_DOT4_BODY("add r6, lr\n"));
}

// The one-row block of the matrix product (tm_mm_rows_by's dot4).
static inline void v6m_dot_1x4(const int8_t *x, const int8_t *w0, int32_t depth, int32_t a[4]) {
    v6m_dot4(x, w0, depth, depth, a, 0);
}

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    tm_mm_rows_by(v6m_dot_1x4, x, x_stride, rows, w, depth, channels, o, out, out_stride);
}

void tm_dot4_off_armv6m(const int8_t *x, int32_t input_offset, const int8_t *w0, int32_t w_stride, int32_t n,
    int32_t a[4]) {
    v6m_dot4_off(x, w0, w_stride, n, a, input_offset);
}

// clang-format on
#endif
