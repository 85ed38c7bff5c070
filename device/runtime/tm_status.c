// tinyml: error recording with a tiny formatter (no libc printf, so it builds freestanding).
#include "tm_status.h"

#include <stdarg.h>

static void put_char(char *buf, size_t *pos, char c) {
    if (*pos + 1 < TM_ERROR_TEXT_LEN) {
        buf[(*pos)++] = c;
    }
}

static void put_str(char *buf, size_t *pos, const char *s) {
    if (s == NULL) {
        s = "(null)";
    }
    while (*s) {
        put_char(buf, pos, *s++);
    }
}

static void put_unsigned(char *buf, size_t *pos, unsigned long long v) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    while (n > 0) {
        put_char(buf, pos, digits[--n]);
    }
}

tm_status tm_fail(tm_error *err, tm_status status, const char *fmt, ...) {
    if (err == NULL || err->status != TM_OK) {
        return err != NULL ? err->status : status;
    }
    err->status = status;
    size_t pos = 0;
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; ++p) {
        if (*p != '%' || p[1] == '\0') {
            put_char(err->text, &pos, *p);
            continue;
        }
        ++p;
        switch (*p) {
            case 'd': {
                long v = va_arg(ap, int);
                if (v < 0) {
                    put_char(err->text, &pos, '-');
                    put_unsigned(err->text, &pos, (unsigned long long)(-(long long)v));
                } else {
                    put_unsigned(err->text, &pos, (unsigned long long)v);
                }
                break;
            }
            case 'u':
                put_unsigned(err->text, &pos, va_arg(ap, unsigned int));
                break;
            case 'z':
                put_unsigned(err->text, &pos, va_arg(ap, size_t));
                break;
            case 'q':
                put_unsigned(err->text, &pos, va_arg(ap, uint64_t));
                break;
            case 's':
                put_str(err->text, &pos, va_arg(ap, const char *));
                break;
            default:
                put_char(err->text, &pos, '%');
                put_char(err->text, &pos, *p);
                break;
        }
    }
    va_end(ap);
    err->text[pos] = '\0';
    return status;
}

void tm_error_clear(tm_error *err) {
    err->status = TM_OK;
    err->node = -1;
    err->bytes_needed = 0;
    err->text[0] = '\0';
}
