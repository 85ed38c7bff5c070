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

// count elements of the pad value at out (esize 1: int8, 2: int16).
static void fill(const tm_pad_params *p, size_t esize, uint8_t *out, size_t count) {
    if (esize == 1) {
        memset(out, p->pad_value, count);
        return;
    }
    for (size_t i = 0; i < count; ++i) {
        memcpy(out + 2 * i, &p->pad_value_s16, 2);
    }
}

// Writes the output slice of dim d (all of dims d.. for one index of the dims before d),
// consuming its input elements from *in; returns the end of what was written.
static uint8_t *pad_dim(const tm_pad_params *p, size_t esize, int d, const uint8_t **in, uint8_t *out) {
    const int32_t block = p->out_block[d];
    const size_t left = (size_t)p->left[d] * (size_t)block;
    const size_t right = (size_t)p->right[d] * (size_t)block;
    fill(p, esize, out, left);
    out += left * esize;
    if (d == p->ndim - 1) {
        const size_t n = (size_t)p->in_dims[d] * esize;
        if (n != 0) {
            memcpy(out, *in, n);
            *in += n;
            out += n;
        }
    } else {
        for (int32_t i = 0; i < p->in_dims[d]; ++i) {
            out = pad_dim(p, esize, d + 1, in, out);
        }
    }
    fill(p, esize, out, right);
    return out + right * esize;
}

void tm_pad_s8(const tm_pad_params *p, const int8_t *in, int8_t *out) {
    const uint8_t *src = (const uint8_t *)in;
    pad_dim(p, 1, 0, &src, (uint8_t *)out);
}

void tm_pad_s16(const tm_pad_params *p, const int16_t *in, int16_t *out) {
    const uint8_t *src = (const uint8_t *)in;
    pad_dim(p, 2, 0, &src, (uint8_t *)out);
}
