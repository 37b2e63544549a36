/*
 * Marshal class names (Cassandra's AbstractType.toString()) to type trees and
 * back. The server sends them for custom types, and for vectors, which have
 * no [option] id of their own:
 *   org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType , 3)
 * The grammar follows Cassandra's TypeParser: a name made of identifier
 * characters, optionally followed by parenthesised parameters separated by
 * commas. UserType parameters are keyspace, hex-encoded name, then
 * hex-encoded field names each followed by ':' and the field's class.
 * FrozenType and ReversedType only wrap another type and are unwrapped.
 * A name outside org.apache.cassandra.db.marshal, or one it does not know,
 * becomes CUSTOM with its full text (parameters included).
 *
 * Recursion happens once per tree level and is bounded by max_depth; wrappers
 * are unwrapped in a loop, and unknown parameters are skipped by counting
 * parentheses, so neither recurses.
 */
#include "proto/text.h"
#include "proto/types.h"

#include <stdlib.h>
#include <string.h>

#define MARSHAL "org.apache.cassandra.db.marshal."

enum { WRAPPER = -1, UNKNOWN = -2 };

static const struct marshal {
    const char *name;
    int kind; /* a cql_type_kind, WRAPPER or UNKNOWN */
} marshals[] = {
    {"AsciiType", CQL_TYPE_ASCII},
    {"LongType", CQL_TYPE_BIGINT},
    {"BytesType", CQL_TYPE_BLOB},
    {"BooleanType", CQL_TYPE_BOOLEAN},
    {"CounterColumnType", CQL_TYPE_COUNTER},
    {"DecimalType", CQL_TYPE_DECIMAL},
    {"DoubleType", CQL_TYPE_DOUBLE},
    {"FloatType", CQL_TYPE_FLOAT},
    {"Int32Type", CQL_TYPE_INT},
    {"TimestampType", CQL_TYPE_TIMESTAMP},
    {"UUIDType", CQL_TYPE_UUID},
    {"UTF8Type", CQL_TYPE_VARCHAR},
    {"IntegerType", CQL_TYPE_VARINT},
    {"TimeUUIDType", CQL_TYPE_TIMEUUID},
    {"InetAddressType", CQL_TYPE_INET},
    {"SimpleDateType", CQL_TYPE_DATE},
    {"TimeType", CQL_TYPE_TIME},
    {"ShortType", CQL_TYPE_SMALLINT},
    {"ByteType", CQL_TYPE_TINYINT},
    {"DurationType", CQL_TYPE_DURATION},
    {"ListType", CQL_TYPE_LIST},
    {"SetType", CQL_TYPE_SET},
    {"MapType", CQL_TYPE_MAP},
    {"UserType", CQL_TYPE_UDT},
    {"TupleType", CQL_TYPE_TUPLE},
    {"VectorType", CQL_TYPE_VECTOR},
    {"FrozenType", WRAPPER},
    {"ReversedType", WRAPPER},
    /* the pre-3.0 name of timestamp, still accepted by Cassandra */
    {"DateType", CQL_TYPE_TIMESTAMP},
};

/* The class of each kind for writing; DateType is only ever read. */
static const char *class_of(cql_type_kind kind)
{
    for (size_t i = 0; i < sizeof marshals / sizeof marshals[0]; i++)
        if (marshals[i].kind == (int)kind)
            return marshals[i].name;
    return NULL;
}

/* Short names ("Int32Type") are in the marshal package, as TypeParser has it. */
static int kind_of(const char *s, size_t n)
{
    size_t plen = strlen(MARSHAL);
    if (n > plen && memcmp(s, MARSHAL, plen) == 0) {
        s += plen;
        n -= plen;
    } else if (memchr(s, '.', n) != NULL) {
        return UNKNOWN;
    }
    for (size_t i = 0; i < sizeof marshals / sizeof marshals[0]; i++)
        if (strlen(marshals[i].name) == n && memcmp(marshals[i].name, s, n) == 0)
            return marshals[i].kind;
    return UNKNOWN;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct parser {
    const char *s;
    size_t len;
    size_t pos;
    uint32_t max_depth;
    uint32_t max_elements;
    cql_diag diag;
} parser;

static bool fail(parser *p, cql_rc rc, size_t at, const char *what)
{
    if (p->diag.rc == CQL_OK) {
        p->diag.rc = rc;
        p->diag.offset = at;
        p->diag.what = what;
    }
    return false;
}

static void skip_blank(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool is_ident(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.' || c == '_' || c == '&';
}

/* An identifier at the current position (after blanks); its length, 0 if none. */
static size_t ident(parser *p, size_t *start)
{
    skip_blank(p);
    *start = p->pos;
    while (p->pos < p->len && is_ident(p->s[p->pos]))
        p->pos++;
    return p->pos - *start;
}

static bool peek(parser *p, char c)
{
    skip_blank(p);
    return p->pos < p->len && p->s[p->pos] == c;
}

static bool expect(parser *p, char c, const char *what)
{
    if (!peek(p, c))
        return fail(p, CQL_E_MALFORMED, p->pos, what);
    p->pos++;
    return true;
}

static bool oom(parser *p)
{
    return fail(p, CQL_E_NOMEM, p->pos, "class name: allocating the type tree");
}

static char *copy(parser *p, const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c == NULL) {
        oom(p);
        return NULL;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A hex-encoded name (UDT and field names), decoded. */
static char *hex_name(parser *p, const char *what)
{
    size_t start, n = ident(p, &start);
    if (n == 0 || n % 2 != 0) {
        fail(p, CQL_E_MALFORMED, start, what);
        return NULL;
    }
    char *out = malloc(n / 2 + 1);
    if (out == NULL) {
        oom(p);
        return NULL;
    }
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(p->s[start + 2 * i]), lo = hex_digit(p->s[start + 2 * i + 1]);
        if (hi < 0 || lo < 0 || (hi | lo) == 0) { /* not hex, or a NUL byte */
            free(out);
            fail(p, CQL_E_MALFORMED, start + 2 * i, what);
            return NULL;
        }
        out[i] = (char)(hi << 4 | lo);
    }
    out[n / 2] = '\0';
    return out;
}

/* Grows the children (and, for a UDT, field names) by one. */
static bool push(parser *p, cql_type *t, uint32_t *cap, cql_type *child, char *field)
{
    if (t->count >= p->max_elements) {
        cql_type_free(child);
        free(field);
        return fail(p, CQL_E_LIMIT, p->pos, "class name: more parameters than max_elements");
    }
    if (t->count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 4;
        bool ok = true;
        cql_type **c = realloc(t->children, ncap * sizeof *c);
        if (c == NULL)
            ok = false;
        else
            t->children = c;
        if (ok && t->kind == CQL_TYPE_UDT) {
            char **f = realloc(t->field_names, ncap * sizeof *f);
            if (f == NULL)
                ok = false;
            else
                t->field_names = f;
        }
        if (!ok) {
            cql_type_free(child);
            free(field);
            return oom(p);
        }
        *cap = ncap;
    }
    t->children[t->count] = child;
    if (t->kind == CQL_TYPE_UDT)
        t->field_names[t->count] = field;
    t->count++;
    return true;
}

static cql_type *type(parser *p, uint32_t depth);

/* "(" type ("," type)* ")", exactly n of them when n != 0. */
static bool type_params(parser *p, cql_type *t, uint32_t depth, uint32_t n)
{
    uint32_t cap = 0;
    if (!expect(p, '(', "class name: expected '('"))
        return false;
    if (n == 0 && peek(p, ')')) {
        p->pos++;
        return true;
    }
    for (;;) {
        cql_type *child = type(p, depth + 1);
        if (child == NULL || !push(p, t, &cap, child, NULL))
            return false;
        if ((n != 0 && t->count == n) || !peek(p, ','))
            break;
        p->pos++;
    }
    if (n != 0 && t->count != n)
        return fail(p, CQL_E_MALFORMED, p->pos, "class name: wrong number of type parameters");
    return expect(p, ')', "class name: expected ')' after the type parameters");
}

static bool udt_params(parser *p, cql_type *t, uint32_t depth)
{
    size_t start, n;
    uint32_t cap = 0;
    if (!expect(p, '(', "class name: expected '(' after UserType"))
        return false;
    if ((n = ident(p, &start)) == 0)
        return fail(p, CQL_E_MALFORMED, start, "class name: UserType keyspace");
    if ((t->keyspace = copy(p, p->s + start, n)) == NULL)
        return false;
    if (!expect(p, ',', "class name: expected ',' after the UserType keyspace"))
        return false;
    if ((t->name = hex_name(p, "class name: UserType name (hex)")) == NULL)
        return false;
    while (peek(p, ',')) {
        p->pos++;
        char *field = hex_name(p, "class name: UserType field name (hex)");
        if (field == NULL)
            return false;
        if (!expect(p, ':', "class name: expected ':' after a UserType field name")) {
            free(field);
            return false;
        }
        cql_type *child = type(p, depth + 1);
        if (child == NULL) {
            free(field);
            return false;
        }
        if (!push(p, t, &cap, child, field))
            return false;
    }
    return expect(p, ')', "class name: expected ')' after the UserType fields");
}

static bool vector_params(parser *p, cql_type *t, uint32_t depth)
{
    uint32_t cap = 0;
    if (!expect(p, '(', "class name: expected '(' after VectorType"))
        return false;
    cql_type *child = type(p, depth + 1);
    if (child == NULL || !push(p, t, &cap, child, NULL))
        return false;
    if (!expect(p, ',', "class name: expected ',' before the vector dimension"))
        return false;
    skip_blank(p);
    size_t start = p->pos;
    uint64_t dim = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        dim = dim * 10 + (uint64_t)(p->s[p->pos++] - '0');
        if (dim > p->max_elements)
            return fail(p, CQL_E_LIMIT, start, "class name: vector dimension above max_elements");
    }
    if (p->pos == start || dim == 0)
        return fail(p, CQL_E_MALFORMED, start,
                    "class name: vector dimension not a positive number");
    t->dimension = (uint32_t)dim;
    return expect(p, ')', "class name: expected ')' after the vector dimension");
}

/* An unknown class keeps its parameters as text: skip to the matching ')'. */
static bool skip_params(parser *p)
{
    size_t start = p->pos, open = 0;
    do {
        if (p->s[p->pos] == '(')
            open++;
        else if (p->s[p->pos] == ')')
            open--;
        p->pos++;
    } while (open > 0 && p->pos < p->len);
    if (open > 0)
        return fail(p, CQL_E_MALFORMED, start, "class name: unbalanced parentheses");
    return true;
}

static cql_type *type(parser *p, uint32_t depth)
{
    size_t start, n, wrappers = 0;
    int kind;
    skip_blank(p);
    if (depth > p->max_depth) {
        fail(p, CQL_E_LIMIT, p->pos, "class name: types nested deeper than max_depth");
        return NULL;
    }
    for (;;) {
        if ((n = ident(p, &start)) == 0) {
            fail(p, CQL_E_MALFORMED, start, "class name: expected a class name");
            return NULL;
        }
        if ((kind = kind_of(p->s + start, n)) != WRAPPER)
            break;
        if (!expect(p, '(', "class name: expected '(' after FrozenType or ReversedType"))
            return NULL;
        wrappers++;
    }
    cql_type *t = calloc(1, sizeof *t);
    if (t == NULL) {
        oom(p);
        return NULL;
    }
    bool ok = true;
    switch (kind) {
    case UNKNOWN: {
        /* the class's text ends with its name, or with its parameters, never
         * with the blanks before a ',' or ')' of an enclosing type */
        size_t end = p->pos;
        t->kind = CQL_TYPE_CUSTOM;
        if (peek(p, '(')) {
            ok = skip_params(p);
            end = p->pos;
        } else {
            p->pos = end;
        }
        if (ok)
            ok = (t->custom_class = copy(p, p->s + start, end - start)) != NULL;
        break;
    }
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
        t->kind = (cql_type_kind)kind;
        ok = type_params(p, t, depth, 1);
        break;
    case CQL_TYPE_MAP:
        t->kind = CQL_TYPE_MAP;
        ok = type_params(p, t, depth, 2);
        break;
    case CQL_TYPE_TUPLE:
        t->kind = CQL_TYPE_TUPLE;
        ok = type_params(p, t, depth, 0);
        break;
    case CQL_TYPE_UDT:
        t->kind = CQL_TYPE_UDT;
        ok = udt_params(p, t, depth);
        break;
    case CQL_TYPE_VECTOR:
        t->kind = CQL_TYPE_VECTOR;
        ok = vector_params(p, t, depth);
        break;
    default:
        t->kind = (cql_type_kind)kind;
        if (peek(p, '('))
            ok = fail(p, CQL_E_MALFORMED, p->pos, "class name: parameters on a simple type");
        break;
    }
    while (ok && wrappers-- > 0)
        ok = expect(p, ')', "class name: expected ')' closing FrozenType or ReversedType");
    if (!ok) {
        cql_type_free(t);
        return NULL;
    }
    return t;
}

cql_rc cql_type_parse_class(const char *name, size_t len, const cql_limits *limits,
                            cql_type **out, cql_diag *diag)
{
    parser p = {name, len, 0, cql_limits_max_depth(limits), cql_limits_max_elements(limits),
                {CQL_OK, 0, NULL}};
    if (out != NULL)
        *out = NULL;
    const char *nul = name != NULL ? memchr(name, '\0', len) : NULL;
    if (out == NULL || (name == NULL && len != 0)) {
        fail(&p, CQL_E_ARG, 0, "class name: NULL name or output");
    } else if (nul != NULL) {
        /* the tree keeps NUL-terminated copies, which a NUL would cut short */
        fail(&p, CQL_E_MALFORMED, (size_t)(nul - name), "class name: a NUL byte");
    } else {
        cql_type *t = type(&p, 1);
        skip_blank(&p);
        if (t != NULL && p.pos != p.len)
            fail(&p, CQL_E_MALFORMED, p.pos, "class name: text after the type");
        if (p.diag.rc == CQL_OK)
            *out = t;
        else
            cql_type_free(t);
    }
    if (diag != NULL)
        *diag = p.diag;
    return p.diag.rc;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */


static void put_hex(cql_text *o, const char *s)
{
    static const char digits[] = "0123456789abcdef";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        char pair[2] = {digits[*c >> 4], digits[*c & 15]};
        cql_text_put(o, pair, 2);
    }
}

static void write_class(cql_text *o, const cql_type *t, bool vector_element)
{
    if (t == NULL)
        return;
    if (t->kind == CQL_TYPE_CUSTOM) {
        cql_text_puts(o, t->custom_class ? t->custom_class : "");
        return;
    }
    /* Cassandra freezes a vector's element and says so for collections and
     * UDTs; inside a frozen type it leaves the freezing implicit. */
    bool frozen = vector_element && (t->kind == CQL_TYPE_LIST || t->kind == CQL_TYPE_SET ||
                                     t->kind == CQL_TYPE_MAP || t->kind == CQL_TYPE_UDT);
    if (frozen)
        cql_text_puts(o, MARSHAL "FrozenType(");
    cql_text_puts(o, MARSHAL);
    cql_text_puts(o, class_of(t->kind) ? class_of(t->kind) : "BytesType");
    switch (t->kind) {
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_TUPLE:
        cql_text_put(o, "(", 1);
        for (uint32_t i = 0; i < t->count; i++) {
            if (i > 0)
                cql_text_put(o, ",", 1);
            write_class(o, t->children[i], false);
        }
        cql_text_put(o, ")", 1);
        break;
    case CQL_TYPE_UDT:
        cql_text_put(o, "(", 1);
        cql_text_puts(o, t->keyspace ? t->keyspace : "");
        cql_text_put(o, ",", 1);
        put_hex(o, t->name ? t->name : "");
        for (uint32_t i = 0; i < t->count; i++) {
            cql_text_put(o, ",", 1);
            put_hex(o, t->field_names && t->field_names[i] ? t->field_names[i] : "");
            cql_text_put(o, ":", 1);
            write_class(o, t->children[i], false);
        }
        cql_text_put(o, ")", 1);
        break;
    case CQL_TYPE_VECTOR: {
        char digits[16];
        size_t i = sizeof digits;
        uint32_t d = t->dimension;
        do {
            digits[--i] = (char)('0' + d % 10);
            d /= 10;
        } while (d != 0);
        cql_text_put(o, "(", 1);
        write_class(o, t->count == 1 ? t->children[0] : NULL, true);
        cql_text_puts(o, " , "); /* Cassandra's own spacing (TypeParser.stringifyVectorParameters) */
        cql_text_put(o, digits + i, sizeof digits - i);
        cql_text_put(o, ")", 1);
        break;
    }
    default: break;
    }
    if (frozen)
        cql_text_put(o, ")", 1);
}

size_t cql_type_class_name(const cql_type *t, char *buf, size_t cap)
{
    cql_text o = cql_text_make(buf, cap);
    write_class(&o, t, false);
    return cql_text_end(&o, cap);
}
