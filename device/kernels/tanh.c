// tinyml kernel: int8 TANH (see tanh.h).
#include "tanh.h"

#include "fixedpoint.h"
#include "tm_quant.h"

enum { INPUT_INTEGER_BITS = 4 };

int tm_tanh_prepare_params(float input_scale, int32_t input_zero_point, tm_tanh_params *p) {
    return tm_logistic_prepare_params(input_scale, input_zero_point, p);
}

void tm_tanh_s8(const tm_tanh_params *p, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = INT8_MIN;
        } else if (x >= p->input_range_radius) {
            output[i] = INT8_MAX;
        } else {
            // As in logistic.c: no overflow inside the radius; unreachable for shift >= 31.
            const int32_t x_q4 = tm_mul_by_quantized_mul(x, p->input_multiplier, p->input_left_shift);
            const int32_t y_q0 = tm_fp_tanh(x_q4, INPUT_INTEGER_BITS);
            const int32_t y = tm_rounding_divide_by_pot(y_q0, 31 - 7);
            output[i] = (int8_t)tm_clamp_i32(y, INT8_MIN, INT8_MAX);
        }
    }
}
