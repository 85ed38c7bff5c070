// tinyml op: TILE. TFLM has no TILE kernel; this follows TensorFlow Lite's (tile.cc: Prepare /
// ResizeOutput, Eval with Tile): the output is the input repeated multiples[d] times along each
// axis. Input 1- to 6-D int8, int32, int64, float32 or bool (TFLite's types but uint8 and string;
// pure data movement, nothing converted); multiples a constant int32 or int64 vector of one value >= 1 per input axis (TFLite
// also takes a computed one and resizes the output; shapes are static here); the output's shape
// must be input dims * multiples (TFLite writes it). Kernel: kernels/tile.c.
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "tile.h"

static const char *const NAME = "TILE";

static size_t tile_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_tile_params);
}

static tm_status tile_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *multiples = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    const int rank = input->ndim;
    if (tm_op_check_type_in(input,
            TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_INT32) | TM_TYPE_BIT(TM_INT64) | TM_TYPE_BIT(TM_FLOAT32)
                | TM_TYPE_BIT(TM_BOOL),
            NAME, "input", err)
            != TM_OK
        || tm_op_check_same_type(input, output, NAME, err) != TM_OK
        || tm_op_check_const_ints(multiples, 1, NAME, "multiples", err) != TM_OK) {
        return err->status;
    }
    if (rank < 1 || rank > TM_TILE_MAX_DIMS) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %d-D input (1-D to %d-D are supported)", NAME, rank, TM_TILE_MAX_DIMS);
    }
    if (multiples->ndim != 1 || multiples->dims[0] != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: multiples should be a vector of %d values", NAME, rank);
    }
    if (output->ndim != rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d-D output for a %d-D input", NAME, (int)output->ndim, rank);
    }
    tm_tile_params p;
    p.ndim = rank;
    p.elem_size = (int32_t)tm_type_size(input->type);
    tm_op_row_major_steps(input, p.in_step);
    for (int d = 0; d < rank; ++d) {
        const int64_t k = tm_op_const_int(multiples, d);
        if (k < 1) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: multiples[%d] is %d (must be >= 1)", NAME, d, (int)k);
        }
        if (input->dims[d] < 1 || output->dims[d] != input->dims[d] * k) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d is %d, expected %d x %d", NAME, d,
                (int)output->dims[d], (int)input->dims[d], (int)k);
        }
        p.in_dims[d] = input->dims[d];
        p.multiples[d] = (int32_t)k;
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void tile_eval(const tm_model *m, const tm_node *n) {
    tm_tile((const tm_tile_params *)n->data, tm_input(m, n, 0)->data, tm_output(m, n, 0)->data);
}

// Version 1 float32 / int32 / int64 / bool..., 2 int8, 3 string (refused by the type check).
const tm_op tm_op_tile = {
    "TILE",
    TM_BUILTIN_TILE,
    3,
    tile_persist_bytes,
    tile_prepare,
    tile_eval,
};
