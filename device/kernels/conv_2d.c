// tinyml kernel: int8 2-D convolution (see conv_2d.h). Plain C path.
//
// For each output pixel, the window is clipped to the image once (rows and columns outside add
// nothing: the reference's zero padding), and four output channels of the same group are
// accumulated together, so each input value is loaded and offset once for four
// multiply-accumulates. Integer sums are exact (prepare bounds the window size so that no partial
// sum can overflow), so the order of the additions does not change any result.
#include "conv_2d.h"
#include "conv_2d_1x1.h"

#include <stddef.h>
#include <string.h>

#include "tm_target.h"

#include "matmul_s8.h"
#include "requantize.h"
#include "tm_prim.h"
#include "tm_hot.h"

static inline int8_t requantize(
    int32_t acc, const int32_t *bias, int32_t oc, const tm_conv_2d_quant *quant, const tm_conv_2d_params *params) {
    return tm_requantize_acc_s8(acc, bias != NULL ? bias[oc] : 0, quant->multiplier[oc], quant->shift[oc],
        params->output_offset, params->act_min, params->act_max);
}

void tm_conv_2d_generic_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t filter_h = dims->filter_h, filter_w = dims->filter_w;
    const int32_t filter_in_c = dims->filter_in_c;
    const int32_t out_h = dims->out_h, out_w = dims->out_w, out_c = dims->out_c;
    const int32_t filters_per_group = out_c / (in_c / filter_in_c);
    const int32_t input_offset = params->input_offset;
    const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
    const int32_t filter_size = filter_h * filter_w * filter_in_c; // elements per output channel
    const int merge_row = dil_w == 1 && filter_in_c == in_c;
    for (int32_t b = 0; b < dims->batches; ++b) {
        const int8_t *in_batch = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < out_h; ++oy) {
            const int32_t in_y0 = oy * params->stride_h - params->pad_h;
            int32_t fy0, fy1;
            tm_clip_window(in_y0, dil_h, filter_h, in_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < out_w; ++ox) {
                const int32_t in_x0 = ox * params->stride_w - params->pad_w;
                int32_t fx0, fx1;
                tm_clip_window(in_x0, dil_w, filter_w, in_w, &fx0, &fx1);
                // Without dilation and groups, the taps fx0..fx1-1 of a row are one contiguous run
                // of (fx1 - fx0) * in_c values in both the input and the filter: one inner loop.
                const int32_t run = merge_row ? (fx1 - fx0) * filter_in_c : filter_in_c;
                const int32_t fx_end = (merge_row && fx1 > fx0) ? fx0 + 1 : fx1;
                int8_t *out_px = output + ((b * out_h + oy) * out_w + ox) * out_c;
                int32_t oc = 0;
                while (oc < out_c) {
                    const int32_t group = oc / filters_per_group;
                    const int8_t *in_group = in_batch + group * filter_in_c;
                    // Four channels at once while they stay in this group.
                    if (oc + 4 <= (group + 1) * filters_per_group) {
                        int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
                        for (int32_t fy = fy0; fy < fy1; ++fy) {
                            const int8_t *in_row = in_group + (in_y0 + fy * dil_h) * in_w * in_c;
                            for (int32_t fx = fx0; fx < fx_end; ++fx) {
                                const int8_t *x = in_row + (in_x0 + fx * dil_w) * in_c;
                                const int8_t *f0 = filter + oc * filter_size + (fy * filter_w + fx) * filter_in_c;
                                int32_t d[4];
                                tm_dot4_off(x, input_offset, f0, filter_size, run, d);
                                acc0 += d[0];
                                acc1 += d[1];
                                acc2 += d[2];
                                acc3 += d[3];
                            }
                        }
                        out_px[oc] = requantize(acc0, bias, oc, quant, params);
                        out_px[oc + 1] = requantize(acc1, bias, oc + 1, quant, params);
                        out_px[oc + 2] = requantize(acc2, bias, oc + 2, quant, params);
                        out_px[oc + 3] = requantize(acc3, bias, oc + 3, quant, params);
                        oc += 4;
                    } else {
                        int32_t acc = 0;
                        for (int32_t fy = fy0; fy < fy1; ++fy) {
                            const int8_t *in_row = in_group + (in_y0 + fy * dil_h) * in_w * in_c;
                            for (int32_t fx = fx0; fx < fx_end; ++fx) {
                                const int8_t *x = in_row + (in_x0 + fx * dil_w) * in_c;
                                const int8_t *f = filter + oc * filter_size + (fy * filter_w + fx) * filter_in_c;
                                for (int32_t ic = 0; ic < run; ++ic) {
                                    acc += (int32_t)f[ic] * ((int32_t)x[ic] + input_offset);
                                }
                            }
                        }
                        out_px[oc] = requantize(acc, bias, oc, quant, params);
                        oc += 1;
                    }
                }
            }
        }
    }
}

// im2col path (one group, any window size): the windows of a tile of consecutive output pixels
// are copied into the kernel's scratch (tm_conv_2d_scratch_bytes: planned in the arena), one row
// of filter_h * filter_w * in_c values each, the taps outside the image filled with the input zero
// point (-input_offset, an int8 value: x + input_offset = 0 there, exactly the reference's skipped
// tap). The tile is then a matrix product with the filter (matmul_s8.h: input offset folded into
// the bias per chunk of output channels, blocked int8 dot products), so the result equals the
// generic path's. Chunk-outer order: the folded biases of TM_MM_CHUNK channels are computed once
// per call, the windows gathered again for each chunk.
// A tile is about TM_CONV_IM2COL_BYTES of windows (1152 bytes on 32-bit targets, 1728 on 64-bit
// hosts), at least TM_MM_ROWS windows however deep, at most the layer's pixels.
#define TM_CONV_IM2COL_BYTES (TM_MM_ROWS * 576)

// Output pixels per tile; 0 when the layer takes another path (1x1 filters, groups).
static int32_t im2col_tile(const tm_conv_2d_dims *dims) {
    if ((dims->filter_h == 1 && dims->filter_w == 1) || dims->filter_in_c != dims->in_c) {
        return 0;
    }
    const int64_t depth = (int64_t)dims->filter_h * dims->filter_w * dims->in_c;
    const int64_t pixels = (int64_t)dims->out_h * dims->out_w;
    if (depth < 1 || depth > TM_CONV_MAX_ACCUM_DEPTH || pixels < 1) {
        return 0;
    }
    int64_t tile = TM_CONV_IM2COL_BYTES / depth;
#if TM_MM_ROWS > 2
    tile -= tile % TM_MM_ROWS; // whole blocks of three rows (a fourth would take the slow 1-row path)
#endif
    tile = tile < TM_MM_ROWS ? TM_MM_ROWS : tile;
    return (int32_t)(tile < pixels ? tile : pixels);
}

size_t tm_conv_2d_scratch_bytes(const tm_conv_2d_dims *dims) {
    return (size_t)im2col_tile(dims) * (size_t)dims->filter_h * (size_t)dims->filter_w * (size_t)dims->in_c;
}

// n bytes from src to dst, or (src NULL) n bytes of value pad. Runs of a window row are often a few
// bytes (4 for a 10 x 4 filter on one channel): those go without a call, since the MicroPython
// ports' memset/memcpy are plain byte loops behind a call (see device/micropython.mk); long runs
// (several channels) go to the C library.
TM_ALWAYS_INLINE int8_t *put_run(int8_t *dst, const int8_t *src, int8_t pad, int32_t n) {
    if (n >= 16) {
        if (src != NULL) {
            memcpy(dst, src, (size_t)n);
        } else {
            memset(dst, pad, (size_t)n);
        }
        return dst + n;
    }
    int8_t *const end = dst + n;
    if (src != NULL) {
        while (dst != end) {
            *dst++ = *src++;
        }
    } else {
        while (dst != end) {
            *dst++ = pad;
        }
    }
    return end;
}

// The windows of output pixels [p0, p0 + n) into buf, one row of depth = filter_h * filter_w * in_c
// values each, taps outside the image set to pad.
static TM_HOT void im2col_gather(const tm_conv_2d_params *params, const tm_conv_2d_dims *dims, const int8_t *in_batch,
    int32_t p0, int32_t n, int8_t pad, int8_t *buf) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t fh = dims->filter_h, fw = dims->filter_w, out_w = dims->out_w;
    const int32_t dil_h = params->dilation_h, dil_w = params->dilation_w;
    const int32_t row_bytes = fw * in_c;
    int8_t *dst = buf;
    for (int32_t i = 0; i < n; ++i) {
        const int32_t oy = (p0 + i) / out_w, ox = (p0 + i) % out_w;
        const int32_t iy0 = oy * params->stride_h - params->pad_h;
        const int32_t ix0 = ox * params->stride_w - params->pad_w;
        int32_t fx0, fx1;
        tm_clip_window(ix0, dil_w, fw, in_w, &fx0, &fx1);
        for (int32_t fy = 0; fy < fh; ++fy) {
            const int32_t iy = iy0 + fy * dil_h;
            if (iy < 0 || iy >= in_h || fx0 >= fx1) {
                dst = put_run(dst, NULL, pad, row_bytes);
                continue;
            }
            dst = put_run(dst, NULL, pad, fx0 * in_c);
            const int8_t *src = in_batch + (iy * in_w + ix0 + fx0 * dil_w) * in_c;
            if (dil_w == 1) {
                dst = put_run(dst, src, pad, (fx1 - fx0) * in_c);
            } else {
                for (int32_t fx = fx0; fx < fx1; ++fx, src += dil_w * in_c) {
                    dst = put_run(dst, src, pad, in_c);
                }
            }
            dst = put_run(dst, NULL, pad, (fw - fx1) * in_c);
        }
    }
}

static void conv_im2col(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output, int8_t *buf) {
    const int32_t in_h = dims->in_h, in_w = dims->in_w, in_c = dims->in_c;
    const int32_t out_c = dims->out_c;
    const int32_t depth = dims->filter_h * dims->filter_w * in_c;
    const int32_t tile = im2col_tile(dims);
    const int8_t pad = (int8_t)(-params->input_offset);
    const int32_t pixels = dims->out_h * dims->out_w;
    tm_rq rq[TM_MM_CHUNK];
    for (int32_t c0 = 0; c0 < out_c; c0 += TM_MM_CHUNK) {
        const int32_t nc = out_c - c0 < TM_MM_CHUNK ? out_c - c0 : TM_MM_CHUNK;
        const int8_t *w = filter + c0 * depth;
        const tm_mm_out o = tm_conv_2d_chunk_out(params, quant, bias, w, depth, c0, nc, rq);
        for (int32_t b = 0; b < dims->batches; ++b) {
            const int8_t *in_batch = input + b * in_h * in_w * in_c;
            for (int32_t p0 = 0; p0 < pixels; p0 += tile) {
                const int32_t n = pixels - p0 < tile ? pixels - p0 : tile;
                im2col_gather(params, dims, in_batch, p0, n, pad, buf);
                tm_mm_s8(buf, depth, n, w, depth, nc, &o, output + (b * pixels + p0) * out_c + c0, out_c);
            }
        }
    }
}

void tm_conv_2d_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant, const tm_conv_2d_dims *dims,
    const int8_t *input, const int8_t *filter, const int32_t *bias, int8_t *output, void *scratch) {
    if (dims->filter_h == 1 && dims->filter_w == 1 && params->pad_h == 0 && params->pad_w == 0
        && dims->filter_in_c == dims->in_c && (dims->out_h - 1) * params->stride_h < dims->in_h
        && (dims->out_w - 1) * params->stride_w < dims->in_w) {
        tm_conv_2d_1x1_s8(params, quant, dims, input, filter, bias, output);
    } else if (scratch != NULL && im2col_tile(dims) > 0 && params->input_offset >= -127) {
        conv_im2col(params, quant, dims, input, filter, bias, output, (int8_t *)scratch);
    } else {
        tm_conv_2d_generic_s8(params, quant, dims, input, filter, bias, output);
    }
}
