// tinyml kernels: where the inner loops live in memory.
//
// TM_HOT marks the small out-of-line functions that hold the kernels' inner loops (each well
// under 1 KB of code). Everywhere it keeps them out of line, so that the compiler allocates their
// registers on their own. A board may also define TM_HOT_ALIGN (bytes, a power of two) to align
// them: the emulated board (firmware/qemu/build.sh) sets 1024, QEMU's page of ARM guest code.
// QEMU chains its translated blocks directly only within one such page; a loop that straddles a
// page boundary pays a hash-table lookup on every pass, and a function under 1 KB that starts on
// a page boundary has none. Measured on the KWS model in the emulated board, with the calls to
// the port's byte-loop memset/memcpy also taken out of the loops (device/micropython.mk): an
// inference went from 7.9 to 6.2 ms of wall time, for the same instructions.
#ifndef TM_KERNEL_HOT_H
#define TM_KERNEL_HOT_H

#if defined(__GNUC__)
#if defined(TM_HOT_ALIGN)
#define TM_HOT __attribute__((noinline, aligned(TM_HOT_ALIGN)))
#else
#define TM_HOT __attribute__((noinline))
#endif
#else
#define TM_HOT
#endif

// The common case of a branch in an inner loop: the compiler lays it out as the straight path, the
// other side out of the loop's run of code.
#if defined(__GNUC__)
#define TM_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define TM_LIKELY(x) (x)
#endif

#endif
