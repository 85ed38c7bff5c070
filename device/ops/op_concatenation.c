// tinyml op: CONCATENATION along any axis (TFLM concatenation.cc): a byte copy, so TFLM requires
// every int8 / int16 input to have the output's scale and zero point (it refuses other models at
// prepare); float32, int32 and int64 are copied as they are. The kernel is kernels/concatenation.c.
#include "tm_ops.h"
#include "op_common.h"
#include "concatenation.h"

static const char *const NAME = "CONCATENATION";

typedef struct {
    tm_concatenation_params params;
    uint32_t copy_bytes[]; // one per input
} concat_data;

static size_t concat_data_bytes(int n_inputs) {
    return sizeof(concat_data) + sizeof(uint32_t) * (size_t)n_inputs;
}

static size_t concat_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    return concat_data_bytes(n->n_inputs);
}

static tm_status concat_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, TM_MAX_NODE_INPUTS, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *output = tm_output(m, n, 0);
    const int type = output->type;
    const int quantized = type == TM_INT8 || type == TM_INT16;
    if (quantized) {
        // TFLM: int16 inputs with zero point 0 (the inputs must share the output's, below).
        if (tm_op_check_quantized(output, type, NAME, "output", err) != TM_OK
            || (type == TM_INT16 && tm_op_check_zero_point_0(output, NAME, "output", err) != TM_OK)) {
            return err->status;
        }
    } else if (type != TM_FLOAT32 && type != TM_INT32 && type != TM_INT64) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: output is %s (int8, int16, int32, int64 or float32 supported)",
            NAME, tm_type_name(type));
    }
    // ConcatenationOptions: axis (field 0), fused_activation_function (field 1), which TFLM
    // requires to be NONE.
    const int32_t axis_opt = tm_fb_i32(tm_node_options(m, n), 0, 0);
    const int activation = tm_fb_u8(tm_node_options(m, n), 1, 0);
    if (activation != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: fused activation is not supported", NAME);
    }
    const int rank = output->ndim;
    const int32_t axis = axis_opt < 0 ? axis_opt + rank : axis_opt;
    if (axis < 0 || axis >= rank) {
        return tm_fail(err, TM_ERR_MODEL, "%s: axis %d is out of range for %d-D tensors", NAME, (int)axis_opt, rank);
    }
    int32_t outer = 1;
    for (int d = 0; d < axis; ++d) {
        outer *= output->dims[d];
    }
    uint32_t inner_bytes = tm_type_size(type);
    for (int d = axis + 1; d < rank; ++d) {
        inner_bytes *= (uint32_t)output->dims[d];
    }
    concat_data *data = (concat_data *)tm_op_alloc_data(m, concat_data_bytes(n->n_inputs), NAME, err);
    if (data == NULL) {
        return err->status;
    }
    int64_t axis_total = 0;
    for (int i = 0; i < n->n_inputs; ++i) {
        const tm_tensor *in = tm_input(m, n, i);
        if (in->type != type) {
            return tm_fail(err, TM_ERR_MODEL, "%s: input %d is %s, output is %s", NAME, i + 1, tm_type_name(in->type),
                tm_type_name(type));
        }
        if (quantized) {
            if (tm_op_check_quantized(in, type, NAME, "input", err) != TM_OK) {
                return err->status;
            }
            if (in->scale != output->scale || in->zero_point != output->zero_point) {
                return tm_fail(err, TM_ERR_UNSUPPORTED,
                    "%s: input %d quantization differs from the output's (inputs must share it, as TFLM requires)",
                    NAME, i + 1);
            }
        }
        if (in->ndim != rank) {
            return tm_fail(err, TM_ERR_MODEL, "%s: input %d is %d-D, output is %d-D", NAME, i + 1, (int)in->ndim, rank);
        }
        for (int d = 0; d < rank; ++d) {
            if (d != axis && in->dims[d] != output->dims[d]) {
                return tm_fail(err, TM_ERR_MODEL, "%s: input %d dimension %d is %d, output's is %d", NAME, i + 1, d,
                    (int)in->dims[d], (int)output->dims[d]);
            }
        }
        axis_total += in->dims[axis];
        data->copy_bytes[i] = (uint32_t)in->dims[axis] * inner_bytes;
    }
    if (axis_total != output->dims[axis]) {
        return tm_fail(err, TM_ERR_MODEL, "%s: inputs add up to %d along axis %d, output has %d", NAME, (int)axis_total,
            (int)axis, (int)output->dims[axis]);
    }
    data->params.n_inputs = n->n_inputs;
    data->params.outer = outer;
    data->params.copy_bytes = data->copy_bytes;
    n->data = data;
    return TM_OK;
}

static void concat_eval(const tm_model *m, const tm_node *n) {
    const concat_data *d = (const concat_data *)n->data;
    const void *inputs[TM_MAX_NODE_INPUTS];
    for (int i = 0; i < n->n_inputs; ++i) {
        inputs[i] = tm_input(m, n, i)->data;
    }
    tm_concatenation(&d->params, inputs, tm_output(m, n, 0)->data);
}

// Version 2 is int8, 3 int16 (1 float32 / int32 / int64; 4 is uint32).
const tm_op tm_op_concatenation = {
    "CONCATENATION",
    TM_BUILTIN_CONCATENATION,
    3,
    concat_persist_bytes,
    concat_prepare,
    concat_eval,
};
