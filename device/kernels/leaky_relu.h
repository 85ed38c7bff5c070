// tinyml kernel: LEAKY_RELU int8 and int16, bit-exact with TFLM's reference_ops::QuantizeLeakyRelu:
//   x = in - input_zero_point
//   out = clamp(output_zero_point + MultiplyByQuantizedMultiplier(x, m, s), -128, 127)
// with (m, s) the identity multiplier input_scale / output_scale for x >= 0 and the alpha
// multiplier input_scale * alpha / output_scale (negative for a negative alpha) for x < 0.
#ifndef TM_KERNEL_LEAKY_RELU_H
#define TM_KERNEL_LEAKY_RELU_H

#include <stdint.h>

typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t identity_multiplier;
    int32_t identity_shift;   // in [-31, 30]
    int32_t alpha_multiplier; // < 0 for a negative alpha
    int32_t alpha_shift;      // in [-31, 30]
} tm_leaky_relu_params;

// TFLM's CalculateOpDataLeakyRelu: both ratios computed in float (as TFLM does), then
// QuantizeMultiplier in double. Returns 0, or -1 for a non-finite alpha or scale ratio, or a ratio
// that needs a left shift above 30 (outside the reference's defined arithmetic).
int tm_leaky_relu_prepare_params(float input_scale, int32_t input_zero_point, float alpha, float output_scale,
    int32_t output_zero_point, tm_leaky_relu_params *p);

void tm_leaky_relu_s8(const tm_leaky_relu_params *p, int32_t size, const int8_t *input, int8_t *output);

// int16 (TFLM's QuantizeLeakyRelu<int16_t>): the same, clamped to int16.
void tm_leaky_relu_s16(const tm_leaky_relu_params *p, int32_t size, const int16_t *input, int16_t *output);

#endif
