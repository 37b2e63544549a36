/*
 * Given values (value.h): their intrinsic checks, and their encoding as one
 * [bytes] cell, either for a column's CQL type (bound statements: every fit
 * rule of cqlio.h is here) or by their own tag (simple statements).
 *
 * Composites are written with the codec's cql_encode_begin/end frames, which
 * count elements and lay vectors out packed or length-prefixed. Without a
 * column type, a stand-in type of the right shape is handed to those frames,
 * so the layout rules live in one place.
 */
#include "engine/value.h"
#include "proto/values.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* Where in a composite value the encoder is: a chain from the innermost
 * element up to the cell itself (NULL), for messages only. */
typedef struct path {
    const struct path *up;
    const char *label;    /* "element", "key", "value", or NULL for a UDT field */
    size_t index;         /* element index; pair index for "key" and "value" */
    const char *field;    /* UDT: the field's name */
    const cql_type *type; /* UDT: the field's type */
} path;

typedef struct enc {
    cql_buf *b;
    char *why;
    size_t cap;
} enc;

const char *cql_given_describe(const cql_given *g)
{
    switch (g->tag) {
    case CQL_GIVEN_NULL: return "null";
    case CQL_GIVEN_UNSET: return "unset";
    case CQL_GIVEN_BOOL: return "a bool";
    case CQL_GIVEN_INT8: return "an int8";
    case CQL_GIVEN_INT16: return "an int16";
    case CQL_GIVEN_INT32: return "an int32";
    case CQL_GIVEN_INT64: return "an int64";
    case CQL_GIVEN_FLOAT: return "a float";
    case CQL_GIVEN_DOUBLE: return "a double";
    case CQL_GIVEN_STRING: return "a string";
    case CQL_GIVEN_BYTES: return "bytes";
    case CQL_GIVEN_UUID: return "a uuid";
    case CQL_GIVEN_INET: return "an inet";
    case CQL_GIVEN_DATE: return "a date";
    case CQL_GIVEN_TIME: return "a time";
    case CQL_GIVEN_TIMESTAMP: return "a timestamp";
    case CQL_GIVEN_DURATION: return "a duration";
    case CQL_GIVEN_VARINT: return "a varint";
    case CQL_GIVEN_DECIMAL: return "a decimal";
    case CQL_GIVEN_COLLECTION:
        if (g->u.collection == NULL)
            return "a NULL collection";
        switch (cql_collection_kind_of(g->u.collection)) {
        case CQL_COLLECTION_LIST: return "a list";
        case CQL_COLLECTION_SET: return "a set";
        case CQL_COLLECTION_MAP: return "a map";
        case CQL_COLLECTION_TUPLE: return "a tuple";
        case CQL_COLLECTION_UDT: return "a UDT";
        case CQL_COLLECTION_VECTOR: return "a vector";
        }
        return "a collection";
    }
    return "a value of unknown kind";
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */
/* ------------------------------------------------------------------------ */

static size_t appendv(char *buf, size_t cap, size_t at, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Appends to buf[at..cap) like snprintf; returns the new length, capped so
 * that later appends stay inside the buffer. */
static size_t appendv(char *buf, size_t cap, size_t at, const char *fmt, va_list ap)
{
    if (buf == NULL || cap == 0 || at >= cap - 1)
        return at;
    int n = vsnprintf(buf + at, cap - at, fmt, ap);
    if (n < 0)
        return at;
    return (size_t)n >= cap - at ? cap - 1 : at + (size_t)n;
}

static size_t append(char *buf, size_t cap, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t cap, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    at = appendv(buf, cap, at, fmt, ap);
    va_end(ap);
    return at;
}

/* "value 0, element 2" from the outermost level in. */
static size_t put_path(const enc *e, const path *at, size_t len)
{
    if (at == NULL)
        return len;
    len = put_path(e, at->up, len);
    if (at->up != NULL)
        len = append(e->why, e->cap, len, ", ");
    if (at->label != NULL)
        return append(e->why, e->cap, len, "%s %zu", at->label, at->index);
    char type[96];
    cql_type_format(at->type, type, sizeof type);
    return append(e->why, e->cap, len, "field \"%s\" (%s)", at->field ? at->field : "", type);
}

static cql_rc fail(const enc *e, const path *at, cql_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes "<path>: <clause>" (or the clause alone at the top) and returns rc. */
static cql_rc fail(const enc *e, const path *at, cql_rc rc, const char *fmt, ...)
{
    if (e->why == NULL || e->cap == 0)
        return rc;
    size_t len = put_path(e, at, 0);
    if (at != NULL)
        len = append(e->why, e->cap, len, ": ");
    va_list ap;
    va_start(ap, fmt);
    appendv(e->why, e->cap, len, fmt, ap);
    va_end(ap);
    return rc;
}

static cql_rc mismatch(const enc *e, const path *at, const cql_given *g)
{
    return fail(e, at, CQL_E_TYPE, "given %s", cql_given_describe(g));
}

/* ------------------------------------------------------------------------ */
/* Intrinsic checks                                                          */
/* ------------------------------------------------------------------------ */

static bool carries_bytes(cql_given_tag tag)
{
    return tag == CQL_GIVEN_STRING || tag == CQL_GIVEN_BYTES || tag == CQL_GIVEN_UUID ||
           tag == CQL_GIVEN_INET || tag == CQL_GIVEN_VARINT || tag == CQL_GIVEN_DECIMAL;
}

cql_rc cql_given_check(const cql_given *g, char *why, size_t cap)
{
    enc e = {NULL, why, cap};
    if (why != NULL && cap > 0)
        why[0] = '\0';
    if (g == NULL)
        return fail(&e, NULL, CQL_E_ARG, "given no value");
    const char *what = cql_given_describe(g);
    if (carries_bytes(g->tag)) {
        if (g->u.bytes.ptr == NULL && (g->u.bytes.len > 0 || g->tag == CQL_GIVEN_UUID))
            return g->tag == CQL_GIVEN_UUID
                       ? fail(&e, NULL, CQL_E_ARG, "given a NULL uuid")
                       : fail(&e, NULL, CQL_E_ARG, "given %s with a NULL pointer and length %zu",
                              what, g->u.bytes.len);
        if (g->u.bytes.len > CQL_GIVEN_MAX_BYTES)
            return fail(&e, NULL, CQL_E_ARG, "given %s of %zu bytes; a request carries at most %u",
                        what, g->u.bytes.len, CQL_GIVEN_MAX_BYTES);
    }
    uint32_t raw;
    switch (g->tag) {
    case CQL_GIVEN_INET:
        if (g->u.bytes.len != 4 && g->u.bytes.len != 16)
            return fail(&e, NULL, CQL_E_ARG,
                        "given an inet of %zu bytes; an address is 4 (IPv4) or 16 (IPv6) bytes",
                        g->u.bytes.len);
        break;
    case CQL_GIVEN_VARINT:
    case CQL_GIVEN_DECIMAL:
        if (g->u.bytes.len == 0)
            return fail(&e, NULL, CQL_E_ARG,
                        "given %s without digits; its unscaled value needs one byte or more", what);
        break;
    case CQL_GIVEN_DATE:
        if (!cql_date_from_days(g->u.i, &raw))
            return fail(&e, NULL, CQL_E_ARG,
                        "given a date of %" PRId64 " days, outside what a date holds "
                        "(-2147483648..2147483647 days from 1970-01-01)",
                        g->u.i);
        break;
    case CQL_GIVEN_TIME:
        if (g->u.i < 0 || g->u.i > CQL_TIME_MAX_NS)
            return fail(&e, NULL, CQL_E_ARG,
                        "given a time of %" PRId64 " ns, outside 0..86399999999999 (a time of day)",
                        g->u.i);
        break;
    case CQL_GIVEN_DURATION: {
        int64_t m = g->u.duration.months, d = g->u.duration.days, n = g->u.duration.nanoseconds;
        if (!((m >= 0 && d >= 0 && n >= 0) || (m <= 0 && d <= 0 && n <= 0)))
            return fail(&e, NULL, CQL_E_ARG,
                        "given a duration whose months, days and nanoseconds differ in sign");
        break;
    }
    case CQL_GIVEN_COLLECTION:
        if (g->u.collection == NULL)
            return fail(&e, NULL, CQL_E_ARG, "given a NULL collection");
        break;
    case CQL_GIVEN_NULL:
    case CQL_GIVEN_UNSET:
    case CQL_GIVEN_BOOL:
    case CQL_GIVEN_INT8:
    case CQL_GIVEN_INT16:
    case CQL_GIVEN_INT32:
    case CQL_GIVEN_INT64:
    case CQL_GIVEN_FLOAT:
    case CQL_GIVEN_DOUBLE:
    case CQL_GIVEN_STRING:
    case CQL_GIVEN_BYTES:
    case CQL_GIVEN_UUID:
    case CQL_GIVEN_TIMESTAMP: break;
    default: return fail(&e, NULL, CQL_E_ARG, "given a value of unknown kind");
    }
    return CQL_OK;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------ */

/* The codec encoders refuse only what the checks before them let through by
 * mistake; say so rather than pass their CQL_E_ARG on as the caller's. */
static cql_rc written(const enc *e, const path *at, const cql_given *g, cql_rc rc)
{
    if (rc == CQL_E_ARG)
        return fail(e, at, CQL_E_ARG, "given %s that cannot be encoded", cql_given_describe(g));
    return rc;
}

static size_t int_width(cql_given_tag tag)
{
    switch (tag) {
    case CQL_GIVEN_INT8: return 1;
    case CQL_GIVEN_INT16: return 2;
    case CQL_GIVEN_INT32: return 4;
    default: return 8;
    }
}

/* Narrower integers widen into wider integer columns and varint; int64 also
 * fits timestamp (milliseconds) and time (nanoseconds, range-checked). */
static cql_rc encode_integer(const enc *e, const path *at, const cql_type *t, const cql_given *g)
{
    size_t w = int_width(g->tag);
    int64_t v = g->u.i;
    cql_buf *b = e->b;
    switch (t->kind) {
    case CQL_TYPE_TINYINT:
        if (w == 1)
            return written(e, at, g, cql_encode_tinyint(b, (int8_t)v));
        break;
    case CQL_TYPE_SMALLINT:
        if (w <= 2)
            return written(e, at, g, cql_encode_smallint(b, (int16_t)v));
        break;
    case CQL_TYPE_INT:
        if (w <= 4)
            return written(e, at, g, cql_encode_int(b, (int32_t)v));
        break;
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER: return written(e, at, g, cql_encode_bigint(b, v));
    case CQL_TYPE_VARINT: return written(e, at, g, cql_encode_varint(b, v));
    case CQL_TYPE_TIMESTAMP:
        if (w == 8)
            return written(e, at, g, cql_encode_bigint(b, v));
        break;
    case CQL_TYPE_TIME:
        if (w != 8)
            break;
        if (v < 0 || v > CQL_TIME_MAX_NS)
            return fail(e, at, CQL_E_TYPE,
                        "given an int64 of %" PRId64 ", outside a time's 0..86399999999999 ns", v);
        return written(e, at, g, cql_encode_time(b, v));
    default: break;
    }
    return mismatch(e, at, g);
}

static cql_rc encode_string(const enc *e, const path *at, const cql_type *t, const cql_given *g)
{
    const char *s = (const char *)g->u.bytes.ptr;
    size_t n = g->u.bytes.len;
    if (t->kind == CQL_TYPE_ASCII) {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] >= 0x80)
                return fail(e, at, CQL_E_TYPE,
                            "given a string that is not ASCII (byte %zu is 0x%02X)", i,
                            (unsigned)(unsigned char)s[i]);
        return written(e, at, g, cql_encode_ascii(e->b, s, n));
    }
    if (t->kind == CQL_TYPE_VARCHAR) {
        size_t bad = 0;
        if (n > 0 && !cql_utf8_valid((const uint8_t *)s, n, &bad))
            return fail(e, at, CQL_E_TYPE, "given a string that is not valid UTF-8 (at byte %zu)",
                        bad);
        return written(e, at, g, cql_encode_text(e->b, s, n));
    }
    return mismatch(e, at, g);
}

/* Already serialized bytes fit any column, but only as a valid value of it:
 * the server would refuse anything else, with a vaguer message. */
static cql_rc encode_bytes(const enc *e, const path *at, const cql_type *t, const cql_given *g)
{
    const cql_limits limits = {0, CQL_DEPTH_CEILING, UINT32_MAX};
    cql_diag d = {CQL_OK, 0, NULL};
    if (cql_value_validate(t, g->u.bytes.ptr, (int32_t)g->u.bytes.len, &limits, &d) != CQL_OK) {
        char type[96];
        cql_type_format(t, type, sizeof type);
        return fail(e, at, CQL_E_TYPE, "given %zu bytes that are not a valid %s (%s, at byte %zu)",
                    g->u.bytes.len, type, d.what ? d.what : "invalid", d.offset);
    }
    return written(e, at, g, cql_encode_blob(e->b, g->u.bytes.ptr, g->u.bytes.len));
}

static cql_rc encode_uuid(const enc *e, const path *at, const cql_type *t, const cql_given *g)
{
    const uint8_t *u = g->u.bytes.ptr;
    if (t->kind == CQL_TYPE_UUID)
        return written(e, at, g, cql_encode_uuid(e->b, u));
    if (t->kind != CQL_TYPE_TIMEUUID)
        return mismatch(e, at, g);
    if ((u[6] & 0xF0) != 0x10)
        return fail(e, at, CQL_E_TYPE, "given a uuid of version %u; a timeuuid is a version 1 uuid",
                    (unsigned)(u[6] >> 4));
    return written(e, at, g, cql_encode_timeuuid(e->b, u));
}

static cql_rc encode_collection(const enc *e, const path *at, const cql_type *t,
                                const cql_collection *c);

/* g for a column of type t; null and unset are the caller's. */
static cql_rc encode_typed(const enc *e, const path *at, const cql_type *t, const cql_given *g)
{
    cql_buf *b = e->b;
    uint32_t raw = 0;
    switch (g->tag) {
    case CQL_GIVEN_INT8:
    case CQL_GIVEN_INT16:
    case CQL_GIVEN_INT32:
    case CQL_GIVEN_INT64: return encode_integer(e, at, t, g);
    case CQL_GIVEN_STRING: return encode_string(e, at, t, g);
    case CQL_GIVEN_BYTES: return encode_bytes(e, at, t, g);
    case CQL_GIVEN_UUID: return encode_uuid(e, at, t, g);
    case CQL_GIVEN_COLLECTION: return encode_collection(e, at, t, g->u.collection);
    case CQL_GIVEN_BOOL:
        if (t->kind == CQL_TYPE_BOOLEAN)
            return written(e, at, g, cql_encode_boolean(b, g->u.b));
        break;
    case CQL_GIVEN_FLOAT:
        if (t->kind == CQL_TYPE_FLOAT)
            return written(e, at, g, cql_encode_float(b, g->u.f));
        break;
    case CQL_GIVEN_DOUBLE:
        if (t->kind == CQL_TYPE_DOUBLE)
            return written(e, at, g, cql_encode_double(b, g->u.d));
        break;
    case CQL_GIVEN_INET:
        if (t->kind == CQL_TYPE_INET)
            return written(e, at, g, cql_encode_inet(b, g->u.bytes.ptr, g->u.bytes.len));
        break;
    case CQL_GIVEN_DATE:
        if (t->kind == CQL_TYPE_DATE && cql_date_from_days(g->u.i, &raw))
            return written(e, at, g, cql_encode_date(b, raw));
        break;
    case CQL_GIVEN_TIME:
        if (t->kind == CQL_TYPE_TIME)
            return written(e, at, g, cql_encode_time(b, g->u.i));
        break;
    case CQL_GIVEN_TIMESTAMP:
        if (t->kind == CQL_TYPE_TIMESTAMP)
            return written(e, at, g, cql_encode_bigint(b, g->u.i));
        break;
    case CQL_GIVEN_DURATION:
        if (t->kind == CQL_TYPE_DURATION) {
            cql_duration d = {g->u.duration.months, g->u.duration.days, g->u.duration.nanoseconds};
            return written(e, at, g, cql_encode_duration(b, d));
        }
        break;
    case CQL_GIVEN_VARINT:
        if (t->kind == CQL_TYPE_VARINT)
            return written(e, at, g, cql_encode_varint_raw(b, g->u.bytes.ptr, g->u.bytes.len));
        break;
    case CQL_GIVEN_DECIMAL:
        if (t->kind == CQL_TYPE_DECIMAL)
            return written(
                e, at, g,
                cql_encode_decimal_raw(b, g->u.bytes.scale, g->u.bytes.ptr, g->u.bytes.len));
        break;
    case CQL_GIVEN_NULL:
    case CQL_GIVEN_UNSET: break;
    }
    return mismatch(e, at, g);
}

/* g by its own tag, as a simple statement sends it. */
static cql_rc encode_tagged(const enc *e, const path *at, const cql_given *g)
{
    cql_buf *b = e->b;
    uint32_t raw = 0;
    switch (g->tag) {
    case CQL_GIVEN_BOOL: return written(e, at, g, cql_encode_boolean(b, g->u.b));
    case CQL_GIVEN_INT8: return written(e, at, g, cql_encode_tinyint(b, (int8_t)g->u.i));
    case CQL_GIVEN_INT16: return written(e, at, g, cql_encode_smallint(b, (int16_t)g->u.i));
    case CQL_GIVEN_INT32: return written(e, at, g, cql_encode_int(b, (int32_t)g->u.i));
    case CQL_GIVEN_INT64:
    case CQL_GIVEN_TIMESTAMP: return written(e, at, g, cql_encode_bigint(b, g->u.i));
    case CQL_GIVEN_FLOAT: return written(e, at, g, cql_encode_float(b, g->u.f));
    case CQL_GIVEN_DOUBLE: return written(e, at, g, cql_encode_double(b, g->u.d));
    case CQL_GIVEN_STRING: {
        /* ascii or text, the server knows which; both are UTF-8. */
        size_t bad = 0;
        if (g->u.bytes.len > 0 && !cql_utf8_valid(g->u.bytes.ptr, g->u.bytes.len, &bad))
            return fail(e, at, CQL_E_TYPE, "given a string that is not valid UTF-8 (at byte %zu)",
                        bad);
        return written(e, at, g, cql_encode_blob(b, g->u.bytes.ptr, g->u.bytes.len));
    }
    case CQL_GIVEN_BYTES:
    case CQL_GIVEN_UUID:
    case CQL_GIVEN_INET:
    case CQL_GIVEN_VARINT:
        return written(e, at, g, cql_encode_blob(b, g->u.bytes.ptr, g->u.bytes.len));
    case CQL_GIVEN_DECIMAL:
        return written(e, at, g,
                       cql_encode_decimal_raw(b, g->u.bytes.scale, g->u.bytes.ptr, g->u.bytes.len));
    case CQL_GIVEN_DATE:
        cql_date_from_days(g->u.i, &raw); /* checked by cql_given_check */
        return written(e, at, g, cql_encode_date(b, raw));
    case CQL_GIVEN_TIME: return written(e, at, g, cql_encode_time(b, g->u.i));
    case CQL_GIVEN_DURATION: {
        cql_duration d = {g->u.duration.months, g->u.duration.days, g->u.duration.nanoseconds};
        return written(e, at, g, cql_encode_duration(b, d));
    }
    case CQL_GIVEN_COLLECTION: return encode_collection(e, at, NULL, g->u.collection);
    case CQL_GIVEN_NULL:
    case CQL_GIVEN_UNSET: break;
    }
    return mismatch(e, at, g);
}

/* ------------------------------------------------------------------------ */
/* Composites                                                                */
/* ------------------------------------------------------------------------ */

static const char *kind_word(cql_collection_kind kind)
{
    switch (kind) {
    case CQL_COLLECTION_LIST: return "list";
    case CQL_COLLECTION_SET: return "set";
    case CQL_COLLECTION_MAP: return "map";
    case CQL_COLLECTION_TUPLE: return "tuple";
    case CQL_COLLECTION_UDT: return "UDT";
    case CQL_COLLECTION_VECTOR: return "vector";
    }
    return "collection";
}

static bool nulls_allowed(cql_collection_kind kind)
{
    /* Cassandra refuses null inside lists, sets and maps; vectors have no
     * way to write one. Tuples and UDTs hold nulls. */
    return kind == CQL_COLLECTION_TUPLE || kind == CQL_COLLECTION_UDT;
}

/* A column type whose children the element loop may follow (one parsed
 * from metadata always is; the check guards hand-made trees). */
static bool shape_ok(const cql_type *t)
{
    uint32_t want = t->kind == CQL_TYPE_MAP ? 2 : 1;
    if (t->kind == CQL_TYPE_TUPLE || t->kind == CQL_TYPE_UDT)
        want = t->count;
    if (t->count != want || (t->count > 0 && t->children == NULL))
        return false;
    for (uint32_t i = 0; i < t->count; i++)
        if (t->children[i] == NULL)
            return false;
    return t->kind != CQL_TYPE_VECTOR || t->dimension > 0;
}

/* The element count t demands, or the reason c's count does not fit. */
static cql_rc check_count(const enc *e, const path *at, const cql_type *t, const cql_collection *c)
{
    size_t n = cql_collection_count(c);
    switch (t->kind) {
    case CQL_TYPE_MAP:
        if (n % 2 != 0)
            return fail(e, at, CQL_E_TYPE,
                        "given a map of %zu elements; keys and values alternate, so the count "
                        "must be even",
                        n);
        break;
    case CQL_TYPE_TUPLE:
        if (n != t->count)
            return fail(e, at, CQL_E_TYPE, "given a tuple of %zu elements; the type has %" PRIu32,
                        n, t->count);
        break;
    case CQL_TYPE_UDT:
        if (n > t->count)
            return fail(e, at, CQL_E_TYPE, "given a UDT of %zu fields; the type has %" PRIu32, n,
                        t->count);
        break;
    case CQL_TYPE_VECTOR:
        if (n != t->dimension)
            return fail(e, at, CQL_E_TYPE,
                        "given a vector of %zu elements; the type has %" PRIu32 " dimensions", n,
                        t->dimension);
        break;
    default: break;
    }
    return CQL_OK;
}

/* Where element i of a composite of type t sits, and its type (NULL: by tag). */
static const cql_type *element_at(const cql_type *t, cql_collection_kind kind, size_t i, path *seg)
{
    seg->label = "element";
    seg->index = i;
    if (kind == CQL_COLLECTION_MAP) {
        seg->label = i % 2 == 0 ? "key" : "value";
        seg->index = i / 2;
    }
    if (t == NULL)
        return NULL;
    switch (t->kind) {
    case CQL_TYPE_MAP: return t->children[i % 2];
    case CQL_TYPE_TUPLE: return t->children[i];
    case CQL_TYPE_UDT:
        seg->label = NULL;
        seg->field = t->field_names ? t->field_names[i] : NULL;
        seg->type = t->children[i];
        return t->children[i];
    default: return t->children[0];
    }
}

/* Cassandra's fixed element size for vector layout of a value by its tag
 * (cql_type_fixed_size of the type the tag stands for), or 0 when its
 * elements are length-prefixed. */
static size_t tag_fixed_size(const cql_given *g);

static size_t vector_fixed_size(const cql_collection *c)
{
    size_t n = cql_collection_count(c), size = 0;
    if (n == 0)
        return 0;
    cql_given first = cql_collection_element(c, 0);
    size = tag_fixed_size(&first);
    for (size_t i = 1; i < n && size != 0; i++) {
        cql_given g = cql_collection_element(c, i);
        if (g.tag != first.tag || tag_fixed_size(&g) != size)
            return 0;
    }
    return size != 0 && size <= SIZE_MAX / n ? size * n : 0;
}

static size_t tag_fixed_size(const cql_given *g)
{
    switch (g->tag) {
    case CQL_GIVEN_BOOL: return 1;
    case CQL_GIVEN_INT32:
    case CQL_GIVEN_FLOAT: return 4;
    case CQL_GIVEN_INT64:
    case CQL_GIVEN_DOUBLE:
    case CQL_GIVEN_TIMESTAMP: return 8;
    case CQL_GIVEN_UUID: return 16;
    case CQL_GIVEN_COLLECTION:
        return cql_collection_kind_of(g->u.collection) == CQL_COLLECTION_VECTOR
                   ? vector_fixed_size(g->u.collection)
                   : 0;
    default: return 0;
    }
}

/* A vector given without a column type: its elements must agree on tag and
 * size, since the layout (packed or not) is one for the whole vector. */
static cql_rc check_tagged_vector(const enc *e, const path *at, const cql_collection *c,
                                  size_t *packed)
{
    size_t n = cql_collection_count(c);
    if (n == 0)
        return fail(e, at, CQL_E_TYPE, "given an empty vector; a vector has one dimension or more");
    if (n > UINT32_MAX)
        return fail(e, at, CQL_E_TYPE, "given a vector of %zu elements; too many dimensions", n);
    cql_given first = cql_collection_element(c, 0);
    *packed = tag_fixed_size(&first);
    for (size_t i = 0; i < n; i++) {
        cql_given g = cql_collection_element(c, i);
        path seg = {at, "element", i, NULL, NULL};
        if (g.tag == CQL_GIVEN_NULL)
            return fail(e, &seg, CQL_E_TYPE, "given null; a vector element cannot be null");
        if (g.tag != first.tag)
            return fail(e, &seg, CQL_E_TYPE,
                        "given %s, but element 0 is %s; a vector's elements "
                        "share one type",
                        cql_given_describe(&g), cql_given_describe(&first));
        if (tag_fixed_size(&g) != *packed)
            return fail(e, &seg, CQL_E_TYPE,
                        "given %s of another size than element 0; a vector's elements share one "
                        "type",
                        cql_given_describe(&g));
    }
    return CQL_OK;
}

/* The length of the [bytes] cell that starts at `at` in b. */
static int32_t cell_length(const cql_buf *b, size_t at)
{
    const uint8_t *p = b->data + at;
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return v > INT32_MAX ? (int32_t)(-(int64_t)(UINT32_MAX - v) - 1) : (int32_t)v;
}

/* The elements of c, each as its type in t (t NULL: by tag), between a
 * begin/end frame of type frame_type. */
static cql_rc encode_elements(const enc *e, const path *at, const cql_type *t,
                              const cql_type *frame_type, const cql_collection *c, size_t packed)
{
    cql_encode_frame f;
    cql_rc rc = cql_encode_begin(e->b, &f, frame_type);
    if (rc != CQL_OK)
        return written(e, at, &(cql_given){.tag = CQL_GIVEN_COLLECTION, .u.collection = c}, rc);
    cql_collection_kind kind = cql_collection_kind_of(c);
    for (size_t i = 0, n = cql_collection_count(c); i < n; i++) {
        path seg = {at, NULL, 0, NULL, NULL};
        const cql_type *et = element_at(t, kind, i, &seg);
        cql_given g = cql_collection_element(c, i);
        size_t start = e->b->len;
        if (g.tag == CQL_GIVEN_NULL && !nulls_allowed(kind))
            return fail(e, &seg, CQL_E_TYPE, "given null; a %s element cannot be null",
                        kind_word(kind));
        if (g.tag == CQL_GIVEN_NULL)
            rc = cql_encode_null(e->b);
        else
            rc = et != NULL ? encode_typed(e, &seg, et, &g) : encode_tagged(e, &seg, &g);
        if (rc != CQL_OK)
            return rc;
        if (packed != 0 && (size_t)cell_length(e->b, start) != packed) {
            char type[96];
            cql_type_format(et, type, sizeof type);
            return fail(e, &seg, CQL_E_TYPE,
                        "given %s of %" PRId32 " bytes; a %s vector element "
                        "is %zu bytes",
                        cql_given_describe(&g), cell_length(e->b, start), type, packed);
        }
    }
    rc = cql_encode_end(e->b, &f);
    return written(e, at, &(cql_given){.tag = CQL_GIVEN_COLLECTION, .u.collection = c}, rc);
}

/* c for a column of type t, or by its kind when t is NULL. */
static cql_rc encode_collection(const enc *e, const path *at, const cql_type *t,
                                const cql_collection *c)
{
    cql_collection_kind kind = cql_collection_kind_of(c);
    cql_given g = {.tag = CQL_GIVEN_COLLECTION, .u.collection = c};
    if (t != NULL) {
        if ((int)kind != (int)t->kind)
            return mismatch(e, at, &g);
        if (!shape_ok(t))
            return fail(e, at, CQL_E_ARG, "given %s for a type without element types",
                        cql_given_describe(&g));
        cql_rc rc = check_count(e, at, t, c);
        if (rc != CQL_OK)
            return rc;
        size_t packed = t->kind == CQL_TYPE_VECTOR ? cql_type_fixed_size(t->children[0]) : 0;
        return encode_elements(e, at, t, t, c, packed);
    }

    /* No column type: a stand-in of the same shape lets the codec's frames
     * count and lay out the elements. Its element types are never checked
     * against (elements go by tag), except a vector's fixed element size,
     * which a vector<boolean, size> stands in for. */
    size_t n = cql_collection_count(c), packed = 0;
    cql_type blob = {.kind = CQL_TYPE_BLOB}, boolean = {.kind = CQL_TYPE_BOOLEAN};
    cql_type *bool_p = &boolean;
    cql_type sized = {.kind = CQL_TYPE_VECTOR, .count = 1, .children = &bool_p};
    cql_type *kids[2] = {&blob, &blob};
    cql_type stand_in = {.kind = (cql_type_kind)kind, .count = 1, .children = kids};
    cql_type *element = &blob;
    switch (kind) {
    case CQL_COLLECTION_MAP:
        if (n % 2 != 0)
            return fail(e, at, CQL_E_TYPE,
                        "given a map of %zu elements; keys and values alternate, so the count "
                        "must be even",
                        n);
        stand_in.count = 2;
        break;
    case CQL_COLLECTION_TUPLE:
    case CQL_COLLECTION_UDT:
        if (n > UINT32_MAX)
            return fail(e, at, CQL_E_TYPE, "given %s of %zu fields; too many",
                        cql_given_describe(&g), n);
        stand_in.count = (uint32_t)n;
        stand_in.children = NULL; /* the frame only counts fields */
        break;
    case CQL_COLLECTION_VECTOR: {
        cql_rc rc = check_tagged_vector(e, at, c, &packed);
        if (rc != CQL_OK)
            return rc;
        if (packed > UINT32_MAX)
            return fail(e, at, CQL_E_TYPE, "given a vector whose elements are too large");
        if (packed != 0) {
            sized.dimension = (uint32_t)packed;
            element = &sized;
        }
        stand_in.children = &element;
        stand_in.dimension = (uint32_t)n;
        break;
    }
    default: break;
    }
    return encode_elements(e, at, NULL, &stand_in, c, packed);
}

cql_rc cql_given_encode(cql_buf *b, const cql_type *t, const cql_given *g, char *why, size_t cap)
{
    if (why != NULL && cap > 0)
        why[0] = '\0';
    if (b == NULL)
        return CQL_E_ARG;
    cql_rc rc = cql_given_check(g, why, cap);
    if (rc != CQL_OK)
        return rc;
    enc e = {b, why, cap};
    size_t start = b->len;
    if (g->tag == CQL_GIVEN_NULL)
        rc = cql_encode_null(b);
    else if (g->tag == CQL_GIVEN_UNSET)
        rc = cql_encode_unset(b);
    else
        rc = t != NULL ? encode_typed(&e, NULL, t, g) : encode_tagged(&e, NULL, g);
    if (rc != CQL_OK) {
        b->len = start;
        b->failed = CQL_OK;
    }
    return rc;
}
