// tinyml: load-time quantization helpers (double precision, like TFLite's quantization_util.cc).
#include "tm_quant.h"

#include <math.h>

double tm_round(double x) {
    return round(x);
}

float tm_roundf(float x) {
    return roundf(x);
}

int tm_quantize_multiplier(double real, int32_t *multiplier, int *shift) {
    *multiplier = 0;
    *shift = 0;
    if (!isfinite(real)) {
        return -1;
    }
    if (real == 0.0) {
        return 0;
    }
    int exp = 0;
    const double q = frexp(real, &exp);
    int64_t q_fixed = (int64_t)tm_round(q * (double)(1ll << 31));
    if (q_fixed == (1ll << 31)) {
        q_fixed /= 2;
        ++exp;
    }
    if (exp < -31) {
        exp = 0;
        q_fixed = 0;
    }
    *multiplier = (int32_t)q_fixed;
    *shift = exp;
    return 0;
}

int tm_activation_range_quantized(
    int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax, int32_t *act_min, int32_t *act_max) {
// Same expression as TFLM: zero_point + (int32_t)TfLiteRound(f / scale), in float.
#define TM_Q(f) (zero_point + (int32_t)tm_roundf((f) / scale))
    switch (activation) {
        case 0: // NONE
            *act_min = qmin;
            *act_max = qmax;
            return 0;
        case 1: // RELU
            *act_min = TM_MAX(qmin, TM_Q(0.0f));
            *act_max = qmax;
            return 0;
        case 2: // RELU_N1_TO_1
            *act_min = TM_MAX(qmin, TM_Q(-1.0f));
            *act_max = TM_MIN(qmax, TM_Q(1.0f));
            return 0;
        case 3: // RELU6
            *act_min = TM_MAX(qmin, TM_Q(0.0f));
            *act_max = TM_MIN(qmax, TM_Q(6.0f));
            return 0;
        default:
            return -1;
    }
#undef TM_Q
}
