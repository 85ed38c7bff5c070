// Converting user floats to and from quantized tensor values (device/runtime/tm_io.c): the
// formulas of TFLM's QUANTIZE/DEQUANTIZE, and no overflow whatever a corrupt model says.
#include "tm_test.h"
#include "tm_io.h"

static void test_quantize_rounds_half_away_and_saturates(void) {
    TM_CHECK_EQ(tm_quantize_value(0.25f, 0.5f, 0, -128, 127), 1);   // 0.5 -> 1
    TM_CHECK_EQ(tm_quantize_value(-0.25f, 0.5f, 0, -128, 127), -1); // -0.5 -> -1
    TM_CHECK_EQ(tm_quantize_value(1000.0f, 0.5f, 3, -128, 127), 127);
    TM_CHECK_EQ(tm_quantize_value(-1e30f, 1e-30f, 0, -32768, 32767), -32768);
    TM_CHECK_EQ(tm_quantize_value(0.0f / 0.0f, 0.5f, 7, -128, 127), 7); // NaN -> zero point
}

static void test_dequantize(void) {
    TM_CHECK(tm_dequantize_value(5, 0.5f, 1) == 2.0f);
    TM_CHECK(tm_dequantize_value(-128, 0.25f, -128) == 0.0f);
}

// Found by the fuzzer: a zero point of -2147483594 made (q - zero_point) overflow int32.
static void test_dequantize_extreme_zero_point(void) {
    TM_CHECK(tm_dequantize_value(54, 1.0f, -2147483594) == 2147483648.0f);
    TM_CHECK(tm_dequantize_value(-2147483647 - 1, 1.0f, 2147483647) == -4294967295.0f);
}

int main(void) {
    TM_RUN(test_quantize_rounds_half_away_and_saturates);
    TM_RUN(test_dequantize);
    TM_RUN(test_dequantize_extreme_zero_point);
    return tm_test_summary("test_io");
}
