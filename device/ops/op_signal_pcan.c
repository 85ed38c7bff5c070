// tinyml op: SignalPCAN (TFLM signal/micro/kernels/pcan.cc): per-channel automatic gain control
// of the uint32 channels by their noise estimate (input 1) through an int16 gain table (input 2,
// at least 125 entries: the table reads up to 4 * 32 - 4), then TFLM's "shrink" curve.
// PCAN keeps no state of its own: the noise estimate it reads is the spectral subtraction's.
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalPCAN";
enum { GAIN_LUT_MIN = 125 };

typedef struct {
    int32_t snr_shift;
} pcan_data;

static size_t pcan_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(pcan_data);
}

static tm_status pcan_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    pcan_data d;
    if (tm_op_check_arity(n, 3, 3, 1, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "snr_shift", 0, 63, &d.snr_shift, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const int32_t channels = tm_tensor_elements(input);
    if (tm_signal_check_tensor(input, TM_UINT32, 1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(tm_input(m, n, 1), TM_UINT32, 1, NAME, "noise estimate", err) != TM_OK
        || tm_signal_check_elements(tm_input(m, n, 1), channels, NAME, "noise estimate", err) != TM_OK
        || tm_signal_check_tensor(tm_input(m, n, 2), TM_INT16, 1, NAME, "gain table", err) != TM_OK
        || tm_signal_check_tensor(tm_output(m, n, 0), TM_UINT32, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(tm_output(m, n, 0), channels, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (tm_tensor_elements(tm_input(m, n, 2)) < GAIN_LUT_MIN) {
        return tm_fail(err, TM_ERR_MODEL, "%s: gain table has %d entries (needs at least %d)", NAME,
            (int)tm_tensor_elements(tm_input(m, n, 2)), GAIN_LUT_MIN);
    }
    return tm_op_store_data(m, n, &d, sizeof d, NAME, err);
}

static void pcan_eval(const tm_model *m, const tm_node *n) {
    const pcan_data *d = (const pcan_data *)n->data;
    const tm_tensor *input = tm_input(m, n, 0);
    tm_signal_pcan((const uint32_t *)input->data, (const uint32_t *)tm_input(m, n, 1)->data,
        (const int16_t *)tm_input(m, n, 2)->data, d->snr_shift, tm_tensor_elements(input),
        (uint32_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_pcan = {
    "SignalPCAN",
    TM_BUILTIN_CUSTOM,
    1,
    pcan_persist_bytes,
    pcan_prepare,
    pcan_eval,
};
