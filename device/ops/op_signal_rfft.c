// tinyml op: SignalRfft (TFLM signal/micro/kernels/rfft.cc), int16 only (option T = int16): each
// row of the input, zero-padded to fft_length, to fft_length / 2 + 1 complex values (interleaved
// int16 re, im) by the fixed-point real FFT of kernels/signal_rfft.c. The twiddle tables and the
// FFT's scratch are in the node's persistent data.
#include "tm_ops.h"
#include "op_common.h"
#include "op_signal.h"
#include "signal_rfft.h"

static const char *const NAME = "SignalRfft";

typedef struct {
    tm_rfft_s16 plan;
    int32_t rows;
    int32_t in_len;  // input row length (<= fft_length)
    int32_t out_len; // output row length: fft_length + 2
} rfft_data;

static size_t header_bytes(void) {
    return (sizeof(rfft_data) + 7u) & ~(size_t)7u;
}

static size_t rfft_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    const int32_t len = tm_signal_option_or_0(m, n, "fft_length", 4, TM_RFFT_MAX_LENGTH, NAME);
    return header_bytes() + (tm_rfft_s16_length_ok(len) ? tm_rfft_s16_bytes(len) : 0);
}

static tm_status rfft_prepare(tm_model *m, tm_node *n, tm_error *err) {
    tm_flex_map opts;
    int32_t type, fft_length;
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK || tm_signal_options(m, n, &opts, NAME, err) != TM_OK
        || tm_flex_map_int32(&opts, "T", &type, NAME, err) != TM_OK
        || tm_flex_map_int32(&opts, "fft_length", &fft_length, NAME, err) != TM_OK) {
        return err->status;
    }
    if (type != TM_INT16) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: type %s (only int16 is supported)", NAME, tm_type_name(type));
    }
    if (!tm_rfft_s16_length_ok(fft_length)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fft_length %d (supported: powers of two from 4 to %d)", NAME,
            (int)fft_length, TM_RFFT_MAX_LENGTH);
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_signal_check_tensor(input, TM_INT16, -1, NAME, "input", err) != TM_OK
        || tm_signal_check_tensor(output, TM_INT16, input->ndim, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    rfft_data d;
    d.in_len = input->ndim ? input->dims[input->ndim - 1] : 1;
    d.out_len = output->ndim ? output->dims[output->ndim - 1] : 1;
    d.rows = tm_tensor_elements(input) / d.in_len;
    if (d.in_len > fft_length || d.out_len != fft_length + 2 || tm_tensor_elements(output) != d.rows * d.out_len) {
        return tm_fail(err, TM_ERR_MODEL,
            "%s: rows of %d samples to %d values do not fit fft_length %d "
            "(input rows at most fft_length, output rows fft_length + 2, as many rows)",
            NAME, (int)d.in_len, (int)d.out_len, (int)fft_length);
    }
    uint8_t *data = (uint8_t *)tm_op_alloc_data(m, header_bytes() + tm_rfft_s16_bytes(fft_length), NAME, err);
    if (data == NULL) {
        return err->status;
    }
    tm_rfft_s16_init(&d.plan, fft_length, data + header_bytes());
    *(rfft_data *)data = d;
    n->data = data;
    return TM_OK;
}

static void rfft_eval(const tm_model *m, const tm_node *n) {
    const rfft_data *d = (const rfft_data *)n->data;
    const int16_t *in = (const int16_t *)tm_input(m, n, 0)->data;
    int16_t *out = (int16_t *)tm_output(m, n, 0)->data;
    for (int32_t r = 0; r < d->rows; ++r) {
        tm_rfft_s16_run(&d->plan, in + r * d->in_len, d->in_len, out + r * d->out_len);
    }
}

const tm_op tm_op_signal_rfft = {
    "SignalRfft",
    TM_BUILTIN_CUSTOM,
    1,
    rfft_persist_bytes,
    rfft_prepare,
    rfft_eval,
};
