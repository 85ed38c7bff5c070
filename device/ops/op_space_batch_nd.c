// tinyml ops: SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (TFLM space_to_batch_nd.cc /
// batch_to_space_nd.cc with reference_ops::SpaceToBatchND / BatchToSpaceND), as a converter writes
// them around a dilated Conv1D / Conv2D: 3-D (NHC, read as NH1C) or 4-D NHWC float32 or int8 (TFLM's
// types), a constant int32 block_shape of one value per spatial axis and constant int32
// paddings / crops of shape [spatial axes, 2].
// TFLM's prepare checks only the ranks (3 or 4) and the types, and its eval reads block_shape and
// paddings / crops at every inference without a check. Here they must be constants, block >= 1,
// paddings / crops >= 0, and the output shape the one they give:
//   SPACE_TO_BATCH_ND  out = [B * bh * bw, (H + top + bottom) / bh, (W + left + right) / bw, C]
//                      (the padded sizes multiples of the block)
//   BATCH_TO_SPACE_ND  out = [B / (bh * bw), H * bh - top - bottom, W * bw - left - right, C]
// The block offsets s = sh * bw + sw (bh * bw of them) each move one box of whole pixels: prepare
// computes, per offset, one 4-D strided copy (kernels/strided_copy.c) over (batch, rows, columns,
// depth) that lands inside both tensors; eval runs them.
// Padding (SPACE_TO_BATCH_ND): TFLM fills the padded pixels with the byte of
// SpaceToBatchParams.output_offset, which its prepare never sets: whatever its persistent buffer
// held (0 in a fresh interpreter, leftovers of earlier models otherwise), so TFLM has no defined
// value to be bit-exact with. Here the padding is a real 0 as in TensorFlow Lite's kernel
// (space_to_batch_nd.cc: output_offset = the output's zero point): 0.0 in float32, the zero point
// in int8; eval fills the output with it before the copies. Tests compare the padded models with
// TensorFlow Lite and the unpadded ones with TFLM.
#include <stdint.h>
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "strided_copy.h"

typedef struct {
    int32_t in_start;
    int32_t out_start;
    int32_t rows;
    int32_t cols;
} space_batch_box;

typedef struct {
    tm_strided_copy_params copy; // counts (batch, -, -, depth), steps; rows / cols per box
    int32_t boxes;               // bh * bw
    int32_t pad;                 // SPACE_TO_BATCH_ND: the padding byte, written first; -1: none
    space_batch_box box[];       // one per block offset
} space_batch_data;

// The ratio of the larger batch to the smaller (the number of block offsets if the model is
// valid: prepare checks it), from the static shapes alone.
static int32_t offset_count(const tm_model *m, const tm_node *n, int to_batch) {
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (input == NULL || output == NULL || input->ndim < 1 || output->ndim < 1) {
        return 0;
    }
    const int32_t small = to_batch ? input->dims[0] : output->dims[0];
    const int32_t big = to_batch ? output->dims[0] : input->dims[0];
    return small > 0 ? big / small : 0;
}

static size_t space_batch_bytes(int32_t boxes) {
    return sizeof(space_batch_data) + (size_t)boxes * sizeof(space_batch_box);
}

// ceil(a / b) for b > 0.
static int64_t ceil_div(int64_t a, int64_t b) {
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// A step of the space side that does not fit in int32 is never taken: every box's rows (columns)
// lie inside the space image, so such an axis has at most one row (column) in any box.
static int32_t space_step_of(int64_t step) {
    return step > INT32_MAX ? 0 : (int32_t)step;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static tm_status space_batch_prepare(tm_model *m, tm_node *n, int to_batch, const char *op, tm_error *err) {
    const char *what = to_batch ? "paddings" : "crops";
    if (tm_op_check_arity(n, 3, 3, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *block = tm_input(m, n, 1);
    const tm_tensor *pads = tm_input(m, n, 2);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_type_in(input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_FLOAT32), op, "input", err) != TM_OK
        || tm_op_check_same_type(input, output, op, err) != TM_OK
        || tm_op_check_const_ints(block, 0, op, "block_shape", err) != TM_OK
        || tm_op_check_const_ints(pads, 0, op, what, err) != TM_OK) {
        return err->status;
    }
    if (to_batch && input->type == TM_INT8 && tm_op_check_quantized(output, TM_INT8, op, "output", err) != TM_OK) {
        return err->status; // its zero point is the padding
    }
    const int rank = input->ndim;
    if (rank < 3 || rank > 4 || output->ndim != rank) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %d-D input, %d-D output (both 3-D or both 4-D)", op, rank, (int)output->ndim);
    }
    const int spatial = rank - 2;
    if (block->ndim != 1 || block->dims[0] != spatial) {
        return tm_fail(err, TM_ERR_MODEL, "%s: block_shape should be a vector of %d values", op, spatial);
    }
    if (pads->ndim != 2 || pads->dims[0] != spatial || pads->dims[1] != 2) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s should be of shape [%d, 2]", op, what, spatial);
    }
    // NHWC, a 3-D NHC tensor read with W = 1 (block 1, no padding along it).
    int64_t bl[2] = {1, 1}, before[2] = {0, 0}, after[2] = {0, 0};
    for (int i = 0; i < spatial; ++i) {
        bl[i] = tm_op_const_int(block, i);
        before[i] = tm_op_const_int(pads, 2 * i);
        after[i] = tm_op_const_int(pads, 2 * i + 1);
        if (bl[i] < 1) {
            return tm_fail(err, TM_ERR_MODEL, "%s: block_shape[%d] is %d (must be >= 1)", op, i, (int)bl[i]);
        }
        if (before[i] < 0 || after[i] < 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: negative %s at spatial axis %d", op, what, i);
        }
    }
    const int64_t in_dim[4] = {input->dims[0], input->dims[1], rank == 4 ? input->dims[2] : 1, input->dims[rank - 1]};
    const int64_t out_dim[4] = {
        output->dims[0], output->dims[1], rank == 4 ? output->dims[2] : 1, output->dims[rank - 1]};
    const int64_t boxes = bl[0] * bl[1];
    // The converter's dynamic-batch models (batch -1 in shape_signature) store batch 1 in every
    // shape, also where the block multiplies it: TFLM then computes the wrong pixels.
    const char *hint = boxes > 1 && in_dim[0] == out_dim[0]
                           ? " (dynamic batch? convert with a fixed batch of 1: a dilated convolution then)"
                           : "";
    int64_t want[4];
    want[3] = in_dim[3];
    if (to_batch) {
        want[0] = in_dim[0] * boxes;
        for (int i = 0; i < 2; ++i) {
            const int64_t padded = in_dim[1 + i] + before[i] + after[i];
            if (padded % bl[i] != 0) {
                return tm_fail(err, TM_ERR_MODEL,
                    "%s: padded size %q at spatial axis %d is not a multiple of the block %d", op, (uint64_t)padded, i,
                    (int)bl[i]);
            }
            want[1 + i] = padded / bl[i];
        }
    } else {
        if (in_dim[0] % boxes != 0) {
            return tm_fail(err, TM_ERR_MODEL, "%s: input batch %d is not a multiple of the block size %q%s", op,
                (int)in_dim[0], (uint64_t)boxes, hint);
        }
        want[0] = in_dim[0] / boxes;
        for (int i = 0; i < 2; ++i) {
            want[1 + i] = in_dim[1 + i] * bl[i] - before[i] - after[i];
            if (want[1 + i] < 0) {
                return tm_fail(err, TM_ERR_MODEL, "%s: crops at spatial axis %d exceed the size", op, i);
            }
        }
    }
    for (int d = 0; d < 4; ++d) {
        if (out_dim[d] != want[d]) {
            return tm_fail(err, TM_ERR_MODEL,
                "%s: output shape does not match block_shape and %s (dimension %d is %d, expected %q)%s", op, what, d,
                (int)out_dim[d], (uint64_t)want[d], d == 0 ? hint : "");
        }
    }
    if (boxes != offset_count(m, n, to_batch)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: batch of 0", op);
    }
    space_batch_data *data = tm_op_alloc_data(m, space_batch_bytes((int32_t)boxes), op, err);
    if (data == NULL) {
        return err->status;
    }
    // The batch side (many images) and the space side (one image per offset): steps of each.
    const int64_t *space = to_batch ? in_dim : out_dim;
    const int64_t *batch = to_batch ? out_dim : in_dim;
    const int32_t depth = (int32_t)in_dim[3];
    const int32_t space_row = (int32_t)(space[2] * depth), batch_row = (int32_t)(batch[2] * depth);
    const int32_t space_image = (int32_t)(space[1] * space_row);
    const int32_t batch_image = (int32_t)(batch[1] * batch_row);
    const int32_t images = (int32_t)space[0];
    // The space side steps by the block along H and W, the batch side by one pixel.
    const int32_t space_step[4] = {space_image, space_step_of(bl[0] * space_row), space_step_of(bl[1] * depth), 1};
    const int32_t batch_step[4] = {batch_image, batch_row, depth, 1};
    tm_strided_copy_params *p = &data->copy;
    p->ndim = 4;
    p->count[0] = images;
    p->count[3] = depth;
    p->elem_size = (int32_t)tm_type_size(input->type);
    for (int d = 0; d < 4; ++d) {
        p->in_step[d] = to_batch ? space_step[d] : batch_step[d];
        p->out_step[d] = to_batch ? batch_step[d] : space_step[d];
    }
    data->boxes = (int32_t)boxes;
    // The padding byte: the int8 zero point (its two's complement byte), float32 0.0 is all zero bytes.
    data->pad = !to_batch ? -1 : (input->type == TM_INT8 ? (int32_t)(uint8_t)(int8_t)output->zero_point : 0);
    for (int64_t s = 0; s < boxes; ++s) {
        // Pixel (y, x) of the batch image of offset s is pixel (y * bh + sh - top, x * bw + sw - left)
        // of the space image: the y (x) whose space pixel lies inside the space image.
        const int64_t shift[2] = {s / bl[1], s % bl[1]};
        int64_t first[2], count[2];
        for (int i = 0; i < 2; ++i) {
            const int64_t lo = ceil_div(before[i] - shift[i], bl[i]);
            const int64_t hi = ceil_div(space[1 + i] + before[i] - shift[i], bl[i]);
            first[i] = clamp64(lo, 0, batch[1 + i]);
            count[i] = clamp64(hi, 0, batch[1 + i]) - first[i];
            if (count[i] < 0) {
                count[i] = 0;
            }
        }
        space_batch_box *b = &data->box[s];
        b->rows = (int32_t)count[0];
        b->cols = (int32_t)count[1];
        int64_t space_at = 0, batch_at = s * images * (int64_t)batch_image;
        if (b->rows > 0 && b->cols > 0) {
            space_at = (first[0] * bl[0] + shift[0] - before[0]) * space_row
                       + (first[1] * bl[1] + shift[1] - before[1]) * depth;
            batch_at += first[0] * batch_row + first[1] * depth;
        }
        b->in_start = (int32_t)(to_batch ? space_at : batch_at);
        b->out_start = (int32_t)(to_batch ? batch_at : space_at);
    }
    n->data = data;
    return TM_OK;
}

static size_t space_to_batch_persist_bytes(const tm_model *m, const tm_node *n) {
    return space_batch_bytes(offset_count(m, n, 1));
}

static size_t batch_to_space_persist_bytes(const tm_model *m, const tm_node *n) {
    return space_batch_bytes(offset_count(m, n, 0));
}

static tm_status space_to_batch_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return space_batch_prepare(m, n, 1, "SPACE_TO_BATCH_ND", err);
}

static tm_status batch_to_space_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return space_batch_prepare(m, n, 0, "BATCH_TO_SPACE_ND", err);
}

static void space_batch_eval(const tm_model *m, const tm_node *n) {
    const space_batch_data *d = (const space_batch_data *)n->data;
    const tm_tensor *output = tm_output(m, n, 0);
    const void *in = tm_input(m, n, 0)->data;
    if (d->pad >= 0) {
        memset(output->data, d->pad, output->bytes);
    }
    tm_strided_copy_params p = d->copy;
    for (int32_t s = 0; s < d->boxes; ++s) {
        const space_batch_box *b = &d->box[s];
        p.count[1] = b->rows;
        p.count[2] = b->cols;
        p.in_start = b->in_start;
        p.out_start = b->out_start;
        tm_strided_copy(&p, in, output->data);
    }
}

// Version 1 float32, 2 int8, 3 3-D input, 4 int16 (refused by the type check; TFLM too).
const tm_op tm_op_space_to_batch_nd = {
    "SPACE_TO_BATCH_ND",
    TM_BUILTIN_SPACE_TO_BATCH_ND,
    4,
    space_to_batch_persist_bytes,
    space_to_batch_prepare,
    space_batch_eval,
};

const tm_op tm_op_batch_to_space_nd = {
    "BATCH_TO_SPACE_ND",
    TM_BUILTIN_BATCH_TO_SPACE_ND,
    4,
    batch_to_space_persist_bytes,
    batch_to_space_prepare,
    space_batch_eval,
};
