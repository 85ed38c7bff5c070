// tinyml: what CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share around their inner loops:
// the output stage of one int32 accumulator (TFLM's order: + bias, per-channel multiply,
// + output offset, clamp to the activation range) and, for the two convolutions, the clipping of
// a filter window to the image.
#ifndef TM_REQUANTIZE_H
#define TM_REQUANTIZE_H

#include <stdint.h>

#include "tm_quant.h"

static inline int8_t tm_requantize_acc_s8(int32_t acc, int32_t bias, int32_t multiplier, int32_t shift,
    int32_t output_offset, int32_t act_min, int32_t act_max) {
    acc = tm_add_wrap(acc, bias);
    acc = tm_mul_by_quantized_mul(acc, multiplier, shift);
    acc = tm_add_wrap(acc, output_offset);
    return (int8_t)tm_clamp_i32(acc, act_min, act_max);
}

// First filter tap (0-based) whose position origin + tap * dilation is >= 0, and one past the last
// whose position is < size.
static inline void tm_clip_window(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
    int32_t *first, int32_t *end) {
    int32_t t0 = 0;
    if (origin < 0) {
        t0 = (-origin + dilation - 1) / dilation;
    }
    int32_t t1 = taps;
    // Last valid tap t: origin + t * dilation <= size - 1.
    if (origin + (taps - 1) * dilation > size - 1) {
        t1 = size - 1 - origin < 0 ? 0 : (size - 1 - origin) / dilation + 1;
    }
    *first = t0;
    *end = t1 > t0 ? t1 : t0;
}

#endif
