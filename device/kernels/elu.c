// tinyml kernel: int8 ELU (see elu.h).
#include "elu.h"

#include <math.h>

#include "tm_quant.h"

int tm_elu_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_lut_s8_table *p) {
    // Every step in float, in TFLM's order (the inverse scale first, then one product).
    const float inverse_scale = 1.0f / output_scale;
    for (int32_t q = INT8_MIN; q <= INT8_MAX; ++q) {
        const float x = input_scale * (float)(q - input_zero_point);
        const float y = x < 0.0f ? expf(x) - 1.0f : x;
        const float shifted = tm_roundf(y * inverse_scale) + (float)output_zero_point;
        // 2^31 is exact in float: anything in [-2^31, 2^31) converts to int32 without overflow.
        if (!(shifted >= -2147483648.0f && shifted < 2147483648.0f)) {
            return -1;
        }
        p->table[(uint8_t)(int8_t)q] = (int8_t)tm_clamp_i32((int32_t)shifted, INT8_MIN, INT8_MAX);
    }
    return 0;
}

// Two elements per iteration (both read before either is written, so in place works): the loop
// overhead is shared, which matters beside the non-negative half that is a plain copy.
void tm_elu_f32(int32_t n, const float *input, float *output) {
    int32_t i = 0;
    for (; i + 2 <= n; i += 2) {
        const float x0 = input[i];
        const float x1 = input[i + 1];
        output[i] = x0 < 0.0f ? expm1f(x0) : x0;
        output[i + 1] = x1 < 0.0f ? expm1f(x1) : x1;
    }
    for (; i < n; ++i) {
        const float x = input[i];
        output[i] = x < 0.0f ? expm1f(x) : x;
    }
}
