// tinyml: shared glue of the signal ops, see op_signal.h.
#include "op_signal.h"

tm_status tm_signal_options(const tm_model *m, const tm_node *n, tm_flex_map *map, const char *op, tm_error *err) {
    uint32_t len;
    const uint8_t *options = tm_node_custom_options(m, n, &len);
    return tm_flex_map_open(map, options, len, op, err);
}

tm_status tm_signal_option(
    const tm_flex_map *map, const char *key, int32_t lo, int32_t hi, int32_t *out, const char *op, tm_error *err) {
    if (tm_flex_map_int32(map, key, out, op, err) != TM_OK) {
        return err->status;
    }
    if (*out < lo || *out > hi) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: option %s = %d (supported: %d to %d)", op, key, (int)*out, (int)lo, (int)hi);
    }
    return TM_OK;
}

int32_t tm_signal_option_or_0(
    const tm_model *m, const tm_node *n, const char *key, int32_t lo, int32_t hi, const char *op) {
    tm_error scratch;
    tm_flex_map opts;
    int32_t v;
    tm_error_clear(&scratch);
    if (tm_signal_options(m, n, &opts, op, &scratch) != TM_OK
        || tm_signal_option(&opts, key, lo, hi, &v, op, &scratch) != TM_OK) {
        return 0;
    }
    return v;
}

tm_status tm_signal_check_tensor(
    const tm_tensor *t, int type, int ndim, const char *op, const char *what, tm_error *err) {
    if (t->type != type) {
        return tm_fail(
            err, TM_ERR_UNSUPPORTED, "%s: %s is %s (must be %s)", op, what, tm_type_name(t->type), tm_type_name(type));
    }
    if (ndim >= 0 && t->ndim != ndim) {
        return tm_fail(err, TM_ERR_MODEL, "%s: %s is %u-D (must be %d-D)", op, what, (unsigned)t->ndim, ndim);
    }
    return TM_OK;
}

tm_status tm_signal_check_elements(const tm_tensor *t, int32_t count, const char *op, const char *what, tm_error *err) {
    if (tm_tensor_elements(t) != count) {
        return tm_fail(
            err, TM_ERR_MODEL, "%s: %s has %d elements (must be %d)", op, what, (int)tm_tensor_elements(t), (int)count);
    }
    return TM_OK;
}
