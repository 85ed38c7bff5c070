// tinyml op: SignalFftAutoScale (TFLM signal/micro/kernels/fft_auto_scale*.cc): scales an int16
// frame up by the largest power of two that keeps it in int16; output 1 is that shift (a scalar
// int32, read by SignalFilterBankSquareRoot to scale back).
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalFftAutoScale";

static tm_status fft_auto_scale_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 2, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    const tm_tensor *shift = tm_output(m, n, 1);
    if (tm_signal_check_tensor(input, TM_INT16, 1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(output, TM_INT16, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(output, tm_tensor_elements(input), NAME, "output", err) != TM_OK
        || tm_signal_check_tensor(shift, TM_INT32, 0, NAME, "output 1 (the shift)", err) != TM_OK) {
        return err->status;
    }
    return TM_OK;
}

static void fft_auto_scale_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    *(int32_t *)tm_output(m, n, 1)->data = tm_signal_fft_auto_scale(
        (const int16_t *)input->data, tm_tensor_elements(input), (int16_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_fft_auto_scale = {
    "SignalFftAutoScale",
    TM_BUILTIN_CUSTOM,
    1,
    NULL,
    fft_auto_scale_prepare,
    fft_auto_scale_eval,
};
