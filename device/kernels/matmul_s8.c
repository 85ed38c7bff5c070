// tinyml kernel: the output stages of the int8 matrix product (see matmul_s8.h); the product
// itself is per target (tm_prim.h: prim_<target>.c).
#include "matmul_s8.h"

#include <stddef.h>

#include "requantize.h"
#include "tm_prim.h"

void tm_mm_prepare(const int8_t *w, int32_t depth, int32_t channels, const int32_t *bias, int32_t input_offset,
    const int32_t *multiplier, const int8_t *shift, int32_t quant_step, tm_rq *rq) {
    for (int32_t c = 0; c < channels; ++c) {
        const int32_t sum = tm_sum_s8(w + c * depth, depth); // the target's (tm_prim.h)
        tm_rq_make(tm_add_wrap(bias != NULL ? bias[c] : 0, sum * input_offset), multiplier[c * quant_step],
            shift[c * quant_step], &rq[c]);
    }
}
