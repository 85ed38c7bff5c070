// tinyml: gemmlowp-style fixed-point math (exp, logistic, tanh, reciprocal) on raw int32 values,
// matching gemmlowp's fixedpoint/fixedpoint.h scalar code bit for bit, as TensorFlow Lite Micro's
// reference kernels use it (SOFTMAX, LOGISTIC, TANH). Written from the published algorithm.
//
// Notation: a raw int32 value in format "Qm" has m integer bits (besides the sign) and 31 - m
// fractional bits, i.e. it represents raw / 2^(31 - m). Q0 covers [-1, 1); its "one" is INT32_MAX.
// A product of a Qa and a Qb value (tm_srdhm) is a Q(a + b) value.
//
// gemmlowp leaves int32 addition overflow undefined; wherever the reference could overflow, these
// helpers wrap (two's complement, like the reference compiled for x86/Arm) with tm_quant.h's
// tm_add_wrap / tm_sub_wrap / tm_neg_wrap, so the C behaviour stays defined. All functions are
// static inline: this header is the only place this math lives.
#ifndef TM_FIXEDPOINT_H
#define TM_FIXEDPOINT_H

#include <stdint.h>

#include "tm_quant.h"

// Count of leading zero bits of a 32-bit value (32 for 0).
static inline int tm_fp_clz32(uint32_t x) {
    if (x == 0) {
        return 32;
    }
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clz(x);
#else
    int n = 0;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

// gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero, in 64-bit.
static inline int32_t tm_fp_rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: exponent > 0 is a left shift saturating to
// [INT32_MIN, INT32_MAX]; exponent < 0 a rounding right shift (ties away from zero).
static inline int32_t tm_fp_mul_pot(int32_t x, int exponent) {
    if (exponent > 0) {
        const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return tm_shl_wrap(x, exponent);
    }
    if (exponent < 0) {
        return tm_rounding_divide_by_pot(x, -exponent);
    }
    return x;
}

// gemmlowp Rescale<dst_bits>(x of src_bits): changes the number of integer bits.
static inline int32_t tm_fp_rescale(int32_t x, int src_bits, int dst_bits) {
    return tm_fp_mul_pot(x, src_bits - dst_bits);
}

// exp(a) for a Q0 value a in [-1/4, 0), result Q0: Taylor expansion around -1/8.
static inline int32_t tm_fp_exp_on_interval_neg_quarter_to_0(int32_t a) {
    const int32_t constant_term = 1895147668;    // exp(-1/8) in Q0
    const int32_t constant_1_over_3 = 715827883; // 1/3 in Q0
    const int32_t x = tm_add_wrap(a, 1 << 28);   // a + 1/8
    const int32_t x2 = tm_srdhm(x, x);
    const int32_t x3 = tm_srdhm(x2, x);
    const int32_t x4 = tm_srdhm(x2, x2);
    const int32_t x4_over_4 = tm_fp_mul_pot(x4, -2);
    const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 =
        tm_fp_mul_pot(tm_add_wrap(tm_srdhm(tm_add_wrap(x4_over_4, x3), constant_1_over_3), x2), -1);
    return tm_add_wrap(
        constant_term, tm_srdhm(constant_term, tm_add_wrap(x, x4_over_24_plus_x3_over_6_plus_x2_over_2)));
}

// exp(a) for a <= 0 given in Q(integer_bits), result Q0 (exp(0) is INT32_MAX).
// Splits -a into a multiple of 1/4 (handled by multiplying constants exp(-2^k) selected by the
// bits of the remainder, the "barrel shifter") and a part in [-1/4, 0) (the polynomial above).
static inline int32_t tm_fp_exp_on_negative_values(int32_t a, int integer_bits) {
    // exp(-2^k) in Q0 for k = -2 .. 4.
    static const int32_t multipliers[7] = {
        1672461947,
        1302514674,
        790015084,
        290630308,
        39332535,
        720401,
        242,
    };
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = tm_sub_wrap(a & mask, one_quarter);
    int32_t result =
        tm_fp_exp_on_interval_neg_quarter_to_0(tm_fp_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    const int32_t remainder = tm_sub_wrap(a_mod_quarter_minus_one_quarter, a);
    for (int k = -2; k <= 4; ++k) {
        if (integer_bits > k) {
            const int shift = fractional_bits + k;
            if (remainder & (int32_t)((uint32_t)1 << shift)) {
                result = tm_srdhm(result, multipliers[k + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        // Below -32, exp() is 0 in Q0.
        const int32_t clamp = tm_neg_wrap((int32_t)1 << (36 - integer_bits));
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

// Newton-Raphson for 1 / (1 + a) with a Q0 value a in [0, 1); returns x in Q2 with x ~ 2 / (1 + a)
// after 3 iterations, and half_denominator = (1 + a) / 2 in Q0.
static inline int32_t tm_fp_newton_two_over_one_plus_x(int32_t a) {
    const int32_t half_denominator = tm_fp_rounding_half_sum(a, INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;      // Q2
    const int32_t constant_neg_32_over_17 = -1010580540; // Q2
    const int32_t one_q2 = (int32_t)1 << 29;
    int32_t x = tm_add_wrap(constant_48_over_17, tm_srdhm(half_denominator, constant_neg_32_over_17));
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = tm_srdhm(half_denominator, x);                           // Q2
        const int32_t one_minus_half_denominator_times_x = tm_sub_wrap(one_q2, half_denominator_times_x); // Q2
        x = tm_add_wrap(x, tm_fp_rescale(tm_srdhm(x, one_minus_half_denominator_times_x), 4, 2));
    }
    return x;
}

// 1 / (1 + a) for a Q0 value a in [0, 1), result Q0.
static inline int32_t tm_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t x = tm_fp_newton_two_over_one_plus_x(a); // 2 / (1 + a) in Q2 = 1 / (1 + a) in Q1
    return tm_fp_rescale(x, 1, 0);
}

// (1 - a) / (1 + a) for a Q0 value a in [0, 1), result Q0.
static inline int32_t tm_fp_one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t x = tm_fp_newton_two_over_one_plus_x(a); // 2 / (1 + a) in Q2
    return tm_fp_rescale(tm_sub_wrap(x, (int32_t)1 << 29), 2, 0);
}

// logistic(a) = 1 / (1 + exp(-a)) for a in Q(integer_bits), result Q0.
static inline int32_t tm_fp_logistic(int32_t a, int integer_bits) {
    if (a == 0) {
        return (int32_t)1 << 30; // 0.5
    }
    const int32_t abs_a = a > 0 ? a : tm_neg_wrap(a);
    const int32_t if_positive =
        tm_fp_one_over_one_plus_x_for_x_in_0_1(tm_fp_exp_on_negative_values(tm_neg_wrap(abs_a), integer_bits));
    return a > 0 ? if_positive : tm_sub_wrap(INT32_MAX, if_positive);
}

// tanh(a) for a in Q(integer_bits), result Q0: (1 - exp(-2|a|)) / (1 + exp(-2|a|)) with the sign of a.
static inline int32_t tm_fp_tanh(int32_t a, int integer_bits) {
    if (a == 0) {
        return 0;
    }
    const int32_t n = a < 0 ? a : tm_neg_wrap(a); // -|a|
    // Reading the same raw value with one more integer bit doubles it: exp(-2|a|).
    const int32_t t = tm_fp_one_minus_x_over_one_plus_x_for_x_in_0_1(tm_fp_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? tm_neg_wrap(t) : t;
}

// TFLite GetReciprocal: for x > 0 in Q(x_integer_digits), returns 1 / x as a Q0 value scaled by
// 2^num_bits_over_unit (x normalized into [1, 2) first).
static inline int32_t tm_fp_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
    const int headroom_plus_one = tm_fp_clz32((uint32_t)x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const uint32_t shifted = headroom_plus_one < 32 ? ((uint32_t)x << headroom_plus_one) : 0u;
    const int32_t shifted_sum_minus_one = (int32_t)(shifted - ((uint32_t)1 << 31));
    return tm_fp_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

#endif
