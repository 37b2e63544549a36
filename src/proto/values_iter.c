/*
 * Composite cells (values.h): the element iterator and the deep validator.
 *
 * The iterator never allocates; begin checks the announced element count
 * against the limit and against the bytes that could hold it, so a hostile
 * count costs nothing. The validator recurses once per nesting level, which
 * max_depth bounds.
 */
#include "proto/values.h"

#include <string.h>

/* The words each composite kind uses in diagnostics. */
typedef struct words {
    const char *count;    /* the [int] count of list, set and map */
    const char *element;  /* one element */
    const char *trailing; /* bytes after the last element */
} words;

static const words list_w = {"list: element count", "list: element",
                             "list: bytes after the last element"};
static const words set_w = {"set: element count", "set: element",
                            "set: bytes after the last element"};
static const words map_w = {"map: entry count", "map: key or value",
                            "map: bytes after the last entry"};
static const words tuple_w = {"tuple: element count", "tuple: element",
                              "tuple: more elements than the type has"};
static const words udt_w = {"UDT: field count", "UDT: field",
                            "UDT: more fields than the type has"};
static const words vector_w = {"vector: dimension", "vector: element",
                               "vector: bytes after the last element"};

static const words *words_of(cql_type_kind kind)
{
    switch (kind) {
    case CQL_TYPE_LIST: return &list_w;
    case CQL_TYPE_SET: return &set_w;
    case CQL_TYPE_MAP: return &map_w;
    case CQL_TYPE_TUPLE: return &tuple_w;
    case CQL_TYPE_UDT: return &udt_w;
    case CQL_TYPE_VECTOR: return &vector_w;
    default: return NULL;
    }
}

/* A tree from cql_type_parse always has these children; one built by hand
 * might not, and the iterator must not follow a pointer that is not there. */
static bool well_formed(const cql_type *t)
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

static cql_rc iter_fail(cql_value_iter *it, cql_rc rc, size_t offset, const char *what)
{
    cql_reader_fail(&it->r, rc, offset, what);
    it->diag = it->r.diag;
    return it->diag.rc;
}

static cql_rc iter_report(cql_value_iter *it, cql_diag *diag)
{
    it->diag = it->r.diag;
    if (diag != NULL)
        *diag = it->diag;
    return it->diag.rc;
}

static void begin_counted(cql_value_iter *it, const words *w, uint32_t max)
{
    int32_t count;
    if (!cql_read_i32(&it->r, &count, w->count))
        return;
    if (count < 0) {
        iter_fail(it, CQL_E_MALFORMED, 0, w->count);
        return;
    }
    if ((uint32_t)count > max) {
        iter_fail(it, CQL_E_LIMIT, 0, w->count);
        return;
    }
    uint64_t elements = (uint64_t)count * (it->type->kind == CQL_TYPE_MAP ? 2 : 1);
    /* every element is at least an [int] length */
    if (elements * 4 > cql_reader_left(&it->r)) {
        iter_fail(it, CQL_E_TRUNCATED, 0, w->count);
        return;
    }
    it->left = elements;
}

static void begin_vector(cql_value_iter *it, const words *w, uint32_t max)
{
    uint32_t dim = it->type->dimension;
    size_t len = it->r.len;
    if (dim > max) {
        iter_fail(it, CQL_E_LIMIT, 0, w->count);
        return;
    }
    it->left = dim;
    it->packed = cql_type_fixed_size(it->type->children[0]);
    if (it->packed == 0) {
        /* every element is at least a one-byte size */
        if (dim > len)
            iter_fail(it, CQL_E_TRUNCATED, 0, w->count);
        return;
    }
    if (it->packed > INT32_MAX || it->packed > SIZE_MAX / dim) {
        iter_fail(it, CQL_E_LIMIT, 0, "vector: packed elements larger than a cell");
        return;
    }
    size_t total = it->packed * dim;
    if (len < total)
        iter_fail(it, CQL_E_TRUNCATED, len, w->element);
    else if (len > total)
        iter_fail(it, CQL_E_MALFORMED, total, w->trailing);
}

cql_rc cql_value_iter_begin(cql_value_iter *it, const cql_type *t, const uint8_t *p, int32_t n,
                            const cql_limits *limits, cql_diag *diag)
{
    if (it == NULL) {
        if (diag != NULL) {
            diag->rc = CQL_E_ARG;
            diag->offset = 0;
            diag->what = "value iterator: NULL iterator";
        }
        return CQL_E_ARG;
    }
    memset(it, 0, sizeof *it);
    it->type = t;
    it->r = cql_reader_make(p, n > 0 ? (size_t)n : 0);
    const words *w = t != NULL ? words_of(t->kind) : NULL;
    if (w == NULL || !well_formed(t) || n < 0 || (p == NULL && n > 0)) {
        iter_fail(it, CQL_E_ARG, 0, "value iterator: a null cell or a type that is not composite");
        return iter_report(it, diag);
    }
    if (n == 0) /* an empty (legacy) value holds no element */
        return iter_report(it, diag);
    uint32_t max = cql_limits_max_elements(limits);
    switch (t->kind) {
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP: begin_counted(it, w, max); break;
    case CQL_TYPE_VECTOR: begin_vector(it, w, max); break;
    default: it->left = t->count; break;
    }
    return iter_report(it, diag);
}

static const cql_type *element_type(const cql_value_iter *it)
{
    const cql_type *t = it->type;
    switch (t->kind) {
    case CQL_TYPE_MAP: return t->children[it->index & 1];
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT: return t->children[it->index];
    default: return t->children[0];
    }
}

bool cql_value_iter_next(cql_value_iter *it, const uint8_t **p, int32_t *n,
                         const cql_type **type)
{
    if (it == NULL || it->diag.rc != CQL_OK || it->type == NULL)
        return false;
    const words *w = words_of(it->type->kind);
    bool fields = it->type->kind == CQL_TYPE_TUPLE || it->type->kind == CQL_TYPE_UDT;
    size_t at = it->r.off;
    if (it->left == 0 || (fields && cql_reader_left(&it->r) == 0)) {
        if (cql_reader_left(&it->r) != 0)
            iter_fail(it, CQL_E_MALFORMED, at, w->trailing);
        return false;
    }
    const uint8_t *ep = NULL;
    int32_t en = 0;
    if (it->type->kind == CQL_TYPE_VECTOR && it->packed != 0) {
        cql_read_raw(&it->r, it->packed, &ep, w->element);
        en = (int32_t)it->packed;
    } else if (it->type->kind == CQL_TYPE_VECTOR) {
        uint64_t size = 0;
        if (cql_vint_read(&it->r, &size, w->element) && size > cql_reader_left(&it->r))
            cql_reader_fail(&it->r, CQL_E_TRUNCATED, at, w->element);
        if (cql_reader_ok(&it->r)) {
            cql_read_raw(&it->r, (size_t)size, &ep, w->element);
            en = (int32_t)size; /* no more than the cell's own int32 length */
        }
    } else if (cql_read_bytes(&it->r, &ep, &en, w->element) && en < CQL_NULL) {
        cql_reader_fail(&it->r, CQL_E_MALFORMED, at, w->element);
    }
    if (!cql_reader_ok(&it->r)) {
        it->diag = it->r.diag;
        return false;
    }
    if (p != NULL)
        *p = ep;
    if (n != NULL)
        *n = en;
    if (type != NULL)
        *type = element_type(it);
    it->index++;
    it->left--;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Deep validation                                                           */
/* ------------------------------------------------------------------------ */

typedef struct validator {
    const cql_limits *limits;
    uint32_t max_depth;
    cql_diag diag;
} validator;

static cql_rc invalid(validator *v, cql_rc rc, size_t offset, const char *what)
{
    v->diag.rc = rc;
    v->diag.offset = offset;
    v->diag.what = what;
    return rc;
}

/* A decoder's verdict on a scalar cell, its offset moved to the root's frame. */
static cql_rc scalar(validator *v, const cql_type *t, const uint8_t *p, int32_t n, size_t base)
{
    cql_diag d = {CQL_OK, 0, NULL};
    union {
        bool b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint32_t u32;
        float f;
        double dbl;
        uint8_t bytes[16];
        cql_duration dur;
        cql_str s;
    } out;
    size_t len;
    const uint8_t *unscaled;
    switch (t->kind) {
    case CQL_TYPE_BOOLEAN: cql_decode_boolean(p, n, &out.b, &d); break;
    case CQL_TYPE_TINYINT: cql_decode_tinyint(p, n, &out.i8, &d); break;
    case CQL_TYPE_SMALLINT: cql_decode_smallint(p, n, &out.i16, &d); break;
    case CQL_TYPE_INT: cql_decode_int(p, n, &out.i32, &d); break;
    case CQL_TYPE_BIGINT: cql_decode_bigint(p, n, &out.i64, &d); break;
    case CQL_TYPE_COUNTER: cql_decode_counter(p, n, &out.i64, &d); break;
    case CQL_TYPE_TIMESTAMP: cql_decode_timestamp(p, n, &out.i64, &d); break;
    case CQL_TYPE_FLOAT: cql_decode_float(p, n, &out.f, &d); break;
    case CQL_TYPE_DOUBLE: cql_decode_double(p, n, &out.dbl, &d); break;
    case CQL_TYPE_DATE: cql_decode_date(p, n, &out.u32, &d); break;
    case CQL_TYPE_TIME: cql_decode_time(p, n, &out.i64, &d); break;
    case CQL_TYPE_UUID: cql_decode_uuid(p, n, out.bytes, &d); break;
    case CQL_TYPE_TIMEUUID: cql_decode_timeuuid(p, n, out.bytes, &d); break;
    case CQL_TYPE_INET: cql_decode_inet(p, n, out.bytes, &len, &d); break;
    case CQL_TYPE_DURATION: cql_decode_duration(p, n, &out.dur, &d); break;
    case CQL_TYPE_DECIMAL: cql_decode_decimal(p, n, &out.i32, &unscaled, &len, &d); break;
    case CQL_TYPE_ASCII: cql_decode_ascii(p, n, &out.s, &d); break;
    case CQL_TYPE_VARCHAR: cql_decode_text(p, n, true, &out.s, &d); break;
    default: break; /* varint (non-empty here), blob and custom: any bytes */
    }
    if (d.rc != CQL_OK)
        return invalid(v, d.rc, base + d.offset, d.what);
    return CQL_OK;
}

static bool empty_allowed(cql_type_kind kind)
{
    /* Cassandra's serializers for the types added in 2.2 and later check an
     * exact size; the older ones let an empty cell through. */
    return kind != CQL_TYPE_TINYINT && kind != CQL_TYPE_SMALLINT && kind != CQL_TYPE_DATE &&
           kind != CQL_TYPE_TIME && kind != CQL_TYPE_DURATION;
}

static cql_rc check(validator *v, const cql_type *t, const uint8_t *p, int32_t n, size_t base,
                    uint32_t depth)
{
    if (t == NULL)
        return invalid(v, CQL_E_ARG, base, "value: NULL type");
    if (depth > v->max_depth)
        return invalid(v, CQL_E_LIMIT, base, "value: nested deeper than max_depth");
    if (n < 0)
        return CQL_OK; /* the caller has judged which negative lengths are allowed */
    if (n == 0 && empty_allowed(t->kind))
        return CQL_OK;
    if (words_of(t->kind) == NULL)
        return scalar(v, t, p, n, base);

    cql_value_iter it;
    cql_diag d;
    if (cql_value_iter_begin(&it, t, p, n, v->limits, &d) != CQL_OK)
        return invalid(v, d.rc, base + d.offset, d.what);
    const uint8_t *ep;
    int32_t en;
    const cql_type *et;
    while (cql_value_iter_next(&it, &ep, &en, &et)) {
        size_t at = ep != NULL ? (size_t)(ep - p) : it.r.off;
        if (check(v, et, ep, en, base + at, depth + 1) != CQL_OK)
            return v->diag.rc;
    }
    if (it.diag.rc != CQL_OK)
        return invalid(v, it.diag.rc, base + it.diag.offset, it.diag.what);
    return CQL_OK;
}

cql_rc cql_value_validate(const cql_type *t, const uint8_t *p, int32_t n,
                          const cql_limits *limits, cql_diag *diag)
{
    validator v = {limits, cql_limits_max_depth(limits), {CQL_OK, 0, NULL}};
    if (n < CQL_UNSET)
        invalid(&v, CQL_E_MALFORMED, 0, "value: length below -2");
    else if (p == NULL && n > 0)
        invalid(&v, CQL_E_ARG, 0, "value: NULL bytes");
    else
        check(&v, t, p, n, 0, 1);
    if (diag != NULL)
        *diag = v.diag;
    return v.diag.rc;
}
