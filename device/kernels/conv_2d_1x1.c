// tinyml kernel: int8 1x1 convolution as a matrix product (see conv_2d_1x1.h).
//
// Blocking: four output channels x two output pixels per pass, so each of the six int8 loads of
// the inner loop feeds more than one multiply-accumulate and the input offset is not added in the
// loop. Exactness: each partial sum is bounded by depth * 128 * 128 and the offset term by
// depth * 128 * 128 (prepare bounds depth * 128 * 255 below 2^31), and their sum is the
// reference's accumulator, so the result is bit-identical to tm_conv_2d_generic_s8.
#include "conv_2d_1x1.h"

#include <stddef.h>

#include "tm_quant.h"

// ARMv6-M (Cortex-M0/M0+) has 8 low registers: two pixels x four channels spill accumulators to
// the stack there, so it takes one pixel x four channels per pass (measured with bench/).
#ifndef TM_CONV_1X1_ONE_PIXEL
#if defined(__ARM_ARCH_6M__)
#define TM_CONV_1X1_ONE_PIXEL 1
#else
#define TM_CONV_1X1_ONE_PIXEL 0
#endif
#endif

// ARMv7E-M: the DSP path of simd.h (four int8 per load, two MACs per SMLAD).
#include "simd.h"
#include "requantize.h"

static inline int8_t requantize(int32_t acc, int32_t bias_c, int32_t multiplier, int32_t shift,
    const tm_conv_2d_params *params) {
    return tm_requantize_acc_s8(acc, bias_c, multiplier, shift, params->output_offset, params->act_min, params->act_max);
}

// Input pixel read by output pixel p (counted over batches, rows, columns).
static inline const int8_t *pixel(const tm_conv_2d_params *params, const tm_conv_2d_dims *dims,
    const int8_t *input, int32_t p) {
    if (params->stride_h == 1 && params->stride_w == 1 && dims->out_w == dims->in_w && dims->out_h == dims->in_h) {
        return input + p * dims->in_c;   // the usual case: output pixels = input pixels
    }
    const int32_t ox = p % dims->out_w;
    const int32_t rest = p / dims->out_w;
    const int32_t oy = rest % dims->out_h;
    const int32_t b = rest / dims->out_h;
    return input + ((b * dims->in_h + oy * params->stride_h) * dims->in_w + ox * params->stride_w) * dims->in_c;
}

void tm_conv_2d_1x1_s8(const tm_conv_2d_params *params, const tm_conv_2d_quant *quant,
    const tm_conv_2d_dims *dims, const int8_t *input, const int8_t *filter,
    const int32_t *bias, int8_t *output) {
    const int32_t depth = dims->in_c;
    const int32_t out_c = dims->out_c;
    const int32_t pixels = dims->batches * dims->out_h * dims->out_w;
    const int32_t input_offset = params->input_offset;
    int32_t oc = 0;
    for (; oc < out_c; oc += 4) {
        // Up to four channels; a last block of 1-3 channels repeats its last channel (computed, not stored).
        const int32_t nc = out_c - oc < 4 ? out_c - oc : 4;
        const int8_t *f0 = filter + oc * depth;
        const int8_t *f1 = filter + (oc + (nc > 1 ? 1 : 0)) * depth;
        const int8_t *f2 = filter + (oc + (nc > 2 ? 2 : nc - 1)) * depth;
        const int8_t *f3 = filter + (oc + nc - 1) * depth;
        int32_t fold[4] = {0, 0, 0, 0};
        for (int32_t k = 0; k < depth; ++k) {
            fold[0] += f0[k];
            fold[1] += f1[k];
            fold[2] += f2[k];
            fold[3] += f3[k];
        }
        int32_t bq[4], mq[4], sq[4];
        for (int32_t i = 0; i < 4; ++i) {
            const int32_t c = oc + (i < nc ? i : nc - 1);
            bq[i] = tm_add_wrap(fold[i] * input_offset, bias != NULL ? bias[c] : 0);
            mq[i] = quant->multiplier[c];
            sq[i] = quant->shift[c];
        }
        int32_t p = 0;
#if !TM_CONV_1X1_ONE_PIXEL
        for (; p + 2 <= pixels; p += 2) {
            const int8_t *x0 = pixel(params, dims, input, p);
            const int8_t *x1 = pixel(params, dims, input, p + 1);
            int32_t a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            int32_t k = 0;
#if TM_SIMD_DSP
            for (; k + 4 <= depth; k += 4) {
                const uint32_t xw0 = tm_load4(x0 + k), xw1 = tm_load4(x1 + k);
                const int16x2_t v0e = __sxtb16(xw0), v0o = __sxtb16(tm_ror8(xw0));
                const int16x2_t v1e = __sxtb16(xw1), v1o = __sxtb16(tm_ror8(xw1));
                a00 = tm_dot4(f0 + k, v0e, v0o, a00);
                a10 = tm_dot4(f0 + k, v1e, v1o, a10);
                a01 = tm_dot4(f1 + k, v0e, v0o, a01);
                a11 = tm_dot4(f1 + k, v1e, v1o, a11);
                a02 = tm_dot4(f2 + k, v0e, v0o, a02);
                a12 = tm_dot4(f2 + k, v1e, v1o, a12);
                a03 = tm_dot4(f3 + k, v0e, v0o, a03);
                a13 = tm_dot4(f3 + k, v1e, v1o, a13);
            }
#endif
            for (; k < depth; ++k) {
                const int32_t v0 = x0[k], v1 = x1[k];
                const int32_t w0 = f0[k], w1 = f1[k], w2 = f2[k], w3 = f3[k];
                a00 += w0 * v0;
                a01 += w1 * v0;
                a02 += w2 * v0;
                a03 += w3 * v0;
                a10 += w0 * v1;
                a11 += w1 * v1;
                a12 += w2 * v1;
                a13 += w3 * v1;
            }
            int8_t *o0 = output + p * out_c + oc;
            int8_t *o1 = o0 + out_c;
            const int32_t a0[4] = {a00, a01, a02, a03}, a1[4] = {a10, a11, a12, a13};
            for (int32_t i = 0; i < nc; ++i) {
                o0[i] = requantize(a0[i], bq[i], mq[i], sq[i], params);
                o1[i] = requantize(a1[i], bq[i], mq[i], sq[i], params);
            }
        }
#endif
        for (; p < pixels; ++p) {
            const int8_t *x0 = pixel(params, dims, input, p);
            int32_t a[4] = {0, 0, 0, 0};
            for (int32_t k = 0; k < depth; ++k) {
                const int32_t v0 = x0[k];
                a[0] += f0[k] * v0;
                a[1] += f1[k] * v0;
                a[2] += f2[k] * v0;
                a[3] += f3[k] * v0;
            }
            int8_t *o0 = output + p * out_c + oc;
            for (int32_t i = 0; i < nc; ++i) {
                o0[i] = requantize(a[i], bq[i], mq[i], sq[i], params);
            }
        }
    }
}
