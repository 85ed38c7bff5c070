// tinyml kernels: the int16 real FFT of TFLM's SignalRfft, bit-exact with the fixed-point KISS FFT
// TFLM builds it from (kiss_fftr over a half-length complex FFT, 16-bit samples, Q15 twiddles
// rounded to nearest, every butterfly stage scaling by 1/radix with rounding, sums wrapping in
// int16).
//
// The complex FFT of length n = fft_length / 2 runs decimation in time with radix-4 stages then
// one radix-2 stage when n is not a power of 4 (the factor order KISS FFT chooses); the real
// spectrum is then split out of it with the "super twiddles" exp(-i pi (k / n + 1/2)).
// Supported lengths: powers of two from 4 to TM_RFFT_MAX_LENGTH.
#ifndef TM_KERNEL_SIGNAL_RFFT_H
#define TM_KERNEL_SIGNAL_RFFT_H

#include <stddef.h>
#include <stdint.h>

#define TM_RFFT_MAX_LENGTH 32768
#define TM_RFFT_MAX_STAGES 16

typedef struct {
    int16_t r, i;
} tm_cpx16;

typedef struct {
    int32_t n; // complex length: fft_length / 2
    int32_t n_stages;
    int32_t radix[TM_RFFT_MAX_STAGES]; // outermost stage first
    int32_t span[TM_RFFT_MAX_STAGES];  // sub-FFT length after that stage's split
    tm_cpx16 *twiddles;                // n entries: exp(-2 pi i k / n)
    tm_cpx16 *super_twiddles;          // n / 2 entries
    tm_cpx16 *work;                    // n entries of scratch
} tm_rfft_s16;

// 1 if fft_length is supported.
int tm_rfft_s16_length_ok(int32_t fft_length);
// Bytes of memory (tables and scratch) for fft_length, 8-byte aligned pieces.
size_t tm_rfft_s16_bytes(int32_t fft_length);
// Fills the plan, its tables in mem (tm_rfft_s16_bytes bytes, 8-byte aligned).
void tm_rfft_s16_init(tm_rfft_s16 *plan, int32_t fft_length, void *mem);
// Spectrum (n + 1 complex values, interleaved re, im) of in[0..in_len) zero-padded to fft_length.
void tm_rfft_s16_run(const tm_rfft_s16 *plan, const int16_t *in, int32_t in_len, int16_t *out);

#endif
