/* Declarations only, for the freestanding Xtensa portability check (firmware/xtensa/check.sh):
 * the part of math.h the engine may use (see string.h beside this file for why). */
#ifndef TINYML_FREESTANDING_MATH_H
#define TINYML_FREESTANDING_MATH_H
double round(double x);
float roundf(float x);
double floor(double x);
float floorf(float x);
double ceil(double x);
double fabs(double x);
float fabsf(float x);
double frexp(double x, int *exp);
double ldexp(double x, int exp);
double exp(double x);
float expf(float x);
float expm1f(float x);
double log(double x);
float logf(float x);
double sqrt(double x);
double tanh(double x);
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define HUGE_VAL (__builtin_huge_val())
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf_sign(x)
#define isfinite(x) __builtin_isfinite(x)
#endif
