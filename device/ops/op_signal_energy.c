// tinyml op: SignalEnergy (TFLM signal/micro/kernels/energy.cc): |X[k]|^2 of an int16 complex
// spectrum as uint32, for start_index <= k < end_index. The other outputs are 0 (TFLM leaves
// whatever was in its arena there; the front-end slices them away).
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_frontend.h"

static const char *const NAME = "SignalEnergy";

typedef struct {
    int32_t start, end;
} energy_data;

static size_t energy_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(energy_data);
}

static tm_status energy_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    energy_data d;
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(input, TM_INT16, 1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(output, TM_UINT32, 1, NAME, "output", err) != TM_OK
        || tm_signal_check_elements(input, 2 * tm_tensor_elements(output), NAME, "input (complex values)", err)
               != TM_OK) {
        return err->status;
    }
    const int32_t n_out = tm_tensor_elements(output);
    if (tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_signal_option(&opts, "start_index", 0, n_out, &d.start, NAME, err) != TM_OK
        || tm_signal_option(&opts, "end_index", d.start, n_out, &d.end, NAME, err) != TM_OK) {
        return err->status;
    }
    return tm_op_store_data(m, n, &d, sizeof d, NAME, err);
}

static void energy_eval(const tm_model *m, const tm_node *n) {
    const energy_data *d = (const energy_data *)n->data;
    const tm_tensor *output = tm_output(m, n, 0);
    tm_signal_energy((const int16_t *)tm_input(m, n, 0)->data, d->start, d->end, tm_tensor_elements(output),
        (uint32_t *)output->data);
}

const tm_op tm_op_signal_energy = {
    "SignalEnergy",
    TM_BUILTIN_CUSTOM,
    1,
    energy_persist_bytes,
    energy_prepare,
    energy_eval,
};
