// tinyml kernels: int16 LOGISTIC and TANH (TFLM's 16x8 mode), bit-exact with TFLM's
// reference_integer_ops::Logistic / Tanh for int16 and the prepare of logistic_common.cc / tanh.cc.
//
// The input is rescaled to 1/(3 * 4096) per unit (so that +-2^17 is +-10.7): by (x * multiplier +
// round) >> shift, where a power-of-two input scale of 2^-12 (TANH: also 2^-11) uses multiplier
// 3 << shift and no shift. Its absolute value indexes a 256-entry table of sigmoid(i / 24) in
// unsigned Q0.16 (TFLM's sigmoid_table_uint16; tanh(x) = 2 sigmoid(2x) - 1 uses the same table at
// twice the resolution), interpolated on the low 9 (LOGISTIC) or 8 (TANH) bits, mirrored for
// negative inputs and shifted back to int16: output scale 2^-15, zero point 0.
#ifndef TM_KERNEL_SIGMOID_S16_H
#define TM_KERNEL_SIGMOID_S16_H

#include <stdint.h>

typedef struct {
    int32_t multiplier; // in [1, 32767] (tm_sigmoid_s16_pow2_params: up to 3 << 14)
    int32_t shift;      // in [0, 31]
} tm_sigmoid_s16_params;

// TFLM's CheckedLog2: log2(x) in float, and whether it is within 1e-3 of the integer *log2.
int tm_checked_log2(float x, int *log2);

// The rescale for an int16 input scale (is_tanh: TANH's rules, else LOGISTIC's). Returns 0, or -1
// for an input scale so large that the multiplier exceeds 32767 (TFLM's debug check; its eval
// would overflow int32).
int tm_sigmoid_s16_prepare_params(float input_scale, int is_tanh, tm_sigmoid_s16_params *p);

// The rescale of an int16 input whose scale is 2^power, as TFLM's integer LSTM runs Logistic /
// Tanh on its gates (2^-12) and cell state (input_multiplier 0): x * 3 shifted left by
// 15 + power - 3, a rounding right shift when that is negative. power must be in
// [TM_SIGMOID_S16_MIN_POWER, TM_SIGMOID_S16_MAX_POWER] (beyond it TFLM's shifts overflow).
#define TM_SIGMOID_S16_MIN_POWER (-43)
#define TM_SIGMOID_S16_MAX_POWER 2
void tm_sigmoid_s16_pow2_params(int32_t power, tm_sigmoid_s16_params *p);

void tm_logistic_s16(const tm_sigmoid_s16_params *p, int32_t size, const int16_t *input, int16_t *output);
void tm_tanh_s16(const tm_sigmoid_s16_params *p, int32_t size, const int16_t *input, int16_t *output);

#endif
