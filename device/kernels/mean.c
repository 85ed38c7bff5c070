// tinyml kernels: int8 MEAN, see mean.h.
#include "mean.h"

#include "reduce_walk.h"
#include "tm_quant.h"

void tm_mean_init_shape(tm_mean_params *p, const int32_t *dims, int ndim, const uint8_t *reduce) {
    int32_t stride[TM_MEAN_MAX_DIMS];
    int32_t s = 1;
    for (int i = ndim - 1; i >= 0; --i) {
        stride[i] = s;
        s *= dims[i];
    }
    int no = 0;
    int nr = 0;
    int last_kind = -1; // kind of the last dim appended: 0 kept, 1 reduced
    p->count = 1;
    for (int i = 0; i < ndim; ++i) {
        const int kind = reduce[i] ? 1 : 0;
        if (kind) {
            p->count *= dims[i];
        }
        if (dims[i] == 1) {
            continue;
        }
        int32_t *d = kind ? p->red_dims : p->out_dims;
        int32_t *st = kind ? p->red_strides : p->out_strides;
        int *n = kind ? &nr : &no;
        if (last_kind == kind && *n > 0) {
            // Contiguous with the previous dim of the same kind: merge (stride of the inner one).
            d[*n - 1] *= dims[i];
            st[*n - 1] = stride[i];
        } else {
            d[*n] = dims[i];
            st[*n] = stride[i];
            ++*n;
        }
        last_kind = kind;
    }
    if (no == 0) {
        p->out_dims[0] = 1;
        p->out_strides[0] = 0;
        no = 1;
    }
    if (nr == 0) {
        p->red_dims[0] = 1;
        p->red_strides[0] = 0;
        nr = 1;
    }
    p->out_ndim = no;
    p->red_ndim = nr;
}

void tm_mean_fold_count(int32_t multiplier, int shift, int32_t count, int32_t *out_multiplier, int32_t *out_shift) {
    if (count <= 0) {
        *out_multiplier = multiplier;
        *out_shift = shift;
        return;
    }
    // floor(log2(count)), i.e. 63 - CountLeadingZeros((uint64_t)count).
    int log2 = 0;
    while (((uint32_t)count >> (log2 + 1)) != 0) {
        ++log2;
    }
    int s = log2;
    if (s > 32) {
        s = 32;
    }
    if (s > 31 + shift) {
        s = 31 + shift;
    }
    // TFLM: (int64)multiplier << s, divided (truncating) by count.
    *out_multiplier = (int32_t)(((int64_t)multiplier * ((int64_t)1 << s)) / count);
    *out_shift = shift - s;
}

int tm_mean_init_quant(tm_mean_params *p, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
    if (!(in_scale > 0.0f) || !(out_scale > 0.0f)) {
        return -1;
    }
    int32_t multiplier = 0;
    int shift = 0;
    if (tm_quantize_multiplier((double)in_scale / (double)out_scale, &multiplier, &shift) != 0) {
        return -1;
    }
    tm_mean_fold_count(multiplier, shift, p->count, &p->multiplier, &p->shift);
    if (p->shift > 30) {
        return -1;
    }
    p->input_zero_point = in_zp;
    p->output_zero_point = out_zp;
    return 0;
}

// Sum of the input elements of one output: a walk over the reduced index space from `base`;
// then one output of TFLM's QuantizedMeanOrSum. T is the element type (int8 or int16).
#define TM_MEAN_KERNEL(SUFFIX, T, LO, HI)                                                                              \
    static int32_t reduce_sum_##SUFFIX(const tm_mean_params *p, const T *base) {                                       \
        const int nd = p->red_ndim;                                                                                    \
        const int32_t inner = p->red_dims[nd - 1];                                                                     \
        const int32_t step = p->red_strides[nd - 1];                                                                   \
        const int32_t rows = tm_reduce_count(p->red_dims, nd - 1);                                                     \
        uint32_t sum = 0; /* TFLM accumulates in int32 with wrap-around */                                             \
        int32_t idx[TM_MEAN_MAX_DIMS] = {0};                                                                           \
        int32_t off = 0;                                                                                               \
        for (int32_t r = 0; r < rows; ++r) {                                                                           \
            const T *row = base + off;                                                                                 \
            for (int32_t i = 0; i < inner; ++i) {                                                                      \
                sum += (uint32_t)(int32_t)row[i * step];                                                               \
            }                                                                                                          \
            tm_reduce_step(idx, &off, p->red_dims, p->red_strides, nd - 1);                                            \
        }                                                                                                              \
        return (int32_t)sum;                                                                                           \
    }                                                                                                                  \
    void tm_mean_##SUFFIX(const tm_mean_params *p, const T *in, T *out) {                                              \
        const int nd = p->out_ndim;                                                                                    \
        const int32_t n_out = tm_reduce_count(p->out_dims, nd);                                                        \
        if (p->count == 0) { /* empty reduction: TFLM leaves the zero-initialised output */                            \
            for (int32_t i = 0; i < n_out; ++i) {                                                                      \
                out[i] = 0;                                                                                            \
            }                                                                                                          \
            return;                                                                                                    \
        }                                                                                                              \
        const int64_t zp_total = (int64_t)p->input_zero_point * p->count;                                              \
        int32_t idx[TM_MEAN_MAX_DIMS] = {0};                                                                           \
        int32_t off = 0;                                                                                               \
        for (int32_t o = 0; o < n_out; ++o) {                                                                          \
            const int32_t sum = reduce_sum_##SUFFIX(p, in + off);                                                      \
            const int32_t shifted = (int32_t)(uint32_t)(uint64_t)((int64_t)sum - zp_total);                            \
            const int32_t v = tm_mul_by_quantized_mul(shifted, p->multiplier, p->shift) + p->output_zero_point;        \
            out[o] = (T)tm_clamp_i32(v, LO, HI);                                                                       \
            tm_reduce_step(idx, &off, p->out_dims, p->out_strides, nd);                                                \
        }                                                                                                              \
    }

TM_MEAN_KERNEL(s8, int8_t, -128, 127)
TM_MEAN_KERNEL(s16, int16_t, -32768, 32767)
