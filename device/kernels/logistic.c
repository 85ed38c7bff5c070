// tinyml kernel: int8 LOGISTIC (see logistic.h).
#include "logistic.h"

#include <math.h>

#include "fixedpoint.h"
#include "tm_quant.h"

enum { INPUT_INTEGER_BITS = 4 };

int tm_logistic_prepare_params(float input_scale, int32_t input_zero_point, tm_logistic_params *p) {
    const double real = (double)input_scale * (double)(1 << (31 - INPUT_INTEGER_BITS));
    int shift = 0;
    const double q = frexp(real, &shift);
    if (!(real > 0.0) || !isfinite(real) || shift < 0 || shift > 62) {
        return -1;
    }
    // q has the float's 24-bit mantissa, so q * 2^31 is an integer below 2^31: no overflow.
    p->input_multiplier = (int32_t)tm_round(q * (double)(1ll << 31));
    p->input_left_shift = shift;
    p->input_zero_point = input_zero_point;
    // CalculateInputRadius(4, shift, 31) = floor((2^4 - 1) * 2^27 / 2^shift).
    p->input_range_radius = (int32_t)floor(
        1.0 * ((1 << INPUT_INTEGER_BITS) - 1) * (double)(1ll << (31 - INPUT_INTEGER_BITS)) / (double)(1ll << shift));
    return 0;
}

void tm_logistic_s8(const tm_logistic_params *p, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = INT8_MIN;
        } else if (x >= p->input_range_radius) {
            output[i] = INT8_MAX;
        } else {
            // |x| < radius keeps x * 2^shift below 15 * 2^27 (no overflow), and radius is 0
            // (this branch unreachable) for shift >= 31.
            const int32_t x_q4 = tm_mul_by_quantized_mul(x, p->input_multiplier, p->input_left_shift);
            const int32_t y_q0 = tm_fp_logistic(x_q4, INPUT_INTEGER_BITS);
            const int32_t y = tm_rounding_divide_by_pot(y_q0, 31 - 8) + INT8_MIN;
            output[i] = (int8_t)tm_clamp_i32(y, INT8_MIN, INT8_MAX);
        }
    }
}
