// tinyml kernel: int8 RELU (see relu.h).
#include "relu.h"

#include <math.h>

#include "tm_quant.h"

int tm_relu_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_relu_params *p) {
    const double real = (double)input_scale / (double)output_scale;
    if (!(real > 0.0) || !isfinite(real)) {
        return -1;
    }
    int32_t multiplier;
    int shift;
    tm_quantize_multiplier(real, &multiplier, &shift);
    if (shift > 30) {
        return -1;
    }
    p->output_multiplier = multiplier;
    p->output_shift = shift;
    p->input_offset = input_zero_point;
    p->output_offset = output_zero_point;
    p->act_min = TM_MAX((int32_t)INT8_MIN, output_zero_point + (int32_t)tm_roundf(0.0f / output_scale));
    p->act_max = INT8_MAX;
    return 0;
}

void tm_relu_s8(const tm_relu_params *p, int32_t size, const int8_t *input, int8_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        int32_t v =
            p->output_offset
            + tm_mul_by_quantized_mul((int32_t)input[i] - p->input_offset, p->output_multiplier, p->output_shift);
        v = TM_MAX(p->act_min, v);
        v = TM_MIN(p->act_max, v);
        output[i] = (int8_t)v;
    }
}
