// tinyml: what the glue of TFLM's signal ops (op_signal_*.c: SignalWindow, SignalFftAutoScale,
// SignalRfft, SignalEnergy, SignalFilterBank, SignalFilterBankSquareRoot,
// SignalFilterBankSpectralSubtraction, SignalPCAN, SignalFilterBankLog) shares: their options map
// (a flexbuffer, read through runtime/tm_flexbuffer.h), option ranges, and tensor checks.
// They are CUSTOM ops: each row's name is the custom_code the model gives (tm_op_find_custom).
// TFLM checks little of this (an out-of-range shift or index is undefined behaviour there);
// everything a kernel relies on for memory safety or defined arithmetic is refused at prepare.
#ifndef TM_OP_SIGNAL_H
#define TM_OP_SIGNAL_H

#include <stdint.h>

#include "tm_model.h"
#include "tm_flexbuffer.h"

// The node's custom options as a map (TM_ERR_MODEL if absent or corrupt).
tm_status tm_signal_options(const tm_model *m, const tm_node *n, tm_flex_map *map, const char *op, tm_error *err);

// Integer option `key` (required) in [lo, hi]; TM_ERR_UNSUPPORTED outside.
tm_status tm_signal_option(
    const tm_flex_map *map, const char *key, int32_t lo, int32_t hi, int32_t *out, const char *op, tm_error *err);

// The same, read from the node's options in persist_bytes (before prepare): 0 when the options or
// the value are missing or out of range (prepare then reports why).
int32_t tm_signal_option_or_0(
    const tm_model *m, const tm_node *n, const char *key, int32_t lo, int32_t hi, const char *op);

// t has type `type` and, if ndim >= 0, that many dimensions.
tm_status tm_signal_check_tensor(
    const tm_tensor *t, int type, int ndim, const char *op, const char *what, tm_error *err);

// t has `count` elements.
tm_status tm_signal_check_elements(const tm_tensor *t, int32_t count, const char *op, const char *what, tm_error *err);

#endif
