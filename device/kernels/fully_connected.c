// tinyml kernel: int8 fully connected layer (see fully_connected.h). Plain C reference path.
#include "fully_connected.h"

#include <stddef.h>

#include "tm_quant.h"

// int32 addition with two's-complement wrap-around (what the reference's int32 += does on every
// target), written so that C gives it defined behaviour.
static inline int32_t add_wrap(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

void tm_fully_connected_s8(const tm_fully_connected_params *params,
    const tm_fully_connected_quant *quant, const tm_fully_connected_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t depth = dims->accum_depth;
    const int32_t out_depth = dims->out_depth;
    const int32_t input_offset = params->input_offset;
    const int32_t output_offset = params->output_offset;
    const int32_t act_min = params->act_min, act_max = params->act_max;
    const int32_t q_step = quant->per_channel ? 1 : 0;

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in = input + b * depth;
        int8_t *out = output + b * out_depth;
        for (int32_t c = 0; c < out_depth; ++c) {
            const int8_t *f = filter + c * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += (int32_t)f[d] * ((int32_t)in[d] + input_offset);
            }
            if (bias != NULL) {
                acc = add_wrap(acc, bias[c]);
            }
            acc = tm_mul_by_quantized_mul(acc, quant->multiplier[c * q_step], quant->shift[c * q_step]);
            acc = add_wrap(acc, output_offset);
            out[c] = (int8_t)tm_clamp_i32(acc, act_min, act_max);
        }
    }
}
