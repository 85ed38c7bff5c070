// tinyml op: BATCH_MATMUL, int8 x int8 -> int8 (TFLM batch_matmul.cc): operands of 2 to 5
// dimensions whose batch dimensions (all but the last two) broadcast, adj_x / adj_y transposing
// the last two dimensions of the left / right operand, the right one constant or not. Both
// operands and the output per-tensor quantized; the multiplier is TFLM's
// GetQuantizedConvolutionMultipler (the float product of the two input scales over the output
// scale). The strides of every batch and matrix are computed here; the kernel is
// kernels/batch_matmul.c.
#include "tm_ops.h"
#include "op_common.h"
#include "batch_matmul.h"

static const char *const NAME = "BATCH_MATMUL";

// BatchMatMulOptions fields.
enum { OPT_ADJ_X = 0, OPT_ADJ_Y = 1 };

enum { MAX_RANK = 2 + TM_BATCH_MATMUL_BATCH_DIMS };

static size_t batch_matmul_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_batch_matmul_params);
}

// The dims of t right-aligned into MAX_RANK entries, 1 in front.
static void extend(const tm_tensor *t, int32_t *dims) {
    for (int i = 0; i < MAX_RANK; ++i) {
        const int k = i - (MAX_RANK - (int)t->ndim);
        dims[i] = k >= 0 ? t->dims[k] : 1;
    }
}

static tm_status batch_matmul_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *lhs = tm_input(m, n, 0);
    const tm_tensor *rhs = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_quantized(lhs, TM_INT8, NAME, "left operand", err) != TM_OK
        || tm_op_check_quantized(rhs, TM_INT8, NAME, "right operand", err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (lhs->ndim < 2 || lhs->ndim > MAX_RANK || rhs->ndim < 2 || rhs->ndim > MAX_RANK) {
        return tm_fail(err, TM_ERR_MODEL, "%s: operands have %u and %u dimensions (2 to 5)", NAME, (unsigned)lhs->ndim,
            (unsigned)rhs->ndim);
    }
    const int adj_x = tm_fb_u8(tm_node_options(m, n), OPT_ADJ_X, 0) != 0;
    const int adj_y = tm_fb_u8(tm_node_options(m, n), OPT_ADJ_Y, 0) != 0;
    int32_t l[MAX_RANK], r[MAX_RANK], want[MAX_RANK];
    extend(lhs, l);
    extend(rhs, r);
    tm_batch_matmul_params p;
    // Batch dimensions: equal, or one of them 1 (broadcast, stride 0).
    int32_t l_stride = l[MAX_RANK - 2] * l[MAX_RANK - 1];
    int32_t r_stride = r[MAX_RANK - 2] * r[MAX_RANK - 1];
    for (int i = TM_BATCH_MATMUL_BATCH_DIMS - 1; i >= 0; --i) {
        if (l[i] != r[i] && l[i] != 1 && r[i] != 1) {
            return tm_fail(
                err, TM_ERR_MODEL, "%s: batch dimensions %d and %d do not broadcast", NAME, (int)l[i], (int)r[i]);
        }
        p.batch[i] = l[i] == 1 ? r[i] : l[i];
        p.lhs_batch_stride[i] = l[i] == 1 ? 0 : l_stride;
        p.rhs_batch_stride[i] = r[i] == 1 ? 0 : r_stride;
        l_stride *= l[i];
        r_stride *= r[i];
        want[i] = p.batch[i];
    }
    // lhs' is rows x depth, rhs' depth x cols.
    const int32_t l_rows = l[MAX_RANK - 2], l_cols = l[MAX_RANK - 1];
    const int32_t r_rows = r[MAX_RANK - 2], r_cols = r[MAX_RANK - 1];
    p.rows = adj_x ? l_cols : l_rows;
    p.depth = adj_x ? l_rows : l_cols;
    p.cols = adj_y ? r_rows : r_cols;
    const int32_t r_depth = adj_y ? r_cols : r_rows;
    if (p.depth != r_depth) {
        return tm_fail(err, TM_ERR_MODEL, "%s: the left operand's %d columns do not match the right's %d rows", NAME,
            (int)p.depth, (int)r_depth);
    }
    p.lhs_row_stride = adj_x ? 1 : l_cols;
    p.lhs_k_stride = adj_x ? l_cols : 1;
    p.rhs_k_stride = adj_y ? 1 : r_cols;
    p.rhs_col_stride = adj_y ? r_cols : 1;
    want[MAX_RANK - 2] = p.rows;
    want[MAX_RANK - 1] = p.cols;
    // The output: the broadcast batch dimensions of the longer operand's rank, rows, cols.
    const int out_rank = lhs->ndim > rhs->ndim ? lhs->ndim : rhs->ndim;
    int same = output->ndim == out_rank;
    for (int i = 0; same && i < out_rank; ++i) {
        same = output->dims[i] == want[MAX_RANK - out_rank + i];
    }
    if (!same) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output shape does not match the operands (%d x %d per batch)", NAME,
            (int)p.rows, (int)p.cols);
    }
    // GetQuantizedConvolutionMultipler: the product of the input scales in float, then double.
    const double product = (double)(lhs->scale * rhs->scale);
    int32_t multiplier, shift;
    if (tm_op_quantize_multiplier(product / (double)output->scale, &multiplier, &shift, NAME, err) != TM_OK) {
        return err->status;
    }
    tm_rq_make(0, multiplier, shift, &p.rq);
    p.lhs_offset = -lhs->zero_point;
    p.rhs_offset = -rhs->zero_point;
    p.output_offset = output->zero_point;
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void batch_matmul_eval(const tm_model *m, const tm_node *n) {
    tm_batch_matmul_s8((const tm_batch_matmul_params *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (const int8_t *)tm_input(m, n, 1)->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is int8 (1 float, 3 int16, 4 hybrid).
const tm_op tm_op_batch_matmul = {
    "BATCH_MATMUL",
    TM_BUILTIN_BATCH_MATMUL,
    2,
    batch_matmul_persist_bytes,
    batch_matmul_prepare,
    batch_matmul_eval,
};
