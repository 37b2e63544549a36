/*
 * SUPPORTED: a [string multimap]. Decoded in two passes over a private copy
 * of the body: the first validates every length and counts keys and values,
 * the second fills views into the copy. Counts are bounded by the body size
 * (every key and value costs at least two bytes), so no allocation is sized
 * by an unchecked length.
 */
#include "proto/response.h"

#include <stdlib.h>
#include <string.h>

struct cql_supported {
    size_t nkeys;
    cql_str *keys;
    size_t *first_value; /* index into values of each key's first value; nkeys + 1 entries */
    cql_str *values;
    uint8_t *body; /* the copy every view points into */
};

/* Walks the multimap; with s == NULL it only validates and counts. */
static void walk(cql_reader *r, struct cql_supported *s, bool trailing_ok, size_t *nkeys,
                 size_t *nvalues)
{
    uint16_t keys = 0;
    size_t v = 0;
    cql_read_u16(r, &keys, "string multimap: key count");
    for (size_t k = 0; k < keys && cql_reader_ok(r); k++) {
        cql_str key;
        uint16_t n = 0;
        cql_read_string(r, &key, "string multimap: key");
        cql_read_u16(r, &n, "string multimap: value count");
        if (s != NULL) {
            s->keys[k] = key;
            s->first_value[k] = v;
        }
        for (size_t j = 0; j < n && cql_reader_ok(r); j++, v++) {
            cql_str value;
            if (cql_read_string(r, &value, "string multimap: value") && s != NULL)
                s->values[v] = value;
        }
    }
    if (!trailing_ok && cql_reader_ok(r) && cql_reader_left(r) != 0)
        cql_reader_fail(r, CQL_E_MALFORMED, r->off, "string multimap: bytes after the last entry");
    *nkeys = keys;
    *nvalues = v;
    if (s != NULL)
        s->first_value[keys] = v;
}

static cql_rc decode(const uint8_t *body, size_t len, bool trailing_ok, cql_supported **out,
                     cql_diag *diag)
{
    cql_reader r = cql_reader_make(body, len);
    size_t nkeys = 0, nvalues = 0;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (body == NULL && len != 0)) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "SUPPORTED: NULL body or output");
        return cql_reader_report(&r, diag);
    }
    walk(&r, NULL, trailing_ok, &nkeys, &nvalues);
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);

    struct cql_supported *s = calloc(1, sizeof *s);
    if (s != NULL) {
        s->keys = calloc(nkeys ? nkeys : 1, sizeof *s->keys);
        s->first_value = calloc(nkeys + 1, sizeof *s->first_value);
        s->values = calloc(nvalues ? nvalues : 1, sizeof *s->values);
        s->body = malloc(len ? len : 1);
    }
    if (s == NULL || !s->keys || !s->first_value || !s->values || !s->body) {
        cql_supported_free(s);
        cql_reader_fail(&r, CQL_E_NOMEM, 0, "SUPPORTED: allocating the decoded map");
        return cql_reader_report(&r, diag);
    }
    if (len)
        memcpy(s->body, body, len);
    r = cql_reader_make(s->body, len);
    walk(&r, s, trailing_ok, &s->nkeys, &nvalues);
    *out = s;
    return cql_reader_report(&r, diag);
}

cql_rc cql_supported_decode(const uint8_t *body, size_t len, cql_supported **out, cql_diag *diag)
{
    return decode(body, len, false, out, diag);
}

cql_rc cql_supported_decode_within(const uint8_t *body, size_t len, cql_supported **out,
                                   cql_diag *diag)
{
    return decode(body, len, true, out, diag);
}

size_t cql_supported_count(const cql_supported *s) { return s ? s->nkeys : 0; }

cql_str cql_supported_key(const cql_supported *s, size_t i)
{
    cql_str empty = {"", 0};
    return (s && i < s->nkeys) ? s->keys[i] : empty;
}

size_t cql_supported_value_count(const cql_supported *s, size_t i)
{
    return (s && i < s->nkeys) ? s->first_value[i + 1] - s->first_value[i] : 0;
}

cql_str cql_supported_value(const cql_supported *s, size_t i, size_t j)
{
    cql_str empty = {"", 0};
    if (j >= cql_supported_value_count(s, i))
        return empty;
    return s->values[s->first_value[i] + j];
}

bool cql_supported_has(const cql_supported *s, const char *key, const char *value)
{
    if (s == NULL || key == NULL || value == NULL)
        return false;
    for (size_t i = 0; i < s->nkeys; i++) {
        if (!cql_str_is(s->keys[i], key))
            continue;
        for (size_t j = 0; j < cql_supported_value_count(s, i); j++)
            if (cql_str_is(cql_supported_value(s, i, j), value))
                return true;
    }
    return false;
}

void cql_supported_free(cql_supported *s)
{
    if (s == NULL)
        return;
    free(s->keys);
    free(s->first_value);
    free(s->values);
    free(s->body);
    free(s);
}
