// tinyml: user data <-> quantized tensors. See tm_io.h.
#include "tm_io.h"

#include "tm_quant.h"

int32_t tm_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
    float r = tm_roundf(x / scale);
    if (!(r == r)) {
        return tm_clamp_i32(zero_point, qmin, qmax);
    }
    // Clamp in float first so the int conversion is defined for huge values.
    if (r > 2147483520.0f) {
        r = 2147483520.0f;
    } else if (r < -2147483520.0f) {
        r = -2147483520.0f;
    }
    int64_t q = (int64_t)(int32_t)r + zero_point;
    return q < qmin ? qmin : (q > qmax ? qmax : (int32_t)q);
}

float tm_dequantize_value(int32_t q, float scale, int32_t zero_point) {
    // As TFLM's reference Dequantize: the scale is widened to double before the product. The
    // difference is taken in 64 bits: a corrupt zero point near INT32_MIN must not overflow.
    return (float)((double)scale * (double)((int64_t)q - zero_point));
}
