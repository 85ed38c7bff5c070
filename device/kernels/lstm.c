// tinyml kernel: UNIDIRECTIONAL_SEQUENCE_LSTM int8 x int8 -> int16 cell (see lstm.h).
#include "lstm.h"

#include <string.h>

#include "tm_quant.h"
#include "sigmoid_s16.h"

static int16_t clamp16(int32_t v) {
    return (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
}

// out[c] = clamp16(MultiplyByQuantizedMultiplier(sum_k w[c][k] * (x[k] + offset) (+ bias[c])))
// (TFLM's reference FullyConnected with an int16 output, zero output offset).
static void gate_fc(const int8_t *x, int32_t offset, const int8_t *w, const int32_t *bias, int32_t multiplier,
    int32_t shift, int32_t rows, int32_t depth, int16_t *out) {
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *row = w + (size_t)r * (size_t)depth;
        int32_t acc = 0;
        for (int32_t k = 0; k < depth; ++k) {
            acc += (int32_t)row[k] * ((int32_t)x[k] + offset);
        }
        if (bias != NULL) {
            acc = tm_add_wrap(acc, bias[r]);
        }
        out[r] = clamp16(tm_mul_by_quantized_mul(acc, multiplier, (int)shift));
    }
}

// One gate for one batch row: both FCs, their saturating sum, the activation.
static void gate(const tm_lstm_params *p, const tm_lstm_weights *w, int g, const int8_t *x, const int8_t *h,
    int16_t *out, int16_t *fc_scratch, int sigmoid) {
    const tm_lstm_gate_quant *q = &p->gate[g];
    gate_fc(x, p->input_offset, w->input_weights[g], w->bias[g], q->input_multiplier, q->input_shift, p->n_cell,
        p->n_input, out);
    gate_fc(h, p->hidden_offset, w->recurrent_weights[g], NULL, q->recurrent_multiplier, q->recurrent_shift, p->n_cell,
        p->n_cell, fc_scratch);
    for (int32_t c = 0; c < p->n_cell; ++c) {
        out[c] = clamp16((int32_t)out[c] + (int32_t)fc_scratch[c]);
    }
    tm_sigmoid_s16_params q3_12; // the gates' scale, 2^-12
    tm_sigmoid_s16_pow2_params(-12, &q3_12);
    if (sigmoid) {
        tm_logistic_s16(&q3_12, p->n_cell, out, out);
    } else {
        tm_tanh_s16(&q3_12, p->n_cell, out, out);
    }
}

static int32_t mul16(int16_t a, int16_t b, int32_t multiplier, int32_t shift) {
    return tm_mul_by_quantized_mul((int32_t)a * (int32_t)b, multiplier, (int)shift);
}

// One time step of one batch row: x [n_input] -> h, c [n_cell] updated in place.
static void step(
    const tm_lstm_params *p, const tm_lstm_weights *w, const int8_t *x, int8_t *h, int16_t *c, int16_t *scratch) {
    const int32_t n = p->n_cell;
    int16_t *forget = scratch;
    int16_t *in_gate = scratch + n;
    int16_t *cell_gate = scratch + 2 * n;
    int16_t *fc = scratch + 3 * n;
    gate(p, w, TM_LSTM_FORGET_GATE, x, h, forget, fc, 1);
    gate(p, w, TM_LSTM_INPUT_GATE, x, h, in_gate, fc, 1);
    gate(p, w, TM_LSTM_CELL_GATE, x, h, cell_gate, fc, 0);
    for (int32_t k = 0; k < n; ++k) {
        const int16_t kept = clamp16(mul16(forget[k], c[k], p->forget_multiplier, p->forget_shift));
        const int16_t added = clamp16(mul16(in_gate[k], cell_gate[k], p->input_multiplier, p->input_shift));
        int16_t v = clamp16((int32_t)kept + (int32_t)added);
        if (p->cell_clip > 0) {
            v = v > p->cell_clip ? p->cell_clip : (v < -p->cell_clip ? (int16_t)-p->cell_clip : v);
        }
        c[k] = v;
    }
    int16_t *out_gate = in_gate; // free again
    int16_t *cell_tanh = forget;
    gate(p, w, TM_LSTM_OUTPUT_GATE, x, h, out_gate, fc, 1);
    tm_sigmoid_s16_params cell_scale;
    tm_sigmoid_s16_pow2_params(p->cell_power, &cell_scale);
    tm_tanh_s16(&cell_scale, n, c, cell_tanh);
    for (int32_t k = 0; k < n; ++k) {
        int32_t v = mul16(cell_tanh[k], out_gate[k], p->hidden_multiplier, p->hidden_shift) + p->hidden_zero_point;
        h[k] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}

void tm_lstm_s8(const tm_lstm_params *p, const tm_lstm_weights *w, const int8_t *input, int8_t *hidden, int16_t *cell,
    int8_t *output, int16_t *scratch) {
    // Element strides of one time step and one batch row, in the input and the output.
    const size_t in_t = p->time_major ? (size_t)p->batch * (size_t)p->n_input : (size_t)p->n_input;
    const size_t in_b = p->time_major ? (size_t)p->n_input : (size_t)p->time * (size_t)p->n_input;
    const size_t out_t = p->time_major ? (size_t)p->batch * (size_t)p->n_cell : (size_t)p->n_cell;
    const size_t out_b = p->time_major ? (size_t)p->n_cell : (size_t)p->time * (size_t)p->n_cell;
    for (int32_t b = 0; b < p->batch; ++b) {
        int8_t *h = hidden + (size_t)b * (size_t)p->n_cell;
        int16_t *c = cell + (size_t)b * (size_t)p->n_cell;
        for (int32_t t = 0; t < p->time; ++t) {
            step(p, w, input + (size_t)b * in_b + (size_t)t * in_t, h, c, scratch);
            memcpy(output + (size_t)b * out_b + (size_t)t * out_t, h, (size_t)p->n_cell);
        }
    }
}
