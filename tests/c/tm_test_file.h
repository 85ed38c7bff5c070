// tinyml C tests: a whole file read into malloc'd memory (the caller frees it), e.g. a model.
#ifndef TM_TEST_FILE_H
#define TM_TEST_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// NULL when the file cannot be opened or read whole; *len is its size.
static inline uint8_t *tm_test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n >= 0 ? (size_t)n : 0;
    return buf;
}

#endif
