// tinyml C tests: helpers shared by the kernel tests (tests/c/test_<kernel>.c), on top of tm_test.h.
// They rebuild kernel parameters the way the op glue (device/ops) does, so that a test feeds a
// kernel what prepare would.
#ifndef TM_TEST_KERNEL_H
#define TM_TEST_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "tm_test.h"
#include "tm_quant.h"
#include "pool_2d.h"

// TFLM QuantizeMultiplier with the shift as an int8 (the kernels' quant arrays; shifts are in
// [-31, 31]): for exact powers of two, 1.0 -> (2^30, 1), 0.5 -> (2^30, 0), 0.25 -> (2^30, -1),
// 2.0 -> (2^30, 2).
static inline void tm_test_multiplier(double real, int32_t *multiplier, int8_t *shift) {
    int s;
    tm_quantize_multiplier(real, multiplier, &s);
    *shift = (int8_t)s;
}

// `count` multipliers as tm_op_channel_multipliers computes them for a generated case:
// double(input_scale) * double(filter_scale) / double(output_scale), the filter scale per channel
// (n_filter_scales > 1) or the same for all (n_filter_scales == 1).
static inline void tm_test_channel_multipliers(float input_scale, const float *filter_scales, int32_t n_filter_scales,
    float output_scale, int32_t count, int32_t *multiplier, int8_t *shift) {
    for (int32_t c = 0; c < count; ++c) {
        const float fs = filter_scales[n_filter_scales > 1 ? c : 0];
        tm_test_multiplier((double)input_scale * (double)fs / (double)output_scale, &multiplier[c], &shift[c]);
    }
}

// Every int8 value in order, -128 .. 127: the input of the generated element-wise vectors.
static inline void tm_test_all_int8(int8_t in[256]) {
    for (int i = 0; i < 256; ++i) {
        in[i] = (int8_t)(i - 128);
    }
}

// Pooling parameters for one batch, no fused activation (range [-128, 127]).
static inline tm_pool_params tm_test_pool_params(int32_t in_h, int32_t in_w, int32_t c, int32_t out_h, int32_t out_w,
    int32_t f_h, int32_t f_w, int32_t s_h, int32_t s_w, int32_t pad_h, int32_t pad_w) {
    tm_pool_params p;
    p.batches = 1;
    p.in_h = in_h;
    p.in_w = in_w;
    p.channels = c;
    p.out_h = out_h;
    p.out_w = out_w;
    p.filter_h = f_h;
    p.filter_w = f_w;
    p.stride_h = s_h;
    p.stride_w = s_w;
    p.pad_h = pad_h;
    p.pad_w = pad_w;
    p.act_min = -128;
    p.act_max = 127;
    return p;
}

typedef void (*tm_test_pool_kernel)(const tm_pool_params *p, const int8_t *input, int8_t *output);

// One TFLM-generated pooling case (vectors/average_pool_2d.h, vectors/max_pool_2d.h), case `index`
// of its table: `kernel` with the geometry in p and the range of the fused activation for the
// case's quantization must give `expected`.
static inline void tm_test_pool_vector(tm_test_pool_kernel kernel, tm_pool_params p, int activation, float scale,
    int32_t zero_point, const int8_t *input, const int8_t *expected, size_t index) {
    TM_CHECK_EQ(tm_activation_range_quantized(activation, scale, zero_point, -128, 127, &p.act_min, &p.act_max), 0);
    int8_t out[1024];
    const int32_t n = p.batches * p.out_h * p.out_w * p.channels;
    TM_CHECK(n <= 1024);
    kernel(&p, input, out);
    TM_CHECK_I8_VECTOR(out, expected, n, index);
}


// Fast path vs reference tests: a small seeded generator (the same sequence on every host).
typedef struct {
    uint32_t state;
} tm_test_rng;

static inline int32_t tm_test_rnd(tm_test_rng *r, int32_t lo, int32_t hi) {
    r->state = r->state * 1664525u + 1013904223u;
    return lo + (int32_t)((r->state >> 8) % (uint32_t)(hi - lo + 1));
}

// Random operands of a conv-family kernel: n_in inputs, n_filter weights (every fifth iteration
// only the extremes -128 and 127), and per output channel a bias, a multiplier in [2^30, 2^31)
// and a shift in [-12, 1].
static inline void tm_test_random_operands(tm_test_rng *r, int iter, int8_t *input, int32_t n_in, int8_t *filter,
    int32_t n_filter, int32_t *bias, int32_t *mult, int8_t *shift, int32_t channels) {
    for (int32_t i = 0; i < n_in; ++i) {
        input[i] = (int8_t)tm_test_rnd(r, -128, 127);
    }
    for (int32_t i = 0; i < n_filter; ++i) {
        filter[i] = (int8_t)(iter % 5 == 0 ? (tm_test_rnd(r, 0, 1) ? -128 : 127) : tm_test_rnd(r, -128, 127));
    }
    for (int32_t c = 0; c < channels; ++c) {
        bias[c] = tm_test_rnd(r, -100000, 100000);
        mult[c] = tm_test_rnd(r, 1 << 30, 0x7fffffff);
        shift[c] = (int8_t)tm_test_rnd(r, -12, 1);
    }
}

// First index where a fast path's output differs from the reference's in the n outputs and the
// guard byte after them (checked with TM_CHECK_EQ), or -1 when all agree.
static inline int32_t tm_test_first_difference(const int8_t *fast, const int8_t *ref, int32_t n) {
    for (int32_t i = 0; i < n + 1; ++i) {
        if (fast[i] != ref[i]) {
            TM_CHECK_EQ(fast[i], ref[i]);
            return i;
        }
    }
    return -1;
}

#endif
