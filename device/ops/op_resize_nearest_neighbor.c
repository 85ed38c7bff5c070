// tinyml op: RESIZE_NEAREST_NEIGHBOR, int8 NHWC -> int8 (TFLM resize_nearest_neighbor.cc:
// 4-D input, a constant 1-D int32 size tensor of 2 elements; options align_corners and
// half_pixel_centers). Bytes are copied, so the quantization is not looked at (as in TFLM).
// The source row and column of every output row and column are computed here, at prepare, and
// kept after the params in node->data; the kernel is kernels/resize_nearest_neighbor.c.
#include <stdint.h>

#include "tm_ops.h"
#include "op_common.h"
#include "op_resize.h"
#include "resize_nearest_neighbor.h"

static const char *const NAME = "RESIZE_NEAREST_NEIGHBOR";

// ResizeNearestNeighborOptions fields.
enum { OPT_ALIGN_CORNERS = 0, OPT_HALF_PIXEL_CENTERS = 1 };

static size_t resize_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_resize_persist_bytes(m, n, sizeof(tm_resize_nearest_params), sizeof(int32_t));
}

static tm_status resize_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_op_resize r;
    if (tm_op_resize_prepare(m, n, OPT_ALIGN_CORNERS, OPT_HALF_PIXEL_CENTERS, NAME, &r, err) != TM_OK) {
        return err->status;
    }
    const int align = r.align_corners;
    const int half = r.half_pixel_centers;
    tm_resize_nearest_params *p =
        (tm_resize_nearest_params *)tm_op_alloc_data(m, resize_persist_bytes(m, n), NAME, err);
    if (p == NULL) {
        return err->status;
    }
    int32_t *in_y = (int32_t *)(p + 1);
    int32_t *in_x = in_y + r.shape.out_h;
    p->shape = r.shape;
    for (int32_t y = 0; y < p->shape.out_h; ++y) {
        in_y[y] = tm_resize_nearest_index(y, p->shape.in_h, p->shape.out_h, align, half);
    }
    for (int32_t x = 0; x < p->shape.out_w; ++x) {
        in_x[x] = tm_resize_nearest_index(x, p->shape.in_w, p->shape.out_w, align, half);
    }
    p->in_y = in_y;
    p->in_x = in_x;
    n->data = p;
    return TM_OK;
}

static void resize_eval(const tm_model *m, const tm_node *n) {
    tm_resize_nearest_s8((const tm_resize_nearest_params *)n->data, (const int8_t *)tm_input(m, n, 0)->data,
        (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is int8, 3 adds half_pixel_centers (4 is int16).
const tm_op tm_op_resize_nearest_neighbor = {
    "RESIZE_NEAREST_NEIGHBOR",
    TM_BUILTIN_RESIZE_NEAREST_NEIGHBOR,
    3,
    resize_persist_bytes,
    resize_prepare,
    resize_eval,
};
