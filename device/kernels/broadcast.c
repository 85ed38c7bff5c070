// tinyml kernels: numpy-style broadcasting, see broadcast.h.
#include "broadcast.h"

// Dim i (0 = outermost) of a shape of rank n seen at rank `rank` (missing leading dims are 1).
static int32_t ext_dim(const int32_t *dims, int n, int rank, int i) {
    const int k = i - (rank - n);
    return k < 0 ? 1 : dims[k];
}

int tm_broadcast_init(
    tm_broadcast *bc, const int32_t *dims1, int n1, const int32_t *dims2, int n2, const int32_t *out_dims, int n_out) {
    if (n1 < 0 || n2 < 0 || n_out < 0 || n1 > TM_BROADCAST_MAX_DIMS || n2 > TM_BROADCAST_MAX_DIMS
        || n_out > TM_BROADCAST_MAX_DIMS) {
        return -1;
    }
    int rank = n1 > n2 ? n1 : n2;
    if (n_out > rank) {
        rank = n_out;
    }
    // Per merged dim: whether input 1 / input 2 runs along it (1) or is broadcast (0).
    uint8_t full1[TM_BROADCAST_MAX_DIMS];
    uint8_t full2[TM_BROADCAST_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < rank; ++i) {
        const int32_t a = ext_dim(dims1, n1, rank, i);
        const int32_t b = ext_dim(dims2, n2, rank, i);
        const int32_t o = ext_dim(out_dims, n_out, rank, i);
        int32_t expected;
        if (a == b || b == 1) {
            expected = a;
        } else if (a == 1) {
            expected = b;
        } else {
            return -1;
        }
        if (o != expected || o < 0) {
            return -1;
        }
        if (o == 1) {
            continue; // a == b == 1: contributes nothing
        }
        const uint8_t f1 = a == o;
        const uint8_t f2 = b == o;
        if (nd > 0 && full1[nd - 1] == f1 && full2[nd - 1] == f2) {
            bc->dims[nd - 1] *= o; // contiguous with the previous dim for both inputs
        } else {
            full1[nd] = f1;
            full2[nd] = f2;
            bc->dims[nd] = o;
            ++nd;
        }
    }
    if (nd == 0) {
        // Everything is 1: a single element.
        bc->ndim = 1;
        bc->dims[0] = 1;
        bc->stride1[0] = 1;
        bc->stride2[0] = 1;
        return 0;
    }
    int32_t s1 = 1;
    int32_t s2 = 1;
    for (int k = nd - 1; k >= 0; --k) {
        bc->stride1[k] = full1[k] ? s1 : 0;
        bc->stride2[k] = full2[k] ? s2 : 0;
        if (full1[k]) {
            s1 *= bc->dims[k];
        }
        if (full2[k]) {
            s2 *= bc->dims[k];
        }
    }
    bc->ndim = nd;
    return 0;
}

// A walk over the rows of the merged output (the innermost merged dim): each row's input offsets.
typedef struct {
    int32_t rows;  // product of the outer merged dims; 0 if the output is empty
    int32_t inner; // row length
    int32_t step1, step2;
    int32_t off1, off2;
    int32_t idx[TM_BROADCAST_MAX_DIMS];
} row_walk;

static void walk_start(const tm_broadcast *bc, row_walk *w) {
    const int nd = bc->ndim;
    w->inner = bc->dims[nd - 1];
    w->step1 = bc->stride1[nd - 1];
    w->step2 = bc->stride2[nd - 1];
    w->rows = 1;
    for (int k = 0; k < nd - 1; ++k) {
        w->rows *= bc->dims[k];
        w->idx[k] = 0;
    }
    if (w->inner == 0) {
        w->rows = 0;
    }
    w->off1 = 0;
    w->off2 = 0;
}

// Next row: increment the outer multi-index, innermost outer dim first.
static void walk_next(const tm_broadcast *bc, row_walk *w) {
    for (int k = bc->ndim - 2; k >= 0; --k) {
        w->off1 += bc->stride1[k];
        w->off2 += bc->stride2[k];
        if (++w->idx[k] < bc->dims[k]) {
            return;
        }
        w->idx[k] = 0;
        w->off1 -= bc->stride1[k] * bc->dims[k];
        w->off2 -= bc->stride2[k] * bc->dims[k];
    }
}

void tm_broadcast_run_s8(const tm_broadcast *bc, const int8_t *in1, const int8_t *in2, int8_t *out,
    tm_broadcast_row_fn row, const void *params) {
    row_walk w;
    for (walk_start(bc, &w); w.rows > 0; --w.rows, out += w.inner, walk_next(bc, &w)) {
        row(params, in1 + w.off1, w.step1, in2 + w.off2, w.step2, out, w.inner);
    }
}

void tm_broadcast_run_s16(const tm_broadcast *bc, const int16_t *in1, const int16_t *in2, int16_t *out,
    tm_broadcast_row_s16_fn row, const void *params) {
    row_walk w;
    for (walk_start(bc, &w); w.rows > 0; --w.rows, out += w.inner, walk_next(bc, &w)) {
        row(params, in1 + w.off1, w.step1, in2 + w.off2, w.step2, out, w.inner);
    }
}

void tm_broadcast_run_s32(const tm_broadcast *bc, const int32_t *in1, const int32_t *in2, int32_t *out,
    tm_broadcast_row_s32_fn row, const void *params) {
    row_walk w;
    for (walk_start(bc, &w); w.rows > 0; --w.rows, out += w.inner, walk_next(bc, &w)) {
        row(params, in1 + w.off1, w.step1, in2 + w.off2, w.step2, out, w.inner);
    }
}
