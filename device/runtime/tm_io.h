// tinyml: converting user data to and from a model's quantized input/output tensors.
// The same formula as TFLM's QUANTIZE / DEQUANTIZE (float arithmetic, round half away from zero,
// saturating), so that quantizing on the device and on the host give identical bytes.
#ifndef TM_IO_H
#define TM_IO_H

#include <stdint.h>

// q = clamp(round(x / scale) + zero_point, qmin, qmax); NaN maps to zero_point.
int32_t tm_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);
// (q - zero_point) * scale, computed in double and rounded to float (as TFLM's DEQUANTIZE).
float tm_dequantize_value(int32_t q, float scale, int32_t zero_point);

#endif
