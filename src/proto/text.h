/*
 * Writing text into a caller's buffer the way snprintf does: everything that
 * fits is written, the full length is counted regardless, and the result is
 * NUL-terminated when the buffer has any room. Shared by the type spellers
 * and the number formatters.
 */
#ifndef CQLIO_PROTO_TEXT_H
#define CQLIO_PROTO_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cql_text {
    char *buf;
    size_t cap; /* usable bytes, the NUL excluded */
    size_t len; /* the full length, even past cap */
} cql_text;

static inline cql_text cql_text_make(char *buf, size_t cap)
{
    cql_text t = {buf, cap > 0 ? cap - 1 : 0, 0};
    return t;
}

static inline void cql_text_put(cql_text *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static inline void cql_text_puts(cql_text *o, const char *s) { cql_text_put(o, s, strlen(s)); }

static inline void cql_text_put_uint(cql_text *o, uint64_t v)
{
    char digits[24];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    cql_text_put(o, digits + i, sizeof digits - i);
}

/* NUL-terminates what was written (given the buffer's real size) and
 * returns the full length. */
static inline size_t cql_text_end(cql_text *o, size_t real_cap)
{
    if (real_cap > 0)
        o->buf[o->len < real_cap - 1 ? o->len : real_cap - 1] = '\0';
    return o->len;
}

#endif
