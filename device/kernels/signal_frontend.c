// tinyml kernels: TFLM's audio front-end arithmetic, see signal_frontend.h.
#include "signal_frontend.h"

#include <stddef.h>
#include <string.h>

uint32_t tm_signal_msb32(uint32_t x) {
    uint32_t bits = 0;
    if (x == 0) {
        return 32; // TFLM's __builtin_clz path: 32 for 0
    }
    while (x != 0) {
        x >>= 1;
        ++bits;
    }
    return bits;
}

static uint32_t msb64(uint64_t x) {
    uint32_t bits = 0;
    while (x != 0) {
        x >>= 1;
        ++bits;
    }
    return bits;
}

static int16_t wrap16(int32_t v) {
    return (int16_t)(uint16_t)(uint32_t)v;
}

void tm_signal_window(
    const int16_t *in, const int16_t *window, int32_t n_window, int32_t n, int32_t shift, int16_t *out) {
    for (int32_t i = 0, k = 0; i < n; ++i) {
        int32_t v = ((int32_t)in[i] * window[k]) >> shift;
        out[i] = (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
        if (++k == n_window) {
            k = 0;
        }
    }
}

int32_t tm_signal_fft_auto_scale(const int16_t *in, int32_t n, int16_t *out) {
    // TFLM keeps the running maximum |x| in an int16: -(-32768) wraps to -32768, and the values
    // after it then replace it whenever they are larger. Kept as is for bit-exactness.
    int16_t max = 0;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t v = in[i];
        if (v > max) {
            max = (int16_t)v;
        } else if (-v > max) {
            max = wrap16(-v);
        }
    }
    int32_t shift = 16 - (int32_t)tm_signal_msb32((uint32_t)(int32_t)max) - 1;
    if (shift < 0) {
        shift = 0;
    }
    for (int32_t i = 0; i < n; ++i) {
        out[i] = wrap16((int32_t)in[i] * (1 << shift));
    }
    return shift;
}

void tm_signal_energy(const int16_t *spectrum, int32_t start, int32_t end, int32_t n_out, uint32_t *out) {
    for (int32_t i = 0; i < n_out; ++i) {
        if (i < start || i >= end) {
            out[i] = 0;
            continue;
        }
        const int32_t re = spectrum[2 * i], im = spectrum[2 * i + 1];
        out[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
}

void tm_signal_filter_bank_run(const tm_signal_filter_bank *fb, const uint32_t *in, uint64_t *out) {
    uint64_t weighted = 0, unweighted = 0;
    for (int32_t c = 0; c <= fb->num_channels; ++c) {
        const uint32_t *x = in + fb->freq_start[c];
        const int16_t *w = fb->weights + fb->weight_start[c];
        const int16_t *u = fb->unweights + fb->weight_start[c];
        for (int32_t j = 0; j < fb->width[c]; ++j) {
            // int16 weights widen to uint64 by sign extension, as in TFLM: negative weights wrap.
            weighted += (uint64_t)(int64_t)w[j] * x[j];
            unweighted += (uint64_t)(int64_t)u[j] * x[j];
        }
        if (c > 0) {
            memcpy(&out[c - 1], &weighted, sizeof weighted); // the arena aligns to 4 bytes only
        }
        weighted = unweighted;
        unweighted = 0;
    }
}

// Bit-by-bit integer square root of a `bits`-bit number (32 or 64) with a final round up when the
// remainder exceeds the root, capped at the largest root of that width (TFLM Sqrt32 / Sqrt64).
static uint32_t isqrt(uint64_t num, int32_t bits) {
    if (num == 0) {
        return 0;
    }
    const uint64_t cap = bits == 32 ? 0xFFFFu : 0xFFFFFFFFu;
    uint64_t res = 0;
    const int32_t top = (bits - (int32_t)msb64(num)) | 1;
    uint64_t bit = (uint64_t)1 << (bits - 1 - top);
    for (int32_t k = (bits - 1 - top) / 2 + 1; k > 0; --k, bit >>= 2) {
        if (num >= res + bit) {
            num -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
    }
    if (num > res && res != cap) {
        ++res;
    }
    return (uint32_t)(res & cap);
}

// 64-bit inputs below 2^32 take the 32-bit path and its 16-bit result, as in TFLM.
static uint32_t sqrt64(uint64_t num) {
    return isqrt(num, (num >> 32) == 0 ? 32 : 64);
}

void tm_signal_filter_bank_sqrt(const uint64_t *in, int32_t n, int32_t shift, uint32_t *out) {
    for (int32_t i = 0; i < n; ++i) {
        uint64_t x;
        memcpy(&x, &in[i], sizeof x); // the arena aligns to 4 bytes only
        const uint32_t r = sqrt64(x);
        out[i] = shift <= 0 ? r : shift > 31 ? 0 : r >> shift;
    }
}

void tm_signal_spectral_subtraction_run(
    const tm_signal_spectral_subtraction *p, const uint32_t *in, uint32_t *out, uint32_t *noise) {
    for (int32_t i = 0; i < p->num_channels; ++i) {
        const int odd = i & 1;
        const uint32_t s = odd ? p->alternate_smoothing : p->smoothing;
        const uint32_t one_minus_s = odd ? p->alternate_one_minus_smoothing : p->one_minus_smoothing;
        const uint32_t scaled = in[i] << p->smoothing_bits;
        noise[i] =
            (uint32_t)(((uint64_t)scaled * s + (uint64_t)noise[i] * one_minus_s) >> p->spectral_subtraction_bits);
        uint32_t estimate = noise[i];
        if (estimate > scaled) {
            estimate = scaled;
            if (p->clamping) {
                noise[i] = estimate;
            }
        }
        const uint32_t floor = (uint32_t)(((uint64_t)in[i] * p->min_signal_remaining) >> p->spectral_subtraction_bits);
        const uint32_t subtracted = (scaled - estimate) >> p->smoothing_bits;
        out[i] = subtracted > floor ? subtracted : floor;
    }
}

// PCAN's gain: a piecewise quadratic in the noise estimate, 3 table entries per octave
// (TFLM WideDynamicFunction). The products wrap in 32 bits as TFLM's do.
static int16_t pcan_gain(uint32_t x, const int16_t *lut) {
    if (x <= 2) {
        return lut[x];
    }
    const int32_t octave = (int32_t)tm_signal_msb32(x);
    const int16_t *seg = lut + 4 * octave - 6;
    const uint32_t frac = (octave < 11 ? x << (11 - octave) : x >> (octave - 11)) & 0x3FFu;
    uint32_t r = (uint32_t)(((int32_t)seg[2] * (int32_t)frac) >> 5);
    r += (uint32_t)(int32_t)seg[1] << 5;
    r *= frac;
    int32_t v = (int32_t)(r + (1u << 14)) >> 15;
    v = (int32_t)((uint32_t)v + (uint32_t)(int32_t)seg[0]);
    return wrap16(v);
}

// x has 12 fractional bits, the result 6: x^2 / 4 below 2, x - 1 above.
static uint32_t pcan_shrink(uint32_t x) {
    if (x < (2u << 12)) {
        return (x * x) >> (2 + 2 * 12 - 6);
    }
    return (x >> (12 - 6)) - (1u << 6);
}

void tm_signal_pcan(
    const uint32_t *in, const uint32_t *noise, const int16_t *gain_lut, int32_t snr_shift, int32_t n, uint32_t *out) {
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t gain = (uint32_t)(int32_t)pcan_gain(noise[i], gain_lut);
        const uint32_t snr = (uint32_t)(((uint64_t)in[i] * gain) >> snr_shift);
        out[i] = pcan_shrink(snr);
    }
}

// log2(1 + k/128) - k/128 in units of 2^-16, k = 0..128 (and a pad entry): the correction a
// linear fraction needs to be the fractional part of log2. Generated with
// round(65536 * (log2(1 + k / 128) - k / 128)).
// clang-format off
static const uint16_t log2_correction[130] = {
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163,
    2329, 2490, 2646, 2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848,
    3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934,
    5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507,
    5533, 5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633,
    5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498, 5470, 5439, 5406, 5370,
    5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762,
    4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848,
    3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659,
    2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353, 1224,
    1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
};
// clang-format on

// Fractional part of log2(x) (16 bits), x in [2^msb, 2^(msb+1)).
static uint32_t log2_fraction(uint32_t x, uint32_t msb) {
    int32_t frac = (int32_t)(x - ((uint32_t)1 << msb));
    if (msb < 16) {
        frac <<= 16 - msb;
    } else {
        frac >>= msb - 16;
    }
    const uint32_t seg = (uint32_t)frac >> 9; // 128 segments of 2^9
    const int32_t c0 = log2_correction[seg];
    const int32_t c1 = log2_correction[seg + 1];
    const int32_t interp = ((c1 - c0) * (frac - (int32_t)(seg << 9))) >> 16;
    return (uint32_t)(frac + c0 + interp);
}

// ln(x) * scale in TFLM's fixed point (log2 with 16 fractional bits, times round(ln 2 * 2^16)).
static uint32_t log_scaled(uint32_t x, uint32_t scale) {
    const uint32_t msb = tm_signal_msb32(x) - 1;
    const uint32_t log2 = (msb << 16) + log2_fraction(x, msb);
    const uint32_t ln = (uint32_t)(((uint64_t)45426 * log2 + 32768u) >> 16);
    return (scale * ln + 32768u) >> 16;
}

void tm_signal_filter_bank_log(
    const uint32_t *in, int32_t n, int32_t output_scale, int32_t correction_bits, int16_t *out) {
    for (int32_t i = 0; i < n; ++i) {
        const uint32_t scaled = in[i] << correction_bits;
        if (scaled > 1) {
            const uint32_t v = log_scaled(scaled, (uint32_t)output_scale);
            out[i] = (int16_t)(v < (uint32_t)INT16_MAX ? v : (uint32_t)INT16_MAX);
        } else {
            out[i] = 0;
        }
    }
}
