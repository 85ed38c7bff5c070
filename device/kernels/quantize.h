// tinyml kernels: QUANTIZE, bit-exact with TFLM (micro/kernels/quantize_common.cc):
//  - float32 -> int8/int16: reference_ops::AffineQuantize,
//      q = clamp((int32)TfLiteRound(x / scale) + zero_point)   (float division, round half away)
//    Inputs whose rounded value is outside int32 saturate (TFLM's cast is undefined there; NaN
//    gives the type's minimum, as TFLM does on x86).
//  - int8/int16 -> int8/int16/int32: reference_ops::Requantize,
//      q = clamp(MultiplyByQuantizedMultiplier(x - input_zp, multiplier, shift) + output_zp)
#ifndef TM_KERNEL_QUANTIZE_H
#define TM_KERNEL_QUANTIZE_H

#include <stdint.h>

typedef struct {
    float scale;        // output scale
    int32_t zero_point; // output zero point
} tm_quantize_params;

typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t multiplier; // QuantizeMultiplier(input_scale / output_scale)
    int32_t shift;      // <= 30
} tm_requantize_params;

// TFLM's PrepareQuantizeReference: QuantizeMultiplier((double)in_scale / (double)out_scale).
// Returns 0, or -1 for a scale that is not positive or a left shift > 30.
int tm_requantize_params_init(tm_requantize_params *p, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp);

// Float loads use memcpy: the input may be an unaligned constant.
void tm_quantize_f32_s8(const tm_quantize_params *p, const void *in_f32, int8_t *out, int32_t n);
void tm_quantize_f32_s16(const tm_quantize_params *p, const void *in_f32, int16_t *out, int32_t n);

void tm_requantize_s8_s8(const tm_requantize_params *p, const int8_t *in, int8_t *out, int32_t n);
void tm_requantize_s8_s16(const tm_requantize_params *p, const int8_t *in, int16_t *out, int32_t n);
void tm_requantize_s16_s8(const tm_requantize_params *p, const int16_t *in, int8_t *out, int32_t n);
void tm_requantize_s16_s16(const tm_requantize_params *p, const int16_t *in, int16_t *out, int32_t n);
void tm_requantize_s8_s32(const tm_requantize_params *p, const int8_t *in, int32_t *out, int32_t n);
void tm_requantize_s16_s32(const tm_requantize_params *p, const int16_t *in, int32_t *out, int32_t n);

#endif
