// tinyml kernels: int8 REDUCE_MAX / REDUCE_MIN, see reduce_minmax.h.
#include "reduce_minmax.h"

#include "reduce_walk.h"

// Largest (is_max) or smallest element of one output's reduced index space from `base`.
static int8_t reduce_one(const tm_mean_params *p, int is_max, const int8_t *base) {
    const int nd = p->red_ndim;
    const int32_t inner = p->red_dims[nd - 1];
    const int32_t step = p->red_strides[nd - 1];
    const int32_t rows = tm_reduce_count(p->red_dims, nd - 1);
    int8_t best = is_max ? INT8_MIN : INT8_MAX;
    int32_t idx[TM_MEAN_MAX_DIMS] = {0};
    int32_t off = 0;
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *row = base + off;
        if (is_max) {
            for (int32_t i = 0; i < inner; ++i) {
                best = row[i * step] > best ? row[i * step] : best;
            }
        } else {
            for (int32_t i = 0; i < inner; ++i) {
                best = row[i * step] < best ? row[i * step] : best;
            }
        }
        tm_reduce_step(idx, &off, p->red_dims, p->red_strides, nd - 1);
    }
    return best;
}

void tm_reduce_minmax_s8(const tm_mean_params *p, int is_max, const int8_t *in, int8_t *out) {
    const int nd = p->out_ndim;
    const int32_t n_out = tm_reduce_count(p->out_dims, nd);
    if (p->count == 0) {
        for (int32_t i = 0; i < n_out; ++i) {
            out[i] = is_max ? INT8_MIN : INT8_MAX;
        }
        return;
    }
    int32_t idx[TM_MEAN_MAX_DIMS] = {0};
    int32_t off = 0;
    for (int32_t o = 0; o < n_out; ++o) {
        out[o] = reduce_one(p, is_max, in + off);
        tm_reduce_step(idx, &off, p->out_dims, p->out_strides, nd);
    }
}
