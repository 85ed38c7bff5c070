// tinyml kernels: constant PAD, see pad.h.
#include "pad.h"

#include <string.h>

void tm_pad_init(tm_pad_params *p) {
    int32_t block = 1;
    for (int i = p->ndim - 1; i >= 0; --i) {
        p->out_block[i] = block;
        block *= p->left[i] + p->in_dims[i] + p->right[i];
    }
}

// Writes the output slice of dim d (all of dims d.. for one index of the dims before d),
// consuming its input elements from *in; returns the end of what was written.
static int8_t *pad_dim(const tm_pad_params *p, int d, const int8_t **in, int8_t *out) {
    const int32_t block = p->out_block[d];
    const size_t left = (size_t)p->left[d] * (size_t)block;
    const size_t right = (size_t)p->right[d] * (size_t)block;
    memset(out, p->pad_value, left);
    out += left;
    if (d == p->ndim - 1) {
        const size_t n = (size_t)p->in_dims[d];
        if (n != 0) {
            memcpy(out, *in, n);
            *in += n;
            out += n;
        }
    } else {
        for (int32_t i = 0; i < p->in_dims[d]; ++i) {
            out = pad_dim(p, d + 1, in, out);
        }
    }
    memset(out, p->pad_value, right);
    return out + right;
}

void tm_pad_s8(const tm_pad_params *p, const int8_t *in, int8_t *out) {
    pad_dim(p, 0, &in, out);
}
