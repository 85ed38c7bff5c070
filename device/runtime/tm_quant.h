// tinyml: quantized fixed-point arithmetic, matching TensorFlow Lite Micro's reference
// arithmetic bit for bit (tensorflow/lite/kernels/internal/common.h and quantization_util.cc,
// default build, i.e. without TFLITE_SINGLE_ROUNDING: "double rounding").
//
// Every kernel uses these and only these; nothing else in the runtime does fixed-point math.
// Overflowing shifts and products are done in unsigned arithmetic so that the C behaviour is
// defined and equal to the two's-complement wrap the reference relies on.
#ifndef TM_QUANT_H
#define TM_QUANT_H

#include <stdint.h>

// The fixed-point helpers run once per element inside the kernels' loops: inlined even at -Os
// (MicroPython's ports build with -Os, where GCC would otherwise call the larger ones).
#if defined(__GNUC__)
#define TM_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TM_ALWAYS_INLINE static inline
#endif

#define TM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TM_MAX(a, b) ((a) > (b) ? (a) : (b))

static inline int32_t tm_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

// gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31) >> 32 with round-half-away
// nudging, saturating the single overflow case INT32_MIN * INT32_MIN.
// The reference computes (ab + nudge) / 2^31 truncating toward zero, nudge = 2^30 if ab >= 0,
// else 1 - 2^30. For ab >= 0 that is floor((ab + 2^30) / 2^31); for ab < 0 the numerator is
// negative and truncation is the ceiling, ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 2^30) / 2^31).
// So both signs are one floor shift (arithmetic >> on int64, as everywhere in this file), with
// no branch and no signed division.
TM_ALWAYS_INLINE int32_t tm_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t ab = (int64_t)a * (int64_t)b;
    return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
// exponent in [0, 31].
TM_ALWAYS_INLINE int32_t tm_rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// int32 addition, subtraction and negation with two's-complement wrap-around (what the
// reference's int32 arithmetic does on every target), written so that C gives them defined behaviour.
static inline int32_t tm_add_wrap(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t tm_sub_wrap(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a - (uint32_t)b);
}
static inline int32_t tm_neg_wrap(int32_t a) {
    return (int32_t)(0u - (uint32_t)a);
}

// x << n with the reference's int32 wrap-around (n >= 0).
static inline int32_t tm_shl_wrap(int32_t x, int n) {
    return (int32_t)((uint32_t)x << n);
}

// TFLM MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift): shift > 0 is a left
// shift applied before the high multiply, shift < 0 a rounding right shift after it.
TM_ALWAYS_INLINE int32_t tm_mul_by_quantized_mul(int32_t x, int32_t multiplier, int shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return tm_rounding_divide_by_pot(tm_srdhm(tm_shl_wrap(x, left), multiplier), right);
}

// TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0).
TM_ALWAYS_INLINE int32_t tm_mul_by_quantized_mul_smaller_than_one(int32_t x, int32_t multiplier, int left_shift) {
    return tm_rounding_divide_by_pot(tm_srdhm(x, multiplier), -left_shift);
}

// TFLM MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0).
TM_ALWAYS_INLINE int32_t tm_mul_by_quantized_mul_greater_than_one(int32_t x, int32_t multiplier, int left_shift) {
    return tm_srdhm(tm_shl_wrap(x, left_shift), multiplier);
}

// TFLM MultiplyByQuantizedMultiplier(int64 x, int32 multiplier, int shift), the 16x8 kernels' output
// stage: the multiplier (>= 0) rounded to 15 bits, then one rounding shift right by 15 - shift, which
// must be in [1, 63] (shift in [-48, 14]; prepare refuses larger). The product and the rounding add
// wrap as int64 and the result is truncated to int32, as the reference's arithmetic and cast do on
// inputs outside the range it assumes (|x| < 2^47).
TM_ALWAYS_INLINE int32_t tm_mul_by_quantized_mul_s64(int64_t x, int32_t multiplier, int shift) {
    const int64_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int total = 15 - shift;
    const uint64_t sum = (uint64_t)x * (uint64_t)reduced + ((uint64_t)1 << (total - 1));
    return (int32_t)(uint32_t)(uint64_t)((int64_t)sum >> total);
}

// TFLite QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
// Returns 0, or -1 (multiplier 0, shift 0) when real is infinite or NaN, which a corrupt scale
// gives: TFLite's own conversion of such a value to an integer is undefined.
int tm_quantize_multiplier(double real, int32_t *multiplier, int *shift);

// TfLiteRound / std::round: half away from zero.
float tm_roundf(float x);
double tm_round(double x);

// TFLM CalculateActivationRangeQuantized for an int8/int16/... output with (scale, zero_point).
// activation is the TFLite ActivationFunctionType (0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6).
// Returns 0 on success, -1 for an unsupported activation.
int tm_activation_range_quantized(
    int activation, float scale, int32_t zero_point, int32_t qmin, int32_t qmax, int32_t *act_min, int32_t *act_max);

#endif
