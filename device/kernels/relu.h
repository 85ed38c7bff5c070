// tinyml kernel: RELU int8 with requantization, bit-exact with TFLM's ReluQuantized:
// out = clamp(output_offset + MultiplyByQuantizedMultiplier(in - input_offset, multiplier, shift),
//             act_min, act_max), with act_min = max(-128, output zero point), act_max = 127.
#ifndef TM_KERNEL_RELU_H
#define TM_KERNEL_RELU_H

#include <stdint.h>

typedef struct {
    int32_t input_offset;      // input zero point
    int32_t output_offset;     // output zero point
    int32_t output_multiplier; // input_scale / output_scale
    int32_t output_shift;      // in [-31, 30]
    int32_t act_min, act_max;
} tm_relu_params;

// TFLM's CalculateReluOpData<int8_t>: multiplier of input_scale / output_scale (double),
// act_min = max(-128, output_zero_point + roundf(0 / output_scale)), act_max = 127.
// Returns 0, or -1 if the scale ratio needs a left shift above 30 (outside the reference's
// defined arithmetic).
int tm_relu_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_relu_params *p);

void tm_relu_s8(const tm_relu_params *p, int32_t size, const int8_t *input, int8_t *output);

#endif
