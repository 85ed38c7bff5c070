// tinyml op: SignalFilterBankSpectralSubtraction (TFLM signal/micro/kernels/
// filter_bank_spectral_subtraction.cc): subtracts a running noise estimate from each uint32
// channel. Output 0 is the signal, output 1 a copy of the noise estimate after this frame.
//
// State: the noise estimate (num_channels uint32) is the node's state (tm_model_state_alloc): in
// the model's persistent memory, carried over from one invoke to the next, 0 after prepare and
// back to 0 on tm_model_reset_state (Model.reset()), as TFLM's Prepare and Reset set it.
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalFilterBankSpectralSubtraction";

// The op's data: the kernel's parameters and where the noise estimate (the op's state) is.
typedef struct {
    tm_signal_spectral_subtraction p;
    uint32_t *noise;
} ss_data;

static size_t ss_persist_bytes(const tm_model *m, const tm_node *n) {
    return ((sizeof(ss_data) + 7u) & ~(size_t)7u)
           + tm_model_state_alloc_bytes(
               sizeof(uint32_t) * (size_t)tm_signal_option_or_0(m, n, "num_channels", 1, 32767, NAME));
}

static tm_status ss_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    tm_signal_spectral_subtraction p;
    int32_t v[6];
    static const char *const keys[6] = {"smoothing", "one_minus_smoothing", "alternate_smoothing",
        "alternate_one_minus_smoothing", "min_signal_remaining", "clamping"};
    if (tm_op_check_arity(n, 1, 1, 2, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "num_channels", 1, 32767, &p.num_channels, NAME, err) != TM_OK
        || tm_signal_option(&opts, "smoothing_bits", 0, 31, &p.smoothing_bits, NAME, err) != TM_OK
        || tm_signal_option(&opts, "spectral_subtraction_bits", 0, 63, &p.spectral_subtraction_bits, NAME, err)
               != TM_OK) {
        return err->status;
    }
    for (int i = 0; i < 6; ++i) {
        if (tm_flex_map_int32(&opts, keys[i], &v[i], NAME, err) != TM_OK) {
            return err->status;
        }
    }
    // TFLM stores these in uint32 (clamping in a bool): the same conversions.
    p.smoothing = (uint32_t)v[0];
    p.one_minus_smoothing = (uint32_t)v[1];
    p.alternate_smoothing = (uint32_t)v[2];
    p.alternate_one_minus_smoothing = (uint32_t)v[3];
    p.min_signal_remaining = (uint32_t)v[4];
    p.clamping = v[5] != 0;
    const tm_tensor *input = tm_input(m, n, 0);
    const char *what[3] = {"input", "output", "output 1 (the noise estimate)"};
    const tm_tensor *t[3] = {input, tm_output(m, n, 0), tm_output(m, n, 1)};
    for (int i = 0; i < 3; ++i) {
        if (tm_signal_check_tensor(t[i], TM_UINT32, 1, NAME, what[i], err) != TM_OK
            || tm_signal_check_elements(t[i], p.num_channels, NAME, what[i], err) != TM_OK) {
            return err->status;
        }
    }
    ss_data d = {p, tm_model_state_alloc(m, sizeof(uint32_t) * (size_t)p.num_channels)};
    if (d.noise == NULL) {
        return tm_fail(err, TM_ERR_MODEL, "%s: persistent memory exhausted", NAME);
    }
    return tm_op_store_data(m, n, &d, sizeof d, NAME, err);
}

static void ss_eval(const tm_model *m, const tm_node *n) {
    const ss_data *d = (const ss_data *)n->data;
    const tm_signal_spectral_subtraction *p = &d->p;
    uint32_t *noise = d->noise;
    tm_signal_spectral_subtraction_run(
        p, (const uint32_t *)tm_input(m, n, 0)->data, (uint32_t *)tm_output(m, n, 0)->data, noise);
    memcpy(tm_output(m, n, 1)->data, noise, sizeof(uint32_t) * (size_t)p->num_channels);
}

const tm_op tm_op_signal_filter_bank_spectral_subtraction = {
    "SignalFilterBankSpectralSubtraction",
    TM_BUILTIN_CUSTOM,
    1,
    ss_persist_bytes,
    ss_prepare,
    ss_eval,
};
