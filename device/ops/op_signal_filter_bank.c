// tinyml op: SignalFilterBank (TFLM signal/micro/kernels/filter_bank.cc): a mel filter bank over
// uint32 energies, uint64 sums per channel. Inputs: energies, weights, unweights (int16),
// channel frequency starts, channel weight starts, channel widths (int16, num_channels + 1 each).
// The three index tensors must be constant: they are checked against the other tensors' sizes at
// prepare and copied into the node data, so eval never takes an index from a buffer a program can
// rewrite.
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalFilterBank";

typedef struct {
    int32_t num_channels;
} filter_bank_data; // followed by freq_start, weight_start, width: num_channels + 1 int16 each

static size_t header_bytes(void) {
    return (sizeof(filter_bank_data) + 7u) & ~(size_t)7u;
}

static size_t filter_bank_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    return header_bytes()
           + 3u * sizeof(int16_t) * (size_t)(tm_signal_option_or_0(m, n, "num_channels", 1, 32767, NAME) + 1);
}

static tm_status filter_bank_prepare(tm_model *m, tm_node *n, tm_error *err) {
    static const char *const what[6] = {
        "input", "weights", "unweights", "channel frequency starts", "channel weight starts", "channel widths"};
    tm_flex_map opts;
    int32_t channels;
    if (tm_op_check_arity(n, 6, 6, 1, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "num_channels", 1, 32767, &channels, NAME, err) != TM_OK) {
        return err->status;
    }
    for (int i = 0; i < 6; ++i) {
        if (tm_signal_check_tensor(tm_input(m, n, i), i ? TM_INT16 : TM_UINT32, 1, NAME, what[i], err) != TM_OK) {
            return err->status;
        }
    }
    for (int i = 3; i < 6; ++i) {
        if (!tm_input(m, n, i)->is_const) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s must be constant", NAME, what[i]);
        }
        if (tm_tensor_elements(tm_input(m, n, i)) < channels + 1) {
            return tm_fail(err, TM_ERR_MODEL, "%s: %s has %d values for %d channels (needs channels + 1)", NAME,
                what[i], (int)tm_tensor_elements(tm_input(m, n, i)), (int)channels);
        }
    }
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(output, TM_UINT64, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(output, channels, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    const int32_t n_in = tm_tensor_elements(tm_input(m, n, 0));
    const int32_t n_weights = tm_tensor_elements(tm_input(m, n, 1));
    if (tm_tensor_elements(tm_input(m, n, 2)) != n_weights) {
        return tm_fail(err, TM_ERR_MODEL, "%s: weights and unweights differ in size", NAME);
    }
    uint8_t *data = (uint8_t *)tm_op_alloc_data(m, filter_bank_persist_bytes(m, n), NAME, err);
    if (data == NULL) {
        return err->status;
    }
    ((filter_bank_data *)data)->num_channels = channels;
    int16_t *copy = (int16_t *)(data + header_bytes());
    for (int i = 0; i < 3; ++i) {
        const int16_t *src = (const int16_t *)tm_input(m, n, 3 + i)->data;
        for (int32_t c = 0; c <= channels; ++c) {
            copy[i * (channels + 1) + c] = src[c];
        }
    }
    const int16_t *freq = copy, *wstart = copy + channels + 1, *width = copy + 2 * (channels + 1);
    for (int32_t c = 0; c <= channels; ++c) {
        if (freq[c] < 0 || width[c] < 0 || wstart[c] < 0 || freq[c] + width[c] > n_in
            || wstart[c] + width[c] > n_weights) {
            return tm_fail(err, TM_ERR_MODEL, "%s: channel %d reads past the input or the weights", NAME, (int)c);
        }
    }
    n->data = data;
    return TM_OK;
}

static void filter_bank_eval(const tm_model *m, const tm_node *n) {
    const filter_bank_data *d = (const filter_bank_data *)n->data;
    const int16_t *copy = (const int16_t *)((const uint8_t *)n->data + header_bytes());
    tm_signal_filter_bank fb;
    fb.num_channels = d->num_channels;
    fb.weights = (const int16_t *)tm_input(m, n, 1)->data;
    fb.unweights = (const int16_t *)tm_input(m, n, 2)->data;
    fb.freq_start = copy;
    fb.weight_start = copy + d->num_channels + 1;
    fb.width = copy + 2 * (d->num_channels + 1);
    tm_signal_filter_bank_run(&fb, (const uint32_t *)tm_input(m, n, 0)->data, (uint64_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_filter_bank = {
    "SignalFilterBank",
    TM_BUILTIN_CUSTOM,
    1,
    filter_bank_persist_bytes,
    filter_bank_prepare,
    filter_bank_eval,
};
