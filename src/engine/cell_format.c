/*
 * cql_cell_format: any cell as text.
 *
 * The spelling is CQL's literal syntax, so that a value can be pasted back
 * into a statement: integers and decimals exact, floats in the shortest form
 * that reads back to the same bits (NaN, Infinity, -Infinity), true/false,
 * blobs 0x..., UUIDs in the canonical 8-4-4-4-12 form, durations as
 * 1y2mo3d4h5m6s7ms8us9ns, lists and vectors [..], sets {..}, maps {k: v},
 * tuples (..), UDTs {field: value}, null as null.
 *
 * Strings and the types written as quoted strings (ascii, text, inet, date
 * 2024-01-31, time 13:45:00.000000000, timestamp 2024-01-31T13:45:00.000Z)
 * are bare at the top level, which is what a caller displaying one cell
 * wants, and quoted ('it''s') inside collections, tuples and UDTs, where
 * quotes are what keeps elements apart. An empty cell of a type that allows
 * one for legacy reasons (int, bigint, ...: see values.h) formats as nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "proto/text.h"
#include "proto/types.h"
#include "proto/values.h"

#include <arpa/inet.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static void put_char(cql_text *o, char c) { cql_text_put(o, &c, 1); }

static void put_int(cql_text *o, int64_t v)
{
    if (v < 0)
        put_char(o, '-');
    /* the magnitude of INT64_MIN does not fit int64_t, but does fit uint64_t */
    cql_text_put_uint(o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* v in decimal, padded with zeros to at least `width` digits. */
static void put_padded(cql_text *o, uint64_t v, int width)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%0*llu", width, (unsigned long long)v);
    cql_text_put(o, digits, (size_t)n);
}

static const char hex_digits[] = "0123456789abcdef";

static void put_hex(cql_text *o, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char pair[2] = {hex_digits[p[i] >> 4], hex_digits[p[i] & 15]};
        cql_text_put(o, pair, 2);
    }
}

/* The space left in o for a formatter that writes like snprintf. */
static char *room(const cql_text *o, size_t *cap)
{
    if (o->len < o->cap) {
        *cap = o->cap - o->len + 1; /* o->cap leaves out the NUL's byte */
        return o->buf + o->len;
    }
    *cap = 0;
    return NULL;
}

/* A string literal: quotes around it, and each quote inside doubled. */
static void put_quoted(cql_text *o, const char *s, size_t n)
{
    put_char(o, '\'');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') {
            cql_text_put(o, s + from, i + 1 - from);
            from = i; /* the quote is written again: doubled */
        }
    }
    cql_text_put(o, s + from, n - from);
    put_char(o, '\'');
}

static void put_text(cql_text *o, const char *s, size_t n, bool nested)
{
    if (nested)
        put_quoted(o, s, n);
    else
        cql_text_put(o, s, n);
}

/* The shortest digits that read back as the same value (tried with %e at
 * growing precision), placed as Python's repr places them: plainly when the
 * decimal exponent is from -4 to 15 ("100", "0.0001", "2.5"), else with an
 * exponent ("1e+16", "1e-05"). Only the digits and the exponent are taken
 * from snprintf, so the locale's decimal point never shows. */
static void put_floating(cql_text *o, double v, bool single)
{
    if (isnan(v)) {
        cql_text_puts(o, "NaN");
        return;
    }
    if (isinf(v)) {
        cql_text_puts(o, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    /* The shortest form that reads back as v. Its digits, padded with
     * zeros, are also what the first precision below prints whenever it has
     * that many digits or fewer (v lies far closer to its shortest form than
     * to any other decimal of the printed length), so a few tries and the
     * trailing zeros cut below give it — not one snprintf per length. */
    char s[48];
    /* Subnormals have fewer significant bits, so the argument fails there:
     * search from one digit up (they are rare). */
    bool subnormal = v != 0 && (single ? fabs(v) < FLT_MIN : fabs(v) < DBL_MIN);
    int first = subnormal ? 0 : single ? 5 : 14;
    for (int precision = first; precision <= (single ? 8 : 16); precision++) {
        snprintf(s, sizeof s, "%.*e", precision, v);
        if (single ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v)
            break;
    }
    /* s is [-]d[.ddd]e(+|-)xx: split it into sign, digits and exponent */
    const char *e = strchr(s, 'e');
    if (e == NULL)
        return;
    char digits[24];
    size_t n = 0;
    for (const char *c = s; c < e; c++)
        if (*c >= '0' && *c <= '9' && n < sizeof digits)
            digits[n++] = *c;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    long exp = strtol(e + 1, NULL, 10);
    if (s[0] == '-')
        put_char(o, '-');
    if (exp < -4 || exp >= 16) {
        cql_text_put(o, digits, 1);
        if (n > 1) {
            put_char(o, '.');
            cql_text_put(o, digits + 1, n - 1);
        }
        cql_text_puts(o, e); /* e+300, e-07: the exponent as C writes it */
    } else if (exp < 0) {
        cql_text_puts(o, "0.");
        for (long i = -1; i > exp; i--)
            put_char(o, '0');
        cql_text_put(o, digits, n);
    } else if ((size_t)exp + 1 >= n) {
        cql_text_put(o, digits, n);
        for (size_t i = n; i < (size_t)exp + 1; i++)
            put_char(o, '0');
    } else {
        cql_text_put(o, digits, (size_t)exp + 1);
        put_char(o, '.');
        cql_text_put(o, digits + exp + 1, n - (size_t)exp - 1);
    }
}

/* ISO 8601 years: four digits from 0 to 9999, else a sign and at least four. */
static void put_year(cql_text *o, int64_t year)
{
    if (year < 0 || year > 9999)
        put_char(o, year < 0 ? '-' : '+');
    put_padded(o, year < 0 ? (uint64_t)0 - (uint64_t)year : (uint64_t)year, 4);
}

static void put_date(cql_text *o, int64_t days)
{
    int64_t year;
    unsigned month, day;
    cql_days_to_civil(days, &year, &month, &day);
    put_year(o, year);
    put_char(o, '-');
    put_padded(o, month, 2);
    put_char(o, '-');
    put_padded(o, day, 2);
}

static void put_clock(cql_text *o, unsigned h, unsigned m, unsigned s)
{
    put_padded(o, h, 2);
    put_char(o, ':');
    put_padded(o, m, 2);
    put_char(o, ':');
    put_padded(o, s, 2);
}

#define MS_PER_DAY INT64_C(86400000)

static void put_timestamp(cql_text *o, int64_t ms)
{
    /* floor division by parts, as days * MS_PER_DAY may not fit near INT64_MIN */
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    put_date(o, days);
    put_char(o, 'T');
    int64_t s = rem / 1000;
    put_clock(o, (unsigned)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
    put_char(o, '.');
    put_padded(o, (uint64_t)(rem % 1000), 3);
    put_char(o, 'Z');
}

/* One unit of a duration literal, when its count is not zero. */
static void put_unit(cql_text *o, uint64_t count, const char *unit)
{
    if (count != 0) {
        cql_text_put_uint(o, count);
        cql_text_puts(o, unit);
    }
}

static void put_duration(cql_text *o, cql_duration d)
{
    /* the parts share one sign (the decoder checked), written once in front */
    bool negative = d.months < 0 || d.days < 0 || d.nanoseconds < 0;
    uint64_t months = d.months < 0 ? (uint64_t)0 - (uint64_t)d.months : (uint64_t)d.months;
    uint64_t days = d.days < 0 ? (uint64_t)0 - (uint64_t)d.days : (uint64_t)d.days;
    uint64_t ns = d.nanoseconds < 0 ? (uint64_t)0 - (uint64_t)d.nanoseconds
                                    : (uint64_t)d.nanoseconds;
    if (months == 0 && days == 0 && ns == 0) {
        cql_text_puts(o, "0s");
        return;
    }
    if (negative)
        put_char(o, '-');
    put_unit(o, months / 12, "y");
    put_unit(o, months % 12, "mo");
    put_unit(o, days, "d");
    static const struct {
        uint64_t ns;
        const char *unit;
    } units[] = {{UINT64_C(3600000000000), "h"}, {UINT64_C(60000000000), "m"},
                 {UINT64_C(1000000000), "s"},    {UINT64_C(1000000), "ms"},
                 {UINT64_C(1000), "us"},         {1, "ns"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        put_unit(o, ns / units[i].ns, units[i].unit);
        ns %= units[i].ns;
    }
}

/* A UDT field name as CQL reads it: bare when it is a lowercase identifier
 * (what CQL folds unquoted names to), else in double quotes. */
static void put_field_name(cql_text *o, cql_str name)
{
    bool bare = name.len > 0 && name.ptr[0] >= 'a' && name.ptr[0] <= 'z';
    for (size_t i = 0; bare && i < name.len; i++) {
        char c = name.ptr[i];
        bare = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (bare) {
        cql_text_put(o, name.ptr, name.len);
        return;
    }
    put_char(o, '"');
    for (size_t i = 0; i < name.len; i++) {
        if (name.ptr[i] == '"')
            put_char(o, '"');
        put_char(o, name.ptr[i]);
    }
    put_char(o, '"');
}

static bool format_value(cql_text *o, const cql_type *t, const uint8_t *p, int32_t n,
                         bool nested);

static bool format_composite(cql_text *o, const cql_type *t, const uint8_t *p, int32_t n)
{
    const char *open = "[", *close = "]";
    switch (t->kind) {
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_UDT: open = "{", close = "}"; break;
    case CQL_TYPE_TUPLE: open = "(", close = ")"; break;
    default: break;
    }
    /* The public iterator: a UDT value cut short reads its last fields as
     * null here too. */
    cql_iter it;
    if (cql_cell_iterate((cql_cell){t, p, n}, &it) != CQL_OK)
        return false;
    cql_text_puts(o, open);
    cql_cell e;
    for (uint32_t i = 0; cql_iter_next(&it, &e); i++) {
        if (i > 0)
            cql_text_puts(o, t->kind == CQL_TYPE_MAP && (i & 1) ? ": " : ", ");
        if (t->kind == CQL_TYPE_UDT) {
            put_field_name(o, cql_type_field_name(t, i));
            cql_text_puts(o, ": ");
        }
        if (!format_value(o, e.type, e.ptr, e.len, true))
            return false;
    }
    cql_text_puts(o, close);
    return cql_iter_rc(&it) == CQL_OK;
}

/* The types whose empty cell is legal (values.h): they format as nothing. */
static bool empty_allowed(cql_type_kind kind)
{
    return kind != CQL_TYPE_TINYINT && kind != CQL_TYPE_SMALLINT && kind != CQL_TYPE_DATE &&
           kind != CQL_TYPE_TIME && kind != CQL_TYPE_DURATION;
}

static bool format_value(cql_text *o, const cql_type *t, const uint8_t *p, int32_t n,
                         bool nested)
{
    if (n < 0) {
        cql_text_puts(o, "null");
        return true;
    }
    if (t == NULL || t->kind == CQL_TYPE_CUSTOM || t->kind == CQL_TYPE_BLOB) {
        cql_text_puts(o, "0x"); /* unknown types too: their bytes are all there is */
        put_hex(o, p, (size_t)n);
        return true;
    }
    bool scalar = t->kind != CQL_TYPE_LIST && t->kind != CQL_TYPE_SET &&
                  t->kind != CQL_TYPE_MAP && t->kind != CQL_TYPE_TUPLE &&
                  t->kind != CQL_TYPE_UDT && t->kind != CQL_TYPE_VECTOR;
    bool text = t->kind == CQL_TYPE_ASCII || t->kind == CQL_TYPE_VARCHAR;
    if (n == 0 && scalar && !text)
        return empty_allowed(t->kind);

    union {
        bool b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint32_t u32;
        float f;
        double d;
        uint8_t bytes[16];
        cql_duration dur;
        cql_str s;
    } v;
    size_t len = 0, cap;
    char *at;
    char addr[64];
    switch (t->kind) {
    case CQL_TYPE_BOOLEAN:
        if (cql_decode_boolean(p, n, &v.b, NULL) != CQL_OK)
            return false;
        cql_text_puts(o, v.b ? "true" : "false");
        return true;
    case CQL_TYPE_TINYINT:
        if (cql_decode_tinyint(p, n, &v.i8, NULL) != CQL_OK)
            return false;
        put_int(o, v.i8);
        return true;
    case CQL_TYPE_SMALLINT:
        if (cql_decode_smallint(p, n, &v.i16, NULL) != CQL_OK)
            return false;
        put_int(o, v.i16);
        return true;
    case CQL_TYPE_INT:
        if (cql_decode_int(p, n, &v.i32, NULL) != CQL_OK)
            return false;
        put_int(o, v.i32);
        return true;
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER:
        if (cql_decode_bigint(p, n, &v.i64, NULL) != CQL_OK)
            return false;
        put_int(o, v.i64);
        return true;
    case CQL_TYPE_VARINT:
    case CQL_TYPE_DECIMAL:
        at = room(o, &cap);
        if ((t->kind == CQL_TYPE_VARINT ? cql_varint_text : cql_decimal_text)(p, n, at, cap,
                                                                             &len, NULL) != CQL_OK)
            return false;
        o->len += len;
        return true;
    case CQL_TYPE_FLOAT:
        if (cql_decode_float(p, n, &v.f, NULL) != CQL_OK)
            return false;
        put_floating(o, v.f, true);
        return true;
    case CQL_TYPE_DOUBLE:
        if (cql_decode_double(p, n, &v.d, NULL) != CQL_OK)
            return false;
        put_floating(o, v.d, false);
        return true;
    case CQL_TYPE_ASCII:
        if (cql_decode_ascii(p, n, &v.s, NULL) != CQL_OK)
            return false;
        put_text(o, v.s.ptr, v.s.len, nested);
        return true;
    case CQL_TYPE_VARCHAR:
        if (cql_decode_text(p, n, true, &v.s, NULL) != CQL_OK)
            return false;
        put_text(o, v.s.ptr, v.s.len, nested);
        return true;
    case CQL_TYPE_UUID:
    case CQL_TYPE_TIMEUUID:
        if ((t->kind == CQL_TYPE_UUID ? cql_decode_uuid : cql_decode_timeuuid)(p, n, v.bytes,
                                                                            NULL) != CQL_OK)
            return false;
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                put_char(o, '-');
            put_hex(o, v.bytes + i, 1);
        }
        return true;
    case CQL_TYPE_INET:
        if (cql_decode_inet(p, n, v.bytes, &len, NULL) != CQL_OK ||
            inet_ntop(len == 4 ? AF_INET : AF_INET6, v.bytes, addr, sizeof addr) == NULL)
            return false;
        put_text(o, addr, strlen(addr), nested);
        return true;
    case CQL_TYPE_DATE:
    case CQL_TYPE_TIME:
    case CQL_TYPE_TIMESTAMP:
        if (nested)
            put_char(o, '\'');
        if (t->kind == CQL_TYPE_DATE) {
            if (cql_decode_date(p, n, &v.u32, NULL) != CQL_OK)
                return false;
            put_date(o, cql_date_to_days(v.u32));
        } else if (t->kind == CQL_TYPE_TIME) {
            unsigned h, m, s;
            uint32_t ns;
            if (cql_decode_time(p, n, &v.i64, NULL) != CQL_OK)
                return false;
            cql_time_to_parts(v.i64, &h, &m, &s, &ns);
            put_clock(o, h, m, s);
            put_char(o, '.');
            put_padded(o, ns, 9);
        } else {
            if (cql_decode_timestamp(p, n, &v.i64, NULL) != CQL_OK)
                return false;
            put_timestamp(o, v.i64);
        }
        if (nested)
            put_char(o, '\'');
        return true;
    case CQL_TYPE_DURATION:
        if (cql_decode_duration(p, n, &v.dur, NULL) != CQL_OK)
            return false;
        put_duration(o, v.dur);
        return true;
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT:
    case CQL_TYPE_VECTOR: return format_composite(o, t, p, n);
    default: return false; /* a kind no parsed type has */
    }
}

int cql_cell_format(cql_cell cell, char *buf, size_t cap)
{
    if ((buf == NULL && cap > 0) || (cell.ptr == NULL && cell.len > 0))
        return -1;
    cql_text o = cql_text_make(buf, cap);
    bool ok = format_value(&o, cell.type, cell.ptr, cell.len, false);
    cql_text_end(&o, cap);
    if (!ok) {
        if (cap > 0)
            buf[0] = '\0'; /* no half-written value for a malformed one */
        return -1;
    }
    return o.len > INT_MAX ? -1 : (int)o.len;
}
