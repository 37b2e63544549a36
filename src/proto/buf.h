/*
 * A growable output buffer for encoders. Writes never fail individually: an
 * allocation failure (or growth past `limit`) sets `failed`, later writes are
 * ignored, and the encoder reports CQL_E_NOMEM / CQL_E_LIMIT once at the end.
 * Integers are written big-endian, as the protocol's [short], [int], [long].
 * The buffer owns `data`; cql_buf_free releases it, cql_buf_take hands it over.
 */
#ifndef CQLIO_PROTO_BUF_H
#define CQLIO_PROTO_BUF_H

#include "cqlio.h"

typedef struct cql_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t limit; /* 0: no limit beyond memory */
    cql_rc failed; /* CQL_OK, CQL_E_NOMEM or CQL_E_LIMIT */
} cql_buf;

/* Makes room for n more bytes; false (and `failed` set) when it cannot. */
bool cql_buf_reserve(cql_buf *b, size_t n);
void cql_buf_free(cql_buf *b);
/* Returns the bytes (caller frees with free()) and empties the buffer. */
uint8_t *cql_buf_take(cql_buf *b, size_t *len);

void cql_buf_put(cql_buf *b, const void *bytes, size_t n);
void cql_buf_put_u8(cql_buf *b, uint8_t v);
void cql_buf_put_u16(cql_buf *b, uint16_t v);
void cql_buf_put_u32(cql_buf *b, uint32_t v);
void cql_buf_put_u64(cql_buf *b, uint64_t v);
/* Overwrites 4 bytes at `at` (a length slot reserved earlier). */
void cql_buf_patch_u32(cql_buf *b, size_t at, uint32_t v);

/* [string]: [short] length + bytes; CQL_E_LIMIT (via `failed`) when n > 65535. */
void cql_buf_put_string(cql_buf *b, const char *s, size_t n);
/* [long string]: [int] length + bytes. */
void cql_buf_put_long_string(cql_buf *b, const char *s, size_t n);
/* [bytes]: [int] length + bytes; bytes == NULL writes length -1 (null). */
void cql_buf_put_bytes(cql_buf *b, const void *bytes, size_t n);
/* [short bytes]: [short] length + bytes. */
void cql_buf_put_short_bytes(cql_buf *b, const void *bytes, size_t n);

#endif
