// tinyml C tests: a tiny assertion harness. Each tests/c/test_*.c is one program:
//   int main(void) { TM_RUN(test_a); TM_RUN(test_b); return tm_test_summary("test_name"); }
// A failing check prints file:line, what was compared, actual and expected; the test goes on.
#ifndef TM_TEST_H
#define TM_TEST_H

#include <stdio.h>
#include <stdint.h>

static int tm_test_checks_failed;
static int tm_test_cases_failed;
static int tm_test_cases_passed;

#define TM_CHECK(cond)                                                                                                 \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                            \
            ++tm_test_checks_failed;                                                                                   \
        }                                                                                                              \
    } while (0)

#define TM_CHECK_EQ(actual, expected)                                                                                  \
    do {                                                                                                               \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                                                \
        if (a_ != e_) {                                                                                                \
            printf("%s:%d: %s: actual %lld, expected %lld\n", __FILE__, __LINE__, #actual, a_, e_);                    \
            ++tm_test_checks_failed;                                                                                   \
        }                                                                                                              \
    } while (0)

// Compares two int8 arrays and prints the first mismatches with their positions.
#define TM_CHECK_I8_ARRAY(actual, expected, n)                                                                         \
    do {                                                                                                               \
        int shown_ = 0;                                                                                                \
        for (int i_ = 0; i_ < (int)(n); ++i_) {                                                                        \
            if ((actual)[i_] != (expected)[i_]) {                                                                      \
                if (shown_++ < 8) {                                                                                    \
                    printf("%s:%d: %s[%d]: actual %d, expected %d\n", __FILE__, __LINE__, #actual, i_,                 \
                        (int)(actual)[i_], (int)(expected)[i_]);                                                       \
                }                                                                                                      \
                ++tm_test_checks_failed;                                                                               \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

// TM_CHECK_I8_ARRAY for case `index` of a table of cases: a mismatch also prints which case.
#define TM_CHECK_I8_VECTOR(actual, expected, n, index)                                                                 \
    do {                                                                                                               \
        int vector_before_ = tm_test_checks_failed;                                                                    \
        TM_CHECK_I8_ARRAY(actual, expected, n);                                                                        \
        if (tm_test_checks_failed != vector_before_) {                                                                 \
            printf("  in vector %u\n", (unsigned)(index));                                                             \
        }                                                                                                              \
    } while (0)

#define TM_RUN(fn)                                                                                                     \
    do {                                                                                                               \
        int before_ = tm_test_checks_failed;                                                                           \
        fn();                                                                                                          \
        if (tm_test_checks_failed == before_) {                                                                        \
            ++tm_test_cases_passed;                                                                                    \
        } else {                                                                                                       \
            ++tm_test_cases_failed;                                                                                    \
            printf("FAIL %s\n", #fn);                                                                                  \
        }                                                                                                              \
    } while (0)

static inline int tm_test_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, tm_test_cases_passed, tm_test_cases_failed);
    return tm_test_cases_failed != 0;
}

#endif
