// tinyml kernel: int8 depthwise 2-D convolution (see depthwise_conv_2d.h).
//
// Generic path (tm_depthwise_conv_2d_generic_s8, any shape, the reference of the fast path): for
// each output pixel the window is clipped to the image once (taps outside add nothing: the
// reference's zero padding). With depth multiplier 1, four adjacent channels are accumulated
// together (their inputs and filters are adjacent in memory); other depth multipliers take a
// channel-by-channel loop. Integer sums are exact (prepare bounds the window size), so the order
// of the additions does not change any result.
#include "depthwise_conv_2d.h"

#include <stddef.h>

#include "requantize.h"
#include "tm_prim.h"

static inline int8_t requantize(int32_t acc, const int32_t *bias, int32_t oc, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_params *params) {
    return tm_requantize_acc_s8(acc, bias != NULL ? bias[oc] : 0, quant->multiplier[oc], quant->shift[oc],
        params->output_offset, params->act_min, params->act_max);
}

void tm_depthwise_conv_2d_generic_s8(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_w = dims->filter_w;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t depth_multiplier = params->depth_multiplier;
    const int32_t input_offset = params->input_offset;
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
                        int32_t acc[4] = {0, 0, 0, 0};
                        for (int32_t fy = fy0; fy < fy1; ++fy) {
                            // Pointers step from tap to tap (no index arithmetic in the loop).
                            const int8_t *x =
                                in_batch + ((in_y0 + fy * dil_h) * in_w + in_x0 + fx0 * dil_w) * in_c + oc;
                            const int8_t *f = filter + (fy * filter_w + fx0) * out_c + oc;
                            for (int32_t fx = fx0; fx < fx1; ++fx, x += x_step, f += out_c) {
                                tm_dw4_off(x, f, input_offset, acc); // the target's (tm_prim.h)
                            }
                        }
                        out_px[oc] = requantize(acc[0], bias, oc, quant, params);
                        out_px[oc + 1] = requantize(acc[1], bias, oc + 1, quant, params);
                        out_px[oc + 2] = requantize(acc[2], bias, oc + 2, quant, params);
                        out_px[oc + 3] = requantize(acc[3], bias, oc + 3, quant, params);
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

// Fast path: depth multiplier 1, no dilation, at most TM_DW_MAX_TAPS filter taps, channels in
// blocks of four (the last 1-3 channels go through dw_channel below). The block loop is outside
// the pixel loop, so everything per channel is set up once per block: the four channels' weights
// are copied into a small int32 table (one immediate-offset load per tap and channel, no index
// arithmetic), and bias, multiplier and shift are hoisted. The input offset is folded:
// sum f * (x + offset) = sum f * x + offset * sum f over the whole filter, added to the bias once
// per block, so the inner loop is a plain int8 dot product. A window that hangs over the border
// is first copied into a small buffer (four channels per tap) with the taps outside the image set
// to the input zero point (-offset, an int8 value): x + offset = 0 there, exactly the reference's
// skipped tap, and the same loop runs on the buffer. Integer sums are exact (prepare bounds the
// window), so the result equals the generic path's.
#define TM_DW_MAX_TAPS 25

TM_ALWAYS_INLINE int8_t dw_requantize(
    int32_t acc, int32_t bias, int32_t multiplier, int32_t shift, const tm_depthwise_conv_2d_params *params) {
    return tm_requantize_acc_s8(acc, bias, multiplier, shift, params->output_offset, params->act_min, params->act_max);
}

// One output channel c (= input channel c) over every pixel, plain loops: the channels after the
// last block of four.
static void dw_channel(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output, int32_t c) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, ch = dims->in_c;
    const int32_t fh = dims->filter_h, fw = dims->filter_w;
    const int32_t bias_c = bias != NULL ? bias[c] : 0;
    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * ch + c;
        for (int32_t oy = 0; oy < dims->out_h; ++oy) {
            const int32_t iy0 = oy * params->stride_h - params->pad_h;
            int32_t fy0, fy1;
            tm_clip_window(iy0, 1, fh, in_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < dims->out_w; ++ox) {
                const int32_t ix0 = ox * params->stride_w - params->pad_w;
                int32_t fx0, fx1;
                tm_clip_window(ix0, 1, fw, in_w, &fx0, &fx1);
                int32_t acc = 0;
                for (int32_t fy = fy0; fy < fy1; ++fy) {
                    const int8_t *x = in_batch + ((iy0 + fy) * in_w + ix0) * ch;
                    const int8_t *f = filter + fy * fw * ch + c;
                    for (int32_t fx = fx0; fx < fx1; ++fx) {
                        acc += (int32_t)f[fx * ch] * ((int32_t)x[fx * ch] + params->input_offset);
                    }
                }
                output[((b * dims->out_h + oy) * dims->out_w + ox) * ch + c] =
                    dw_requantize(acc, bias_c, quant->multiplier[c], quant->shift[c], params);
            }
        }
    }
}

static TM_HOT void dw_dm1(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, ch = dims->in_c;
    const int32_t fh = dims->filter_h, fw = dims->filter_w, taps = fh * fw;
    const int32_t out_h = dims->out_h, out_w = dims->out_w;
    const int32_t sh = params->stride_h, sw = params->stride_w;
    const int32_t input_offset = params->input_offset;
    const int32_t out_off = params->output_offset, act_min = params->act_min, act_max = params->act_max;
    const int8_t zp = (int8_t)(-input_offset); // tm_depthwise_conv_2d_s8: input_offset >= -127
    const int32_t row = in_w * ch;             // input row stride
    const int is3x3 = fh == 3 && fw == 3;
    // Output columns whose window lies inside the image horizontally: [ox_lo, ox_hi).
    int32_t ox_lo = 0;
    while (ox_lo < out_w && ox_lo * sw - params->pad_w < 0) {
        ++ox_lo;
    }
    int32_t ox_hi = out_w;
    while (ox_hi > ox_lo && (ox_hi - 1) * sw - params->pad_w + fw > in_w) {
        --ox_hi;
    }
    int32_t c = 0;
    for (; c + 4 <= ch; c += 4) {
        int32_t w[4 * TM_DW_MAX_TAPS];
        uint32_t win4[TM_DW_MAX_TAPS]; // a border window: four channels per tap
        const uint32_t zp4 = (uint8_t)zp * 0x01010101u;
        int32_t wsum[4] = {0, 0, 0, 0};
        for (int32_t t = 0; t < taps; ++t) {
            for (int32_t i = 0; i < 4; ++i) {
                w[4 * t + i] = filter[t * ch + c + i];
                wsum[i] += w[4 * t + i];
            }
        }
        tm_rq rq[4];
        for (int32_t i = 0; i < 4; ++i) {
            tm_rq_make(tm_add_wrap(bias != NULL ? bias[c + i] : 0, wsum[i] * input_offset), quant->multiplier[c + i],
                quant->shift[c + i], &rq[i]);
        }
        tm_dw_pack(w, taps); // the layout the target's TM_DW_TAP reads (tm_prim.h)
        for (int32_t b = 0; b < dims->batches; ++b) {
            const int8_t *in_batch = input + b * in_h * row + c;
            int8_t *out = output + b * out_h * out_w * ch + c;
            for (int32_t oy = 0; oy < out_h; ++oy) {
                const int32_t iy0 = oy * sh - params->pad_h;
                int32_t fy0, fy1;
                tm_clip_window(iy0, 1, fh, in_h, &fy0, &fy1);
                const int full_rows = fy0 == 0 && fy1 == fh;
                for (int32_t ox = 0; ox < out_w; ++ox, out += ch) {
                    const int32_t ix0 = ox * sw - params->pad_w;
                    const int8_t *x0; // tap (0, 0)
                    int32_t cs, rs;   // tap column and row strides
                    if (TM_LIKELY(full_rows && ox >= ox_lo && ox < ox_hi)) {
                        x0 = in_batch + iy0 * row + ix0 * ch;
                        cs = ch;
                        rs = row;
                    } else {
                        int32_t fx0, fx1;
                        tm_clip_window(ix0, 1, fw, in_w, &fx0, &fx1);
                        // Word stores, no memset: MicroPython's ports link a byte-loop memset
                        // behind a call, and this runs for every border pixel.
                        for (int32_t t = 0; t < taps; ++t) {
                            win4[t] = zp4;
                        }
                        for (int32_t fy = fy0; fy < fy1; ++fy) {
                            const int8_t *src = in_batch + (iy0 + fy) * row;
                            for (int32_t fx = fx0; fx < fx1; ++fx) {
                                const int8_t *s4 = src + (ix0 + fx) * ch;
                                int8_t *d4 = (int8_t *)&win4[fy * fw + fx];
                                d4[0] = s4[0];
                                d4[1] = s4[1];
                                d4[2] = s4[2];
                                d4[3] = s4[3];
                            }
                        }
                        x0 = (const int8_t *)win4;
                        cs = 4;
                        rs = 4 * fw;
                    }
                    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                    if (is3x3) {
                        const int8_t *x = x0;
                        TM_DW_TAP(0, x);
                        TM_DW_TAP(1, x + cs);
                        TM_DW_TAP(2, x + 2 * cs);
                        x += rs;
                        TM_DW_TAP(3, x);
                        TM_DW_TAP(4, x + cs);
                        TM_DW_TAP(5, x + 2 * cs);
                        x += rs;
                        TM_DW_TAP(6, x);
                        TM_DW_TAP(7, x + cs);
                        TM_DW_TAP(8, x + 2 * cs);
                    } else {
                        for (int32_t fy = 0; fy < fh; ++fy) {
                            const int8_t *x = x0 + fy * rs;
                            for (int32_t fx = 0; fx < fw; ++fx, x += cs) {
                                TM_DW_TAP(fy * fw + fx, x);
                            }
                        }
                    }
                    out[0] = tm_rq_apply_s8(a0, &rq[0], out_off, act_min, act_max);
                    out[1] = tm_rq_apply_s8(a1, &rq[1], out_off, act_min, act_max);
                    out[2] = tm_rq_apply_s8(a2, &rq[2], out_off, act_min, act_max);
                    out[3] = tm_rq_apply_s8(a3, &rq[3], out_off, act_min, act_max);
                }
            }
        }
    }
    for (; c < ch; ++c) {
        dw_channel(params, quant, dims, input, filter, bias, output, c);
    }
}

void tm_depthwise_conv_2d_s8(const tm_depthwise_conv_2d_params *params, const tm_depthwise_conv_2d_quant *quant,
    const tm_depthwise_conv_2d_dims *dims, const int8_t *input, const int8_t *filter, const int32_t *bias,
    int8_t *output) {
    if (params->depth_multiplier == 1 && params->dilation_h == 1 && params->dilation_w == 1
        && dims->filter_h * dims->filter_w <= TM_DW_MAX_TAPS && params->input_offset >= -127) {
        dw_dm1(params, quant, dims, input, filter, bias, output);
    } else {
        tm_depthwise_conv_2d_generic_s8(params, quant, dims, input, filter, bias, output);
    }
}
