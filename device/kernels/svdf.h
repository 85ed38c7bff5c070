// tinyml kernel: SVDF with int8 input, weights_feature and output, and a state (and weights_time)
// of int16 or int8 - TFLM's EvalIntegerSvdfReference (svdf_common.cc). Per invoke:
//   the state [batch, filters, memory] moves one step left (the oldest value drops out);
//   each filter's newest state = clamp(MultiplyByQuantizedMultiplier(weights_feature . (x - zp_in),
//     scale_1)) + zp_state;
//   each filter's activation = sum over memory of weights_time * (state - zp_state);
//   each unit = bias + the sum of its `rank` filters; output = clamp8(MBQM(unit, scale_2) + zp_out).
// The fused activation is not applied: TFLM's int8 path does not (the output range does it).
#ifndef TM_SVDF_H
#define TM_SVDF_H

#include <stdint.h>

typedef struct {
    int32_t batch;
    int32_t n_input;
    int32_t n_filter;
    int32_t n_memory;
    int32_t rank; // n_filter = rank * units
    int32_t input_zero_point;
    int32_t state_zero_point;
    int32_t output_zero_point;
    int32_t multiplier_1; // feature dot product -> state
    int32_t shift_1;
    int32_t multiplier_2; // unit sum -> output
    int32_t shift_2;
    uint8_t state_is_int16; // state and weights_time int16, else both int8
} tm_svdf_params;

// scratch: batch * n_filter int32. bias: n_filter / rank int32 (NULL: none).
void tm_svdf_s8(const tm_svdf_params *p, const int8_t *input, const int8_t *weights_feature, const void *weights_time,
    const int32_t *bias, void *state, int8_t *output, int32_t *scratch);

#endif
