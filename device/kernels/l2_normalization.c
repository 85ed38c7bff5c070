// tinyml kernel: int8 L2_NORMALIZATION (see l2_normalization.h).
#include "l2_normalization.h"

#include <stddef.h>

#include "fixedpoint.h"
#include "tm_quant.h"

// TFLite GetInvSqrtQuantizedMultiplierExp(sum, reverse_shift -1): 1 / sqrt(sum) as a multiplier
// and a (left) shift. sum <= 1 gives the largest multiplier (0 is treated as 1).
static void inv_sqrt_multiplier(int32_t sum, int32_t *multiplier, int *shift) {
    if (sum <= 1) {
        *multiplier = INT32_MAX;
        *shift = 0;
        return;
    }
    int right_shift = 11;
    while (sum >= (1 << 29)) {
        sum /= 4;
        ++right_shift;
    }
    // Normalize into [2^27, 2^29) by an even left shift.
    const unsigned pairs = ((unsigned)tm_fp_clz32((uint32_t)sum) - 1u) / 2u - 1u;
    right_shift -= (int)pairs;
    sum = tm_shl_wrap(sum, (int)(2u * pairs));
    // Newton-Raphson for 1/sqrt in Q3, from x = 1, five steps: x = 1.5 x - (sum / 2) x^3.
    const int32_t half_input = tm_fp_mul_pot(sum >> 1, -1);
    const int32_t half_three = (1 << 28) + (1 << 27); // 1.5 in Q3
    int32_t x = 1 << 28;                              // 1.0 in Q3
    for (int i = 0; i < 5; ++i) {
        const int32_t x3 = tm_fp_rescale(tm_srdhm(tm_srdhm(x, x), x), 9, 3);
        x = tm_fp_rescale(tm_sub_wrap(tm_srdhm(half_three, x), tm_srdhm(half_input, x3)), 6, 3);
    }
    x = tm_srdhm(x, 1518500250); // * sqrt(2) / 2 (Q0)
    if (right_shift < 0) {
        x = tm_shl_wrap(x, -right_shift);
        right_shift = 0;
    }
    *multiplier = x;
    *shift = -right_shift;
}

void tm_l2_normalization_s8(
    int32_t input_zero_point, int32_t outer, int32_t depth, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < outer; ++i) {
        const int8_t *in = input + (size_t)i * (size_t)depth;
        int8_t *out = output + (size_t)i * (size_t)depth;
        int32_t sum = 0; // wraps like the reference's int32 past 2^15 elements
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)in[c] - input_zero_point;
            sum = tm_add_wrap(sum, v * v);
        }
        int32_t multiplier;
        int shift;
        inv_sqrt_multiplier(sum, &multiplier, &shift);
        for (int32_t c = 0; c < depth; ++c) {
            const int32_t v = (int32_t)in[c] - input_zero_point;
            const int32_t r = tm_mul_by_quantized_mul(v, multiplier, shift + 7);
            out[c] = (int8_t)tm_clamp_i32(r, INT8_MIN, INT8_MAX);
        }
    }
}
