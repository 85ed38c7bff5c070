// tinyml op: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state, int32
// bias (TFLM's "8x8->16" integer LSTM, what TensorFlow's converter emits for a Keras LSTM with
// int8 quantization). Prepare mirrors TFLM's unidirectional_sequence_lstm.cc (ValidateTensorStatus,
// ValidateTensorSize, PrepareGateParametersInteger) and lstm_eval_common.cc (CreateGateParams,
// CreateInterGateMulParams, CreateLstmCellStateInfo); the kernel is kernels/lstm.c.
// The hidden and cell states are variable tensors (tm_model.h): they carry over between invokes.
#include <math.h>

#include "tm_ops.h"
#include "tm_quant.h"
#include "op_common.h"
#include "lstm.h"
#include "sigmoid_s16.h"

static const char *const NAME = "UNIDIRECTIONAL_SEQUENCE_LSTM";

// Inputs (TFLite lstm_shared.h order).
enum {
    IN_INPUT = 0,
    IN_INPUT_WEIGHTS = 1,     // 1..4: input to input, forget, cell, output gate
    IN_RECURRENT_WEIGHTS = 5, // 5..8: recurrent to input, forget, cell, output gate
    IN_PEEPHOLE = 9,          // 9..11: cell to input, forget, output gate
    IN_BIAS = 12,             // 12..15: input, forget, cell, output gate bias
    IN_PROJECTION = 16,       // 16, 17: projection weights and bias
    IN_HIDDEN_STATE = 18,
    IN_CELL_STATE = 19,
    IN_LAYER_NORM = 20, // 20..23: layer norm coefficients
    IN_COUNT = 24,
};

// UnidirectionalSequenceLSTMOptions field indices (schema.fbs).
enum {
    OPT_ACTIVATION = 0,
    OPT_CELL_CLIP = 1,
    OPT_PROJ_CLIP = 2,
    OPT_TIME_MAJOR = 3,
    OPT_ASYMMETRIC_QUANTIZE_INPUTS = 4,
    OPT_DIAGONAL_RECURRENT_TENSORS = 5
};

// The schema's TANH: the only cell activation TFLM runs (its kernel takes sigmoid or tanh, and the
// schema has no sigmoid; any other value stops TFLM at an assertion).
enum { ACT_TANH = 4 };

// The scratch after the parameters: 4 x units int16 gate values.
static size_t lstm_scratch_bytes(const tm_model *m, const tm_node *n) {
    const tm_tensor *hidden = tm_input(m, n, IN_HIDDEN_STATE);
    const size_t cells = hidden != NULL && hidden->ndim == 2 ? (size_t)hidden->dims[1] : 0;
    return 4 * cells * sizeof(int16_t);
}

static size_t lstm_persist_bytes(const tm_model *m, const tm_node *n) {
    return tm_op_data_with_scratch_bytes(sizeof(tm_lstm_params), lstm_scratch_bytes(m, n));
}

// Weights: int8 [rows, cols], one scale, zero point 0 (TFLM reads params.scale and no zero point).
static tm_status check_weights(
    const tm_model *m, const tm_tensor *t, int32_t rows, int32_t cols, const char *what, tm_error *err) {
    if (t->type != TM_INT8) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %s are %s (only int8 is supported)", NAME, what, tm_type_name(t->type));
    }
    if (tm_op_check_weights(m, t, 0, rows, NAME, err) != TM_OK) {
        return err->status;
    }
    if (tm_tensor_quant_count(t) != 1 || !(t->scale > 0.0f)) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: %s need one per-tensor scale > 0", NAME, what);
    }
    if (t->ndim != 2 || t->dims[0] != rows || t->dims[1] != cols) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s must be [%d, %d]", NAME, what, (int)rows, (int)cols);
    }
    return TM_OK;
}

// TFLM CreateGateParams: input_scale * weight_scale / 2^-12 for each of the two FCs.
static tm_status gate_quant(const tm_tensor *input, const tm_tensor *hidden, const tm_tensor *w, const tm_tensor *r,
    tm_lstm_gate_quant *q, tm_error *err) {
    const double q312 = 1.0 / 4096.0;
    int32_t shift;
    if (tm_op_quantize_multiplier(
            (double)input->scale * (double)w->scale / q312, &q->input_multiplier, &shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    q->input_shift = shift;
    if (tm_op_quantize_multiplier(
            (double)hidden->scale * (double)r->scale / q312, &q->recurrent_multiplier, &shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    q->recurrent_shift = shift;
    return TM_OK;
}

// TFLM CheckedLog2 (the rounded base-2 logarithm, computed as TFLM does in float). A scale that is
// 0, negative, infinite or NaN gives INT32_MAX, outside every range the caller accepts.
static int32_t rounded_log2(float x) {
    const float l = logf(x) * (1.0f / logf(2.0f));
    if (!(l > -1000.0f && l < 1000.0f)) {
        return INT32_MAX;
    }
    return (int32_t)tm_roundf(l);
}

static tm_status check_tensors(const tm_model *m, const tm_node *n, int32_t *batch, int32_t *time, int32_t *n_input,
    int32_t *n_cell, int time_major, tm_error *err) {
    if (n->n_inputs != IN_COUNT || n->n_outputs != 1) {
        return tm_fail(err, TM_ERR_MODEL, "%s: needs 24 inputs and 1 output, has %u and %u", NAME,
            (unsigned)n->n_inputs, (unsigned)n->n_outputs);
    }
    static const char *const variants[] = {"peephole weights", "projection weights", "layer norm coefficients"};
    for (int i = IN_PEEPHOLE; i < IN_COUNT; ++i) {
        const int variant = i < IN_BIAS                                   ? 0
                            : (i >= IN_PROJECTION && i < IN_HIDDEN_STATE) ? 1
                                                                          : (i >= IN_LAYER_NORM ? 2 : -1);
        if (variant >= 0 && tm_input(m, n, i) != NULL) {
            return tm_fail(err, TM_ERR_UNSUPPORTED,
                "%s: %s (input %d) are not supported (TFLM runs the basic LSTM only)", NAME, variants[variant], i);
        }
    }
    for (int i = 0; i < IN_PEEPHOLE; ++i) {
        if (tm_input(m, n, i) == NULL) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: input %d is omitted (CIFG is not supported)", NAME, i);
        }
    }
    for (int i = IN_BIAS; i < IN_PROJECTION; ++i) {
        if (tm_input(m, n, i) == NULL) {
            return tm_fail(err, TM_ERR_MODEL, "%s: gate bias (input %d) is omitted", NAME, i);
        }
    }
    const tm_tensor *input = tm_input(m, n, IN_INPUT);
    const tm_tensor *hidden = tm_input(m, n, IN_HIDDEN_STATE);
    const tm_tensor *cell = tm_input(m, n, IN_CELL_STATE);
    const tm_tensor *output = tm_output(m, n, 0);
    if (hidden == NULL || cell == NULL || !hidden->is_variable || !cell->is_variable) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: the hidden and cell states (inputs 18, 19) must be variable tensors", NAME);
    }
    if (input->type == TM_INT16) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: int16 activations (16x8) are not supported, only int8", NAME);
    }
    if (tm_op_check_quantized(input, TM_INT8, NAME, "input", err) != TM_OK
        || tm_op_check_quantized(hidden, TM_INT8, NAME, "hidden state", err) != TM_OK
        || tm_op_check_quantized(output, TM_INT8, NAME, "output", err) != TM_OK
        || tm_op_check_quantized(cell, TM_INT16, NAME, "cell state", err) != TM_OK) {
        return err->status;
    }
    if (output->scale != hidden->scale || output->zero_point != hidden->zero_point) {
        // TFLM copies the hidden state into the output as it is.
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output quantization differs from the hidden state's", NAME);
    }
    if (input->ndim != 3 || hidden->ndim != 2) {
        return tm_fail(err, TM_ERR_MODEL, "%s: input must be 3-D and the hidden state 2-D (have %u-D, %u-D)", NAME,
            (unsigned)input->ndim, (unsigned)hidden->ndim);
    }
    *batch = time_major ? input->dims[1] : input->dims[0];
    *time = time_major ? input->dims[0] : input->dims[1];
    *n_input = input->dims[2];
    *n_cell = hidden->dims[1];
    if (*n_input > 65535 || *n_cell > 65535) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: more than 65535 features or units", NAME);
    }
    if (tm_tensor_elements(hidden) != *batch * *n_cell || tm_tensor_elements(cell) != *batch * *n_cell) {
        return tm_fail(err, TM_ERR_MODEL, "%s: hidden and cell states must hold batch x units = %d x %d values", NAME,
            (int)*batch, (int)*n_cell);
    }
    if (output->ndim != 3 || output->dims[0] != input->dims[0] || output->dims[1] != input->dims[1]
        || output->dims[2] != *n_cell) {
        return tm_fail(err, TM_ERR_MODEL, "%s: output must be [%d, %d, %d]", NAME, (int)input->dims[0],
            (int)input->dims[1], (int)*n_cell);
    }
    for (int g = 0; g < 4; ++g) {
        if (check_weights(m, tm_input(m, n, IN_INPUT_WEIGHTS + g), *n_cell, *n_input, "input weights", err) != TM_OK
            || check_weights(m, tm_input(m, n, IN_RECURRENT_WEIGHTS + g), *n_cell, *n_cell, "recurrent weights", err)
                   != TM_OK) {
            return err->status;
        }
        const tm_tensor *bias = tm_input(m, n, IN_BIAS + g);
        if (bias->type != TM_INT32) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: gate bias is %s (int8 activations take int32)", NAME,
                tm_type_name(bias->type));
        }
        if (!bias->is_const || bias->ndim != 1 || bias->dims[0] != *n_cell) {
            return tm_fail(err, TM_ERR_MODEL, "%s: gate bias must be a constant [%d]", NAME, (int)*n_cell);
        }
    }
    return TM_OK;
}

static tm_status lstm_prepare(tm_model *m, tm_node *n, tm_error *err) {
    const int activation = tm_fb_i8(tm_node_options(m, n), OPT_ACTIVATION, 0);
    const float cell_clip = tm_fb_f32(tm_node_options(m, n), OPT_CELL_CLIP, 0.0f);
    const int time_major = tm_fb_u8(tm_node_options(m, n), OPT_TIME_MAJOR, 0) != 0;
    if (tm_fb_u8(tm_node_options(m, n), OPT_DIAGONAL_RECURRENT_TENSORS, 0) != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: diagonal recurrent weights are not supported", NAME);
    }
    if (activation != ACT_TANH) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: cell activation %d is not supported (only TANH)", NAME, activation);
    }
    // proj_clip (OPT_PROJ_CLIP) clips a projection, which TFLM does not run: ignored, as there.
    tm_lstm_params params;
    tm_lstm_params *p = &params;
    if (check_tensors(m, n, &p->batch, &p->time, &p->n_input, &p->n_cell, time_major, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, IN_INPUT);
    const tm_tensor *hidden = tm_input(m, n, IN_HIDDEN_STATE);
    const tm_tensor *cell = tm_input(m, n, IN_CELL_STATE);
    for (int g = 0; g < 4; ++g) {
        if (gate_quant(input, hidden, tm_input(m, n, IN_INPUT_WEIGHTS + g), tm_input(m, n, IN_RECURRENT_WEIGHTS + g),
                &p->gate[g], err)
            != TM_OK) {
            return err->status;
        }
    }
    // TFLM CreateInterGateMulParams: gate outputs are Q0.15 (2^-15), products in double.
    const double q015 = 1.0 / 32768.0;
    int32_t shift;
    if (tm_op_quantize_multiplier(
            q015 * (double)cell->scale / (double)cell->scale, &p->forget_multiplier, &shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    p->forget_shift = shift;
    if (tm_op_quantize_multiplier(q015 * q015 / (double)cell->scale, &p->input_multiplier, &shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    p->input_shift = shift;
    if (tm_op_quantize_multiplier(q015 * q015 / (double)hidden->scale, &p->hidden_multiplier, &shift, NAME, err)
        != TM_OK) {
        return err->status;
    }
    p->hidden_shift = shift;
    // TFLM CreateLstmCellStateInfo.
    p->cell_power = rounded_log2(cell->scale);
    if (p->cell_power < TM_SIGMOID_S16_MIN_POWER || p->cell_power > TM_SIGMOID_S16_MAX_POWER) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: cell state scale 2^%d is out of range", NAME, (int)p->cell_power);
    }
    p->cell_clip = 0;
    if (cell_clip > 0.0f) {
        double q = (double)cell_clip / (double)cell->scale;
        q = q < -32768.0 ? -32768.0 : (q > 32767.0 ? 32767.0 : q);
        p->cell_clip = (int16_t)q;
    }
    p->input_offset = -input->zero_point;
    p->hidden_offset = -hidden->zero_point;
    p->hidden_zero_point = hidden->zero_point;
    p->time_major = (uint8_t)time_major;
    return tm_op_store_data_with_scratch(m, n, &params, sizeof params, lstm_scratch_bytes(m, n), NAME, err);
}

static void lstm_eval(const tm_model *m, const tm_node *n) {
    tm_lstm_weights w;
    for (int g = 0; g < 4; ++g) {
        w.input_weights[g] = (const int8_t *)tm_input(m, n, IN_INPUT_WEIGHTS + g)->data;
        w.recurrent_weights[g] = (const int8_t *)tm_input(m, n, IN_RECURRENT_WEIGHTS + g)->data;
        w.bias[g] = (const int32_t *)tm_input(m, n, IN_BIAS + g)->data;
    }
    tm_lstm_s8((const tm_lstm_params *)n->data, &w, (const int8_t *)tm_input(m, n, IN_INPUT)->data,
        (int8_t *)tm_input(m, n, IN_HIDDEN_STATE)->data, (int16_t *)tm_input(m, n, IN_CELL_STATE)->data,
        (int8_t *)tm_output(m, n, 0)->data, (int16_t *)tm_op_scratch(n, sizeof(tm_lstm_params)));
}

// Version 1 is what the converter writes for int8 (2 and 3 are hybrid, 4 adds diagonal weights).
const tm_op tm_op_unidirectional_sequence_lstm = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM",
    TM_BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM,
    4,
    lstm_persist_bytes,
    lstm_prepare,
    lstm_eval,
};
