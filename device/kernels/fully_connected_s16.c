// tinyml kernel: 16x8 fully connected layer (see fully_connected_s16.h). Plain C: one int64 dot
// product per output (exact: products are at most 2^22 in magnitude).
#include "fully_connected_s16.h"

void tm_fully_connected_s16(const tm_fully_connected_params *params, const tm_fully_connected_quant *quant,
    const tm_fully_connected_dims *dims, const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias,
    int16_t *output) {
    const int32_t depth = dims->accum_depth;
    const int32_t out_depth = dims->out_depth;
    for (int32_t b = 0; b < dims->batches; ++b) {
        const int16_t *in = input + b * depth;
        int16_t *out = output + b * out_depth;
        for (int32_t c = 0; c < out_depth; ++c) {
            const int8_t *f = filter + c * depth;
            int64_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int32_t)f[d] * (int32_t)in[d];
            }
            const int32_t k = quant->per_channel ? c : 0;
            out[c] = tm_requantize_s16(
                acc, bias, c, quant->multiplier[k], quant->shift[k], params->act_min, params->act_max);
        }
    }
}
