// tinyml kernels: interpolated int16 tables, see lut_s16.h.
#include "lut_s16.h"

#include "tm_quant.h"

void tm_lut_s16_generate(float (*f)(float), float in_min, float in_max, float out_min, float out_max, int16_t *lut) {
    const int steps = TM_LUT_S16_SIZE - 1;
    const float step = (in_max - in_min) / (float)steps;
    const float half_step = step / 2.0f;
    const float scaling = 65536.0f / (out_max - out_min);
    for (int i = 0; i < steps; ++i) {
        const float x = in_min + (float)i * step;
        const float y = f(x);
        const float y_mid = f(x + half_step);
        const float y_next = f(in_min + (float)(i + 1) * step);
        const float sample = tm_roundf(y * scaling);
        // The linear interpolation's error at the midpoint, half of it taken off the sample.
        const float interpolated = tm_roundf((y_next * scaling + sample) / 2.0f);
        const float error = interpolated - tm_roundf(y_mid * scaling);
        const float v = sample - tm_roundf(error / 2.0f);
        lut[i] = (int16_t)(v < -32768.0f ? -32768.0f : (v > 32767.0f ? 32767.0f : v));
    }
    const float last = tm_roundf(f(in_max) * scaling);
    lut[steps] = (int16_t)(last < -32768.0f ? -32768.0f : (last > 32767.0f ? 32767.0f : last));
}
