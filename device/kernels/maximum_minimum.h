// tinyml kernels: int8 MAXIMUM and MINIMUM with broadcasting, bit-exact with TFLM's
// reference_ops::MaximumMinimumBroadcastSlow: the larger (smaller) of the two raw int8 values,
// with no requantization. TFLM reads neither input's quantization: a converter gives both inputs
// and the output the same scale and zero point, and where a model does not, TFLM's result (the
// raw comparison) is what these give too. The pair is one file, as in TFLM (maximum_minimum.cc).
#ifndef TM_KERNEL_MAXIMUM_MINIMUM_H
#define TM_KERNEL_MAXIMUM_MINIMUM_H

#include <stdint.h>

#include "broadcast.h"

void tm_maximum_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);
void tm_minimum_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif
