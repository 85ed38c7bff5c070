// tinyml: the op table. Adding an op = its kernel, its op_<name>.c glue and one row here
// (inside #if TM_WITH(NAME), NAME the row's name in upper case).
#include "tm_ops.h"

#include <stddef.h>

// Build-time op selection. Built with TINYML_OPS=... (device/micropython.mk / .cmake run
// device/tools/select_ops.py), TM_OPS_SELECTED is defined and tm_ops_selected.h says 1 or 0 for
// every row; the linker then drops the ops left out. Otherwise every op is in.
#ifdef TM_OPS_SELECTED
#include "tm_ops_selected.h"
#define TM_WITH(op) TM_OP_##op
#else
#define TM_WITH(op) 1
#endif

const tm_op *const tm_op_table[] = {
#if TM_WITH(ADD)
    &tm_op_add,
#endif
#if TM_WITH(ARG_MAX)
    &tm_op_arg_max,
#endif
#if TM_WITH(ARG_MIN)
    &tm_op_arg_min,
#endif
#if TM_WITH(AVERAGE_POOL_2D)
    &tm_op_average_pool_2d,
#endif
#if TM_WITH(BATCH_MATMUL)
    &tm_op_batch_matmul,
#endif
#if TM_WITH(BATCH_TO_SPACE_ND)
    &tm_op_batch_to_space_nd,
#endif
#if TM_WITH(CAST)
    &tm_op_cast,
#endif
#if TM_WITH(CONCATENATION)
    &tm_op_concatenation,
#endif
#if TM_WITH(CONV_2D)
    &tm_op_conv_2d,
#endif
#if TM_WITH(DEPTH_TO_SPACE)
    &tm_op_depth_to_space,
#endif
#if TM_WITH(DEPTHWISE_CONV_2D)
    &tm_op_depthwise_conv_2d,
#endif
#if TM_WITH(DEQUANTIZE)
    &tm_op_dequantize,
#endif
#if TM_WITH(DIV)
    &tm_op_div,
#endif
#if TM_WITH(ELU)
    &tm_op_elu,
#endif
#if TM_WITH(EXPAND_DIMS)
    &tm_op_expand_dims,
#endif
#if TM_WITH(FILL)
    &tm_op_fill,
#endif
#if TM_WITH(FULLY_CONNECTED)
    &tm_op_fully_connected,
#endif
#if TM_WITH(GATHER)
    &tm_op_gather,
#endif
#if TM_WITH(HARD_SWISH)
    &tm_op_hard_swish,
#endif
#if TM_WITH(L2_NORMALIZATION)
    &tm_op_l2_normalization,
#endif
#if TM_WITH(LEAKY_RELU)
    &tm_op_leaky_relu,
#endif
#if TM_WITH(LOG_SOFTMAX)
    &tm_op_log_softmax,
#endif
#if TM_WITH(LOGISTIC)
    &tm_op_logistic,
#endif
#if TM_WITH(MAX_POOL_2D)
    &tm_op_max_pool_2d,
#endif
#if TM_WITH(MAXIMUM)
    &tm_op_maximum,
#endif
#if TM_WITH(MEAN)
    &tm_op_mean,
#endif
#if TM_WITH(MINIMUM)
    &tm_op_minimum,
#endif
#if TM_WITH(MUL)
    &tm_op_mul,
#endif
#if TM_WITH(PACK)
    &tm_op_pack,
#endif
#if TM_WITH(PAD)
    &tm_op_pad,
#endif
#if TM_WITH(PRELU)
    &tm_op_prelu,
#endif
#if TM_WITH(QUANTIZE)
    &tm_op_quantize,
#endif
#if TM_WITH(REDUCE_MAX)
    &tm_op_reduce_max,
#endif
#if TM_WITH(REDUCE_MIN)
    &tm_op_reduce_min,
#endif
#if TM_WITH(RELU)
    &tm_op_relu,
#endif
#if TM_WITH(RELU6)
    &tm_op_relu6,
#endif
#if TM_WITH(RESHAPE)
    &tm_op_reshape,
#endif
#if TM_WITH(RESIZE_BILINEAR)
    &tm_op_resize_bilinear,
#endif
#if TM_WITH(RESIZE_NEAREST_NEIGHBOR)
    &tm_op_resize_nearest_neighbor,
#endif
#if TM_WITH(RSQRT)
    &tm_op_rsqrt,
#endif
#if TM_WITH(SHAPE)
    &tm_op_shape,
#endif
#if TM_WITH(SIGNAL_ENERGY)
    &tm_op_signal_energy,
#endif
#if TM_WITH(SIGNAL_FFT_AUTO_SCALE)
    &tm_op_signal_fft_auto_scale,
#endif
#if TM_WITH(SIGNAL_FILTER_BANK)
    &tm_op_signal_filter_bank,
#endif
#if TM_WITH(SIGNAL_FILTER_BANK_LOG)
    &tm_op_signal_filter_bank_log,
#endif
#if TM_WITH(SIGNAL_FILTER_BANK_SPECTRAL_SUBTRACTION)
    &tm_op_signal_filter_bank_spectral_subtraction,
#endif
#if TM_WITH(SIGNAL_FILTER_BANK_SQUARE_ROOT)
    &tm_op_signal_filter_bank_square_root,
#endif
#if TM_WITH(SIGNAL_PCAN)
    &tm_op_signal_pcan,
#endif
#if TM_WITH(SIGNAL_RFFT)
    &tm_op_signal_rfft,
#endif
#if TM_WITH(SIGNAL_WINDOW)
    &tm_op_signal_window,
#endif
#if TM_WITH(SLICE)
    &tm_op_slice,
#endif
#if TM_WITH(SOFTMAX)
    &tm_op_softmax,
#endif
#if TM_WITH(SPACE_TO_BATCH_ND)
    &tm_op_space_to_batch_nd,
#endif
#if TM_WITH(SPACE_TO_DEPTH)
    &tm_op_space_to_depth,
#endif
#if TM_WITH(SPLIT)
    &tm_op_split,
#endif
#if TM_WITH(SPLIT_V)
    &tm_op_split_v,
#endif
#if TM_WITH(SQUARED_DIFFERENCE)
    &tm_op_squared_difference,
#endif
#if TM_WITH(SQUEEZE)
    &tm_op_squeeze,
#endif
#if TM_WITH(STRIDED_SLICE)
    &tm_op_strided_slice,
#endif
#if TM_WITH(SUB)
    &tm_op_sub,
#endif
#if TM_WITH(SUM)
    &tm_op_sum,
#endif
#if TM_WITH(SVDF)
    &tm_op_svdf,
#endif
#if TM_WITH(TANH)
    &tm_op_tanh,
#endif
#if TM_WITH(TILE)
    &tm_op_tile,
#endif
#if TM_WITH(TRANSPOSE)
    &tm_op_transpose,
#endif
#if TM_WITH(TRANSPOSE_CONV)
    &tm_op_transpose_conv,
#endif
#if TM_WITH(UNIDIRECTIONAL_SEQUENCE_LSTM)
    &tm_op_unidirectional_sequence_lstm,
#endif
#if TM_WITH(UNPACK)
    &tm_op_unpack,
#endif
};

const int tm_op_table_len = (int)(sizeof(tm_op_table) / sizeof(tm_op_table[0]));

#ifdef TM_OPS_SELECTED
const int tm_ops_selected_count = (int)(sizeof(tm_op_table) / sizeof(tm_op_table[0]));
#else
const int tm_ops_selected_count = 0;
#endif

const tm_op *tm_op_find(int32_t builtin_code) {
    for (int i = 0; i < tm_op_table_len; ++i) {
        if (tm_op_table[i]->builtin_code == builtin_code && builtin_code != TM_BUILTIN_CUSTOM) {
            return tm_op_table[i];
        }
    }
    return NULL;
}

const tm_op *tm_op_find_custom(const char *name, uint32_t len) {
    for (int i = 0; i < tm_op_table_len; ++i) {
        const tm_op *row = tm_op_table[i];
        if (row->builtin_code != TM_BUILTIN_CUSTOM) {
            continue;
        }
        uint32_t k = 0;
        while (k < len && row->name[k] != '\0' && row->name[k] == name[k]) {
            ++k;
        }
        if (k == len && row->name[k] == '\0') {
            return row;
        }
    }
    return NULL;
}

int tm_op_has_scratch(const tm_op *op) {
#if TM_WITH(CONV_2D)
    if (op == &tm_op_conv_2d) {
        return 1;
    }
#endif
    (void)op;
    return 0;
}

size_t tm_op_scratch_bytes(const tm_model *m, const tm_node *n) {
#if TM_WITH(CONV_2D)
    if (n->op == &tm_op_conv_2d) {
        return tm_op_conv_2d_scratch_bytes(m, n);
    }
#endif
    (void)m;
    (void)n;
    return 0;
}
