// tinyml kernel: 16x8 depthwise 2-D convolution (see depthwise_conv_2d_s16.h). Plain C: for each
// output pixel the window is clipped to the image once (taps outside add nothing: the reference's
// zero padding), then each output channel sums its taps in int64 (exact).
#include "depthwise_conv_2d_s16.h"

#include "requantize.h"

void tm_depthwise_conv_2d_s16(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias,
    int16_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_w = dims->filter_w;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t depth_multiplier = params->depth_multiplier;
    const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int16_t *in_batch = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * params->stride_h - params->pad_h;
            int32_t fy0, fy1;
            tm_clip_window(in_y0, dil_h, dims->filter_h, in_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * params->stride_w - params->pad_w;
                int32_t fx0, fx1;
                tm_clip_window(in_x0, dil_w, filter_w, in_w, &fx0, &fx1);
                int16_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int32_t ic = oc / depth_multiplier;
                    int64_t acc = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        const int16_t *in_row = in_batch + (in_y0 + fy * dil_h) * in_w * in_c + ic;
                        const int8_t *f_row = filter + fy * filter_w * out_c + oc;
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            acc += (int32_t)f_row[fx * out_c] * (int32_t)in_row[(in_x0 + fx * dil_w) * in_c];
                        }
                    }
                    out_px[oc] = tm_requantize_s16(
                        acc, bias, oc, quant->multiplier[oc], quant->shift[oc], params->act_min, params->act_max);
                }
            }
        }
    }
}
