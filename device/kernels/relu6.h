// tinyml kernel: RELU6 int8, bit-exact with TFLM's Relu6Quantized: a clamp of the raw input to
// [lower, upper] = [input zero point, quantized 6.0 in the input's scale]. TFLM does not
// requantize: the output takes the input's values whatever the output tensor's scale.
#ifndef TM_KERNEL_RELU6_H
#define TM_KERNEL_RELU6_H

#include <stdint.h>

// TFLM's Relu6Prepare for int8: lower = input zero point, upper = FloatToQuantizedType<int8_t>(6.0f,
// input_scale, input_zero_point) = clamp(round(6.0f / input_scale) + zero_point, -128, 127).
// Returns 0, or -1 if 6 / input_scale is not a finite value below 2^30.
int tm_relu6_prepare_params(float input_scale, int32_t input_zero_point, int8_t *lower, int8_t *upper);

void tm_relu6_s8(int8_t lower, int8_t upper, int32_t size, const int8_t *input, int8_t *output);

#endif
