// tinyml: prepare shared by AVERAGE_POOL_2D and MAX_POOL_2D (op_average_pool_2d.c,
// op_max_pool_2d.c). Mirrors TFLM's PoolingPrepare / CalculateOpDataPooling for int8.
#ifndef TM_OP_POOL_2D_COMMON_H
#define TM_OP_POOL_2D_COMMON_H

#include "tm_model.h"

size_t tm_pool_2d_persist_bytes(const tm_model *m, const tm_node *n);

// Validates the node and stores a tm_pool_params (kernels/pool_2d.h) in n->data.
tm_status tm_pool_2d_prepare(tm_model *m, tm_node *n, const char *op_name, tm_error *err);

#endif
