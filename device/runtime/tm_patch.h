// tinyml: patch-based inference (MCUNetV2). The activations of a CNN's first stages are its memory
// peak; a chain of nodes that each read one activation input by row windows (CONV_2D,
// DEPTHWISE_CONV_2D: tm_op.row_geom) can run band by band of its last node's output rows instead.
// Each band's input rows are found backwards through the chain (the receptive field: the halo rows
// two bands share are computed twice), each node writes only its band into a small buffer, and the
// last node writes its band into the whole output tensor. The chain's input stays whole (the model
// input is written by the user). Bit-exact by construction: each node computes the same output
// rows from the same input rows, with zero padding only at the image's real borders.
//
// The planner (tm_patch_choose, during parse) tries every chain through the node where the most
// bytes are live (the only ones that can lower the peak; every chain in TM_PATCH_ON mode) and a
// range of band heights, scores each
// by the lower bound of its plan, and keeps the best whose halo recompute costs at most
// TM_PATCH_MAX_EXTRA_PERCENT of the model's convolution MACs; in TM_PATCH_AUTO mode only when the
// real plan's arena is smaller than without patches, in TM_PATCH_ON mode whenever a chain exists. Models of more than TM_PLAN_ONE_ORDERING
// tensors are not searched (the search is O(nodes x tensors)).
#ifndef TM_PATCH_H
#define TM_PATCH_H

#include "tm_model.h"
#include "tm_planner.h"

#ifndef TM_PATCH_MAX_EXTRA_PERCENT
#define TM_PATCH_MAX_EXTRA_PERCENT 15
#endif
// Chains x band heights scored at most (each a lower-bound sweep over the tensors): bounds the load time.
#define TM_PATCH_MAX_CANDIDATES 2048

// Chooses m->patch and plans the arena (plan: the n buffers of compute_lifetimes, every tensor then
// every node's kernel scratch, already planned by tm_plan, whose result is `arena`; scratch:
// TM_PLAN_SCRATCH(n) entries). Returns the arena bytes of the plan kept in `plan`.
uint64_t tm_patch_choose(tm_model *m, tm_plan_buffer *plan, int n, uint16_t *scratch, uint64_t arena);

// Persistent memory tm_patch_prepare takes (parse adds it to persist_bytes).
size_t tm_patch_persist_bytes(const tm_model *m);

// At the end of prepare: the chain's geometry read again (the options, as the ops' prepare reads
// them) into persistent memory, and checked against what parse planned with.
tm_status tm_patch_prepare(tm_model *m, tm_error *err);

// Bytes the arena holds for tensor t when it is one of the chain's intermediate tensors (a buffer
// of its largest band: fewer than t's bytes, which never exist whole), 0 for any other tensor.
// After prepare.
size_t tm_patch_band_bytes(const tm_model *m, int32_t t);

// Runs the chain m->patch (invoke calls it at node m->patch.first). With prof non-NULL, each
// chain node's time is the sum of its bands' (prof->times[node]).
void tm_patch_run(const tm_model *m, const tm_profile *prof);

#endif
