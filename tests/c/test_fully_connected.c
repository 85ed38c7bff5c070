// Hand-checked vectors for kernels/fully_connected.c (int8 FULLY_CONNECTED, TFLM FullyConnected
// and FullyConnectedPerChannel arithmetic). Every expected value is worked out in the comments.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_test_kernel.h"
#include "fully_connected.h"
#include "vectors/fully_connected.h"

static tm_fully_connected_params plain_params(void) {
    tm_fully_connected_params p;
    memset(&p, 0, sizeof p);
    p.act_min = -128;
    p.act_max = 127;
    return p;
}

// Per-tensor weights (one multiplier for every unit), two batches, input and output offsets, bias.
static void test_per_tensor(void) {
    // input zero point 1: the rows seen by the kernel are (0, 1, 2) and (-2, -1, 3)
    const int8_t input[6] = {1, 2, 3, -1, 0, 4};
    // unit 0 = (1, 1, 1), unit 1 = (2, -1, 3)
    const int8_t filter[6] = {1, 1, 1, 2, -1, 3};
    const int32_t bias[2] = {10, -10};
    int32_t m;
    int8_t s;
    tm_test_multiplier(0.5, &m, &s);
    tm_fully_connected_quant q = {&m, &s, 0};
    tm_fully_connected_params p = plain_params();
    p.input_offset = -1;
    p.output_offset = 3;
    tm_fully_connected_dims d = {2, 3, 2};
    int8_t out[4];
    tm_fully_connected_s8(&p, &q, &d, input, filter, bias, out);
    // batch 0: unit 0 = 0+1+2 + 10 = 13 -> 6.5 -> 7 (+3 = 10); unit 1 = 0-1+6 - 10 = -5 -> -2.5 -> -2 (+3 = 1)
    // batch 1: unit 0 = -2-1+3 + 10 = 10 -> 5 (+3 = 8);      unit 1 = -4+1+9 - 10 = -4 -> -2 (+3 = 1)
    // (exact halves round towards +infinity in SaturatingRoundingDoublingHighMul)
    const int8_t expected[4] = {10, 1, 8, 1};
    TM_CHECK_I8_ARRAY(out, expected, 4);
}

// Per-channel weights: one multiplier per unit, no bias.
static void test_per_channel(void) {
    const int8_t input[2] = {4, -4};
    // unit 0 = (1, 0) -> 4; unit 1 = (0, 1) -> -4; unit 2 = (5, -3) -> 20 + 12 = 32
    const int8_t filter[6] = {1, 0, 0, 1, 5, -3};
    int32_t m[3];
    int8_t s[3];
    tm_test_multiplier(1.0, &m[0], &s[0]);  // 4
    tm_test_multiplier(0.25, &m[1], &s[1]); // -4 / 4 = -1
    tm_test_multiplier(0.5, &m[2], &s[2]);  // 32 / 2 = 16
    tm_fully_connected_quant q = {m, s, 1};
    tm_fully_connected_params p = plain_params();
    tm_fully_connected_dims d = {1, 2, 3};
    int8_t out[3];
    tm_fully_connected_s8(&p, &q, &d, input, filter, NULL, out);
    const int8_t expected[3] = {4, -1, 16};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// Units are computed four at a time: 6 units = one block of 4 and two singles, 2 batches.
static void test_unit_blocks(void) {
    const int8_t input[4] = {1, 2, -1, 3}; // batch 0: (1, 2); batch 1: (-1, 3)
    // unit u = (u, 1) for u = 0..5
    const int8_t filter[12] = {0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1};
    int32_t m;
    int8_t s;
    tm_test_multiplier(1.0, &m, &s);
    tm_fully_connected_quant q = {&m, &s, 0};
    tm_fully_connected_params p = plain_params();
    tm_fully_connected_dims d = {2, 2, 6};
    int8_t out[12];
    tm_fully_connected_s8(&p, &q, &d, input, filter, NULL, out);
    // batch 0: u * 1 + 2 = 2 3 4 5 6 7;  batch 1: -u + 3 = 3 2 1 0 -1 -2
    const int8_t expected[12] = {2, 3, 4, 5, 6, 7, 3, 2, 1, 0, -1, -2};
    TM_CHECK_I8_ARRAY(out, expected, 12);
}

// The fused-activation clamp: a RELU with output zero point -20 gives act_min = -20 (real 0.0);
// act_max = 50 stands for a RELU6 whose 6.0 quantizes to 50.
static void test_activation_clamp(void) {
    const int8_t input[1] = {1};
    const int8_t filter[3] = {-100, 30, 100};
    int32_t m;
    int8_t s;
    tm_test_multiplier(1.0, &m, &s);
    tm_fully_connected_quant q = {&m, &s, 0};
    tm_fully_connected_params p = plain_params();
    p.output_offset = -20;
    p.act_min = -20;
    p.act_max = 50;
    tm_fully_connected_dims d = {1, 1, 3};
    int8_t out[3];
    tm_fully_connected_s8(&p, &q, &d, input, filter, NULL, out);
    // -100 - 20 = -120 -> -20;  30 - 20 = 10;  100 - 20 = 80 -> 50
    const int8_t expected[3] = {-20, 10, 50};
    TM_CHECK_I8_ARRAY(out, expected, 3);
}

// The largest depth prepare allows (65793 terms of -128 * 255 = -32640): no signed overflow under
// -fsanitize=undefined; a bias of -1000 wraps like the reference's int32 addition.
static void test_extreme_accumulation(void) {
    const int32_t depth = TM_FULLY_CONNECTED_MAX_ACCUM_DEPTH;
    int8_t *input = (int8_t *)malloc((size_t)depth);
    int8_t *filter = (int8_t *)malloc((size_t)depth);
    memset(input, 127, (size_t)depth);
    memset(filter, 0x80, (size_t)depth);
    const int32_t bias[1] = {-1000};
    int32_t m;
    int8_t s;
    tm_test_multiplier(1.0 / 65536.0, &m, &s);
    tm_fully_connected_quant q = {&m, &s, 0};
    tm_fully_connected_params p = plain_params();
    p.input_offset = 128;
    tm_fully_connected_dims d = {1, depth, 1};
    int8_t out[1];
    tm_fully_connected_s8(&p, &q, &d, input, filter, bias, out);
    // -2147483520 - 1000 wraps to 2147482776 -> / 65536 = 32768 -> clamps to 127
    TM_CHECK_EQ(out[0], 127);
    tm_fully_connected_s8(&p, &q, &d, input, filter, NULL, out);
    // -2147483520 / 65536 = -32768 -> clamps to -128
    TM_CHECK_EQ(out[0], -128);
    free(input);
    free(filter);
}

// TFLM-generated cases (vectors/fully_connected.h, see gen_vectors.py). Multipliers and the
// activation range are rebuilt as op_fully_connected.c does (per-tensor and per-channel alike:
// double(in) * double(filter) / double(out)).
static void test_tflm_vectors(void) {
    for (size_t i = 0; i < sizeof(tm_fully_connected_vectors) / sizeof(tm_fully_connected_vectors[0]); ++i) {
        const tm_fully_connected_vector *v = &tm_fully_connected_vectors[i];
        int32_t m[64];
        int8_t s[64];
        int8_t out[256];
        const int32_t n_out = v->batches * v->out_depth;
        TM_CHECK(v->n_filter_scales <= 64 && n_out <= 256);
        tm_test_channel_multipliers(
            v->input_scale, v->filter_scales, v->n_filter_scales, v->output_scale, v->n_filter_scales, m, s);
        tm_fully_connected_quant q = {m, s, v->n_filter_scales > 1};
        tm_fully_connected_params p = plain_params();
        p.input_offset = -v->input_zero_point;
        p.output_offset = v->output_zero_point;
        TM_CHECK_EQ(tm_activation_range_quantized(
                        v->activation, v->output_scale, v->output_zero_point, -128, 127, &p.act_min, &p.act_max),
            0);
        tm_fully_connected_dims d = {v->batches, v->accum_depth, v->out_depth};
        tm_fully_connected_s8(&p, &q, &d, v->input, v->filter, v->bias, out);
        TM_CHECK_I8_VECTOR(out, v->expected, n_out, i);
    }
}

// The matrix-product path (tm_fully_connected_s8) against the plain loops
// (tm_fully_connected_generic_s8) on random shapes: 1-5 batches (odd and even row counts), depths
// and unit counts around the blocks and the 32-unit chunks, per-tensor and per-channel
// multipliers, random offsets, shifts and ranges, with and without bias, extreme weights.
static tm_test_rng rng = {4242u};
static int32_t rnd(int32_t lo, int32_t hi) {
    return tm_test_rnd(&rng, lo, hi);
}

static void test_fast_vs_generic(void) {
    enum { MAXB = 5, MAXD = 70, MAXU = 70 };
    static int8_t input[MAXB * MAXD], filter[MAXU * MAXD], out_fast[MAXB * MAXU + 1], out_ref[MAXB * MAXU + 1];
    static int32_t bias[MAXU], mult[MAXU];
    static int8_t shift[MAXU];
    for (int iter = 0; iter < 300; ++iter) {
        const int32_t batches = rnd(1, MAXB), depth = rnd(1, MAXD), units = rnd(1, MAXU);
        tm_fully_connected_params p = plain_params();
        p.input_offset = rnd(-128, 127) + (iter % 7 == 0 ? 1 : 0);
        p.output_offset = rnd(-128, 127);
        p.act_min = rnd(-128, 0);
        p.act_max = rnd(0, 127);
        tm_test_random_operands(&rng, iter, input, batches * depth, filter, units * depth, bias, mult, shift, units);
        tm_fully_connected_quant q = {mult, shift, iter % 2};
        tm_fully_connected_dims d = {batches, depth, units};
        const int32_t *b = (iter % 3 == 0) ? NULL : bias;
        const int32_t n = batches * units;
        memset(out_fast, 0x55, sizeof out_fast);
        memset(out_ref, 0x55, sizeof out_ref);
        tm_fully_connected_s8(&p, &q, &d, input, filter, b, out_fast);
        tm_fully_connected_generic_s8(&p, &q, &d, input, filter, b, out_ref);
        const int32_t i = tm_test_first_difference(out_fast, out_ref, n);
        if (i >= 0) {
            printf("  iter %d: %d batches, depth %d, %d units, per_channel %d: at %d\n", iter, (int)batches, (int)depth,
                (int)units, iter % 2, (int)i);
            return;
        }
    }
}

int main(void) {
    TM_RUN(test_per_tensor);
    TM_RUN(test_per_channel);
    TM_RUN(test_unit_blocks);
    TM_RUN(test_activation_clamp);
    TM_RUN(test_extreme_accumulation);
    TM_RUN(test_fast_vs_generic);
    TM_RUN(test_tflm_vectors);
    return tm_test_summary("test_fully_connected");
}
