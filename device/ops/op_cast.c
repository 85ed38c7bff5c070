// tinyml op: CAST between the integer types (TFLM cast.cc: static_cast per element): int8, uint8,
// int16, int32, uint32. A narrowing cast keeps the low bits (two's complement), a widening one
// sign- or zero-extends from the input type, as C++ does.
#include <string.h>

#include "tm_ops.h"
#include "op_common.h"
#include "op_data_movement.h"

static const char *const NAME = "CAST";

#define CAST_TYPES                                                                                                     \
    (TM_TYPE_BIT(TM_INT8) | TM_TYPE_BIT(TM_UINT8) | TM_TYPE_BIT(TM_INT16) | TM_TYPE_BIT(TM_INT32)                      \
        | TM_TYPE_BIT(TM_UINT32))

static tm_status cast_prepare(tm_model *m, tm_node *n, tm_error *err) {
    if (tm_op_check_arity(n, 1, 1, 1, NAME, err) != TM_OK) {
        return err->status;
    }
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    if (tm_op_check_type_in(input, CAST_TYPES, NAME, "input", err) != TM_OK
        || tm_op_check_type_in(output, CAST_TYPES, NAME, "output", err) != TM_OK
        || tm_op_check_same_size(input, output, NAME, err) != TM_OK) {
        return err->status;
    }
    return TM_OK;
}

// Element i of a tensor of one of CAST_TYPES, as its 32 low bits (sign- or zero-extended).
static uint32_t load(const void *data, int type, int32_t i) {
    switch (type) {
        case TM_INT8:
            return (uint32_t)(int32_t)((const int8_t *)data)[i];
        case TM_UINT8:
            return ((const uint8_t *)data)[i];
        case TM_INT16:
            return (uint32_t)(int32_t)((const int16_t *)data)[i];
        case TM_INT32:
            return (uint32_t)((const int32_t *)data)[i];
        default:
            return ((const uint32_t *)data)[i];
    }
}

static void store(void *data, int type, int32_t i, uint32_t v) {
    switch (type) {
        case TM_INT8:
            ((uint8_t *)data)[i] = (uint8_t)v;
            break; // int8 storage: the low byte
        case TM_UINT8:
            ((uint8_t *)data)[i] = (uint8_t)v;
            break;
        case TM_INT16:
            ((uint16_t *)data)[i] = (uint16_t)v;
            break;
        default:
            ((uint32_t *)data)[i] = v;
            break;
    }
}

static void cast_eval(const tm_model *m, const tm_node *n) {
    const tm_tensor *input = tm_input(m, n, 0);
    const tm_tensor *output = tm_output(m, n, 0);
    const int32_t count = tm_tensor_elements(input);
    if (tm_type_size(input->type) == tm_type_size(output->type)) {
        // int32 <-> uint32, int8 <-> uint8: the same bits.
        memmove(output->data, input->data, output->bytes);
        return;
    }
    for (int32_t i = 0; i < count; ++i) {
        store(output->data, output->type, i, load(input->data, input->type, i));
    }
}

// Versions 1 to 6 differ in the types they add (uint32, int16, int4, float16...): the type checks
// decide.
const tm_op tm_op_cast = {
    "CAST",
    TM_BUILTIN_CAST,
    6,
    NULL,
    cast_prepare,
    cast_eval,
};
