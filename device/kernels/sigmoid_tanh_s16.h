// tinyml kernel: TFLM's int16 sigmoid and tanh (reference_integer_ops::Logistic / Tanh on int16),
// as the integer LSTM runs them on its gates and cell state: a 256-entry table of sigmoid(i / 24)
// in 0.16 fixed point, linearly interpolated (tanh(x) = 2 sigmoid(2x) - 1 reads the same table).
// Output Q0.15.
#ifndef TM_SIGMOID_TANH_S16_H
#define TM_SIGMOID_TANH_S16_H

#include <stdint.h>

// Sigmoid of n Q3.12 values (the LSTM gates' scale, 2^-12), in place or not.
void tm_sigmoid_s16_q3_12(const int16_t *input, int16_t *output, int32_t n);

// Tanh of n int16 values whose scale is 2^power: TFLM's input stage (x * 3 << (15 + power - 3),
// or x * 3 >> -(15 + power - 3) rounded) then the table. power must be in [TM_TANH_S16_MIN_POWER,
// TM_TANH_S16_MAX_POWER] (beyond it TFLM's shifts overflow).
#define TM_TANH_S16_MIN_POWER (-43)
#define TM_TANH_S16_MAX_POWER 2
void tm_tanh_s16(const int16_t *input, int16_t *output, int32_t n, int32_t power);

#endif
