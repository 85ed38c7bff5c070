/* Declarations only, for the freestanding Xtensa portability check (firmware/xtensa/check.sh).
 * The Xtensa compiler Debian ships (gcc-xtensa-lx106) has no C library: only the compiler's own
 * freestanding headers (stdint.h, stddef.h, float.h, stdarg.h...). On a real ESP32 the engine links
 * against ESP-IDF's newlib. This header declares exactly the part of string.h the engine may use;
 * using anything else fails the check at compile time. */
#ifndef TINYML_FREESTANDING_STRING_H
#define TINYML_FREESTANDING_STRING_H
#include <stddef.h>
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
