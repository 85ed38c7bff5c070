// tinyml kernel: 16x8 2-D convolution (see conv_2d_s16.h). Plain C.
//
// For each output pixel the window is clipped to the image once (taps outside add nothing: the
// reference's zero padding); without dilation and groups the taps of one filter row are one
// contiguous run of values in both the input and the filter, summed in one loop. Products are at
// most 2^22 in magnitude and summed in int64, so every sum is exact and the order of the additions
// does not matter.
#include "conv_2d_s16.h"

#include "requantize.h"

// Sum of n products f[i] * x[i].
static inline int64_t dot_s16(const int8_t *f, const int16_t *x, int32_t n) {
    int64_t acc = 0;
    for (int32_t i = 0; i < n; ++i) {
        acc += (int32_t)f[i] * (int32_t)x[i];
    }
    return acc;
}

void tm_conv_2d_s16(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int16_t *input, const int8_t *filter, const tm_bias_s16 *bias, int16_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_h = dims->filter_h, filter_w = dims->filter_w;
    const int32_t filter_in_c = dims->filter_in_c;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t filters_per_group = out_c / (in_c / filter_in_c);
    const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
    const int32_t filter_size = filter_h * filter_w * filter_in_c;
    const int merge_row = dil_w == 1 && filter_in_c == in_c;

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int16_t *in_batch = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * params->stride_h - params->pad_h;
            int32_t fy0, fy1;
            tm_clip_window(in_y0, dil_h, filter_h, in_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * params->stride_w - params->pad_w;
                int32_t fx0, fx1;
                tm_clip_window(in_x0, dil_w, filter_w, in_w, &fx0, &fx1);
                const int32_t run = merge_row ? (fx1 - fx0) * filter_in_c : filter_in_c;
                const int32_t fx_end = (merge_row && fx1 > fx0) ? fx0 + 1 : fx1;
                int16_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                for (int32_t oc = 0; oc < out_c; ++oc) {
                    const int16_t *in_group = in_batch + (oc / filters_per_group) * filter_in_c;
                    const int8_t *f_oc = filter + oc * filter_size;
                    int64_t acc = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        const int16_t *in_row = in_group + (in_y0 + fy * dil_h) * in_w * in_c;
                        for (int32_t fx = fx0; fx < fx_end; ++fx) {
                            acc += dot_s16(
                                f_oc + (fy * filter_w + fx) * filter_in_c, in_row + (in_x0 + fx * dil_w) * in_c, run);
                        }
                    }
                    out_px[oc] = tm_requantize_s16(
                        acc, bias, oc, quant->multiplier[oc], quant->shift[oc], params->act_min, params->act_max);
                }
            }
        }
    }
}
