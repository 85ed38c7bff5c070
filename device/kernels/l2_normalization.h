// tinyml kernel: L2_NORMALIZATION, int8 -> int8 (output scale 1/128, zero point 0) over the last
// dimension, bit-exact with TensorFlow Lite Micro's reference_integer_ops::L2Normalization: the
// sum of squares of (input - zero point) of each row gives 1/sqrt(sum) as a fixed-point
// multiplier (TFLite's GetInvSqrtQuantizedMultiplierExp, Newton-Raphson in Q3), and every
// element is multiplied by it with 7 more bits of left shift (the 1/128 output scale).
#ifndef TM_KERNEL_L2_NORMALIZATION_H
#define TM_KERNEL_L2_NORMALIZATION_H

#include <stdint.h>

// outer rows of depth elements each.
void tm_l2_normalization_s8(
    int32_t input_zero_point, int32_t outer, int32_t depth, const int8_t *input, int8_t *output);

#endif
