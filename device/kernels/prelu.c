// tinyml kernel: int8 PRELU (see prelu.h).
#include "prelu.h"

#include <math.h>

#include "tm_quant.h"

static int quantize(double real, int32_t *multiplier, int32_t *shift) {
    if (!isfinite(real)) {
        return -1;
    }
    int s = 0;
    tm_quantize_multiplier(real, multiplier, &s);
    *shift = s;
    return s <= 30 ? 0 : -1;
}

int tm_prelu_prepare_params(float input_scale, int32_t input_zero_point, float alpha_scale, int32_t alpha_zero_point,
    float output_scale, int32_t output_zero_point, tm_prelu_params *p) {
    // In double, in TFLM's order: input * alpha / output.
    const double in = (double)input_scale, out = (double)output_scale;
    if (quantize(in / out, &p->identity_multiplier, &p->identity_shift) != 0
        || quantize(in * (double)alpha_scale / out, &p->alpha_multiplier, &p->alpha_shift) != 0) {
        return -1;
    }
    p->input_zero_point = input_zero_point;
    p->alpha_zero_point = alpha_zero_point;
    p->output_zero_point = output_zero_point;
    return 0;
}

static void prelu_row(
    const void *params, const int8_t *a, int32_t step_a, const int8_t *b, int32_t step_b, int8_t *out, int32_t n) {
    const tm_prelu_params *p = (const tm_prelu_params *)params;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t x = (int32_t)a[i * step_a] - p->input_zero_point;
        const int32_t scaled = x >= 0 ? tm_mul_by_quantized_mul(x, p->identity_multiplier, p->identity_shift)
                                      : tm_mul_by_quantized_mul(x * ((int32_t)b[i * step_b] - p->alpha_zero_point),
                                          p->alpha_multiplier, p->alpha_shift);
        out[i] = (int8_t)tm_clamp_i32(p->output_zero_point + scaled, INT8_MIN, INT8_MAX);
    }
}

void tm_prelu_s8(
    const tm_prelu_params *p, const tm_broadcast *bc, const int8_t *input, const int8_t *alpha, int8_t *output) {
    tm_broadcast_run_s8(bc, input, alpha, output, prelu_row, p);
}
