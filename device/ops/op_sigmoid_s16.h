// tinyml op glue: the int16 prepare and eval LOGISTIC and TANH share (TFLM's 16x8 mode; TFLM
// logistic_common.cc CalculateArithmeticOpDataLogistic and tanh.cc CalculateArithmeticOpData for
// int16); the kernels are kernels/sigmoid_s16.c.
#ifndef TM_OP_SIGMOID_S16_H
#define TM_OP_SIGMOID_S16_H

#include "tm_model.h"

// True when the node's input is int16 (the op takes this path).
int tm_op_sigmoid_s16_selected(const tm_model *m, const tm_node *n);

// One int16 input and output of as many elements, zero points 0, the output scale 2^-15 (TFLM's
// CheckedLog2); stores a tm_sigmoid_s16_params in n->data. is_tanh: TANH's rules, else LOGISTIC's.
tm_status tm_op_sigmoid_s16_prepare(tm_model *m, tm_node *n, const char *op, int is_tanh, tm_error *err);

void tm_op_logistic_s16_eval(const tm_model *m, const tm_node *n);
void tm_op_tanh_s16_eval(const tm_model *m, const tm_node *n);

#endif
