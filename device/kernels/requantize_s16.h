// tinyml: the output stage the 16x8 kernels share (CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// with int16 activations, int8 weights): bias, requantization and clamp of one accumulator, the way
// TensorFlow Lite Micro's reference_integer_ops 16x8 kernels do it. Their accumulator type follows
// the bias type:
//   - int64 bias, or none: an int64 accumulator, + bias, MultiplyByQuantizedMultiplier on int64
//     (tm_mul_by_quantized_mul_s64: 15-bit multiplier, one rounding);
//   - int32 bias (CONV_2D, FULLY_CONNECTED): an int32 accumulator (the sum wraps as int32), + bias,
//     the int8 ops' MultiplyByQuantizedMultiplier (double rounding).
// The kernels sum the products exactly in int64 (at most 2^22 each, so no overflow for any tensor
// fewer than 2^31 elements); truncating that sum to int32 gives the int32 accumulator's wrapped
// value, since two's-complement addition is addition modulo 2^32.
// No zero points: 16x8 activations are symmetric (prepare checks it).
#ifndef TM_REQUANTIZE_S16_H
#define TM_REQUANTIZE_S16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tm_quant.h"

// The bias of a 16x8 kernel: at most one of the two is set (both NULL: no bias, int64 accumulator).
typedef struct {
    const int64_t *b64;
    const int32_t *b32;
} tm_bias_s16;

// Output channel c's value for the exact sum of its products `acc`.
TM_ALWAYS_INLINE int16_t tm_requantize_s16(int64_t acc, const tm_bias_s16 *bias, int32_t c, int32_t multiplier,
    int32_t shift, int32_t act_min, int32_t act_max) {
    int32_t v;
    if (bias->b32 != NULL) {
        const int32_t acc32 = (int32_t)(uint32_t)((uint64_t)acc + (uint64_t)(int64_t)bias->b32[c]);
        v = tm_mul_by_quantized_mul(acc32, multiplier, shift);
    } else {
        if (bias->b64 != NULL) {
            // memcpy: the model keeps int64 data 4-byte aligned (what the loader checks), enough
            // for Cortex-M's two-word loads but not a C int64_t read.
            int64_t b;
            memcpy(&b, bias->b64 + c, sizeof b);
            acc = (int64_t)((uint64_t)acc + (uint64_t)b); // wraps as the reference's add
        }
        v = tm_mul_by_quantized_mul_s64(acc, multiplier, shift);
    }
    return (int16_t)tm_clamp_i32(v, act_min, act_max);
}

#endif
