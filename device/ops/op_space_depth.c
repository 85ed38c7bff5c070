// tinyml ops: SPACE_TO_DEPTH and DEPTH_TO_SPACE (TFLM space_to_depth.cc / depth_to_space.cc with
// reference_ops::SpaceToDepth / DepthToSpace): 4-D NHWC float32 or int8 (TFLM's types), a
// block_size from the options. TFLM's prepare checks the rank, the types, that the block divides
// the height and width (SPACE_TO_DEPTH) or the depth by block_size^2 (DEPTH_TO_SPACE), and writes
// the output shape; here the model's output shape must be that shape and block_size >= 1 (TFLM
// divides by it). Both are pure data movement: prepare turns the op into one 6-D strided copy
// (kernels/strided_copy.c) that walks the output in order:
//   SPACE_TO_DEPTH  out[b][oh][ow][(hb * bs + wb) * C + c] = in[b][oh * bs + hb][ow * bs + wb][c]
//                   loop (b, oh, ow, hb, wb, c)
//   DEPTH_TO_SPACE  out[b][ih * bs + hb][iw * bs + wb][c] = in[b][ih][iw][(hb * bs + wb) * C + c]
//                   loop (b, ih, hb, iw, wb, c), C the output depth (TFLM's DCR order).
#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"
#include "strided_copy.h"

// SpaceToDepthOptions / DepthToSpaceOptions field index (schema.fbs).
enum { SD_OPT_BLOCK_SIZE = 0 };

static tm_status space_depth_prepare(tm_model *m, tm_node *n, int to_depth, const char *op, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, op, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_type_in(input, TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_FLOAT32), op, "input", err) != TM_OK
        || tm_op_check_same_type(input, output, op, err) != TM_OK) {
        return err->status;
    }
    if (input->ndim != 4 || output->ndim != 4) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d-D input, %d-D output (both must be 4-D)", op, (int)input->ndim,
            (int)output->ndim);
    }
    const int32_t bs = tm_fb_i32(tm_node_options(m, n), SD_OPT_BLOCK_SIZE, 0);
    if (!tm_fb_ok(&m->fb)) {
        return tm_fail(err, TM_ERR_MODEL, "%s: corrupt options", op);
    }
    if (bs < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: block_size %d (must be >= 1)", op, (int)bs);
    }
    const int32_t b = input->dims[0], h = input->dims[1], w = input->dims[2], c = input->dims[3];
    const int64_t bs2 = (int64_t)bs * bs;
    int64_t want[4];
    if (to_depth) {
        if (h % bs != 0 || w % bs != 0) {
            return tm_fail(
                err, TM_ERR_MODEL, "%s: block_size %d does not divide the input's %dx%d", op, (int)bs, (int)h, (int)w);
        }
        want[0] = b;
        want[1] = h / bs;
        want[2] = w / bs;
        want[3] = c * bs2;
    } else {
        if (c % bs2 != 0) {
            return tm_fail(
                err, TM_ERR_MODEL, "%s: input depth %d is not a multiple of block_size^2 (%d^2)", op, (int)c, (int)bs);
        }
        want[0] = b;
        want[1] = (int64_t)h * bs;
        want[2] = (int64_t)w * bs;
        want[3] = c / bs2;
    }
    for (int d = 0; d < 4; ++d) {
        if (output->dims[d] != want[d]) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d is %d, expected %q", op, d, (int)output->dims[d],
                (uint64_t)want[d]);
        }
    }
    int32_t step[TM_MAX_DIMS];
    tm_strided_copy_params p;
    tm_op_strided_copy_init(&p, input, 6, step);
    // step: input's row-major steps (b, h, w, c) = (h*w*c, w*c, c, 1).
    if (to_depth) {
        const int32_t count[6] = {b, h / bs, w / bs, bs, bs, c};
        const int32_t in_step[6] = {step[0], bs * step[1], bs * c, step[1], c, 1};
        for (int d = 0; d < 6; ++d) {
            p.count[d] = count[d];
            p.in_step[d] = in_step[d];
        }
    } else {
        const int32_t oc = (int32_t)(c / bs2);
        const int32_t count[6] = {b, h, bs, w, bs, oc};
        const int32_t in_step[6] = {step[0], step[1], bs * oc, c, oc, 1};
        for (int d = 0; d < 6; ++d) {
            p.count[d] = count[d];
            p.in_step[d] = in_step[d];
        }
    }
    tm_strided_copy_contiguous_out(&p);
    return tm_op_store_data(m, n, &p, sizeof(p), op, err);
}

static tm_status space_to_depth_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return space_depth_prepare(m, n, 1, "SPACE_TO_DEPTH", err);
}

static tm_status depth_to_space_prepare(tm_model *m, tm_node *n, tm_error *err) {
    return space_depth_prepare(m, n, 0, "DEPTH_TO_SPACE", err);
}

// Version 1 float32, 2 int8 (SPACE_TO_DEPTH 3 / DEPTH_TO_SPACE 3: int16, which TFLM refuses; the
// type check does too).
const tm_op tm_op_space_to_depth = {
    "SPACE_TO_DEPTH",
    TM_BUILTIN_SPACE_TO_DEPTH,
    2,
    tm_op_strided_copy_persist_bytes,
    space_to_depth_prepare,
    tm_op_strided_copy_eval,
};

const tm_op tm_op_depth_to_space = {
    "DEPTH_TO_SPACE",
    TM_BUILTIN_DEPTH_TO_SPACE,
    2,
    tm_op_strided_copy_persist_bytes,
    depth_to_space_prepare,
    tm_op_strided_copy_eval,
};
