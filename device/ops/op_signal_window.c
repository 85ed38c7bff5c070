// tinyml op: SignalWindow (TFLM signal/micro/kernels/window.cc): int16 frames times an int16
// window, shifted right by the `shift` option and saturated; the window repeats over every row.
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalWindow";

typedef struct {
    int32_t shift;
} window_data;

static size_t window_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(window_data);
}

static tm_status window_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    window_data d;
    if (tm_op_check_arity(n, 2, 2, 1, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "shift", 0, 31, &d.shift, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *window = tm_input(m, n, 1);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(input, TM_INT16, -1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(window, TM_INT16, 1, NAME, "window", err) != TM_OK
        || tm_signal_check_tensor(output, TM_INT16, input->ndim, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(output, tm_tensor_elements(input), NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (input->ndim < 1 || tm_tensor_elements(input) % tm_tensor_elements(window) != 0) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input of %d elements is not whole windows of %d", NAME,
            (int)tm_tensor_elements(input), (int)tm_tensor_elements(window));
    }
    return tm_op_store_data(m, n, &d, sizeof d, NAME, err);
}

static void window_eval(const tm_model *m, const tm_node *n) {
    const window_data *d = (const window_data *)n->data;
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *window = tm_input(m, n, 1);
    tm_signal_window((const int16_t *)input->data, (const int16_t *)window->data, tm_tensor_elements(window),
        tm_tensor_elements(input), d->shift, (int16_t *)tm_output(m, n, 0)->data);
}

const tm_op tm_op_signal_window = {
    "SignalWindow",
    TM_BUILTIN_CUSTOM,
    1,
    window_persist_bytes,
    window_prepare,
    window_eval,
};
