/*
 * A bounds-checked cursor over a received buffer: the only way proto code
 * reads bytes. Every read checks the remaining length first; the first
 * failure is recorded (code, offset, what) and later reads fail at once, so a
 * decoder can chain reads and test `ok` once. Nothing here allocates.
 */
#ifndef CQLIO_PROTO_READER_H
#define CQLIO_PROTO_READER_H

#include "cqlio.h"

#include <string.h>

/* Big-endian loads from any alignment; GCC and Clang turn these into one
 * load and a byte swap, which the row index's inner loop depends on. */
static inline uint32_t cql_load_be32(const uint8_t *p)
{
#if defined(__GNUC__)
    uint32_t v;
    memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
#else
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
#endif
}

/* A view equal to a NUL-terminated string. */
static inline bool cql_str_is(cql_str s, const char *text)
{
    size_t n = strlen(text);
    return s.len == n && (n == 0 || memcmp(s.ptr, text, n) == 0);
}

typedef struct cql_reader {
    const uint8_t *buf;
    size_t len;
    size_t off;
    cql_diag diag; /* rc != CQL_OK once a read failed */
} cql_reader;

static inline cql_reader cql_reader_make(const uint8_t *buf, size_t len)
{
    cql_reader r = {buf, len, 0, {CQL_OK, 0, NULL}};
    return r;
}

static inline bool cql_reader_ok(const cql_reader *r) { return r->diag.rc == CQL_OK; }
static inline size_t cql_reader_left(const cql_reader *r) { return r->len - r->off; }

/* Records the first failure only: later ones are consequences of it. */
static inline bool cql_reader_fail(cql_reader *r, cql_rc rc, size_t offset, const char *what)
{
    if (r->diag.rc == CQL_OK) {
        r->diag.rc = rc;
        r->diag.offset = offset;
        r->diag.what = what;
    }
    return false;
}

static inline bool cql_reader_need(cql_reader *r, size_t n, const char *what)
{
    if (!cql_reader_ok(r))
        return false;
    if (n > cql_reader_left(r))
        return cql_reader_fail(r, CQL_E_TRUNCATED, r->off, what);
    return true;
}

static inline bool cql_read_u8(cql_reader *r, uint8_t *v, const char *what)
{
    if (!cql_reader_need(r, 1, what))
        return false;
    *v = r->buf[r->off++];
    return true;
}

static inline bool cql_read_u16(cql_reader *r, uint16_t *v, const char *what)
{
    if (!cql_reader_need(r, 2, what))
        return false;
    *v = (uint16_t)((r->buf[r->off] << 8) | r->buf[r->off + 1]);
    r->off += 2;
    return true;
}

static inline bool cql_read_u32(cql_reader *r, uint32_t *v, const char *what)
{
    if (!cql_reader_need(r, 4, what))
        return false;
    const uint8_t *p = r->buf + r->off;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    r->off += 4;
    return true;
}

/* [string]: a [short] length then that many bytes, returned as a view. */
static inline bool cql_read_string(cql_reader *r, cql_str *s, const char *what)
{
    uint16_t n;
    size_t at = r->off;
    if (!cql_read_u16(r, &n, what))
        return false;
    if (n > cql_reader_left(r))
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, what);
    s->ptr = (const char *)r->buf + r->off;
    s->len = n;
    r->off += n;
    return true;
}

static inline bool cql_read_u64(cql_reader *r, uint64_t *v, const char *what)
{
    uint32_t hi, lo;
    if (!cql_read_u32(r, &hi, what) || !cql_read_u32(r, &lo, what))
        return false;
    *v = ((uint64_t)hi << 32) | lo;
    return true;
}

static inline bool cql_read_i32(cql_reader *r, int32_t *v, const char *what)
{
    uint32_t u;
    if (!cql_read_u32(r, &u, what))
        return false;
    *v = (int32_t)u;
    return true;
}

/* n raw bytes as a view. */
static inline bool cql_read_raw(cql_reader *r, size_t n, const uint8_t **p, const char *what)
{
    if (!cql_reader_need(r, n, what))
        return false;
    *p = r->buf + r->off;
    r->off += n;
    return true;
}

/* [long string]: an [int] length (not negative) then that many bytes. */
static inline bool cql_read_long_string(cql_reader *r, cql_str *s, const char *what)
{
    size_t at = r->off;
    int32_t n;
    const uint8_t *p;
    if (!cql_read_i32(r, &n, what))
        return false;
    if (n < 0)
        return cql_reader_fail(r, CQL_E_MALFORMED, at, what);
    if (!cql_read_raw(r, (size_t)n, &p, what)) {
        r->diag.offset = at;
        return false;
    }
    s->ptr = (const char *)p;
    s->len = (size_t)n;
    return true;
}

/* [bytes]: an [int] length then bytes. A negative length is returned as is in
 * *n (null is -1; in v4+ values, -2 is "unset") with *p NULL; other negative
 * lengths are the caller's to judge. */
static inline bool cql_read_bytes(cql_reader *r, const uint8_t **p, int32_t *n, const char *what)
{
    size_t at = r->off;
    if (!cql_read_i32(r, n, what))
        return false;
    *p = NULL;
    if (*n < 0)
        return true;
    if (!cql_read_raw(r, (size_t)*n, p, what)) {
        r->diag.offset = at;
        return false;
    }
    return true;
}

/* [short bytes]: a [short] length then bytes. */
static inline bool cql_read_short_bytes(cql_reader *r, cql_str *s, const char *what)
{
    return cql_read_string(r, s, what);
}

/* Copies the reader's failure into a caller's diag (which may be NULL). */
static inline cql_rc cql_reader_report(const cql_reader *r, cql_diag *diag)
{
    if (diag != NULL)
        *diag = r->diag;
    return r->diag.rc;
}

#endif
