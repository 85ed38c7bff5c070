// tinyml: the op table - every op this runtime supports, with the highest version accepted.
// One row per op, defined in device/ops/op_<name>.c; the table itself is in tm_ops.c.
// The host SDK reads the supported-op list from this same table (through the firmware).
#ifndef TM_OPS_H
#define TM_OPS_H

#include "tm_model.h"

// TFLite BuiltinOperator codes used by this runtime.
enum {
    TM_BUILTIN_ADD = 0,
    TM_BUILTIN_AVERAGE_POOL_2D = 1,
    TM_BUILTIN_CONCATENATION = 2,
    TM_BUILTIN_CONV_2D = 3,
    TM_BUILTIN_DEPTHWISE_CONV_2D = 4,
    TM_BUILTIN_DEPTH_TO_SPACE = 5,
    TM_BUILTIN_DEQUANTIZE = 6,
    TM_BUILTIN_FULLY_CONNECTED = 9,
    TM_BUILTIN_L2_NORMALIZATION = 11,
    TM_BUILTIN_LOGISTIC = 14,
    TM_BUILTIN_MAX_POOL_2D = 17,
    TM_BUILTIN_MUL = 18,
    TM_BUILTIN_RELU = 19,
    TM_BUILTIN_RELU6 = 21,
    TM_BUILTIN_RESHAPE = 22,
    TM_BUILTIN_RESIZE_BILINEAR = 23,
    TM_BUILTIN_SOFTMAX = 25,
    TM_BUILTIN_SPACE_TO_DEPTH = 26,
    TM_BUILTIN_SVDF = 27,
    TM_BUILTIN_TANH = 28,
    TM_BUILTIN_PAD = 34,
    TM_BUILTIN_GATHER = 36,
    TM_BUILTIN_BATCH_TO_SPACE_ND = 37,
    TM_BUILTIN_SPACE_TO_BATCH_ND = 38,
    TM_BUILTIN_TRANSPOSE = 39,
    TM_BUILTIN_MEAN = 40,
    TM_BUILTIN_SUB = 41,
    TM_BUILTIN_DIV = 42,
    TM_BUILTIN_SQUEEZE = 43,
    TM_BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
    TM_BUILTIN_STRIDED_SLICE = 45,
    TM_BUILTIN_CUSTOM = 32,
    TM_BUILTIN_SPLIT = 49,
    TM_BUILTIN_LOG_SOFTMAX = 50,
    TM_BUILTIN_CAST = 53,
    TM_BUILTIN_PRELU = 54,
    TM_BUILTIN_MAXIMUM = 55,
    TM_BUILTIN_ARG_MAX = 56,
    TM_BUILTIN_MINIMUM = 57,
    TM_BUILTIN_SLICE = 65,
    TM_BUILTIN_TRANSPOSE_CONV = 67,
    TM_BUILTIN_TILE = 69,
    TM_BUILTIN_EXPAND_DIMS = 70,
    TM_BUILTIN_SUM = 74,
    TM_BUILTIN_RSQRT = 76,
    TM_BUILTIN_SHAPE = 77,
    TM_BUILTIN_ARG_MIN = 79,
    TM_BUILTIN_REDUCE_MAX = 82,
    TM_BUILTIN_PACK = 83,
    TM_BUILTIN_UNPACK = 88,
    TM_BUILTIN_REDUCE_MIN = 89,
    TM_BUILTIN_FILL = 94,
    TM_BUILTIN_RESIZE_NEAREST_NEIGHBOR = 97,
    TM_BUILTIN_LEAKY_RELU = 98,
    TM_BUILTIN_SQUARED_DIFFERENCE = 99,
    TM_BUILTIN_SPLIT_V = 102,
    TM_BUILTIN_ELU = 111,
    TM_BUILTIN_QUANTIZE = 114,
    TM_BUILTIN_HARD_SWISH = 117,
    TM_BUILTIN_BATCH_MATMUL = 126,
};

extern const tm_op *const tm_op_table[];
extern const int tm_op_table_len;
// How many ops a firmware built with TINYML_OPS=... has; 0 when it has every op.
extern const int tm_ops_selected_count;

// The row for a builtin code, or NULL.
const tm_op *tm_op_find(int32_t builtin_code);
// The CUSTOM row (builtin code TM_BUILTIN_CUSTOM) whose name is the len bytes at name (a model's
// custom_code, not NUL-terminated), or NULL.
const tm_op *tm_op_find_custom(const char *name, uint32_t len);
// Name of any TFLite builtin code (for error messages), "UNKNOWN" if out of the schema's range.
const char *tm_builtin_name(int32_t builtin_code);

// Kernel scratch of node n: bytes of arena its eval may use as it likes, found at
// tm_node_scratch(m, n) (0: none). Called at parse, before prepare, from the tensors' shapes alone
// (0 whenever they are not what the op takes); the planner places it in the arena, live during
// that node only. Only ops for which tm_op_has_scratch holds have any (their nodes keep the
// offset in node_io); they export their size function below (tm_ops.c lists them).
int tm_op_has_scratch(const tm_op *op);
size_t tm_op_scratch_bytes(const tm_model *m, const tm_node *n);
size_t tm_op_conv_2d_scratch_bytes(const tm_model *m, const tm_node *n);

// Every row, defined in device/ops/op_*.c.

extern const tm_op tm_op_add;
extern const tm_op tm_op_average_pool_2d;
extern const tm_op tm_op_concatenation;
extern const tm_op tm_op_conv_2d;
extern const tm_op tm_op_depthwise_conv_2d;
extern const tm_op tm_op_dequantize;
extern const tm_op tm_op_elu;
extern const tm_op tm_op_fully_connected;
extern const tm_op tm_op_logistic;
extern const tm_op tm_op_max_pool_2d;
extern const tm_op tm_op_mul;
extern const tm_op tm_op_relu;
extern const tm_op tm_op_relu6;
extern const tm_op tm_op_reshape;
extern const tm_op tm_op_softmax;
extern const tm_op tm_op_tanh;
extern const tm_op tm_op_pad;
extern const tm_op tm_op_prelu;
extern const tm_op tm_op_squared_difference;
extern const tm_op tm_op_rsqrt;
extern const tm_op tm_op_mean;
extern const tm_op tm_op_squeeze;
extern const tm_op tm_op_quantize;
extern const tm_op tm_op_leaky_relu;
extern const tm_op tm_op_sub;
extern const tm_op tm_op_maximum;
extern const tm_op tm_op_minimum;
extern const tm_op tm_op_hard_swish;
extern const tm_op tm_op_sum;
extern const tm_op tm_op_reduce_max;
extern const tm_op tm_op_reduce_min;
extern const tm_op tm_op_resize_nearest_neighbor;
extern const tm_op tm_op_expand_dims;
extern const tm_op tm_op_shape;
extern const tm_op tm_op_pack;
extern const tm_op tm_op_unpack;
extern const tm_op tm_op_strided_slice;
extern const tm_op tm_op_svdf;
extern const tm_op tm_op_unidirectional_sequence_lstm;
extern const tm_op tm_op_slice;
extern const tm_op tm_op_split;
extern const tm_op tm_op_split_v;
extern const tm_op tm_op_transpose;
extern const tm_op tm_op_fill;
extern const tm_op tm_op_tile;
extern const tm_op tm_op_gather;
extern const tm_op tm_op_arg_max;
extern const tm_op tm_op_arg_min;
extern const tm_op tm_op_space_to_depth;
extern const tm_op tm_op_depth_to_space;
extern const tm_op tm_op_space_to_batch_nd;
extern const tm_op tm_op_batch_to_space_nd;
extern const tm_op tm_op_batch_matmul;
extern const tm_op tm_op_l2_normalization;
extern const tm_op tm_op_log_softmax;
extern const tm_op tm_op_resize_bilinear;
extern const tm_op tm_op_transpose_conv;
extern const tm_op tm_op_cast;
extern const tm_op tm_op_div;
// TFLM's audio front-end ("signal") ops: CUSTOM rows found by their custom code.
extern const tm_op tm_op_signal_window;
extern const tm_op tm_op_signal_fft_auto_scale;
extern const tm_op tm_op_signal_rfft;
extern const tm_op tm_op_signal_energy;
extern const tm_op tm_op_signal_filter_bank;
extern const tm_op tm_op_signal_filter_bank_square_root;
extern const tm_op tm_op_signal_filter_bank_spectral_subtraction;
extern const tm_op tm_op_signal_pcan;
extern const tm_op tm_op_signal_filter_bank_log;

#endif
