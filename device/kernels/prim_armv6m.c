// tinyml kernels: the primitives of the ARMv6-M target (Cortex-M0/M0+; tm_prim.h, tm_target.h).
//
// Matrix product: one row x four channels (8 low registers: four accumulators, four weight
// streams... are all the core has), then single channels. The dot product with the input offset
// is the portable one.
#include "tm_prim.h"
#include "prim_mm_blocks.h"

#if TM_TARGET_IS(ARMV6M)

void tm_mm_s8(const int8_t *x, int32_t x_stride, int32_t rows, const int8_t *w, int32_t depth,
    int32_t channels, const tm_mm_out *o, int8_t *out, int32_t out_stride) {
    tm_mm_rows_1x4(x, x_stride, rows, w, depth, channels, o, out, out_stride);
}

#endif
