/*
 * cql_collection: a list, set, map, tuple, UDT or vector value being built.
 * Elements are stored as given values; the bytes they point to are copied
 * into one arena per collection (so adding many small strings costs no
 * allocation each) and nested collections are deep copies the element owns.
 */
#include "engine/value.h"
#include "proto/buf.h"

#include <stdlib.h>

/* One element. For tags that carry bytes, g.u.bytes.ptr is not used while
 * stored: the bytes are at arena.data + off (the arena may move). */
typedef struct cql_element {
    cql_given g;
    size_t off;
} cql_element;

struct cql_collection {
    cql_collection_kind kind;
    uint32_t depth;
    cql_element *items;
    size_t count;
    size_t cap;
    cql_buf arena;
};

static bool carries_bytes(cql_given_tag tag)
{
    return tag == CQL_GIVEN_STRING || tag == CQL_GIVEN_BYTES || tag == CQL_GIVEN_UUID ||
           tag == CQL_GIVEN_INET || tag == CQL_GIVEN_VARINT || tag == CQL_GIVEN_DECIMAL;
}

cql_collection *cql_collection_new(cql_collection_kind kind)
{
    switch (kind) {
    case CQL_COLLECTION_LIST:
    case CQL_COLLECTION_SET:
    case CQL_COLLECTION_MAP:
    case CQL_COLLECTION_TUPLE:
    case CQL_COLLECTION_UDT:
    case CQL_COLLECTION_VECTOR: break;
    default: return NULL;
    }
    cql_collection *c = calloc(1, sizeof *c);
    if (c != NULL) {
        c->kind = kind;
        c->depth = 1;
    }
    return c;
}

void cql_collection_free(cql_collection *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->count; i++)
        if (c->items[i].g.tag == CQL_GIVEN_COLLECTION)
            cql_collection_free((cql_collection *)c->items[i].g.u.collection);
    free(c->items);
    cql_buf_free(&c->arena);
    free(c);
}

size_t cql_collection_count(const cql_collection *c)
{
    return c ? c->count : 0;
}

cql_collection_kind cql_collection_kind_of(const cql_collection *c)
{
    return c->kind;
}

uint32_t cql_collection_depth(const cql_collection *c)
{
    return c ? c->depth : 0;
}

cql_given cql_collection_element(const cql_collection *c, size_t i)
{
    cql_given g = c->items[i].g;
    if (carries_bytes(g.tag))
        g.u.bytes.ptr = g.u.bytes.len > 0 ? c->arena.data + c->items[i].off : NULL;
    return g;
}

static bool grow(cql_collection *c)
{
    if (c->count < c->cap)
        return true;
    size_t cap = c->cap ? c->cap * 2 : 8;
    if (cap > SIZE_MAX / sizeof *c->items)
        return false;
    cql_element *items = realloc(c->items, cap * sizeof *items);
    if (items == NULL)
        return false;
    c->items = items;
    c->cap = cap;
    return true;
}

/* Appends a copy of g (already checked by the caller). */
static cql_rc append(cql_collection *c, const cql_given *g)
{
    if (!grow(c))
        return CQL_E_NOMEM;
    cql_element e = {*g, 0};
    if (carries_bytes(g->tag)) {
        e.off = c->arena.len;
        e.g.u.bytes.ptr = NULL;
        cql_buf_put(&c->arena, g->u.bytes.ptr, g->u.bytes.len);
        if (c->arena.failed != CQL_OK) {
            c->arena.failed = CQL_OK;
            c->arena.len = e.off;
            return CQL_E_NOMEM;
        }
    } else if (g->tag == CQL_GIVEN_COLLECTION) {
        cql_collection *child = cql_collection_clone(g->u.collection);
        if (child == NULL)
            return CQL_E_NOMEM;
        e.g.u.collection = child;
        if (child->depth + 1 > c->depth)
            c->depth = child->depth + 1;
    }
    c->items[c->count++] = e;
    return CQL_OK;
}

static cql_rc add(cql_collection *c, cql_given g)
{
    if (c == NULL || cql_given_check(&g, NULL, 0) != CQL_OK)
        return CQL_E_ARG;
    /* Recursion over nested values (copy, free, encode) is bounded by this. */
    if (g.tag == CQL_GIVEN_COLLECTION && g.u.collection->depth >= CQL_COLLECTION_MAX_DEPTH)
        return CQL_E_ARG;
    return append(c, &g);
}

cql_collection *cql_collection_clone(const cql_collection *c)
{
    if (c == NULL)
        return NULL;
    cql_collection *copy = cql_collection_new(c->kind);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < c->count; i++) {
        cql_given g = cql_collection_element(c, i);
        if (append(copy, &g) != CQL_OK) {
            cql_collection_free(copy);
            return NULL;
        }
    }
    return copy;
}

cql_rc cql_collection_add_null(cql_collection *c)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_NULL});
}

cql_rc cql_collection_add_bool(cql_collection *c, bool v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_BOOL, .u.b = v});
}

cql_rc cql_collection_add_int8(cql_collection *c, int8_t v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_INT8, .u.i = v});
}

cql_rc cql_collection_add_int16(cql_collection *c, int16_t v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_INT16, .u.i = v});
}

cql_rc cql_collection_add_int32(cql_collection *c, int32_t v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_INT32, .u.i = v});
}

cql_rc cql_collection_add_int64(cql_collection *c, int64_t v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_INT64, .u.i = v});
}

cql_rc cql_collection_add_float(cql_collection *c, float v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_FLOAT, .u.f = v});
}

cql_rc cql_collection_add_double(cql_collection *c, double v)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_DOUBLE, .u.d = v});
}

static cql_given bytes_given(cql_given_tag tag, const void *p, size_t len)
{
    return (cql_given){.tag = tag, .u.bytes = {p, len, 0}};
}

cql_rc cql_collection_add_string(cql_collection *c, const char *v, size_t len)
{
    return add(c, bytes_given(CQL_GIVEN_STRING, v, len));
}

cql_rc cql_collection_add_bytes(cql_collection *c, const uint8_t *v, size_t len)
{
    return add(c, bytes_given(CQL_GIVEN_BYTES, v, len));
}

cql_rc cql_collection_add_uuid(cql_collection *c, const uint8_t v[16])
{
    return add(c, bytes_given(CQL_GIVEN_UUID, v, 16));
}

cql_rc cql_collection_add_inet(cql_collection *c, const uint8_t *v, size_t len)
{
    return add(c, bytes_given(CQL_GIVEN_INET, v, len));
}

cql_rc cql_collection_add_date(cql_collection *c, int64_t days)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_DATE, .u.i = days});
}

cql_rc cql_collection_add_time(cql_collection *c, int64_t nanoseconds)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_TIME, .u.i = nanoseconds});
}

cql_rc cql_collection_add_timestamp(cql_collection *c, int64_t milliseconds)
{
    return add(c, (cql_given){.tag = CQL_GIVEN_TIMESTAMP, .u.i = milliseconds});
}

cql_rc cql_collection_add_duration(cql_collection *c, int32_t months, int32_t days,
                                   int64_t nanoseconds)
{
    return add(c,
               (cql_given){.tag = CQL_GIVEN_DURATION, .u.duration = {months, days, nanoseconds}});
}

cql_rc cql_collection_add_varint(cql_collection *c, const uint8_t *v, size_t len)
{
    return add(c, bytes_given(CQL_GIVEN_VARINT, v, len));
}

cql_rc cql_collection_add_decimal(cql_collection *c, cql_decimal_value v)
{
    return add(
        c, (cql_given){.tag = CQL_GIVEN_DECIMAL, .u.bytes = {v.unscaled, v.unscaled_len, v.scale}});
}

cql_rc cql_collection_add_collection(cql_collection *c, const cql_collection *v)
{
    if (v == NULL)
        return CQL_E_ARG;
    return add(c, (cql_given){.tag = CQL_GIVEN_COLLECTION, .u.collection = v});
}
