// tinyml kernel: int8 SOFTMAX (see softmax.h).
#include "softmax.h"

#include <math.h>
#include <stddef.h>

#include "fixedpoint.h"
#include "tm_quant.h"

enum {
    SCALED_DIFF_INTEGER_BITS = 5,   // exp() input format Q5.26
    ACCUMULATION_INTEGER_BITS = 12, // sum of exps format Q12.19
};

int tm_softmax_prepare_params(double beta, double input_scale, tm_softmax_params *p) {
    // Cap the real multiplier at 2^31 - 1 (TFLM, double-rounding build).
    double real = beta * input_scale * (double)(1 << (31 - SCALED_DIFF_INTEGER_BITS));
    const double max_real = (double)((1ll << 31) - 1);
    if (real > max_real) {
        real = max_real;
    }
    if (!(real > 1.0)) { // TFLM's QuantizeMultiplierGreaterThanOne check (also rejects NaN)
        return -1;
    }
    int32_t multiplier;
    int shift;
    tm_quantize_multiplier(real, &multiplier, &shift);
    p->input_multiplier = multiplier;
    p->input_left_shift = shift;
    // CalculateInputRadius(5, shift, 31): floor((2^5 - 1) * 2^26 / 2^shift), negated.
    const double radius = floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                                * (double)(1ll << (31 - SCALED_DIFF_INTEGER_BITS)) / (double)(1ll << shift));
    p->diff_min = -(int32_t)radius;
    return 0;
}

// Q5.26 scaled difference for input_diff >= diff_min (no overflow: |diff| * 2^shift < 31 * 2^26).
static inline int32_t scaled_diff(const tm_softmax_params *p, int32_t input_diff) {
    return tm_mul_by_quantized_mul_greater_than_one(input_diff, p->input_multiplier, p->input_left_shift);
}

int32_t tm_softmax_sum_of_exps(const tm_softmax_params *p, const int8_t *in, int32_t depth, int32_t *max_in_row) {
    int32_t max = INT8_MIN;
    for (int32_t c = 0; c < depth; ++c) {
        max = TM_MAX(max, (int32_t)in[c]);
    }
    int32_t sum_of_exps = 0; // Q12.19, wrapping like the reference
    for (int32_t c = 0; c < depth; ++c) {
        const int32_t input_diff = (int32_t)in[c] - max;
        if (input_diff >= p->diff_min) {
            const int32_t e = tm_fp_exp_on_negative_values(scaled_diff(p, input_diff), SCALED_DIFF_INTEGER_BITS);
            sum_of_exps = tm_add_wrap(sum_of_exps, tm_fp_rescale(e, 0, ACCUMULATION_INTEGER_BITS));
        }
    }
    *max_in_row = max;
    return sum_of_exps;
}

// One row: the reciprocal scale and exponent for the final multiply.
static void row_scale(const tm_softmax_params *p, const int8_t *in, int32_t depth, int output_bits, int32_t *max_out,
    int32_t *shifted_scale, int *exponent) {
    int32_t max_in_row;
    const int32_t sum_of_exps = tm_softmax_sum_of_exps(p, in, depth, &max_in_row);
    int num_bits_over_unit;
    *shifted_scale = tm_fp_get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS, &num_bits_over_unit);
    // exponent >= 15 always (the sum is at least 1.0). The reference stops (TFLITE_CHECK) when
    // exponent > 31, which happens for int8 output once the sum of exps reaches 512 (so only
    // with 512 or more elements): every output is then below half an LSB, and the callers write
    // the minimum (probability 0), which is what the rounding shift would give for such exponents.
    *exponent = num_bits_over_unit + 31 - output_bits;
    *max_out = max_in_row;
}

static inline int32_t row_output(const tm_softmax_params *p, int32_t input_diff, int32_t shifted_scale, int exponent) {
    const int32_t exp_in_0 = tm_fp_exp_on_negative_values(scaled_diff(p, input_diff), SCALED_DIFF_INTEGER_BITS);
    return tm_rounding_divide_by_pot(tm_srdhm(shifted_scale, exp_in_0), exponent);
}

void tm_softmax_s8(const tm_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < outer; ++i) {
        const int8_t *in = input + (size_t)i * (size_t)depth;
        int8_t *out = output + (size_t)i * (size_t)depth;
        int32_t max_in_row, shifted_scale;
        int exponent;
        row_scale(p, in, depth, 8, &max_in_row, &shifted_scale, &exponent);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t input_diff = (int32_t)in[c] - max_in_row;
            if (input_diff >= p->diff_min && exponent <= 31) {
                const int32_t v = row_output(p, input_diff, shifted_scale, exponent) + INT8_MIN;
                out[c] = (int8_t)tm_clamp_i32(v, INT8_MIN, INT8_MAX);
            } else {
                out[c] = INT8_MIN;
            }
        }
    }
}

void tm_softmax_s8_s16(const tm_softmax_params *p, int32_t outer, int32_t depth, const int8_t *input, int16_t *output) {
    for (int32_t i = 0; i < outer; ++i) {
        const int8_t *in = input + (size_t)i * (size_t)depth;
        int16_t *out = output + (size_t)i * (size_t)depth;
        int32_t max_in_row, shifted_scale;
        int exponent;
        row_scale(p, in, depth, 16, &max_in_row, &shifted_scale, &exponent);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t input_diff = (int32_t)in[c] - max_in_row;
            if (input_diff >= p->diff_min && exponent <= 31) {
                const int32_t v = row_output(p, input_diff, shifted_scale, exponent) + INT16_MIN;
                out[c] = (int16_t)tm_clamp_i32(v, INT16_MIN, INT16_MAX);
            } else {
                out[c] = INT16_MIN;
            }
        }
    }
}
