// tinyml kernels: int8 (and int16) MEAN over any set of axes, bit-exact with TFLM's
// reference_ops::QuantizedMeanOrSum (micro/kernels/internal/reference/reduce.h), which TFLM uses
// for every int8 MEAN (also when input and output quantization are equal):
//   sum    = sum of the raw int8 inputs reduced into one output (int32, wrapping)
//   out    = clamp(MultiplyByQuantizedMultiplier((int32)(sum - input_zp * count),
//                                                multiplier, shift) + output_zp)
// where multiplier/shift already include the 1/count factor (tm_mean_fold_count()).
//
// Shapes are described by two strided index spaces over the input: the kept dims (in output
// order, row-major) and the reduced dims. No scratch memory: each output sums its own inputs.
#ifndef TM_KERNEL_MEAN_H
#define TM_KERNEL_MEAN_H

#include <stdint.h>

#define TM_MEAN_MAX_DIMS 6

typedef struct {
    int32_t out_ndim; // kept dims (>= 1; a single 1 if everything is reduced)
    int32_t out_dims[TM_MEAN_MAX_DIMS];
    int32_t out_strides[TM_MEAN_MAX_DIMS]; // input element stride of each kept dim
    int32_t red_ndim;                      // reduced dims (>= 1; a single 1 if nothing is reduced)
    int32_t red_dims[TM_MEAN_MAX_DIMS];
    int32_t red_strides[TM_MEAN_MAX_DIMS]; // input element stride of each reduced dim
    int32_t count;                         // elements per output = product of red_dims
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier; // input_scale / output_scale / count, quantized
    int32_t shift;
} tm_mean_params;

// Splits an input shape into kept / reduced index spaces (merging neighbouring dims of the same
// kind and dropping size-1 dims). reduce[i] != 0 marks dim i as reduced. ndim <= TM_MEAN_MAX_DIMS.
void tm_mean_init_shape(tm_mean_params *p, const int32_t *dims, int ndim, const uint8_t *reduce);

// Quantization part of the parameters: QuantizeMultiplier((double)in_scale / (double)out_scale)
// with 1/count folded in (call after tm_mean_init_shape). Returns 0, or -1 for a scale that is not
// positive or a final left shift > 30.
int tm_mean_init_quant(tm_mean_params *p, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp);

// TFLM's folding of 1/count into (multiplier, shift) from QuantizeMultiplier(in_scale/out_scale).
void tm_mean_fold_count(int32_t multiplier, int shift, int32_t count, int32_t *out_multiplier, int32_t *out_shift);

void tm_mean_s8(const tm_mean_params *p, const int8_t *in, int8_t *out);
// The same for int16 (TFLM's 16x8 MEAN: the same QuantizedMeanOrSum, clamped to int16).
void tm_mean_s16(const tm_mean_params *p, const int16_t *in, int16_t *out);

#endif
