// tinyml kernels: int16 ADD and SUB with broadcasting (TFLM's 16x8 mode), bit-exact with TFLM's
// reference_ops::AddElementwise / BroadcastAdd6DSlow and reference_ops::Sub / BroadcastQuantSubSlow
// for int16 (the general-scale path: add.cc passes pot_scale = false).
//
// The arithmetic is the int8 one (add.h) on int16 values with left_shift 15 instead of 20:
// offset, shift left, rescale both inputs to a common scale, add (or subtract), rescale to the
// output, offset, clamp to the fused activation range. Parameters: tm_add_params_init_shift(.., 15, ..).
#ifndef TM_KERNEL_ADD_SUB_S16_H
#define TM_KERNEL_ADD_SUB_S16_H

#include <stdint.h>

#include "add.h"
#include "broadcast.h"

void tm_add_s16(const tm_add_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out);
void tm_sub_s16(const tm_add_params *p, const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out);

#endif
