// tinyml kernel: int8 depthwise 2-D convolution (see depthwise_conv_2d.h). Plain C reference path.
#include "depthwise_conv_2d.h"

#include <stddef.h>

#include "tm_quant.h"

// int32 addition with two's-complement wrap-around (what the reference's int32 += does on every
// target), written so that C gives it defined behaviour.
static inline int32_t add_wrap(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

void tm_depthwise_conv_2d_s8(const tm_depthwise_conv_2d_params *params,
    const tm_depthwise_conv_2d_quant *quant, const tm_depthwise_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_h = dims->filter_h, filter_w = dims->filter_w;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t depth_multiplier = params->depth_multiplier;
    const int32_t input_offset = params->input_offset;
    const int32_t output_offset = params->output_offset;
    const int32_t act_min = params->act_min, act_max = params->act_max;
    const int32_t filter_row = filter_w * out_c;   // filter elements per filter row

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * params->stride_h - params->pad_h;
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * params->stride_w - params->pad_w;
                int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t ic = 0; ic < in_c; ++ic) {
                    for (int32_t mi = 0; mi < depth_multiplier; ++mi) {
                        const int32_t oc = ic * depth_multiplier + mi;
                        int32_t acc = 0;
                        for (int32_t fy = 0; fy < filter_h; ++fy) {
                            const int32_t in_y = in_y0 + fy * params->dilation_h;
                            if (in_y < 0 || in_y >= in_h) {
                                continue; // zero padding: outside the image adds nothing
                            }
                            const int8_t *in_row = in_batch + in_y * in_w * in_c + ic;
                            const int8_t *f_row = filter + fy * filter_row + oc;
                            for (int32_t fx = 0; fx < filter_w; ++fx) {
                                const int32_t in_x = in_x0 + fx * params->dilation_w;
                                if (in_x < 0 || in_x >= in_w) {
                                    continue;
                                }
                                acc += (int32_t)f_row[fx * out_c] * ((int32_t)in_row[in_x * in_c] + input_offset);
                            }
                        }
                        if (bias != NULL) {
                            acc = add_wrap(acc, bias[oc]);
                        }
                        acc = tm_mul_by_quantized_mul(acc, quant->multiplier[oc], quant->shift[oc]);
                        acc = add_wrap(acc, output_offset);
                        out_px[oc] = (int8_t)tm_clamp_i32(acc, act_min, act_max);
                    }
                }
            }
        }
    }
}
