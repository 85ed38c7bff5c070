// tinyml op: RESIZE_BILINEAR, int8 NHWC -> int8 (TFLM resize_bilinear.cc, integer path): 4-D
// input, a constant 1-D int32 size tensor of 2 elements; options align_corners and
// half_pixel_centers (not both). The quantization is not looked at (as in TFLM).
// The taps of every output row and column are computed here, at prepare, and kept after the
// params in node->data; the kernel is kernels/resize_bilinear.c.
#include <stdint.h>

#include "tm_ops.h"
#include "op_common.h"
#include "op_resize.h"
#include "resize_bilinear.h"

static const char *const NAME = "RESIZE_BILINEAR";

// ResizeBilinearOptions fields (0 and 1 are the deprecated new_height / new_width).
enum { OPT_ALIGN_CORNERS = 2, OPT_HALF_PIXEL_CENTERS = 3 };

static size_t resize_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_resize_persist_bytes(m, n, sizeof(tm_resize_bilinear_params), sizeof(tm_resize_bilinear_tap));
}

// One axis: its sizes must keep the 1/1024-step positions in int32, and every tap must read
// inside the input (TFLM's rounded scale can point past the last row when the output is more than
// 2048 times the input; TFLM reads out of bounds there).
static tm_status axis_taps(
    int32_t in, int32_t out, int align, int half, tm_resize_bilinear_tap *taps, const char *axis, tm_error *err) {
    if (in < 1 || out < 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: empty %s (input %d, output %d)", NAME, axis, (int)in, (int)out);
    }
    if ((int64_t)in * 1024 + out > INT32_MAX) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input %s %d is too large", NAME, axis, (int)in);
    }
    tm_resize_bilinear_axis(in, out, align, half, taps);
    for (int32_t i = 0; i < out; ++i) {
        if (taps[i].lo >= in) {
            return tm_fail(
                err, TM_ERR_UNSUPPORTED, "%s: output %s %d reads past the input's %d", NAME, axis, (int)i, (int)in);
        }
    }
    return TM_OK;
}

static tm_status resize_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_op_resize r;
    if (tm_op_resize_prepare(m, n, OPT_ALIGN_CORNERS, OPT_HALF_PIXEL_CENTERS, NAME, &r, err) != TM_OK) {
        return err->status;
    }
    const int align = r.align_corners;
    const int half = r.half_pixel_centers;
    if (align && half) {
        return tm_fail(err, TM_ERR_MODEL, "%s: align_corners and half_pixel_centers cannot both be set", NAME);
    }
    tm_resize_bilinear_params *p =
        (tm_resize_bilinear_params *)tm_op_alloc_data(m, resize_persist_bytes(m, n), NAME, err);
    if (p == NULL) {
        return err->status;
    }
    tm_resize_bilinear_tap *y = (tm_resize_bilinear_tap *)(p + 1);
    tm_resize_bilinear_tap *x = y + r.shape.out_h;
    p->shape = r.shape;
    if (axis_taps(p->shape.in_h, p->shape.out_h, align, half, y, "height", err) != TM_OK
        || axis_taps(p->shape.in_w, p->shape.out_w, align, half, x, "width", err) != TM_OK) {
        return err->status;
    }
    p->y = y;
    p->x = x;
    n->data = p;
    return TM_OK;
}

static void resize_eval(const tm_model *m, const tm_node *n) {
    tm_resize_bilinear_s8((const tm_resize_bilinear_params *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is int8, 3 adds half_pixel_centers (4 is int16).
const tm_op tm_op_resize_bilinear = {
    "RESIZE_BILINEAR",
    TM_BUILTIN_RESIZE_BILINEAR,
    3,
    resize_persist_bytes,
    resize_prepare,
    resize_eval,
};
