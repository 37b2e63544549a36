/*
 * [option] type trees (types.h): parsing, encoding back, copying, comparing,
 * CQL spelling and value sizes. Marshal class names live in types_class.c.
 *
 * Every count read from the wire is checked against the limits and against
 * the bytes left (each child costs at least one [short] type id) before
 * anything is allocated for it, and recursion is bounded by max_depth.
 */
#include "proto/text.h"
#include "proto/types.h"

#include "proto/buf.h"

#include <stdlib.h>
#include <string.h>

uint32_t cql_limits_max_depth(const cql_limits *limits)
{
    uint32_t d = (limits != NULL && limits->max_depth != 0) ? limits->max_depth
                                                            : CQL_DEFAULT_MAX_DEPTH;
    return d > CQL_DEPTH_CEILING ? CQL_DEPTH_CEILING : d;
}

uint32_t cql_limits_max_elements(const cql_limits *limits)
{
    return (limits != NULL && limits->max_elements != 0) ? limits->max_elements
                                                         : CQL_DEFAULT_MAX_ELEMENTS;
}

/* The scalar kinds: the [option] ids that carry no value after the id. */
static const struct native {
    cql_type_kind kind;
    const char *cql;
    uint8_t value_size;  /* every cell has this size; 0 when it varies */
    uint8_t packed_size; /* Cassandra's valueLengthIfFixed(); 0 when not fixed */
} natives[] = {
    {CQL_TYPE_ASCII, "ascii", 0, 0},        {CQL_TYPE_BIGINT, "bigint", 8, 8},
    {CQL_TYPE_BLOB, "blob", 0, 0},          {CQL_TYPE_BOOLEAN, "boolean", 1, 1},
    {CQL_TYPE_COUNTER, "counter", 8, 0},    {CQL_TYPE_DECIMAL, "decimal", 0, 0},
    {CQL_TYPE_DOUBLE, "double", 8, 8},      {CQL_TYPE_FLOAT, "float", 4, 4},
    {CQL_TYPE_INT, "int", 4, 4},            {CQL_TYPE_TIMESTAMP, "timestamp", 8, 8},
    {CQL_TYPE_UUID, "uuid", 16, 16},        {CQL_TYPE_VARCHAR, "text", 0, 0},
    {CQL_TYPE_VARINT, "varint", 0, 0},      {CQL_TYPE_TIMEUUID, "timeuuid", 16, 16},
    {CQL_TYPE_INET, "inet", 0, 0},          {CQL_TYPE_DATE, "date", 4, 0},
    {CQL_TYPE_TIME, "time", 8, 0},          {CQL_TYPE_SMALLINT, "smallint", 2, 0},
    {CQL_TYPE_TINYINT, "tinyint", 1, 0},    {CQL_TYPE_DURATION, "duration", 0, 0},
};

static const struct native *native_of(unsigned kind)
{
    for (size_t i = 0; i < sizeof natives / sizeof natives[0]; i++)
        if ((unsigned)natives[i].kind == kind)
            return &natives[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Parsing [option]                                                          */
/* ------------------------------------------------------------------------ */

typedef struct bounds {
    uint32_t max_depth;
    uint32_t max_elements;
} bounds;

static bool nomem(cql_reader *r, size_t at)
{
    return cql_reader_fail(r, CQL_E_NOMEM, at, "option: allocating the type tree");
}

/* A [string] as a NUL-terminated copy. An embedded NUL would silently cut the
 * copy short, so it is refused rather than mangled. */
static char *read_name(cql_reader *r, const char *what)
{
    cql_str s;
    size_t at = r->off;
    if (!cql_read_string(r, &s, what))
        return NULL;
    if (memchr(s.ptr, '\0', s.len) != NULL) {
        cql_reader_fail(r, CQL_E_MALFORMED, at, what);
        return NULL;
    }
    char *copy = malloc(s.len + 1);
    if (copy == NULL) {
        nomem(r, at);
        return NULL;
    }
    memcpy(copy, s.ptr, s.len);
    copy[s.len] = '\0';
    return copy;
}

static bool alloc_children(cql_type *t, uint32_t n, bool named)
{
    t->children = calloc(n ? n : 1, sizeof *t->children);
    if (t->children == NULL)
        return false;
    if (named) {
        t->field_names = calloc(n ? n : 1, sizeof *t->field_names);
        if (t->field_names == NULL)
            return false;
    }
    t->count = n;
    return true;
}

static cql_type *parse_option(cql_reader *r, const bounds *l, uint32_t depth);

/* A custom class stays CUSTOM unless it names a vector, which cqlio presents
 * as a type of its own, or a duration, which v4 has no id for and sends as
 * its class. A class that mentions them but does not parse stays CUSTOM
 * too: the column is then readable as raw bytes instead of failing the
 * whole result. */
static cql_type *parse_custom(cql_reader *r, const bounds *l, uint32_t depth, size_t at)
{
    char *cls = read_name(r, "option: custom class name");
    if (cls == NULL)
        return NULL;
    if (strstr(cls, "VectorType") != NULL || strstr(cls, "DurationType") != NULL) {
        cql_limits sub = {0, l->max_depth - (depth - 1), l->max_elements};
        cql_type *v = NULL;
        cql_diag d;
        cql_rc rc = cql_type_parse_class(cls, strlen(cls), &sub, &v, &d);
        if (rc == CQL_E_NOMEM) {
            free(cls);
            nomem(r, at);
            return NULL;
        }
        if (rc == CQL_OK && (v->kind == CQL_TYPE_VECTOR || v->kind == CQL_TYPE_DURATION)) {
            free(cls);
            return v;
        }
        cql_type_free(v);
    }
    cql_type *t = calloc(1, sizeof *t);
    if (t == NULL) {
        free(cls);
        nomem(r, at);
        return NULL;
    }
    t->kind = CQL_TYPE_CUSTOM;
    t->custom_class = cls;
    return t;
}

/* Children of a LIST, SET or MAP: a fixed number of [option]s. */
static bool parse_children(cql_reader *r, const bounds *l, uint32_t depth, cql_type *t,
                           uint32_t n, size_t at)
{
    if (!alloc_children(t, n, false))
        return nomem(r, at);
    for (uint32_t i = 0; i < n; i++)
        if ((t->children[i] = parse_option(r, l, depth + 1)) == NULL)
            return false;
    return true;
}

/* <n> then n entries of at least `min_entry` bytes each: the count must fit
 * the limit and the bytes left before it sizes an allocation. */
static bool read_count(cql_reader *r, const bounds *l, size_t min_entry, uint16_t *n,
                       const char *what)
{
    size_t at = r->off;
    if (!cql_read_u16(r, n, what))
        return false;
    if (*n > l->max_elements)
        return cql_reader_fail(r, CQL_E_LIMIT, at, what);
    if ((size_t)*n * min_entry > cql_reader_left(r))
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, what);
    return true;
}

static bool parse_udt(cql_reader *r, const bounds *l, uint32_t depth, cql_type *t, size_t at)
{
    uint16_t n;
    if ((t->keyspace = read_name(r, "option: UDT keyspace")) == NULL)
        return false;
    if ((t->name = read_name(r, "option: UDT name")) == NULL)
        return false;
    /* each field: a [string] name (2 bytes at least) and an [option] (2) */
    if (!read_count(r, l, 4, &n, "option: UDT field count"))
        return false;
    if (!alloc_children(t, n, true))
        return nomem(r, at);
    for (uint32_t i = 0; i < n; i++) {
        if ((t->field_names[i] = read_name(r, "option: UDT field name")) == NULL)
            return false;
        if ((t->children[i] = parse_option(r, l, depth + 1)) == NULL)
            return false;
    }
    return true;
}

static bool parse_tuple(cql_reader *r, const bounds *l, uint32_t depth, cql_type *t, size_t at)
{
    uint16_t n;
    if (!read_count(r, l, 2, &n, "option: tuple element count"))
        return false;
    return parse_children(r, l, depth, t, n, at);
}

static cql_type *parse_option(cql_reader *r, const bounds *l, uint32_t depth)
{
    size_t at = r->off;
    uint16_t id;
    if (!cql_read_u16(r, &id, "option: type id"))
        return NULL;
    if (depth > l->max_depth) {
        cql_reader_fail(r, CQL_E_LIMIT, at, "option: types nested deeper than max_depth");
        return NULL;
    }
    if (id == CQL_TYPE_CUSTOM)
        return parse_custom(r, l, depth, at);
    if (native_of(id) == NULL && id != CQL_TYPE_LIST && id != CQL_TYPE_SET &&
        id != CQL_TYPE_MAP && id != CQL_TYPE_UDT && id != CQL_TYPE_TUPLE) {
        cql_reader_fail(r, CQL_E_MALFORMED, at, "option: unknown type id");
        return NULL;
    }
    cql_type *t = calloc(1, sizeof *t);
    if (t == NULL) {
        nomem(r, at);
        return NULL;
    }
    t->kind = (cql_type_kind)id;
    bool ok = true;
    switch (id) {
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET: ok = parse_children(r, l, depth, t, 1, at); break;
    case CQL_TYPE_MAP: ok = parse_children(r, l, depth, t, 2, at); break;
    case CQL_TYPE_UDT: ok = parse_udt(r, l, depth, t, at); break;
    case CQL_TYPE_TUPLE: ok = parse_tuple(r, l, depth, t, at); break;
    default: break;
    }
    if (!ok) {
        cql_type_free(t);
        return NULL;
    }
    return t;
}

cql_rc cql_type_parse(cql_reader *r, const cql_limits *limits, cql_type **out)
{
    if (r == NULL)
        return CQL_E_ARG;
    if (out == NULL) {
        cql_reader_fail(r, CQL_E_ARG, r->off, "option: NULL output");
        return r->diag.rc;
    }
    *out = NULL;
    if (!cql_reader_ok(r))
        return r->diag.rc;
    bounds l = {cql_limits_max_depth(limits), cql_limits_max_elements(limits)};
    *out = parse_option(r, &l, 1);
    return r->diag.rc;
}

/* ------------------------------------------------------------------------ */
/* Encoding, copying, comparing, freeing                                     */
/* ------------------------------------------------------------------------ */

static void put_name(cql_buf *out, const char *s)
{
    const char *v = s ? s : "";
    cql_buf_put_string(out, v, strlen(v));
}

static void encode_vector(cql_buf *out, const cql_type *t)
{
    size_t n = cql_type_class_name(t, NULL, 0);
    char *cls = malloc(n + 1);
    if (cls == NULL) {
        if (out->failed == CQL_OK)
            out->failed = CQL_E_NOMEM;
        return;
    }
    cql_type_class_name(t, cls, n + 1);
    cql_buf_put_u16(out, CQL_TYPE_CUSTOM);
    cql_buf_put_string(out, cls, n);
    free(cls);
}

void cql_type_encode(cql_buf *out, const cql_type *t)
{
    if (out == NULL || t == NULL || out->failed != CQL_OK)
        return;
    if (t->kind == CQL_TYPE_VECTOR) {
        encode_vector(out, t);
        return;
    }
    cql_buf_put_u16(out, (uint16_t)t->kind);
    switch (t->kind) {
    case CQL_TYPE_CUSTOM: put_name(out, t->custom_class); return;
    case CQL_TYPE_UDT:
        put_name(out, t->keyspace);
        put_name(out, t->name);
        break;
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP: break;
    case CQL_TYPE_TUPLE: break;
    default: return;
    }
    if (t->kind == CQL_TYPE_UDT || t->kind == CQL_TYPE_TUPLE) {
        if (t->count > UINT16_MAX) {
            if (out->failed == CQL_OK)
                out->failed = CQL_E_ARG; /* too many for the [short] count */
            return;
        }
        cql_buf_put_u16(out, (uint16_t)t->count);
    }
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->kind == CQL_TYPE_UDT)
            put_name(out, t->field_names ? t->field_names[i] : NULL);
        cql_type_encode(out, t->children[i]);
    }
}

static char *dup_or_null(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (c == NULL)
        *ok = false;
    else
        memcpy(c, s, n + 1);
    return c;
}

cql_type *cql_type_clone(const cql_type *t)
{
    if (t == NULL)
        return NULL;
    cql_type *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    bool ok = true;
    c->kind = t->kind;
    c->dimension = t->dimension;
    c->custom_class = dup_or_null(t->custom_class, &ok);
    c->keyspace = dup_or_null(t->keyspace, &ok);
    c->name = dup_or_null(t->name, &ok);
    if (ok && t->count > 0)
        ok = alloc_children(c, t->count, t->field_names != NULL);
    for (uint32_t i = 0; ok && i < t->count; i++) {
        ok = (c->children[i] = cql_type_clone(t->children[i])) != NULL;
        if (ok && t->field_names != NULL)
            c->field_names[i] = dup_or_null(t->field_names[i], &ok);
    }
    if (!ok) {
        cql_type_free(c);
        return NULL;
    }
    return c;
}

static bool str_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

bool cql_type_equal(const cql_type *a, const cql_type *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (a->kind != b->kind || a->count != b->count || a->dimension != b->dimension)
        return false;
    if (!str_equal(a->custom_class, b->custom_class) || !str_equal(a->keyspace, b->keyspace) ||
        !str_equal(a->name, b->name))
        return false;
    for (uint32_t i = 0; i < a->count; i++) {
        if (!cql_type_equal(a->children[i], b->children[i]))
            return false;
        const char *fa = a->field_names ? a->field_names[i] : NULL;
        const char *fb = b->field_names ? b->field_names[i] : NULL;
        if (!str_equal(fa, fb))
            return false;
    }
    return true;
}

void cql_type_free(cql_type *t)
{
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->children != NULL)
            cql_type_free(t->children[i]);
        if (t->field_names != NULL)
            free(t->field_names[i]);
    }
    free(t->children);
    free(t->field_names);
    free(t->custom_class);
    free(t->keyspace);
    free(t->name);
    free(t);
}

/* ------------------------------------------------------------------------ */
/* Sizes                                                                     */
/* ------------------------------------------------------------------------ */

size_t cql_type_fixed_size(const cql_type *t)
{
    if (t == NULL)
        return 0;
    if (t->kind == CQL_TYPE_VECTOR) {
        size_t elem = t->count == 1 ? cql_type_fixed_size(t->children[0]) : 0;
        if (elem == 0 || t->dimension == 0 || elem > SIZE_MAX / t->dimension)
            return 0;
        return elem * t->dimension;
    }
    const struct native *n = native_of((unsigned)t->kind);
    return n ? n->packed_size : 0;
}

size_t cql_type_value_size(const cql_type *t)
{
    if (t == NULL)
        return 0;
    if (t->kind == CQL_TYPE_VECTOR)
        return cql_type_fixed_size(t);
    const struct native *n = native_of((unsigned)t->kind);
    return n ? n->value_size : 0;
}

/* ------------------------------------------------------------------------ */
/* CQL spelling                                                              */
/* ------------------------------------------------------------------------ */



/* Names that are not plain lower-case identifiers need double quotes in CQL
 * (a case-sensitive UDT name, say), with inner quotes doubled. */
static void put_ident(cql_text *o, const char *s)
{
    bool plain = s[0] >= 'a' && s[0] <= 'z';
    for (const char *p = s; plain && *p; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (plain) {
        cql_text_puts(o, s);
        return;
    }
    cql_text_put(o, "\"", 1);
    for (const char *p = s; *p; p++)
        cql_text_put(o, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    cql_text_put(o, "\"", 1);
}

static void format(cql_text *o, const cql_type *t, bool nested);

static void format_children(cql_text *o, const cql_type *t, const char *open, const char *close)
{
    cql_text_puts(o, open);
    for (uint32_t i = 0; i < t->count; i++) {
        if (i > 0)
            cql_text_puts(o, ", ");
        format(o, t->children[i], true);
    }
    cql_text_puts(o, close);
}

/* A collection, tuple or UDT inside another type is always frozen, and CQL
 * says so; the outermost type's frozenness is not in the metadata. */
static void format(cql_text *o, const cql_type *t, bool nested)
{
    if (t == NULL) {
        cql_text_puts(o, "?");
        return;
    }
    bool frozen = nested && (t->kind == CQL_TYPE_LIST || t->kind == CQL_TYPE_SET ||
                             t->kind == CQL_TYPE_MAP || t->kind == CQL_TYPE_TUPLE ||
                             t->kind == CQL_TYPE_UDT);
    if (frozen)
        cql_text_puts(o, "frozen<");
    switch (t->kind) {
    case CQL_TYPE_CUSTOM:
        cql_text_put(o, "'", 1);
        for (const char *p = t->custom_class ? t->custom_class : ""; *p; p++)
            cql_text_put(o, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
        cql_text_put(o, "'", 1);
        break;
    case CQL_TYPE_LIST: format_children(o, t, "list<", ">"); break;
    case CQL_TYPE_SET: format_children(o, t, "set<", ">"); break;
    case CQL_TYPE_MAP: format_children(o, t, "map<", ">"); break;
    case CQL_TYPE_TUPLE: format_children(o, t, "tuple<", ">"); break;
    case CQL_TYPE_UDT:
        put_ident(o, t->keyspace ? t->keyspace : "");
        cql_text_put(o, ".", 1);
        put_ident(o, t->name ? t->name : "");
        break;
    case CQL_TYPE_VECTOR:
        format_children(o, t, "vector<", ", ");
        cql_text_put_uint(o, t->dimension);
        cql_text_puts(o, ">");
        break;
    default: {
        const struct native *n = native_of((unsigned)t->kind);
        cql_text_puts(o, n ? n->cql : "?");
        break;
    }
    }
    if (frozen)
        cql_text_puts(o, ">");
}

size_t cql_type_format(const cql_type *t, char *buf, size_t cap)
{
    cql_text o = cql_text_make(buf, cap);
    format(&o, t, false);
    return cql_text_end(&o, cap);
}
