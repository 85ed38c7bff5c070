// tinyml kernel: int8 BATCH_MATMUL, see batch_matmul.h.
#include "batch_matmul.h"

#include <stddef.h>

#include "tm_quant.h"

// One matrix product of the batch.
static void matmul(const tm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *out) {
    for (int32_t i = 0; i < p->rows; ++i) {
        const int8_t *lhs_row = lhs + (ptrdiff_t)i * p->lhs_row_stride;
        for (int32_t j = 0; j < p->cols; ++j) {
            const int8_t *rhs_col = rhs + (ptrdiff_t)j * p->rhs_col_stride;
            int32_t acc = 0;
            for (int32_t k = 0; k < p->depth; ++k) {
                const int32_t l = (int32_t)lhs_row[(ptrdiff_t)k * p->lhs_k_stride] + p->lhs_offset;
                const int32_t r = (int32_t)rhs_col[(ptrdiff_t)k * p->rhs_k_stride] + p->rhs_offset;
                acc = tm_add_wrap(acc, l * r);
            }
            *out++ = tm_rq_apply_s8(acc, &p->rq, p->output_offset, INT8_MIN, INT8_MAX);
        }
    }
}

void tm_batch_matmul_s8(const tm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *out) {
    const size_t out_matrix = (size_t)p->rows * (size_t)p->cols;
    for (int32_t b0 = 0; b0 < p->batch[0]; ++b0) {
        for (int32_t b1 = 0; b1 < p->batch[1]; ++b1) {
            for (int32_t b2 = 0; b2 < p->batch[2]; ++b2) {
                const size_t l = (size_t)b0 * (size_t)p->lhs_batch_stride[0]
                                 + (size_t)b1 * (size_t)p->lhs_batch_stride[1]
                                 + (size_t)b2 * (size_t)p->lhs_batch_stride[2];
                const size_t r = (size_t)b0 * (size_t)p->rhs_batch_stride[0]
                                 + (size_t)b1 * (size_t)p->rhs_batch_stride[1]
                                 + (size_t)b2 * (size_t)p->rhs_batch_stride[2];
                matmul(p, lhs + l, rhs + r, out);
                out += out_matrix;
            }
        }
    }
}
