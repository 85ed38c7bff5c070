// tinyml op: PAD, int8 or int16 with constant paddings (TFLM pad.cc / pad_common.cc: PadPrepare, PadEval);
// the pad value is the output zero point (or a constant third input, as TFLM allows); the kernel
// is kernels/pad.c.
#include "tm_ops.h"
#include "op_common.h"
#include "pad.h"

#include <string.h>

static const char *const NAME = "PAD";

static size_t pad_persist_bytes(const tm_model *m, const tm_node *n) {
    (void)m;
    (void)n;
    return sizeof(tm_pad_params);
}

static tm_status pad_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 2, 3, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *paddings = tm_input(m, n, 1);
    const tm_tensor *values = tm_input(m, n, 2);
    const tm_tensor *output = tm_output(m, n, 0);
    // TFLM only requires input type == output type and, without a pad value input, an output zero
    // point inside int8: the data is moved, not requantized.
    const int int16 = input->type == TM_INT16;
    if (tm_op_check_quantized(output, int16 ? TM_INT16 : TM_INT8, NAME, "output", err) != TM_OK) {
        return err->status;
    }
    if (input->type != TM_INT8 && !int16) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: input is %s (int8 or int16 supported)", NAME, tm_type_name(input->type));
    }
    // TFLM pads int16 with 0, not with the output zero point: the same only for a zero point of 0
    // (the 16x8 convention); other models would be padded with a value they do not mean.
    if (int16 && values == NULL && output->zero_point != 0) {
        return tm_fail(err, TM_ERR_UNSUPPORTED,
            "%s: int16 output zero point %d (TFLM pads int16 with 0: only zero point 0 is supported)", NAME,
            (int)output->zero_point);
    }
    // int64 paddings are read as such (TFLM reads any paddings tensor as int32 and so rejects them).
    if (tm_op_check_const_ints(paddings, 1, NAME, "paddings", err) != TM_OK) {
        return err->status;
    }
    if (input->ndim != output->ndim || tm_tensor_elements(paddings) != 2 * (int32_t)output->ndim) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %d-D input, %d-D output and %d paddings (expected 2 per dimension)",
            NAME, (int)input->ndim, (int)output->ndim, (int)tm_tensor_elements(paddings));
    }
    tm_pad_params p;
    p.ndim = input->ndim;
    for (int i = 0; i < input->ndim; ++i) {
        const int64_t left = tm_op_const_int(paddings, 2 * i);
        const int64_t right = tm_op_const_int(paddings, 2 * i + 1);
        if (left < 0 || right < 0) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: negative padding in dimension %d", NAME, i);
        }
        if ((int64_t)input->dims[i] + left + right != output->dims[i]) {
            return tm_fail(err, TM_ERR_MODEL, "%s: output dimension %d is %d, input %d plus paddings %d and %d", NAME,
                i, (int)output->dims[i], (int)input->dims[i], (int)left, (int)right);
        }
        p.in_dims[i] = input->dims[i];
        p.left[i] = (int32_t)left;
        p.right[i] = (int32_t)right;
    }
    if (p.ndim == 0) {
        // A scalar: one element, nothing to pad.
        p.ndim = 1;
        p.in_dims[0] = 1;
        p.left[0] = 0;
        p.right[0] = 0;
    }
    tm_pad_init(&p);
    p.pad_value = int16 ? 0 : (int8_t)output->zero_point;
    p.pad_value_s16 = 0;
    if (values != NULL) {
        // TFLM: same type as the input, a single element, the output's quantization.
        if (tm_op_check_quantized(values, input->type, NAME, "constant value", err) != TM_OK) {
            return err->status;
        }
        if (tm_tensor_elements(values) != 1) {
            return tm_fail(err, TM_ERR_MODEL, "%s: constant value has %d elements (expected 1)", NAME,
                (int)tm_tensor_elements(values));
        }
        if (values->scale != output->scale || values->zero_point != output->zero_point) {
            return tm_fail(err, TM_ERR_MODEL, "%s: constant value and output quantization differ", NAME);
        }
        if (!values->is_const) {
            return tm_fail(err, TM_ERR_UNSUPPORTED, "%s: computed pad value (only a constant is supported)", NAME);
        }
        if (int16) {
            memcpy(&p.pad_value_s16, values->data, sizeof(p.pad_value_s16));
        } else {
            p.pad_value = *(const int8_t *)values->data;
        }
    }
    return tm_op_store_data(m, n, &p, sizeof(p), NAME, err);
}

static void pad_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    if (input->type == TM_INT16) {
        tm_pad_s16((const tm_pad_params *)n->data, (const int16_t *)input->data, (int16_t *)tm_output(m, n, 0)->data);
        return;
    }
    tm_pad_s8((const tm_pad_params *)n->data, (const int8_t *)input->data, (int8_t *)tm_output(m, n, 0)->data);
}

// Version 2 is the int8 PAD, 3 the int16 PAD, 4 the PAD of more than 4 dimensions.
const tm_op tm_op_pad = {
    "PAD",
    TM_BUILTIN_PAD,
    4,
    pad_persist_bytes,
    pad_prepare,
    pad_eval,
};
