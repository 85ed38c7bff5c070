// tinyml op: SignalFilterBankSquareRoot (TFLM signal/micro/kernels/filter_bank_square_root*.cc):
// uint32 square roots of the uint64 channel sums, shifted right by input 1 (the int32 scalar
// SignalFftAutoScale wrote). The shift is tensor data: a value outside [0, 31] is clamped (shift
// <= 0: none; > 31: 0) where TFLM's shift would be undefined.
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalFilterBankSquareRoot";

static tm_status sqrt_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(input, TM_UINT64, 1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(tm_input(m, n, 1), TM_INT32, 0, NAME, "input 1 (the shift)", err) != TM_OK
        || tm_signal_check_tensor(output, TM_UINT32, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(output, tm_tensor_elements(input), NAME, "output", err) != TM_OK) {
        return err->status;
    }
    return TM_OK;
}

static void sqrt_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    tm_signal_filter_bank_sqrt((const uint64_t *)input->data, tm_tensor_elements(input),
        *(const int32_t *)tm_input(m, n, 1)->data, (uint32_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_filter_bank_square_root = {
    "SignalFilterBankSquareRoot",
    TM_BUILTIN_CUSTOM,
    1,
    NULL,
    sqrt_prepare,
    sqrt_eval,
};
