/*
 * A growable output buffer for encoders. Writes never fail individually: an
 * allocation failure (CQL_E_NOMEM), growth past `limit` (CQL_E_LIMIT) or a
 * string too long for its length field (CQL_E_ARG) sets `failed`, later
 * writes are ignored, and the encoder reports that code once at the end.
 * Integers are written big-endian, as the protocol's [short], [int], [long].
 * The buffer owns `data`; cql_buf_free releases it, cql_buf_take hands it over.
 */
#ifndef CQLIO_PROTO_BUF_H
#define CQLIO_PROTO_BUF_H

#include "cqlio.h"

#include <string.h>

/* cql_buf itself is declared in cqlio.h (encoders append to a caller's buffer). */

/* Makes room for n more bytes; false (and `failed` set) when it cannot. */
bool cql_buf_reserve(cql_buf *b, size_t n);
/* Returns the bytes (caller frees with free()) and empties the buffer. */
uint8_t *cql_buf_take(cql_buf *b, size_t *len);

/* The writers are inline: the common case (room left) is a bounds test and
 * a store, which matters when a request carries hundreds of values. */
static inline bool cql_buf_room(cql_buf *b, size_t n)
{
    return (b->cap - b->len >= n && b->failed == CQL_OK &&
            (b->limit == 0 || (b->len <= b->limit && b->limit - b->len >= n))) ||
           cql_buf_reserve(b, n);
}

static inline void cql_buf_put(cql_buf *b, const void *bytes, size_t n)
{
    if (n == 0 || !cql_buf_room(b, n))
        return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static inline void cql_buf_put_u8(cql_buf *b, uint8_t v)
{
    if (!cql_buf_room(b, 1))
        return;
    b->data[b->len++] = v;
}

static inline void cql_buf_put_u16(cql_buf *b, uint16_t v)
{
    if (!cql_buf_room(b, 2))
        return;
    b->data[b->len] = (uint8_t)(v >> 8);
    b->data[b->len + 1] = (uint8_t)v;
    b->len += 2;
}

static inline void cql_buf_put_u32(cql_buf *b, uint32_t v)
{
    if (!cql_buf_room(b, 4))
        return;
    uint8_t *p = b->data + b->len;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    b->len += 4;
}

static inline void cql_buf_put_u64(cql_buf *b, uint64_t v)
{
    cql_buf_put_u32(b, (uint32_t)(v >> 32));
    cql_buf_put_u32(b, (uint32_t)v);
}

/* Overwrites 4 bytes at `at` (a length slot reserved earlier). */
void cql_buf_patch_u32(cql_buf *b, size_t at, uint32_t v);

/* [string]: [short] length + bytes; CQL_E_ARG (via `failed`) when n > 65535. */
void cql_buf_put_string(cql_buf *b, const char *s, size_t n);
/* [long string]: [int] length + bytes. */
void cql_buf_put_long_string(cql_buf *b, const char *s, size_t n);
/* [bytes]: [int] length + bytes; bytes == NULL writes length -1 (null). */
void cql_buf_put_bytes(cql_buf *b, const void *bytes, size_t n);
/* [short bytes]: [short] length + bytes. */
void cql_buf_put_short_bytes(cql_buf *b, const void *bytes, size_t n);

#endif
