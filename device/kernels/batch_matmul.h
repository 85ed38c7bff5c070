// tinyml kernel: int8 BATCH_MATMUL, bit-exact with TFLM's reference_ops::BatchMatMul<int8_t,
// int32_t>: for every (broadcast) batch, out[i][j] = sum_k (lhs'[i][k] - lhs_zp) *
// (rhs'[k][j] - rhs_zp) in int32 (wrapping), then TFLM's output stage (one multiplier, + output
// zero point, clamp to int8). lhs' and rhs' are the operands, transposed in place (by the
// strides) when adj_x / adj_y are set; TFLM copies them transposed, which adds in the same order.
#ifndef TM_KERNEL_BATCH_MATMUL_H
#define TM_KERNEL_BATCH_MATMUL_H

#include <stdint.h>

#include "requantize.h"

#define TM_BATCH_MATMUL_BATCH_DIMS 3 // operands of up to 5 dimensions

typedef struct {
    int32_t batch[TM_BATCH_MATMUL_BATCH_DIMS];            // output batch dimensions (1-padded in front)
    int32_t lhs_batch_stride[TM_BATCH_MATMUL_BATCH_DIMS]; // elements; 0 where lhs broadcasts
    int32_t rhs_batch_stride[TM_BATCH_MATMUL_BATCH_DIMS];
    int32_t rows;                         // M: output rows
    int32_t cols;                         // N: output columns
    int32_t depth;                        // K: the summed dimension
    int32_t lhs_row_stride, lhs_k_stride; // lhs'[i][k] = lhs[i * row_stride + k * k_stride]
    int32_t rhs_k_stride, rhs_col_stride; // rhs'[k][j] = rhs[k * k_stride + j * col_stride]
    int32_t lhs_offset;                   // -lhs zero point
    int32_t rhs_offset;                   // -rhs zero point
    int32_t output_offset;
    tm_rq rq; // multiplier and shift (bias 0)
} tm_batch_matmul_params;

void tm_batch_matmul_s8(const tm_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *out);

#endif
