// tinyml op: SignalFilterBankLog (TFLM signal/micro/kernels/filter_bank_log.cc): the natural log
// of each uint32 channel shifted left by input_correction_bits, times output_scale, in TFLM's
// fixed point, saturated to int16 (0 for inputs that scale to 0 or 1).
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalFilterBankLog";

typedef struct {
    int32_t correction_bits;
    int32_t output_scale;
} log_data;

static size_t log_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(log_data);
}

static tm_status log_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    log_data d;
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "input_correction_bits", 0, 31, &d.correction_bits, NAME, err) != TM_OK
        || tm_flex_map_int32(&opts, "output_scale", &d.output_scale, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(input, TM_UINT32, 1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(output, TM_INT16, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(output, tm_tensor_elements(input), NAME, "output", err) != TM_OK) {
        return err->status;
    }
    return tm_op_store_data(m, n, &d, sizeof d, NAME, err);
}

static void log_eval(const tm_model *m, const tm_node *n) {
    const log_data *d = (const log_data *)n->data;
    const tm_tensor *input = tm_input(m, n, 0);
    tm_signal_filter_bank_log((const uint32_t *)input->data, tm_tensor_elements(input), d->output_scale,
        d->correction_bits, (int16_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_filter_bank_log = {
    "SignalFilterBankLog",
    TM_BUILTIN_CUSTOM,
    1,
    log_persist_bytes,
    log_prepare,
    log_eval,
};
