// tinyml: the op table. Adding an op = its kernel, its op_<name>.c glue and one row here.
#include "tm_ops.h"

#include <stddef.h>

const tm_op *const tm_op_table[] = {
    &tm_op_add,
    &tm_op_average_pool_2d,
    &tm_op_batch_matmul,
    &tm_op_concatenation,
    &tm_op_conv_2d,
    &tm_op_depthwise_conv_2d,
    &tm_op_dequantize,
    &tm_op_elu,
    &tm_op_expand_dims,
    &tm_op_fully_connected,
    &tm_op_hard_swish,
    &tm_op_l2_normalization,
    &tm_op_leaky_relu,
    &tm_op_log_softmax,
    &tm_op_logistic,
    &tm_op_max_pool_2d,
    &tm_op_maximum,
    &tm_op_mean,
    &tm_op_minimum,
    &tm_op_mul,
    &tm_op_pack,
    &tm_op_pad,
    &tm_op_prelu,
    &tm_op_quantize,
    &tm_op_reduce_max,
    &tm_op_reduce_min,
    &tm_op_relu,
    &tm_op_relu6,
    &tm_op_reshape,
    &tm_op_resize_bilinear,
    &tm_op_resize_nearest_neighbor,
    &tm_op_rsqrt,
    &tm_op_shape,
    &tm_op_slice,
    &tm_op_softmax,
    &tm_op_squared_difference,
    &tm_op_split,
    &tm_op_split_v,
    &tm_op_squeeze,
    &tm_op_strided_slice,
    &tm_op_sub,
    &tm_op_sum,
    &tm_op_tanh,
    &tm_op_transpose,
    &tm_op_transpose_conv,
    &tm_op_unpack,
};

const int tm_op_table_len = (int)(sizeof(tm_op_table) / sizeof(tm_op_table[0]));

const tm_op *tm_op_find(int32_t builtin_code) {
    for (int i = 0; i < tm_op_table_len; ++i) {
        if (tm_op_table[i]->builtin_code == builtin_code) {
            return tm_op_table[i];
        }
    }
    return NULL;
}
