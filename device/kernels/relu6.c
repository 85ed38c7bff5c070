// tinyml kernel: int8 RELU6 (see relu6.h).
#include "relu6.h"

#include <math.h>

int tm_relu6_prepare_params(float input_scale, int32_t input_zero_point, int8_t *lower, int8_t *upper) {
    const float q = 6.0f / input_scale; // float division, like the reference
    if (!(q >= 0.0f) || !(q < 1073741824.0f) || input_zero_point < INT8_MIN || input_zero_point > INT8_MAX) {
        return -1;
    }
    const double six = round((double)q) + (double)input_zero_point;
    *lower = (int8_t)input_zero_point;
    *upper = (int8_t)(six < INT8_MIN ? INT8_MIN : (six > INT8_MAX ? INT8_MAX : six));
    return 0;
}

void tm_relu6_s8(int8_t lower, int8_t upper, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int8_t v = input[i];
        // Same order as the reference: the upper bound wins if lower > upper.
        output[i] = v > upper ? upper : (v < lower ? lower : v);
    }
}
