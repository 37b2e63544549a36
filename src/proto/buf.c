/* Growable output buffer for encoders; see buf.h for the failure model. */
#include "proto/buf.h"

#include <stdlib.h>
#include <string.h>

static bool fail(cql_buf *b, cql_rc rc)
{
    if (b->failed == CQL_OK)
        b->failed = rc;
    return false;
}

bool cql_buf_reserve(cql_buf *b, size_t n)
{
    if (b->failed != CQL_OK)
        return false;
    if (n > SIZE_MAX - b->len || (b->limit != 0 && b->len + n > b->limit))
        return fail(b, CQL_E_LIMIT);
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
    uint8_t *data = realloc(b->data, cap);
    if (data == NULL)
        return fail(b, CQL_E_NOMEM);
    b->data = data;
    b->cap = cap;
    return true;
}

void cql_buf_free(cql_buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *cql_buf_take(cql_buf *b, size_t *len)
{
    uint8_t *data = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void cql_buf_patch_u32(cql_buf *b, size_t at, uint32_t v)
{
    if (b->failed != CQL_OK || at > b->len || b->len - at < 4)
        return;
    b->data[at] = (uint8_t)(v >> 24);
    b->data[at + 1] = (uint8_t)(v >> 16);
    b->data[at + 2] = (uint8_t)(v >> 8);
    b->data[at + 3] = (uint8_t)v;
}

void cql_buf_put_string(cql_buf *b, const char *s, size_t n)
{
    if (n > UINT16_MAX) {
        fail(b, CQL_E_ARG); /* too long for its [short] length: the caller's value */
        return;
    }
    cql_buf_put_u16(b, (uint16_t)n);
    cql_buf_put(b, s, n);
}

void cql_buf_put_long_string(cql_buf *b, const char *s, size_t n)
{
    if (n > INT32_MAX) {
        fail(b, CQL_E_ARG);
        return;
    }
    cql_buf_put_u32(b, (uint32_t)n);
    cql_buf_put(b, s, n);
}

void cql_buf_put_bytes(cql_buf *b, const void *bytes, size_t n)
{
    if (bytes == NULL) {
        cql_buf_put_u32(b, UINT32_MAX); /* -1: null */
        return;
    }
    cql_buf_put_long_string(b, bytes, n);
}

void cql_buf_put_short_bytes(cql_buf *b, const void *bytes, size_t n)
{
    cql_buf_put_string(b, bytes, n);
}
