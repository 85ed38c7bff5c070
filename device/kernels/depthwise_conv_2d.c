// tinyml kernel: int8 depthwise 2-D convolution (see depthwise_conv_2d.h). Plain C path.
//
// For each output pixel the window is clipped to the image once (taps outside add nothing: the
// reference's zero padding). With depth multiplier 1, four adjacent channels are accumulated
// together (their inputs and filters are adjacent in memory); other depth multipliers take a
// channel-by-channel loop. Integer sums are exact (prepare bounds the window size), so the order
// of the additions does not change any result.
#include "depthwise_conv_2d.h"

#include <stddef.h>

#include "simd.h"
#include "requantize.h"

static inline int8_t requantize(int32_t acc, const int32_t *bias, int32_t oc,
    const tm_depthwise_conv_2d_quant *quant, const tm_depthwise_conv_2d_params *params) {
    return tm_requantize_acc_s8(acc, bias != NULL ? bias[oc] : 0, quant->multiplier[oc], quant->shift[oc],
        params->output_offset, params->act_min, params->act_max);
}

void tm_depthwise_conv_2d_s8(const tm_depthwise_conv_2d_params *params,
    const tm_depthwise_conv_2d_quant *quant, const tm_depthwise_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_w = dims->filter_w;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t depth_multiplier = params->depth_multiplier;
    const int32_t input_offset = params->input_offset;
#if TM_SIMD_DSP
    const uint32_t off2 = ((uint32_t)input_offset & 0xFFFFu) * 0x10001u;   // input_offset in both lanes
#endif
    const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
    const int32_t x_step = dil_w * in_c;

    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * params->stride_h - params->pad_h;
            int32_t fy0, fy1;
            tm_clip_window(in_y0, dil_h, dims->filter_h, in_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * params->stride_w - params->pad_w;
                int32_t fx0, fx1;
                tm_clip_window(in_x0, dil_w, filter_w, in_w, &fx0, &fx1);
                int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                int32_t oc = 0;
                if (depth_multiplier == 1) {
                    // Output channel c reads input channel c: four at a time.
                    for (; oc + 4 <= out_c; oc += 4) {
                        int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
                        for (int32_t fy = fy0; fy < fy1; ++fy) {
                            // Pointers step from tap to tap (no index arithmetic in the loop).
                            const int8_t *x = in_batch + ((in_y0 + fy * dil_h) * in_w + in_x0 + fx0 * dil_w) * in_c + oc;
                            const int8_t *f = filter + (fy * filter_w + fx0) * out_c + oc;
                            for (int32_t fx = fx0; fx < fx1; ++fx, x += x_step, f += out_c) {
#if TM_SIMD_DSP
                                // Channels 0,2 and 1,3 in int16 lanes (x + input_offset: simd.h); one
                                // 16x16 multiply-accumulate per channel (SMLABB / SMLATT).
                                const uint32_t xw = tm_load4(x), fw = tm_load4(f);
                                const int32_t xe = (int32_t)__sxtab16(off2, xw), xo = (int32_t)__sxtab16(off2, tm_ror8(xw));
                                const int32_t fe = (int32_t)__sxtb16(fw), fo = (int32_t)__sxtb16(tm_ror8(fw));
                                acc0 = __smlabb(fe, xe, acc0);
                                acc2 = __smlatt(fe, xe, acc2);
                                acc1 = __smlabb(fo, xo, acc1);
                                acc3 = __smlatt(fo, xo, acc3);
#else
                                acc0 += (int32_t)f[0] * ((int32_t)x[0] + input_offset);
                                acc1 += (int32_t)f[1] * ((int32_t)x[1] + input_offset);
                                acc2 += (int32_t)f[2] * ((int32_t)x[2] + input_offset);
                                acc3 += (int32_t)f[3] * ((int32_t)x[3] + input_offset);
#endif
                            }
                        }
                        out_px[oc] = requantize(acc0, bias, oc, quant, params);
                        out_px[oc + 1] = requantize(acc1, bias, oc + 1, quant, params);
                        out_px[oc + 2] = requantize(acc2, bias, oc + 2, quant, params);
                        out_px[oc + 3] = requantize(acc3, bias, oc + 3, quant, params);
                    }
                }
                // Any depth multiplier (and the channels left over above): output channel
                // oc = ic * depth_multiplier + m reads input channel ic.
                for (; oc < out_c; ++oc) {
                    const int32_t ic = oc / depth_multiplier;
                    int32_t acc = 0;
                    for (int32_t fy = fy0; fy < fy1; ++fy) {
                        const int8_t *in_row = in_batch + (in_y0 + fy * dil_h) * in_w * in_c + ic;
                        const int8_t *f_row = filter + fy * filter_w * out_c + oc;
                        for (int32_t fx = fx0; fx < fx1; ++fx) {
                            acc += (int32_t)f_row[fx * out_c]
                                * ((int32_t)in_row[(in_x0 + fx * dil_w) * in_c] + input_offset);
                        }
                    }
                    out_px[oc] = requantize(acc, bias, oc, quant, params);
                }
            }
        }
    }
}
