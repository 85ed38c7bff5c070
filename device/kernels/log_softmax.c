// tinyml kernel: int8 LOG_SOFTMAX (see log_softmax.h).
#include "log_softmax.h"

#include <stddef.h>

#include "fixedpoint.h"
#include "softmax.h"
#include "tm_quant.h"

enum {
    INPUT_INTEGER_BITS = 5,         // scaled differences and log(): Q5.26
    ACCUMULATION_INTEGER_BITS = 12, // sum of exps: Q12.19
    OUTPUT_INTEGER_BITS = 4,        // output steps of 1/16
};

int tm_log_softmax_prepare_params(double input_scale, tm_log_softmax_params *p) {
    // The input side is SOFTMAX's with beta 1 (same multiplier, same radius).
    const tm_softmax_params *s = &p->input;
    if (tm_softmax_prepare_params(1.0, input_scale, &p->input) != 0) {
        return -1;
    }
    // The inverse of the input scaling, 2^(31 - left_shift) / multiplier, at most 1 (left_shift >= 1).
    const double reverse = (double)((int64_t)1 << (31 - s->input_left_shift)) / (double)s->input_multiplier;
    int32_t multiplier;
    int shift;
    tm_quantize_multiplier(reverse, &multiplier, &shift);
    p->reverse_multiplier = multiplier;
    p->reverse_shift = shift;
    return 0;
}

// int32 addition and subtraction saturating to the int32 range (TFLite's SaturatingAddNonGemmlowp,
// SaturatingSub).
static int32_t sat_add(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a + (int64_t)b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}
static int32_t sat_sub(int32_t a, int32_t b) {
    const int64_t s = (int64_t)a - (int64_t)b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

// TFLite's log_x_for_x_greater_than_or_equal_to_1<5>(x in Q12): log(x) in Q5. The input is split
// into a power of two and a mantissa r in [sqrt(1/2), sqrt(2)) (taking whichever of two
// normalizations, plain or premultiplied by sqrt(1/2), gives the smaller r); log(r) is a rational
// approximation around sqrt(sqrt(1/2)); the sum is accumulated with one extra integer bit (Q6).
static int32_t log_q12_to_q5(int32_t x) {
    const int accum_bits = INPUT_INTEGER_BITS + 1;
    const int32_t log_2 = 1488522236; // Q0 constants
    const int32_t sqrt_sqrt_half = 1805811301;
    const int32_t sqrt_half = 1518500250;
    const int32_t one_quarter = 536870912;
    const int32_t alpha_n = 117049297;
    const int32_t alpha_d = 127690142;
    const int32_t alpha_i = 1057819769;
    const int32_t alpha_f = 638450708;
    const int32_t shifted_quarter = tm_fp_rescale(one_quarter, 0, accum_bits);

    // x read as a Q0 value; its power of two found from the leading zeros.
    const int a_headroom_plus_1 = tm_fp_clz32((uint32_t)x);
    const int32_t r_a_tmp = tm_fp_mul_pot(x, a_headroom_plus_1 - 1);
    const int32_t r_a = tm_fp_mul_pot(tm_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t a_pow_2_adj =
        sat_add(tm_fp_mul_pot(ACCUMULATION_INTEGER_BITS - a_headroom_plus_1, 31 - accum_bits), shifted_quarter);

    const int32_t z_b = tm_srdhm(x, sqrt_half);
    const int b_headroom = tm_fp_clz32((uint32_t)z_b) - 1;
    const int32_t r_b = tm_fp_mul_pot(x, b_headroom);
    const int32_t b_pow_2_adj =
        sat_sub(tm_fp_mul_pot(ACCUMULATION_INTEGER_BITS - b_headroom, 31 - accum_bits), shifted_quarter);

    const int32_t r = TM_MIN(r_a, r_b);
    const int32_t pow_2_adj = TM_MAX(a_pow_2_adj, b_pow_2_adj);

    const int32_t p = tm_fp_rounding_half_sum(r, sqrt_sqrt_half);
    int32_t q = tm_sub_wrap(r, sqrt_sqrt_half);
    q = tm_add_wrap(q, q);
    const int32_t common_sq = tm_srdhm(q, q);
    const int32_t num = tm_add_wrap(tm_srdhm(q, r), tm_srdhm(tm_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one = tm_add_wrap(
        tm_srdhm(p, tm_add_wrap(tm_add_wrap(alpha_i, q), tm_srdhm(alpha_d, common_sq))), tm_srdhm(alpha_f, q));
    const int32_t recip_denom = tm_fp_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    const int32_t num_scaled = tm_fp_rescale(num, 0, accum_bits);
    const int32_t sum = tm_add_wrap(tm_srdhm(pow_2_adj, log_2), tm_srdhm(num_scaled, recip_denom));
    return tm_fp_rescale(sum, accum_bits, INPUT_INTEGER_BITS);
}

// The input difference scaled into Q5.26 (TFLM's MultiplyByQuantizedMultiplier with a left shift).
static inline int32_t scaled_diff(const tm_log_softmax_params *p, int32_t diff) {
    return tm_mul_by_quantized_mul(diff, p->input.input_multiplier, p->input.input_left_shift);
}

void tm_log_softmax_s8(
    const tm_log_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < outer; ++i) {
        const int8_t *in = input + (size_t)i * (size_t)depth;
        int8_t *out = output + (size_t)i * (size_t)depth;
        int32_t max_in_row;
        const int32_t sum_of_exps = tm_softmax_sum_of_exps(&p->input, in, depth, &max_in_row);
        const int32_t log_sum = log_q12_to_q5(sum_of_exps);
        // Differences at or below this give the minimum output (Q5.26's smallest value plus the log,
        // taken back to input steps).
        const int32_t shifted_log_sum = tm_add_wrap(log_sum, INT32_MIN);
        const int32_t adjusted_diff_min = TM_MAX(
            p->input.diff_min - 1, tm_mul_by_quantized_mul(shifted_log_sum, p->reverse_multiplier, p->reverse_shift));
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff > adjusted_diff_min) {
                int32_t v = tm_add_wrap(tm_rounding_divide_by_pot(tm_sub_wrap(scaled_diff(p, diff), log_sum),
                                            31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS),
                    INT8_MAX);
                out[c] = (int8_t)tm_clamp_i32(v, INT8_MIN, INT8_MAX);
            } else {
                out[c] = INT8_MIN;
            }
        }
    }
}
