// tinyml kernels: int16 real FFT bit-exact with TFLM's fixed-point KISS FFT, see signal_rfft.h.
#include "signal_rfft.h"

#include <math.h>

static int16_t wrap16(int32_t v) {
    return (int16_t)(uint16_t)(uint32_t)v;
}

// Q15 product rounded to nearest (half up), truncated to int16 like KISS FFT's sround.
static int16_t q15_round(int32_t v) {
    return wrap16((int32_t)((uint32_t)v + (1u << 14)) >> 15);
}

static tm_cpx16 cmul(tm_cpx16 a, tm_cpx16 b) {
    tm_cpx16 m;
    m.r = q15_round((int32_t)a.r * b.r - (int32_t)a.i * b.i);
    m.i = q15_round((int32_t)a.r * b.i + (int32_t)a.i * b.r);
    return m;
}

// Division by the radix, as a Q15 multiply by 32767 / radix (KISS FFT's C_FIXDIV).
static tm_cpx16 cdiv(tm_cpx16 a, int32_t radix) {
    const int32_t k = 32767 / radix;
    tm_cpx16 m;
    m.r = q15_round((int32_t)a.r * k);
    m.i = q15_round((int32_t)a.i * k);
    return m;
}

static tm_cpx16 cadd(tm_cpx16 a, tm_cpx16 b) {
    tm_cpx16 m = {wrap16((int32_t)a.r + b.r), wrap16((int32_t)a.i + b.i)};
    return m;
}

static tm_cpx16 csub(tm_cpx16 a, tm_cpx16 b) {
    tm_cpx16 m = {wrap16((int32_t)a.r - b.r), wrap16((int32_t)a.i - b.i)};
    return m;
}

// sin and cos of x in double without libm (the engine's allowed libc subset has neither): x is
// reduced to [-pi/4, pi/4] by quadrant with pi/2 in two parts, then Taylor series to the 21st
// power (error below 1e-15). Checked against libm for every twiddle of every supported length:
// the Q15 roundings below all agree.
static void sin_cos(double x, double *s, double *c) {
    const double pio2_hi = 1.5707963267948966;    // the double nearest pi/2
    const double pio2_lo = 6.123233995736766e-17; // pi/2 - pio2_hi
    const double q = floor(x / pio2_hi + 0.5);
    const double r = (x - q * pio2_hi) - q * pio2_lo;
    const double r2 = r * r;
    double sum_s = 0.0, sum_c = 0.0, term_s = r, term_c = 1.0;
    for (int k = 1; k < 12; ++k) {
        sum_s += term_s;
        sum_c += term_c;
        term_s = -term_s * r2 / (double)((2 * k) * (2 * k + 1));
        term_c = -term_c * r2 / (double)((2 * k - 1) * (2 * k));
    }
    switch ((int32_t)(q - 4.0 * floor(q / 4.0))) {
        case 0:
            *s = sum_s;
            *c = sum_c;
            break;
        case 1:
            *s = sum_c;
            *c = -sum_s;
            break;
        case 2:
            *s = -sum_s;
            *c = -sum_c;
            break;
        default:
            *s = -sum_c;
            *c = sum_s;
            break;
    }
}

// Q15 unit vector at `phase`, each part rounded to nearest as KISS FFT rounds it (floor(x + .5)).
static tm_cpx16 unit(double phase) {
    double s, c;
    sin_cos(phase, &s, &c);
    tm_cpx16 m;
    m.r = (int16_t)floor(0.5 + 32767.0 * c);
    m.i = (int16_t)floor(0.5 + 32767.0 * s);
    return m;
}

int tm_rfft_s16_length_ok(int32_t fft_length) {
    return fft_length >= 4 && fft_length <= TM_RFFT_MAX_LENGTH && (fft_length & (fft_length - 1)) == 0;
}

static size_t align8(size_t n) {
    return (n + 7u) & ~(size_t)7u;
}

size_t tm_rfft_s16_bytes(int32_t fft_length) {
    const size_t n = (size_t)(fft_length / 2);
    return align8(n * sizeof(tm_cpx16)) * 2 + align8((n / 2) * sizeof(tm_cpx16));
}

void tm_rfft_s16_init(tm_rfft_s16 *plan, int32_t fft_length, void *mem) {
    const int32_t n = fft_length / 2;
    uint8_t *p = (uint8_t *)mem;
    plan->n = n;
    plan->twiddles = (tm_cpx16 *)p;
    p += align8((size_t)n * sizeof(tm_cpx16));
    plan->work = (tm_cpx16 *)p;
    p += align8((size_t)n * sizeof(tm_cpx16));
    plan->super_twiddles = (tm_cpx16 *)p;
    // Radix 4 while 4 divides what is left, then 2.
    plan->n_stages = 0;
    for (int32_t left = n; left > 1;) {
        const int32_t radix = left % 4 == 0 ? 4 : 2;
        left /= radix;
        plan->radix[plan->n_stages] = radix;
        plan->span[plan->n_stages] = left;
        ++plan->n_stages;
    }
    // The same double-precision expressions as KISS FFT, so the roundings agree.
    const double pi = 3.14159265358979323846264338327;
    for (int32_t k = 0; k < n; ++k) {
        plan->twiddles[k] = unit(-2 * pi * k / n);
    }
    for (int32_t k = 0; k < n / 2; ++k) {
        plan->super_twiddles[k] = unit(-pi * ((double)(k + 1) / n + 0.5));
    }
}

typedef struct {
    const tm_rfft_s16 *plan;
    const int16_t *in;
    int32_t in_len;
} fft_input;

// Complex input sample j: real samples 2j and 2j + 1, zero past the input.
static tm_cpx16 sample(const fft_input *x, int32_t j) {
    tm_cpx16 c;
    c.r = 2 * j < x->in_len ? x->in[2 * j] : 0;
    c.i = 2 * j + 1 < x->in_len ? x->in[2 * j + 1] : 0;
    return c;
}

static void butterfly2(tm_cpx16 *out, const tm_cpx16 *tw, int32_t stride, int32_t m) {
    for (int32_t k = 0; k < m; ++k) {
        tm_cpx16 a = cdiv(out[k], 2);
        tm_cpx16 b = cdiv(out[k + m], 2);
        tm_cpx16 t = cmul(b, tw[k * stride]);
        out[k + m] = csub(a, t);
        out[k] = cadd(a, t);
    }
}

static void butterfly4(tm_cpx16 *out, const tm_cpx16 *tw, int32_t stride, int32_t m) {
    for (int32_t k = 0; k < m; ++k) {
        tm_cpx16 a0 = cdiv(out[k], 4);
        tm_cpx16 a1 = cdiv(out[k + m], 4);
        tm_cpx16 a2 = cdiv(out[k + 2 * m], 4);
        tm_cpx16 a3 = cdiv(out[k + 3 * m], 4);
        tm_cpx16 b1 = cmul(a1, tw[k * stride]);
        tm_cpx16 b2 = cmul(a2, tw[2 * k * stride]);
        tm_cpx16 b3 = cmul(a3, tw[3 * k * stride]);
        tm_cpx16 diff02 = csub(a0, b2);
        tm_cpx16 sum02 = cadd(a0, b2);
        tm_cpx16 sum13 = cadd(b1, b3);
        tm_cpx16 diff13 = csub(b1, b3);
        out[k + 2 * m] = csub(sum02, sum13);
        out[k] = cadd(sum02, sum13);
        // Forward transform: multiply diff13 by -i.
        out[k + m].r = wrap16((int32_t)diff02.r + diff13.i);
        out[k + m].i = wrap16((int32_t)diff02.i - diff13.r);
        out[k + 3 * m].r = wrap16((int32_t)diff02.r - diff13.i);
        out[k + 3 * m].i = wrap16((int32_t)diff02.i + diff13.r);
    }
}

// Decimation in time: stage s splits its input (every `stride`-th sample from `first`) into
// radix interleaved sub-sequences, transforms each into consecutive blocks of out, then combines.
static void fft_stage(const fft_input *x, tm_cpx16 *out, int32_t first, int32_t stride, int32_t s) {
    const tm_rfft_s16 *plan = x->plan;
    const int32_t radix = plan->radix[s];
    const int32_t m = plan->span[s];
    for (int32_t q = 0; q < radix; ++q) {
        if (m == 1) {
            out[q] = sample(x, first + q * stride);
        } else {
            fft_stage(x, out + q * m, first + q * stride, stride * radix, s + 1);
        }
    }
    if (radix == 4) {
        butterfly4(out, plan->twiddles, stride, m);
    } else {
        butterfly2(out, plan->twiddles, stride, m);
    }
}

void tm_rfft_s16_run(const tm_rfft_s16 *plan, const int16_t *in, int32_t in_len, int16_t *out) {
    const int32_t n = plan->n;
    tm_cpx16 *z = plan->work;
    fft_input x = {plan, in, in_len};
    fft_stage(&x, z, 0, 1, 0);
    // Split the spectra of the even and odd real samples out of z (KISS FFT's kiss_fftr).
    tm_cpx16 dc = cdiv(z[0], 2);
    out[0] = wrap16((int32_t)dc.r + dc.i);
    out[1] = 0;
    out[2 * n] = wrap16((int32_t)dc.r - dc.i);
    out[2 * n + 1] = 0;
    for (int32_t k = 1; k <= n / 2; ++k) {
        tm_cpx16 fk = cdiv(z[k], 2);
        tm_cpx16 conj = {z[n - k].r, wrap16(-(int32_t)z[n - k].i)};
        tm_cpx16 fnk = cdiv(conj, 2);
        tm_cpx16 f1 = cadd(fk, fnk);
        tm_cpx16 f2 = csub(fk, fnk);
        tm_cpx16 t = cmul(f2, plan->super_twiddles[k - 1]);
        out[2 * k] = wrap16(((int32_t)f1.r + t.r) >> 1);
        out[2 * k + 1] = wrap16(((int32_t)f1.i + t.i) >> 1);
        out[2 * (n - k)] = wrap16(((int32_t)f1.r - t.r) >> 1);
        out[2 * (n - k) + 1] = wrap16(((int32_t)t.i - f1.i) >> 1);
    }
}
