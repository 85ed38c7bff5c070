// tinyml kernel: int8 RSQRT (see rsqrt.h).
#include "rsqrt.h"

#include <math.h>

#include "fixedpoint.h"
#include "tm_quant.h"

enum { KEEP_SHIFT = 20 }; // TFLM's kShift: keeps 1/sqrt(v) an integer

// TFLite GetInvSqrtQuantizedMultiplierExp(input, reverse_shift = -1) for input > 1: 1/sqrt(input)
// as multiplier * 2^shift (shift as MultiplyByQuantizedMultiplier takes it).
static void inv_sqrt_multiplier(int32_t input, int32_t *multiplier, int *shift) {
    int s = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++s;
    }
    const int pairs = (tm_fp_clz32((uint32_t)input) - 1) / 2 - 1;
    s -= pairs;
    input = tm_shl_wrap(input, 2 * pairs); // now in [2^27, 2^29): Q3
    const int32_t half_input = tm_fp_mul_pot(input >> 1, -1);
    const int32_t half_three = (1 << 28) + (1 << 27); // 1.5 in Q3
    int32_t x = 1 << 28;                              // 1.0 in Q3
    for (int i = 0; i < 5; ++i) {
        // x3 = x^3 (Q9 -> Q3); x = 1.5 x - (input / 2) x3 (Q6 -> Q3).
        const int32_t x3 = tm_fp_rescale(tm_srdhm(tm_srdhm(x, x), x), 9, 3);
        x = tm_fp_rescale(tm_sub_wrap(tm_srdhm(half_three, x), tm_srdhm(half_input, x3)), 6, 3);
    }
    int32_t m = tm_srdhm(x, 1518500250); // times sqrt(2) / 2 (Q0)
    if (s < 0) {
        m = tm_shl_wrap(m, -s);
        s = 0;
    }
    *multiplier = m;
    *shift = -s;
}

int tm_rsqrt_prepare_params(
    float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point, tm_lut_s8_table *p) {
    const double real = 1.0 / (sqrt((double)input_scale) * (double)output_scale);
    if (!isfinite(real)) {
        return -1;
    }
    int32_t out_multiplier;
    int out_shift;
    tm_quantize_multiplier(real, &out_multiplier, &out_shift);
    // MBQM's shift out_shift - 20 must stay in [-31, 30], TFLM's defined range.
    if (out_shift > 30 || out_shift - KEEP_SHIFT < -31) {
        return -1;
    }
    for (int32_t q = INT8_MIN; q <= INT8_MAX; ++q) {
        const int32_t v = q - input_zero_point;
        int32_t out = INT8_MAX; // v == 0 (v < 0: refused in prepare)
        if (v > 0) {
            int32_t m = INT32_MAX; // v == 1: TFLM's special case
            int s = 0;
            if (v > 1) {
                inv_sqrt_multiplier(v, &m, &s);
            }
            const int32_t data = tm_mul_by_quantized_mul(1, m, s + KEEP_SHIFT);
            out = tm_mul_by_quantized_mul(data, out_multiplier, out_shift - KEEP_SHIFT) + output_zero_point;
        }
        p->table[(uint8_t)(int8_t)q] = (int8_t)tm_clamp_i32(out, INT8_MIN, INT8_MAX);
    }
    return 0;
}
