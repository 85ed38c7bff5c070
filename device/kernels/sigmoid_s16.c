// tinyml kernels: int16 LOGISTIC and TANH, see sigmoid_s16.h.
#include "sigmoid_s16.h"

#include <math.h>

#include "tm_quant.h"

// sigmoid(i / 24) in unsigned Q0.16, i = 0 .. 255: TFLM's table (its values, measured through
// TFLM's int16 TANH at the table points; not a closed formula, so they are listed).
// clang-format off
static const uint16_t SIGMOID_TABLE[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};
// clang-format on

int tm_checked_log2(float x, int *log2) {
    const float x_log2 = logf(x) * (1.0f / logf(2.0f));
    const float rounded = tm_roundf(x_log2);
    *log2 = (int)rounded;
    return fabsf(x_log2 - rounded) < 1e-3f;
}

int tm_sigmoid_s16_prepare_params(float input_scale, int is_tanh, tm_sigmoid_s16_params *p) {
    int log2 = 0;
    const int pot = tm_checked_log2(input_scale, &log2);
    // 15 - 3 input integer bits.
    const int pot_shift = 12 + log2;
    if (pot && (pot_shift == 0 || (is_tanh && pot_shift == 1))) {
        p->multiplier = 3 << pot_shift;
        p->shift = 0;
        return 0;
    }
    double multiplier = (double)input_scale * 4096.0 * 3.0;
    int shift = 0;
    while (multiplier <= 32767.0 / 2.0 && shift <= 30) {
        ++shift;
        multiplier *= 2.0;
    }
    if (!(multiplier <= 32767.0)) {
        return -1;
    }
    p->multiplier = (int32_t)multiplier;
    p->shift = shift;
    return 0;
}

// The rescaled input (its magnitude in 1/(3 * 4096) units, signed).
void tm_sigmoid_s16_pow2_params(int32_t power, tm_sigmoid_s16_params *p) {
    const int32_t left = 15 + power - 3;
    p->multiplier = left >= 0 ? 3 << left : 3;
    p->shift = left >= 0 ? 0 : -left;
}

static int32_t rescale(const tm_sigmoid_s16_params *p, int16_t x) {
    const int32_t round = p->shift > 0 ? (int32_t)1 << (p->shift - 1) : 0;
    return (x * p->multiplier + round) >> p->shift;
}

void tm_logistic_s16(const tm_sigmoid_s16_params *p, int32_t size, const int16_t *input, int16_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t v = rescale(p, input[i]);
        const uint32_t a = (v < 0 ? 0u - (uint32_t)v : (uint32_t)v);
        const uint32_t index = a >> 9;
        uint32_t r;
        if (index >= 255) {
            r = 0x7FFFu << 10;
        } else {
            const uint32_t lo = SIGMOID_TABLE[index], hi = SIGMOID_TABLE[index + 1];
            r = (lo << 9) + (a & 0x1ffu) * (hi - lo);
        }
        r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
        output[i] = (int16_t)(r >> 10);
    }
}

void tm_tanh_s16(const tm_sigmoid_s16_params *p, int32_t size, const int16_t *input, int16_t *output) {
    for (int32_t i = 0; i < size; ++i) {
        const int32_t v = rescale(p, input[i]);
        const uint32_t a = (v < 0 ? 0u - (uint32_t)v : (uint32_t)v);
        const uint32_t index = a >> 8;
        int32_t r;
        if (index >= 255) {
            r = 0xFFFF << 8;
        } else {
            const uint32_t lo = SIGMOID_TABLE[index], hi = SIGMOID_TABLE[index + 1];
            r = (int32_t)((lo << 8) + (a & 0xffu) * (hi - lo));
        }
        r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(r >> 8);
    }
}
