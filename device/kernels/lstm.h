// tinyml kernel: UNIDIRECTIONAL_SEQUENCE_LSTM, TFLM's integer "8x8->16" LSTM (lstm_eval.h LstmStep
// with int8 activations and weights, int16 cell state, int32 bias): no CIFG, peephole,
// projection or layer norm (TFLM runs none of them).
//
// One step, for one batch row at time t (TFLM's order):
//   each gate g = act(clamp16(FC(x_t, W_g) + b_g) (+sat) clamp16(FC(h, R_g))), the FCs rescaled to
//   Q3.12; act = sigmoid for the input, forget and output gates, tanh for the cell gate;
//   c = clamp16(f * c) (+sat) clamp16(i * g), clipped to +-cell_clip when cell_clip > 0;
//   h = clamp8(tanh(c) * o + hidden zero point); the output row at t is h.
// Batch rows are independent, so a time-major or batch-major sequence is the same loop with
// other strides.
#ifndef TM_LSTM_H
#define TM_LSTM_H

#include <stdint.h>

enum { TM_LSTM_INPUT_GATE = 0, TM_LSTM_FORGET_GATE = 1, TM_LSTM_CELL_GATE = 2, TM_LSTM_OUTPUT_GATE = 3 };

typedef struct {
    int32_t input_multiplier; // FC(x, W) -> Q3.12
    int32_t input_shift;
    int32_t recurrent_multiplier; // FC(h, R) -> Q3.12
    int32_t recurrent_shift;
} tm_lstm_gate_quant;

typedef struct {
    tm_lstm_gate_quant gate[4]; // by TM_LSTM_*_GATE
    int32_t input_offset;       // -input zero point
    int32_t hidden_offset;      // -hidden state zero point
    int32_t hidden_zero_point;
    int32_t forget_multiplier; // f (Q0.15) x c -> c
    int32_t forget_shift;
    int32_t input_multiplier; // i (Q0.15) x g (Q0.15) -> c
    int32_t input_shift;
    int32_t hidden_multiplier; // tanh(c) (Q0.15) x o (Q0.15) -> h
    int32_t hidden_shift;
    int32_t cell_power; // cell state scale = 2^cell_power
    int16_t cell_clip;  // > 0: clip the cell state to [-cell_clip, cell_clip]
    uint8_t time_major; // input [time, batch, features], else [batch, time, features]
    int32_t batch;
    int32_t time;
    int32_t n_input;
    int32_t n_cell;
} tm_lstm_params;

typedef struct {
    const int8_t *input_weights[4];     // [n_cell, n_input], by gate
    const int8_t *recurrent_weights[4]; // [n_cell, n_cell]
    const int32_t *bias[4];             // [n_cell]
} tm_lstm_weights;

// Runs the whole sequence: input [.., n_input] -> output [.., n_cell] (same layout), updating
// hidden [batch, n_cell] and cell [batch, n_cell] in place. scratch: 4 * n_cell int16.
void tm_lstm_s8(const tm_lstm_params *p, const tm_lstm_weights *w, const int8_t *input, int8_t *hidden, int16_t *cell,
    int8_t *output, int16_t *scratch);

#endif
