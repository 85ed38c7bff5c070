// tinyml kernels: the arithmetic of TFLM's audio front-end ("signal" custom ops), bit-exact with
// TFLM's signal library (signal/src: window, fft_auto_scale, energy, filter_bank,
// filter_bank_square_root, filter_bank_spectral_subtraction, pcan_argc_fixed, filter_bank_log).
// Integer overflows wrap exactly where TFLM's wrap on two's-complement targets; every shift amount
// is checked by the op's prepare (or clamped here when it comes from tensor data).
// The RFFT is kernels/signal_rfft.c. uint64 arrays may be only 4-byte aligned (the arena's
// alignment): they are read and written with memcpy.
#ifndef TM_KERNEL_SIGNAL_H
#define TM_KERNEL_SIGNAL_H

#include <stdint.h>

// Position of the highest set bit, 1-based; 32 for 0 (TFLM's MostSignificantBit32 as GCC builds it).
uint32_t tm_signal_msb32(uint32_t x);

// out[i] = saturate16((in[i] * window[i % n_window]) >> shift) over n elements; shift in [0, 31].
void tm_signal_window(
    const int16_t *in, const int16_t *window, int32_t n_window, int32_t n, int32_t shift, int16_t *out);

// Scales in up by the largest power of two that keeps max |in| in int16 (TFLM FftAutoScale, with its
// int16 maximum); returns the shift.
int32_t tm_signal_fft_auto_scale(const int16_t *in, int32_t n, int16_t *out);

// out[i] = re^2 + im^2 of complex element i (interleaved int16 pairs) for start <= i < end; the
// other outputs are set to 0 (TFLM leaves them as they were).
void tm_signal_energy(const int16_t *spectrum, int32_t start, int32_t end, int32_t n_out, uint32_t *out);

// The filter bank: channel c (0..num_channels) sums width[c] inputs from freq_start[c] times
// weights from weight_start[c]; channel c's unweighted sum goes to channel c + 1. Channel 0 is
// scratch: out gets channels 1..num_channels. Indices checked by the caller.
typedef struct {
    int32_t num_channels;
    const int16_t *weights;
    const int16_t *unweights;
    const int16_t *freq_start; // num_channels + 1 entries each
    const int16_t *weight_start;
    const int16_t *width;
} tm_signal_filter_bank;
void tm_signal_filter_bank_run(const tm_signal_filter_bank *fb, const uint32_t *in, uint64_t *out);

// out[i] = round-ish sqrt(in[i]) >> shift (TFLM Sqrt64 / Sqrt32); shift < 0 is 0, > 31 gives 0.
void tm_signal_filter_bank_sqrt(const uint64_t *in, int32_t n, int32_t shift, uint32_t *out);

typedef struct {
    int32_t num_channels;
    uint32_t smoothing, one_minus_smoothing;                     // even channels
    uint32_t alternate_smoothing, alternate_one_minus_smoothing; // odd channels
    uint32_t min_signal_remaining;
    int32_t smoothing_bits;            // [0, 31]
    int32_t spectral_subtraction_bits; // [0, 63]
    int32_t clamping;
} tm_signal_spectral_subtraction;
// Updates noise (the state kept between frames) and writes the signal minus the noise estimate,
// floored at min_signal_remaining of the signal.
void tm_signal_spectral_subtraction_run(
    const tm_signal_spectral_subtraction *p, const uint32_t *in, uint32_t *out, uint32_t *noise);

// PCAN auto gain control (TFLM ApplyPcanAutoGainControlFixed): gain_lut has >= 125 entries,
// snr_shift in [0, 63]; out may be in.
void tm_signal_pcan(
    const uint32_t *in, const uint32_t *noise, const int16_t *gain_lut, int32_t snr_shift, int32_t n, uint32_t *out);

// out[i] = min(INT16_MAX, ln(in[i] << correction_bits) * output_scale) in TFLM's fixed point, 0 when
// the scaled input is 0 or 1; correction_bits in [0, 31].
void tm_signal_filter_bank_log(
    const uint32_t *in, int32_t n, int32_t output_scale, int32_t correction_bits, int16_t *out);

#endif
