// tinyml: status codes and the error record every layer fills on failure.
// Plain C99, no MicroPython headers.
#ifndef TM_STATUS_H
#define TM_STATUS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TM_OK = 0,
    TM_ERR_MODEL,       // malformed or corrupt model buffer (out of bounds, bad offset, bad shape...)
    TM_ERR_UNSUPPORTED, // valid model, but an op / type / version / option this runtime lacks
    TM_ERR_ARENA,       // the arena given is too small
    TM_ERR_ARGUMENT,    // bad argument from the caller (wrong input size, index out of range...)
} tm_status;

#define TM_ERROR_TEXT_LEN 240

typedef struct {
    tm_status status;
    int node;            // node index the error belongs to, or -1
    size_t bytes_needed; // for TM_ERR_ARENA
    char text[TM_ERROR_TEXT_LEN];
} tm_error;

// Records the first error (later ones are ignored) and returns its status.
// printf-like formatting supports %d, %u, %s, %z (size_t), %q (uint64_t) only: no libc printf needed.
tm_status tm_fail(tm_error *err, tm_status status, const char *fmt, ...);

void tm_error_clear(tm_error *err);

#endif
