// tinyml kernel: int8 LEAKY_RELU (see leaky_relu.h).
#include "leaky_relu.h"

#include <math.h>

#include "tm_quant.h"

static int quantize(float real, int32_t *multiplier, int32_t *shift) {
    if (!isfinite(real)) {
        return -1;
    }
    int s = 0;
    tm_quantize_multiplier((double)real, multiplier, &s);
    *shift = s;
    return s <= 30 ? 0 : -1;
}

int tm_leaky_relu_prepare_params(float input_scale, int32_t input_zero_point, float alpha, float output_scale,
    int32_t output_zero_point, tm_leaky_relu_params *p) {
    // Float expressions in TFLM's order: input_scale * alpha / output_scale.
    if (quantize(input_scale * alpha / output_scale, &p->alpha_multiplier, &p->alpha_shift) != 0
        || quantize(input_scale / output_scale, &p->identity_multiplier, &p->identity_shift) != 0) {
        return -1;
    }
    p->input_zero_point = input_zero_point;
    p->output_zero_point = output_zero_point;
    return 0;
}

void tm_leaky_relu_s8(const tm_leaky_relu_params *p, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        const int32_t scaled = x >= 0 ? tm_mul_by_quantized_mul(x, p->identity_multiplier, p->identity_shift)
                                      : tm_mul_by_quantized_mul(x, p->alpha_multiplier, p->alpha_shift);
        output[i] = (int8_t)tm_clamp_i32(p->output_zero_point + scaled, INT8_MIN, INT8_MAX);
    }
}

void tm_leaky_relu_s16(const tm_leaky_relu_params *p, int32_t size, const int16_t *input, int16_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        const int32_t scaled = x >= 0 ? tm_mul_by_quantized_mul(x, p->identity_multiplier, p->identity_shift)
                                      : tm_mul_by_quantized_mul(x, p->alpha_multiplier, p->alpha_shift);
        output[i] = (int16_t)tm_clamp_i32(p->output_zero_point + scaled, INT16_MIN, INT16_MAX);
    }
}
