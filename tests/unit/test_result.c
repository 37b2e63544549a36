/* Results (cqlio.h "Results"): RESULT bodies written field by field from the
 * specs (v4/v5 §4.2.5), read through cql_result and the typed getters. */
#include "cqlio.h"
#include "engine/prepared.h"
#include "engine/result.h"
#include "harness.h"
#include "proto/buf.h"
#include "proto/values.h"

#include <math.h>
#include <stdlib.h>

static void put_str(cql_buf *b, const char *s) { cql_buf_put_string(b, s, strlen(s)); }

enum { GLOBAL_SPEC = 0x0001, MORE_PAGES = 0x0002, NO_METADATA = 0x0004 };

/* Rows metadata: flags, column count, the paging state when given, and the
 * global table spec unless there are no column specs. */
static void rows_header(cql_buf *b, uint32_t flags, uint32_t columns, const char *paging)
{
    cql_buf_put_u32(b, CQL_RESULT_ROWS);
    if (!(flags & NO_METADATA))
        flags |= GLOBAL_SPEC;
    if (paging != NULL)
        flags |= MORE_PAGES;
    cql_buf_put_u32(b, flags);
    cql_buf_put_u32(b, columns);
    if (paging != NULL)
        cql_buf_put_bytes(b, paging, strlen(paging));
    if (!(flags & NO_METADATA)) {
        put_str(b, "ks");
        put_str(b, "t");
    }
}

/* A column spec: its name and a simple [option]; composite options follow it. */
static void col(cql_buf *b, const char *name, uint16_t kind)
{
    put_str(b, name);
    cql_buf_put_u16(b, kind);
}

/* A cell built in its own buffer, appended as [bytes]; inner is emptied. */
static void put_inner(cql_buf *b, cql_buf *inner)
{
    cql_buf_put_bytes(b, inner->data != NULL ? inner->data : (const uint8_t *)"", inner->len);
    cql_buf_free(inner);
}

static void put_raw(cql_buf *b, const void *bytes, size_t n) { cql_buf_put_bytes(b, bytes, n); }

/* Decodes b (consumed) as a RESULT body and wraps it; NULL when it does not decode. */
static cql_result *result_of(cql_buf *b, uint8_t version, const cql_prepared *prepared)
{
    size_t len;
    uint8_t *body = cql_buf_take(b, &len);
    cql_envelope_header h = {version, true, 0, 1, CQL_OP_RESULT, (uint32_t)len};
    cql_response *r = NULL;
    cql_diag d;
    if (cql_response_decode(&h, body, NULL, &r, &d) != CQL_OK) {
        char text[160];
        cql_diag_format(&d, text, sizeof text);
        fprintf(stderr, "  test body does not decode: %s\n", text);
        return NULL;
    }
    return cql_result_new(r, prepared, NULL);
}

static bool str_is(cql_str s, const char *lit)
{
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.ptr, lit, s.len) == 0);
}

/* The cell as cql_cell_format spells it, in a static buffer. */
static const char *fmt(cql_cell c)
{
    static char text[512];
    int n = cql_cell_format(c, text, sizeof text);
    return n < 0 ? "<malformed>" : text;
}

#define CHECK_FMT(cell, literal)                                                                   \
    do {                                                                                           \
        const char *got_ = fmt(cell);                                                              \
        if (strcmp(got_, (literal)) != 0) {                                                        \
            fprintf(stderr, "  %s:%d: format is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,   \
                    got_, (literal));                                                              \
            harness_failures_in_test++;                                                            \
        }                                                                                          \
    } while (0)

static const uint8_t uuid4[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
                                  0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
static const uint8_t uuid1[16] = {0xc0, 0x3f, 0x8e, 0x10, 0x1d, 0x2b, 0x11, 0xee,
                                  0x9b, 0x12, 0x02, 0x42, 0xac, 0x12, 0x00, 0x02};
static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* ------------------------------------------------------------------------ */
/* One row with every scalar type                                            */
/* ------------------------------------------------------------------------ */

enum {
    C_ASCII, C_BIGINT, C_BLOB, C_BOOLEAN, C_COUNTER, C_DECIMAL, C_DOUBLE, C_FLOAT, C_INT,
    C_TIMESTAMP, C_UUID, C_VARCHAR, C_VARINT, C_TIMEUUID, C_INET4, C_INET6, C_DATE, C_TIME,
    C_SMALLINT, C_TINYINT, C_DURATION, C_LIST, SCALAR_COLUMNS
};

static const struct {
    const char *name;
    uint16_t kind;
} scalar_cols[SCALAR_COLUMNS] = {
    {"a", CQL_TYPE_ASCII},       {"b", CQL_TYPE_BIGINT},   {"bl", CQL_TYPE_BLOB},
    {"bo", CQL_TYPE_BOOLEAN},    {"c", CQL_TYPE_COUNTER},  {"de", CQL_TYPE_DECIMAL},
    {"d", CQL_TYPE_DOUBLE},      {"f", CQL_TYPE_FLOAT},    {"i", CQL_TYPE_INT},
    {"ts", CQL_TYPE_TIMESTAMP},  {"u", CQL_TYPE_UUID},     {"v", CQL_TYPE_VARCHAR},
    {"vi", CQL_TYPE_VARINT},     {"tu", CQL_TYPE_TIMEUUID}, {"in4", CQL_TYPE_INET},
    {"in6", CQL_TYPE_INET},      {"dt", CQL_TYPE_DATE},    {"tm", CQL_TYPE_TIME},
    {"si", CQL_TYPE_SMALLINT},   {"ti", CQL_TYPE_TINYINT}, {"du", CQL_TYPE_DURATION},
    {"l", CQL_TYPE_LIST},
};

/* The scalar page: row 0 holds ordinary values, row 1 nulls everywhere. */
static cql_result *scalar_page(uint8_t version)
{
    cql_buf b = {0};
    rows_header(&b, 0, SCALAR_COLUMNS, NULL);
    for (int c = 0; c < SCALAR_COLUMNS; c++) {
        col(&b, scalar_cols[c].name, scalar_cols[c].kind);
        if (scalar_cols[c].kind == CQL_TYPE_LIST)
            cql_buf_put_u16(&b, CQL_TYPE_INT);
    }
    cql_buf_put_u32(&b, 2);
    cql_encode_ascii(&b, "hello", 5);
    cql_encode_bigint(&b, INT64_C(1234567890123));
    put_raw(&b, "\xde\xad", 2);
    cql_encode_boolean(&b, true);
    cql_encode_bigint(&b, -5);                 /* counter */
    cql_encode_decimal(&b, 2, 12345);          /* 123.45 */
    cql_encode_double(&b, 3.25);
    cql_encode_float(&b, -1.5f);
    cql_encode_int(&b, -42);
    cql_encode_bigint(&b, INT64_C(1700000000123)); /* 2023-11-14T22:13:20.123Z */
    cql_encode_uuid(&b, uuid4);
    cql_encode_text(&b, "h\xc3\xa9llo", 6);
    cql_encode_varint(&b, INT64_C(12345678901234));
    cql_encode_timeuuid(&b, uuid1);
    cql_encode_inet(&b, (const uint8_t *)"\x7f\0\0\x01", 4);
    cql_encode_inet(&b, v6, 16);
    uint32_t raw;
    cql_date_from_days(-1, &raw);
    cql_encode_date(&b, raw);
    int64_t ns;
    cql_time_from_parts(13, 45, 0, 123456789, &ns);
    cql_encode_time(&b, ns);
    cql_encode_smallint(&b, INT16_MIN);
    cql_encode_tinyint(&b, INT8_MAX);
    cql_encode_duration(&b, (cql_duration){1, 2, 3});
    cql_buf list = {0};
    cql_buf_put_u32(&list, 2);
    cql_encode_int(&list, 7);
    cql_encode_int(&list, 8);
    put_inner(&b, &list);
    for (int c = 0; c < SCALAR_COLUMNS; c++)
        cql_encode_null(&b);
    return result_of(&b, version, NULL);
}

TEST(every_scalar_type_reads_with_its_getter)
{
    cql_result *r = scalar_page(5);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_kind_of(r), CQL_RESULT_ROWS);
    CHECK_EQ_INT(cql_result_row_count(r), 2);
    CHECK_EQ_INT(cql_result_column_count(r), SCALAR_COLUMNS);
    CHECK(str_is(cql_result_column_name(r, C_TIMEUUID), "tu"));
    CHECK_EQ_INT(cql_type_kind_of(cql_result_column_type(r, C_DURATION)), CQL_TYPE_DURATION);
    REQUIRE(cql_result_next(r));

    cql_str s;
    CHECK(cql_cell_string(cql_result_cell(r, C_ASCII), &s) == CQL_OK && str_is(s, "hello"));
    int64_t i64 = 0;
    CHECK(cql_cell_int64(cql_result_cell(r, C_BIGINT), &i64) == CQL_OK &&
          i64 == INT64_C(1234567890123));
    CHECK(cql_cell_bytes(cql_result_cell(r, C_BLOB), &s) == CQL_OK && str_is(s, "\xde\xad"));
    bool bo = false;
    CHECK(cql_cell_bool(cql_result_cell(r, C_BOOLEAN), &bo) == CQL_OK && bo);
    CHECK(cql_cell_int64(cql_result_cell(r, C_COUNTER), &i64) == CQL_OK && i64 == -5);
    cql_decimal_value dec = {0};
    CHECK_EQ_INT(cql_cell_decimal(cql_result_cell(r, C_DECIMAL), &dec), CQL_OK);
    CHECK(dec.scale == 2 && dec.unscaled_len == 2 && dec.unscaled[0] == 0x30 &&
          dec.unscaled[1] == 0x39);
    double d = 0;
    CHECK(cql_cell_double(cql_result_cell(r, C_DOUBLE), &d) == CQL_OK && d == 3.25);
    float f = 0;
    CHECK(cql_cell_float(cql_result_cell(r, C_FLOAT), &f) == CQL_OK && f == -1.5f);
    CHECK(cql_cell_double(cql_result_cell(r, C_FLOAT), &d) == CQL_OK && d == -1.5);
    int32_t i32 = 0;
    CHECK(cql_cell_int32(cql_result_cell(r, C_INT), &i32) == CQL_OK && i32 == -42);
    CHECK(cql_cell_int64(cql_result_cell(r, C_INT), &i64) == CQL_OK && i64 == -42);
    CHECK(cql_cell_timestamp(cql_result_cell(r, C_TIMESTAMP), &i64) == CQL_OK &&
          i64 == INT64_C(1700000000123));
    CHECK(cql_cell_int64(cql_result_cell(r, C_TIMESTAMP), &i64) == CQL_OK &&
          i64 == INT64_C(1700000000123));
    uint8_t u[16] = {0};
    CHECK(cql_cell_uuid(cql_result_cell(r, C_UUID), u) == CQL_OK && memcmp(u, uuid4, 16) == 0);
    CHECK(cql_cell_uuid(cql_result_cell(r, C_TIMEUUID), u) == CQL_OK &&
          memcmp(u, uuid1, 16) == 0);
    CHECK(cql_cell_string(cql_result_cell(r, C_VARCHAR), &s) == CQL_OK &&
          str_is(s, "h\xc3\xa9llo"));
    CHECK(cql_cell_int64(cql_result_cell(r, C_VARINT), &i64) == CQL_OK &&
          i64 == INT64_C(12345678901234));
    CHECK(cql_cell_varint(cql_result_cell(r, C_VARINT), &s) == CQL_OK && s.len == 6 &&
          (uint8_t)s.ptr[0] == 0x0B);
    uint8_t addr[16] = {0};
    size_t alen = 0;
    CHECK(cql_cell_inet(cql_result_cell(r, C_INET4), addr, &alen) == CQL_OK && alen == 4 &&
          addr[0] == 127 && addr[3] == 1);
    CHECK(cql_cell_inet(cql_result_cell(r, C_INET6), addr, &alen) == CQL_OK && alen == 16 &&
          memcmp(addr, v6, 16) == 0);
    CHECK(cql_cell_date(cql_result_cell(r, C_DATE), &i64) == CQL_OK && i64 == -1);
    CHECK(cql_cell_time(cql_result_cell(r, C_TIME), &i64) == CQL_OK &&
          i64 == INT64_C(49500123456789));
    int16_t i16 = 0;
    CHECK(cql_cell_int16(cql_result_cell(r, C_SMALLINT), &i16) == CQL_OK && i16 == INT16_MIN);
    CHECK(cql_cell_int32(cql_result_cell(r, C_SMALLINT), &i32) == CQL_OK && i32 == INT16_MIN);
    int8_t i8 = 0;
    CHECK(cql_cell_int8(cql_result_cell(r, C_TINYINT), &i8) == CQL_OK && i8 == INT8_MAX);
    CHECK(cql_cell_int16(cql_result_cell(r, C_TINYINT), &i16) == CQL_OK && i16 == INT8_MAX);
    CHECK(cql_cell_int64(cql_result_cell(r, C_TINYINT), &i64) == CQL_OK && i64 == INT8_MAX);
    int32_t months = 0, days = 0;
    int64_t nanos = 0;
    CHECK(cql_cell_duration(cql_result_cell(r, C_DURATION), &months, &days, &nanos) == CQL_OK &&
          months == 1 && days == 2 && nanos == 3);
    CHECK(cql_cell_bytes(cql_result_cell(r, C_LIST), &s) == CQL_OK && s.len == 20);

    /* row 1: nulls, each with its column's type */
    REQUIRE(cql_result_next(r));
    for (size_t c = 0; c < SCALAR_COLUMNS; c++) {
        cql_cell cell = cql_result_cell(r, c);
        CHECK(cql_cell_is_null(cell));
        CHECK(cell.ptr == NULL && cell.len == CQL_NULL);
        CHECK(cell.type == cql_result_column_type(r, c));
        CHECK_FMT(cell, "null");
    }
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == NULL);
    CHECK(!cql_result_next(r));
    cql_result_free(r);
}

/* ------------------------------------------------------------------------ */
/* Which getter fits which type                                              */
/* ------------------------------------------------------------------------ */

enum {
    G_BOOL, G_INT8, G_INT16, G_INT32, G_INT64, G_FLOAT, G_DOUBLE, G_STRING, G_BYTES, G_UUID,
    G_INET, G_DATE, G_TIME, G_TIMESTAMP, G_DURATION, G_VARINT, G_DECIMAL, GETTERS
};

/* Calls getter g on the cell, with real outputs or (null_out) NULL ones. */
static cql_rc get(int g, cql_cell c, bool null_out)
{
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32, i32b;
    int64_t i64;
    float f;
    double d;
    cql_str s;
    uint8_t u[16];
    size_t n;
    cql_decimal_value dec;
#define OUT(p) (null_out ? NULL : (p))
    switch (g) {
    case G_BOOL: return cql_cell_bool(c, OUT(&b));
    case G_INT8: return cql_cell_int8(c, OUT(&i8));
    case G_INT16: return cql_cell_int16(c, OUT(&i16));
    case G_INT32: return cql_cell_int32(c, OUT(&i32));
    case G_INT64: return cql_cell_int64(c, OUT(&i64));
    case G_FLOAT: return cql_cell_float(c, OUT(&f));
    case G_DOUBLE: return cql_cell_double(c, OUT(&d));
    case G_STRING: return cql_cell_string(c, OUT(&s));
    case G_BYTES: return cql_cell_bytes(c, OUT(&s));
    case G_UUID: return cql_cell_uuid(c, OUT(u));
    case G_INET: return cql_cell_inet(c, OUT(u), OUT(&n));
    case G_DATE: return cql_cell_date(c, OUT(&i64));
    case G_TIME: return cql_cell_time(c, OUT(&i64));
    case G_TIMESTAMP: return cql_cell_timestamp(c, OUT(&i64));
    case G_DURATION: return cql_cell_duration(c, &i32, OUT(&i32b), &i64);
    case G_VARINT: return cql_cell_varint(c, OUT(&s));
    case G_DECIMAL: return cql_cell_decimal(c, OUT(&dec));
    default: return CQL_E_ARG;
    }
#undef OUT
}

#define BIT(g) (1u << (g))
static const unsigned fits[SCALAR_COLUMNS] = {
    [C_ASCII] = BIT(G_STRING),
    [C_BIGINT] = BIT(G_INT64),
    [C_BLOB] = 0,
    [C_BOOLEAN] = BIT(G_BOOL),
    [C_COUNTER] = BIT(G_INT64),
    [C_DECIMAL] = BIT(G_DECIMAL),
    [C_DOUBLE] = BIT(G_DOUBLE),
    [C_FLOAT] = BIT(G_FLOAT) | BIT(G_DOUBLE),
    [C_INT] = BIT(G_INT32) | BIT(G_INT64),
    [C_TIMESTAMP] = BIT(G_TIMESTAMP) | BIT(G_INT64),
    [C_UUID] = BIT(G_UUID),
    [C_VARCHAR] = BIT(G_STRING),
    [C_VARINT] = BIT(G_VARINT) | BIT(G_INT64),
    [C_TIMEUUID] = BIT(G_UUID),
    [C_INET4] = BIT(G_INET),
    [C_INET6] = BIT(G_INET),
    [C_DATE] = BIT(G_DATE),
    [C_TIME] = BIT(G_TIME),
    [C_SMALLINT] = BIT(G_INT16) | BIT(G_INT32) | BIT(G_INT64),
    [C_TINYINT] = BIT(G_INT8) | BIT(G_INT16) | BIT(G_INT32) | BIT(G_INT64),
    [C_DURATION] = BIT(G_DURATION),
    [C_LIST] = 0,
};

TEST(getters_fit_their_types_and_refuse_the_others)
{
    cql_result *r = scalar_page(4);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    for (int c = 0; c < SCALAR_COLUMNS; c++) {
        unsigned want = fits[c] | BIT(G_BYTES); /* bytes reads anything */
        for (int g = 0; g < GETTERS; g++) {
            cql_rc rc = get(g, cql_result_cell(r, (size_t)c), false);
            if (rc != ((want & BIT(g)) ? CQL_OK : CQL_E_TYPE)) {
                fprintf(stderr, "  column %s, getter %d: %s\n", scalar_cols[c].name, g,
                        cql_rc_str(rc));
                harness_failures_in_test++;
            }
            /* a NULL output is the caller's mistake, once the getter fits */
            cql_rc rc_null = get(g, cql_result_cell(r, (size_t)c), true);
            CHECK_EQ_INT(rc_null, (want & BIT(g)) ? CQL_E_ARG : CQL_E_TYPE);
        }
    }
    /* Nulls: a getter that fits says CQL_E_ARG, one that does not CQL_E_TYPE. */
    REQUIRE(cql_result_next(r));
    for (int c = 0; c < SCALAR_COLUMNS; c++) {
        unsigned want = fits[c] | BIT(G_BYTES);
        for (int g = 0; g < GETTERS; g++)
            CHECK_EQ_INT(get(g, cql_result_cell(r, (size_t)c), false),
                         (want & BIT(g)) ? CQL_E_ARG : CQL_E_TYPE);
    }
    /* A cell of no column has no type: nothing fits it but bytes, and it is null. */
    cql_cell none = cql_result_cell(r, SCALAR_COLUMNS);
    CHECK(none.type == NULL && none.ptr == NULL && none.len == CQL_NULL);
    for (int g = 0; g < GETTERS; g++)
        CHECK_EQ_INT(get(g, none, false), g == G_BYTES ? CQL_E_ARG : CQL_E_TYPE);
    cql_result_free(r);
}

/* ------------------------------------------------------------------------ */
/* Boundary values                                                           */
/* ------------------------------------------------------------------------ */

TEST(boundary_values_read_and_format_exactly)
{
    cql_buf b = {0};
    rows_header(&b, 0, 10, NULL);
    col(&b, "big", CQL_TYPE_BIGINT);
    col(&b, "d", CQL_TYPE_DOUBLE);
    col(&b, "f", CQL_TYPE_FLOAT);
    col(&b, "t", CQL_TYPE_VARCHAR);
    col(&b, "bl", CQL_TYPE_BLOB);
    col(&b, "dt", CQL_TYPE_DATE);
    col(&b, "ts", CQL_TYPE_TIMESTAMP);
    col(&b, "i", CQL_TYPE_INT);
    col(&b, "vi", CQL_TYPE_VARINT);
    col(&b, "du", CQL_TYPE_DURATION);
    cql_buf_put_u32(&b, 4);
    uint32_t raw;
    /* row 0: minimums */
    cql_encode_bigint(&b, INT64_MIN);
    cql_encode_double(&b, -INFINITY);
    cql_encode_float(&b, -INFINITY);
    cql_encode_text(&b, "", 0);
    cql_encode_blob(&b, "", 0);
    cql_date_from_days(-25567, &raw); /* 1900-01-01 */
    cql_encode_date(&b, raw);
    cql_encode_bigint(&b, INT64_MIN);
    cql_encode_int(&b, INT32_MIN);
    cql_encode_varint(&b, INT64_MIN);
    cql_encode_duration(&b, (cql_duration){INT32_MIN, INT32_MIN, INT64_MIN});
    /* row 1: maximums */
    cql_encode_bigint(&b, INT64_MAX);
    cql_encode_double(&b, INFINITY);
    cql_encode_float(&b, INFINITY);
    cql_encode_text(&b, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9); /* 日本語 */
    cql_encode_blob(&b, "\x00\xff", 2);
    cql_encode_date(&b, UINT32_MAX);
    cql_encode_bigint(&b, INT64_MAX);
    cql_encode_int(&b, INT32_MAX);
    cql_encode_varint(&b, INT64_MAX);
    cql_encode_duration(&b, (cql_duration){INT32_MAX, INT32_MAX, INT64_MAX});
    /* row 2: NaN, the oldest date, the instant before the epoch */
    cql_encode_bigint(&b, 0);
    cql_encode_double(&b, NAN);
    cql_encode_float(&b, NAN);
    cql_encode_text(&b, "it's", 4);
    cql_encode_blob(&b, "\x01", 1);
    cql_encode_date(&b, 0);
    cql_encode_bigint(&b, -1);
    cql_encode_int(&b, 0);
    cql_encode_varint(&b, -1);
    cql_encode_duration(&b, (cql_duration){0, 0, 0});
    /* row 3: fractions that need every digit, negative zero, tiny values */
    cql_encode_bigint(&b, -1);
    cql_encode_double(&b, 0.1);
    cql_encode_float(&b, 0.1f);
    cql_encode_text(&b, "x", 1);
    cql_encode_blob(&b, "", 0);
    cql_encode_date(&b, CQL_DATE_EPOCH);
    cql_encode_bigint(&b, 0);
    cql_encode_int(&b, -1);
    cql_encode_varint(&b, 128);
    cql_encode_duration(&b, (cql_duration){-14, -3, -(INT64_C(3723) * 1000000000 + 4005006)});
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);

    int64_t i64 = 0;
    int32_t i32 = 0;
    double d = 0;
    float f = 0;
    cql_str s;
    REQUIRE(cql_result_next(r));
    CHECK(cql_cell_int64(cql_result_cell(r, 0), &i64) == CQL_OK && i64 == INT64_MIN);
    CHECK(cql_cell_double(cql_result_cell(r, 1), &d) == CQL_OK && isinf(d) && d < 0);
    CHECK(cql_cell_double(cql_result_cell(r, 2), &d) == CQL_OK && isinf(d) && d < 0);
    CHECK(cql_cell_string(cql_result_cell(r, 3), &s) == CQL_OK && s.len == 0 && s.ptr != NULL);
    CHECK(cql_cell_bytes(cql_result_cell(r, 4), &s) == CQL_OK && s.len == 0 && s.ptr != NULL);
    CHECK(!cql_cell_is_null(cql_result_cell(r, 3)));
    CHECK(cql_cell_date(cql_result_cell(r, 5), &i64) == CQL_OK && i64 == -25567);
    CHECK(cql_cell_int32(cql_result_cell(r, 7), &i32) == CQL_OK && i32 == INT32_MIN);
    CHECK(cql_cell_int64(cql_result_cell(r, 8), &i64) == CQL_OK && i64 == INT64_MIN);
    CHECK_FMT(cql_result_cell(r, 0), "-9223372036854775808");
    CHECK_FMT(cql_result_cell(r, 1), "-Infinity");
    CHECK_FMT(cql_result_cell(r, 2), "-Infinity");
    CHECK_FMT(cql_result_cell(r, 3), "");
    CHECK_FMT(cql_result_cell(r, 4), "0x");
    CHECK_FMT(cql_result_cell(r, 5), "1900-01-01");
    CHECK_FMT(cql_result_cell(r, 6), "-292275055-05-16T16:47:04.192Z");
    CHECK_FMT(cql_result_cell(r, 7), "-2147483648");
    CHECK_FMT(cql_result_cell(r, 8), "-9223372036854775808");
    CHECK_FMT(cql_result_cell(r, 9), "-178956970y8mo2147483648d2562047h47m16s854ms775us808ns");

    REQUIRE(cql_result_next(r));
    CHECK(cql_cell_int64(cql_result_cell(r, 0), &i64) == CQL_OK && i64 == INT64_MAX);
    CHECK(cql_cell_float(cql_result_cell(r, 2), &f) == CQL_OK && isinf(f) && f > 0);
    CHECK(cql_cell_string(cql_result_cell(r, 3), &s) == CQL_OK &&
          str_is(s, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
    CHECK(cql_cell_date(cql_result_cell(r, 5), &i64) == CQL_OK &&
          i64 == (int64_t)UINT32_MAX - (int64_t)CQL_DATE_EPOCH);
    CHECK_FMT(cql_result_cell(r, 0), "9223372036854775807");
    CHECK_FMT(cql_result_cell(r, 1), "Infinity");
    CHECK_FMT(cql_result_cell(r, 3), "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    CHECK_FMT(cql_result_cell(r, 4), "0x00ff");
    CHECK_FMT(cql_result_cell(r, 5), "+5881580-07-11");
    CHECK_FMT(cql_result_cell(r, 6), "+292278994-08-17T07:12:55.807Z");
    CHECK_FMT(cql_result_cell(r, 8), "9223372036854775807");
    CHECK_FMT(cql_result_cell(r, 9), "178956970y7mo2147483647d2562047h47m16s854ms775us807ns");

    REQUIRE(cql_result_next(r));
    CHECK(cql_cell_double(cql_result_cell(r, 1), &d) == CQL_OK && isnan(d));
    CHECK(cql_cell_float(cql_result_cell(r, 2), &f) == CQL_OK && isnan(f));
    CHECK_FMT(cql_result_cell(r, 1), "NaN");
    CHECK_FMT(cql_result_cell(r, 2), "NaN");
    CHECK_FMT(cql_result_cell(r, 3), "it's"); /* bare at the top level */
    CHECK_FMT(cql_result_cell(r, 5), "-5877641-06-23");
    CHECK_FMT(cql_result_cell(r, 6), "1969-12-31T23:59:59.999Z");
    CHECK_FMT(cql_result_cell(r, 8), "-1");
    CHECK_FMT(cql_result_cell(r, 9), "0s");

    REQUIRE(cql_result_next(r));
    CHECK_FMT(cql_result_cell(r, 1), "0.1");
    CHECK_FMT(cql_result_cell(r, 2), "0.1");
    CHECK_FMT(cql_result_cell(r, 5), "1970-01-01");
    CHECK_FMT(cql_result_cell(r, 6), "1970-01-01T00:00:00.000Z");
    CHECK_FMT(cql_result_cell(r, 8), "128");
    CHECK_FMT(cql_result_cell(r, 9), "-1y2mo3d1h2m3s4ms5us6ns");
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == NULL);
    cql_result_free(r);
}

/* Floats print the shortest text that reads back to the same bits. */
TEST(floats_format_in_the_shortest_form_that_round_trips)
{
    static const double doubles[] = {1.0 / 3, 1e300, -0.0, 5e-324, 123456789012345680.0, 2.5,
                                     -1e-7, 100, 1e16, 9999999999999998.0, 0.0001, 1e-5,
                                     123.456, 0};
    static const char *const double_text[] = {
        "0.3333333333333333", "1e+300", "-0", "5e-324", "1.2345678901234568e+17", "2.5",
        "-1e-07", "100", "1e+16", "9999999999999998", "0.0001", "1e-05", "123.456", "0"};
    static const float floats[] = {1.0f / 3, 3.4028235e38f, 1e-45f, 16777216.0f, 1e15f, 0.3f};
    static const char *const float_text[] = {"0.33333334", "3.4028235e+38", "1e-45",
                                             "16777216", "1000000000000000", "0.3"};
    cql_buf b = {0};
    rows_header(&b, 0, 2, NULL);
    col(&b, "d", CQL_TYPE_DOUBLE);
    col(&b, "f", CQL_TYPE_FLOAT);
    size_t rows = sizeof doubles / sizeof doubles[0];
    cql_buf_put_u32(&b, (uint32_t)rows);
    for (size_t i = 0; i < rows; i++) {
        cql_encode_double(&b, doubles[i]);
        if (i < sizeof floats / sizeof floats[0])
            cql_encode_float(&b, floats[i]);
        else
            cql_encode_null(&b);
    }
    cql_result *r = result_of(&b, 4, NULL);
    REQUIRE(r != NULL);
    for (size_t i = 0; i < rows && cql_result_next(r); i++) {
        CHECK_FMT(cql_result_cell(r, 0), double_text[i]);
        CHECK_EQ_INT(strtod(fmt(cql_result_cell(r, 0)), NULL) == doubles[i], 1);
        if (i < sizeof floats / sizeof floats[0]) {
            CHECK_FMT(cql_result_cell(r, 1), float_text[i]);
            CHECK_EQ_INT(strtof(fmt(cql_result_cell(r, 1)), NULL) == floats[i], 1);
        }
    }
    cql_result_free(r);
}

TEST(every_scalar_type_formats_as_a_cql_literal)
{
    cql_result *r = scalar_page(5);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    static const char *const want[SCALAR_COLUMNS] = {
        [C_ASCII] = "hello",
        [C_BIGINT] = "1234567890123",
        [C_BLOB] = "0xdead",
        [C_BOOLEAN] = "true",
        [C_COUNTER] = "-5",
        [C_DECIMAL] = "123.45",
        [C_DOUBLE] = "3.25",
        [C_FLOAT] = "-1.5",
        [C_INT] = "-42",
        [C_TIMESTAMP] = "2023-11-14T22:13:20.123Z",
        [C_UUID] = "12345678-9abc-4def-8011-223344556677",
        [C_VARCHAR] = "h\xc3\xa9llo",
        [C_VARINT] = "12345678901234",
        [C_TIMEUUID] = "c03f8e10-1d2b-11ee-9b12-0242ac120002",
        [C_INET4] = "127.0.0.1",
        [C_INET6] = "2001:db8::1",
        [C_DATE] = "1969-12-31",
        [C_TIME] = "13:45:00.123456789",
        [C_SMALLINT] = "-32768",
        [C_TINYINT] = "127",
        [C_DURATION] = "1mo2d3ns",
        [C_LIST] = "[7, 8]",
    };
    for (size_t c = 0; c < SCALAR_COLUMNS; c++) {
        CHECK_FMT(cql_result_cell(r, c), want[c]);
        /* the length returned is the text's, and cap 0 measures without writing */
        CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, c), NULL, 0), strlen(want[c]));
    }
    cql_result_free(r);
}

TEST(format_truncates_like_snprintf)
{
    cql_result *r = scalar_page(5);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, C_UUID), buf, 5), 36);
    CHECK(strcmp(buf, "1234") == 0 && buf[5] == 'Z');
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, C_VARINT), buf, 4), 14);
    CHECK(strcmp(buf, "123") == 0);
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, C_DECIMAL), buf, 1), 6);
    CHECK(buf[0] == '\0');
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, C_LIST), buf, 3), 6);
    CHECK(strcmp(buf, "[7") == 0);
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, C_ASCII), NULL, 4), -1);
    cql_result_free(r);

    /* a custom type is its bytes, as is a cell of no type */
    cql_buf b = {0};
    rows_header(&b, 0, 1, NULL);
    col(&b, "c", CQL_TYPE_CUSTOM);
    put_str(&b, "com.example.PointType");
    cql_buf_put_u32(&b, 1);
    put_raw(&b, "\x01\x02", 2);
    r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    CHECK_FMT(cql_result_cell(r, 0), "0x0102");
    int64_t i64;
    CHECK_EQ_INT(cql_cell_int64(cql_result_cell(r, 0), &i64), CQL_E_TYPE);
    cql_result_free(r);
    CHECK_FMT(((cql_cell){NULL, NULL, CQL_NULL}), "null");
    CHECK_FMT(((cql_cell){NULL, (const uint8_t *)"\x01\xab", 2}), "0x01ab");
}

/* ------------------------------------------------------------------------ */
/* Malformed and empty cells                                                 */
/* ------------------------------------------------------------------------ */

TEST(malformed_and_empty_cells_are_refused_by_the_getters)
{
    static const struct {
        uint16_t kind;
        const char *bytes;
        int32_t n;
        int getter;
        cql_rc rc;
        const char *text; /* cql_cell_format, NULL for -1 */
    } cases[] = {
        {CQL_TYPE_INT, "\0\0\1", 3, G_INT32, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_INT, "", 0, G_INT64, CQL_E_MALFORMED, ""}, /* an empty value */
        {CQL_TYPE_BIGINT, "", 0, G_INT64, CQL_E_MALFORMED, ""},
        {CQL_TYPE_SMALLINT, "", 0, G_INT16, CQL_E_MALFORMED, NULL}, /* never empty */
        {CQL_TYPE_TINYINT, "\1\2", 2, G_INT8, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_BOOLEAN, "\0\1", 2, G_BOOL, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_DOUBLE, "\0\0\0\0", 4, G_DOUBLE, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_FLOAT, "", 0, G_DOUBLE, CQL_E_MALFORMED, ""},
        {CQL_TYPE_FLOAT, "\x3f\x80\0", 3, G_FLOAT, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_COUNTER, "\0\0\0\0\0\0\0\0\0", 9, G_INT64, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_VARCHAR, "\xc3\x28", 2, G_STRING, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_VARCHAR, "abcdefgh\xff", 9, G_STRING, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_VARCHAR, "abcdefghijklmnop\xed\xa0\x80", 19, G_STRING, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_VARCHAR, "abcdefgh\xc3\xa9", 10, G_STRING, CQL_OK, "abcdefgh\xc3\xa9"},
        {CQL_TYPE_ASCII, "abc\x80", 4, G_STRING, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_ASCII, "0123456789\x7f", 11, G_STRING, CQL_OK, "0123456789\x7f"},
        {CQL_TYPE_TIMEUUID, "\x12\x34\x56\x78\x9a\xbc\x4d\xef\x80\x11\x22\x33\x44\x55\x66\x77",
         16, G_UUID, CQL_E_MALFORMED, NULL}, /* version 4 */
        {CQL_TYPE_UUID, "\1\2\3", 3, G_UUID, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_TIME, "\0\0\x4e\x94\x91\x4f\0\0", 8, G_TIME, CQL_E_MALFORMED, NULL}, /* 24h */
        {CQL_TYPE_TIME, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, G_TIME, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_DURATION, "\x02\x01\x00", 3, G_DURATION, CQL_E_MALFORMED, NULL}, /* +1, -1 */
        {CQL_TYPE_DURATION, "", 0, G_DURATION, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_DATE, "\x80\0\0", 3, G_DATE, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_TIMESTAMP, "\0", 1, G_TIMESTAMP, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_VARINT, "\x01\0\0\0\0\0\0\0\0", 9, G_INT64, CQL_E_LIMIT, "18446744073709551616"},
        {CQL_TYPE_VARINT, "\x01\0\0\0\0\0\0\0\0", 9, G_VARINT, CQL_OK, "18446744073709551616"},
        {CQL_TYPE_VARINT, "\xff\x80\0\0\0\0\0\0\0", 9, G_INT64, CQL_OK, "-9223372036854775808"},
        {CQL_TYPE_VARINT, "", 0, G_INT64, CQL_E_MALFORMED, ""}, /* legal, but no number */
        {CQL_TYPE_VARINT, "", 0, G_VARINT, CQL_E_MALFORMED, ""},
        {CQL_TYPE_DECIMAL, "\0\0\0\1", 4, G_DECIMAL, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_DECIMAL, "\0\0\0\3\x01", 5, G_DECIMAL, CQL_OK, "0.001"},
        {CQL_TYPE_INET, "\1\2\3\4\5", 5, G_INET, CQL_E_MALFORMED, NULL},
        {CQL_TYPE_BLOB, "", 0, G_BYTES, CQL_OK, "0x"},
    };
    size_t count = sizeof cases / sizeof cases[0];
    cql_buf b = {0};
    rows_header(&b, 0, (uint32_t)count, NULL);
    for (size_t i = 0; i < count; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%zu", i);
        col(&b, name, cases[i].kind);
    }
    cql_buf_put_u32(&b, 1);
    for (size_t i = 0; i < count; i++)
        put_raw(&b, cases[i].bytes, (size_t)cases[i].n);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    for (size_t i = 0; i < count; i++) {
        cql_cell c = cql_result_cell(r, i);
        cql_rc rc = get(cases[i].getter, c, false);
        if (rc != cases[i].rc) {
            fprintf(stderr, "  case %zu: %s, expected %s\n", i, cql_rc_str(rc),
                    cql_rc_str(cases[i].rc));
            harness_failures_in_test++;
        }
        /* the raw bytes are always there */
        cql_str s;
        CHECK(cql_cell_bytes(c, &s) == CQL_OK && s.len == (size_t)cases[i].n);
        char text[64];
        int n = cql_cell_format(c, text, sizeof text);
        if (cases[i].text == NULL) {
            CHECK_EQ_INT(n, -1);
            CHECK(text[0] == '\0');
        } else {
            CHECK(n >= 0 && strcmp(text, cases[i].text) == 0);
        }
    }
    cql_result_free(r);
}

/* The cursor checks each cell's length as it reads; where one is wrong the
 * result stops and says what and at which byte of the body. */
TEST(malformed_page_stops_iteration_with_the_offset)
{
    cql_buf b = {0};
    rows_header(&b, 0, 2, NULL);
    col(&b, "k", CQL_TYPE_INT);
    col(&b, "v", CQL_TYPE_VARCHAR);
    cql_buf_put_u32(&b, 3);
    cql_encode_int(&b, 1);
    cql_encode_text(&b, "a", 1);
    cql_encode_int(&b, 2);
    size_t bad_at = b.len;
    cql_buf_put_u32(&b, 100); /* runs past the body */
    cql_buf_put(&b, "abcdefghijklmnopqrstuvwxyz", 26);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    CHECK(cql_result_error(r) == NULL);
    REQUIRE(cql_result_next(r));
    int32_t k = 0;
    CHECK(cql_cell_int32(cql_result_cell(r, 0), &k) == CQL_OK && k == 1);
    CHECK(!cql_result_next(r));
    const cql_error *e = cql_result_error(r);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->rc, CQL_E_TRUNCATED);
    CHECK_EQ_INT(e->category, CQL_ERRCAT_NETWORK);
    CHECK(e->server == NULL && e->host != NULL);
    char where[32];
    snprintf(where, sizeof where, "at byte %zu", bad_at);
    CHECK(strstr(e->message, where) != NULL);
    CHECK(strstr(e->message, "cell value") != NULL);
    CHECK(strstr(e->message, "row 2 of 3") != NULL);
    /* no current row any more, and it stays stopped */
    CHECK(cql_result_cell(r, 0).type == NULL && cql_result_cell(r, 0).len == CQL_NULL);
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == e);
    cql_result_free(r);

    rows_header(&b, 0, 1, NULL);
    col(&b, "k", CQL_TYPE_INT);
    cql_buf_put_u32(&b, 1);
    bad_at = b.len;
    cql_buf_put_u32(&b, (uint32_t)-3);
    r = result_of(&b, 4, NULL);
    REQUIRE(r != NULL);
    CHECK(!cql_result_next(r));
    REQUIRE(cql_result_error(r) != NULL);
    CHECK_EQ_INT(cql_result_error(r)->rc, CQL_E_MALFORMED);
    snprintf(where, sizeof where, "at byte %zu", bad_at);
    CHECK(strstr(cql_result_error(r)->message, where) != NULL);
    CHECK(strstr(cql_result_error(r)->message, "negative") != NULL);
    cql_result_free(r);
}

/* ------------------------------------------------------------------------ */
/* Pages, LWT, metadata from a prepared statement, other kinds              */
/* ------------------------------------------------------------------------ */

TEST(paging_state_and_more_pages_come_from_the_metadata)
{
    cql_buf b = {0};
    rows_header(&b, 0, 1, "\x01\x02\x03");
    col(&b, "k", CQL_TYPE_INT);
    cql_buf_put_u32(&b, 0);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    CHECK(cql_result_has_more_pages(r));
    cql_str ps = cql_result_paging_state(r);
    CHECK(ps.len == 3 && memcmp(ps.ptr, "\x01\x02\x03", 3) == 0);
    CHECK_EQ_INT(cql_result_row_count(r), 0);
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == NULL);
    cql_result_free(r);

    rows_header(&b, 0, 1, NULL);
    col(&b, "k", CQL_TYPE_INT);
    cql_buf_put_u32(&b, 0);
    r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    CHECK(!cql_result_has_more_pages(r));
    CHECK_EQ_INT(cql_result_paging_state(r).len, 0);
    cql_result_free(r);
}

/* An LWT page: [applied] and the current values when not applied. */
static cql_result *lwt_page(int applied /* -1: null */, bool with_column, uint32_t rows)
{
    cql_buf b = {0};
    rows_header(&b, 0, with_column ? 2 : 1, NULL);
    if (with_column)
        col(&b, "[applied]", CQL_TYPE_BOOLEAN);
    col(&b, "v", CQL_TYPE_INT);
    cql_buf_put_u32(&b, rows);
    for (uint32_t i = 0; i < rows; i++) {
        if (with_column && applied < 0)
            cql_encode_null(&b);
        else if (with_column)
            cql_encode_boolean(&b, applied != 0 || i > 0);
        cql_encode_int(&b, 5);
    }
    return result_of(&b, 5, NULL);
}

TEST(was_applied_reads_the_first_row)
{
    cql_result *r = lwt_page(1, true, 1);
    REQUIRE(r != NULL);
    CHECK(cql_result_was_applied(r));
    cql_result_free(r);
    r = lwt_page(0, true, 2); /* the second row says true: only the first counts */
    REQUIRE(r != NULL);
    CHECK(!cql_result_was_applied(r));
    /* asking does not move the rows */
    REQUIRE(cql_result_next(r));
    bool applied = true;
    CHECK(cql_cell_bool(cql_result_cell_by_name(r, "[applied]"), &applied) == CQL_OK &&
          !applied);
    CHECK(!cql_result_was_applied(r));
    cql_result_free(r);
    r = lwt_page(-1, true, 1);
    REQUIRE(r != NULL);
    CHECK(!cql_result_was_applied(r)); /* a null [applied] confirms nothing */
    cql_result_free(r);
    r = lwt_page(0, false, 1);
    REQUIRE(r != NULL);
    CHECK(cql_result_was_applied(r)); /* no [applied] column */
    cql_result_free(r);
    r = lwt_page(0, true, 0);
    REQUIRE(r != NULL);
    CHECK(cql_result_was_applied(r)); /* no row */
    cql_result_free(r);
}

TEST(columns_are_found_by_exact_name)
{
    cql_result *r = lwt_page(1, true, 1);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_column_index(r, "v"), 1);
    CHECK_EQ_INT(cql_result_column_index(r, "[applied]"), 0);
    CHECK_EQ_INT(cql_result_column_index(r, "V"), -1);
    CHECK_EQ_INT(cql_result_column_index(r, "applied"), -1);
    CHECK_EQ_INT(cql_result_column_index(r, ""), -1);
    CHECK_EQ_INT(cql_result_column_index(r, NULL), -1);
    CHECK(str_is(cql_result_column_name(r, 2), ""));
    CHECK(cql_result_column_type(r, 2) == NULL);
    /* before the first row there is no current row */
    cql_cell c = cql_result_cell_by_name(r, "v");
    CHECK(c.type == NULL && c.len == CQL_NULL);
    REQUIRE(cql_result_next(r));
    int32_t v = 0;
    CHECK(cql_cell_int32(cql_result_cell_by_name(r, "v"), &v) == CQL_OK && v == 5);
    c = cql_result_cell_by_name(r, "nope");
    CHECK(c.type == NULL && c.ptr == NULL && c.len == CQL_NULL);
    CHECK(!cql_result_next(r));
    c = cql_result_cell_by_name(r, "v");
    CHECK(c.type == NULL && c.len == CQL_NULL); /* past the end: no current row */
    cql_result_free(r);
}

/* A PREPARED result whose rows have columns (k int, v text). */
static cql_prepared *prepare_kv(uint8_t version)
{
    cql_buf b = {0};
    cql_buf_put_u32(&b, CQL_RESULT_PREPARED);
    cql_buf_put_short_bytes(&b, "\x11\x22", 2);
    if (version >= 5)
        cql_buf_put_short_bytes(&b, "\x33", 1);
    cql_buf_put_u32(&b, GLOBAL_SPEC); /* bind metadata: one marker */
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u16(&b, 0);
    put_str(&b, "ks");
    put_str(&b, "t");
    col(&b, "k", CQL_TYPE_INT);
    cql_buf_put_u32(&b, GLOBAL_SPEC); /* result metadata */
    cql_buf_put_u32(&b, 2);
    put_str(&b, "ks");
    put_str(&b, "t");
    col(&b, "k", CQL_TYPE_INT);
    col(&b, "v", CQL_TYPE_VARCHAR);
    size_t len;
    uint8_t *body = cql_buf_take(&b, &len);
    cql_envelope_header h = {version, true, 0, 1, CQL_OP_RESULT, (uint32_t)len};
    cql_response *resp;
    if (cql_response_decode(&h, body, NULL, &resp, NULL) != CQL_OK)
        return NULL;
    static const char q[] = "SELECT k, v FROM ks.t WHERE k = ?";
    return cql_prepared_new(q, sizeof q - 1, "ks", resp);
}

/* A page sent without column specs (Skip_metadata), of `columns` columns. */
static cql_result *no_metadata_page(uint32_t columns, const cql_prepared *p)
{
    cql_buf b = {0};
    rows_header(&b, NO_METADATA, columns, NULL);
    cql_buf_put_u32(&b, 1);
    cql_encode_int(&b, 7);
    cql_encode_text(&b, "x", 1);
    for (uint32_t c = 2; c < columns; c++)
        cql_encode_int(&b, 9);
    return result_of(&b, 5, p);
}

TEST(no_metadata_pages_read_with_the_prepared_metadata)
{
    cql_prepared *p = prepare_kv(5);
    REQUIRE(p != NULL);
    cql_result *r = no_metadata_page(2, p);
    cql_prepared_free(p); /* the result holds its own reference */
    REQUIRE(r != NULL);
    CHECK(str_is(cql_result_column_name(r, 0), "k"));
    CHECK(str_is(cql_result_column_name(r, 1), "v"));
    CHECK_EQ_INT(cql_type_kind_of(cql_result_column_type(r, 1)), CQL_TYPE_VARCHAR);
    CHECK_EQ_INT(cql_result_column_index(r, "v"), 1);
    REQUIRE(cql_result_next(r));
    int32_t k = 0;
    cql_str v;
    CHECK(cql_cell_int32(cql_result_cell(r, 0), &k) == CQL_OK && k == 7);
    CHECK(cql_cell_string(cql_result_cell_by_name(r, "v"), &v) == CQL_OK && str_is(v, "x"));
    CHECK_FMT(cql_result_cell(r, 0), "7");
    cql_result_free(r);
}

TEST(no_metadata_pages_without_matching_metadata_have_untyped_cells)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    /* three columns where the statement was prepared with two: its metadata is stale */
    cql_result *r = no_metadata_page(3, p);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_column_count(r), 3);
    CHECK(str_is(cql_result_column_name(r, 0), ""));
    CHECK(cql_result_column_type(r, 0) == NULL);
    CHECK_EQ_INT(cql_result_column_index(r, "k"), -1);
    REQUIRE(cql_result_next(r));
    int32_t k;
    cql_str s;
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 0), &k), CQL_E_TYPE);
    CHECK(cql_cell_bytes(cql_result_cell(r, 0), &s) == CQL_OK && s.len == 4 &&
          s.ptr[3] == 7);
    CHECK_FMT(cql_result_cell(r, 1), "0x78");
    cql_result_free(r);
    cql_prepared_free(p);

    /* and without any prepared statement */
    r = no_metadata_page(2, NULL);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    CHECK(cql_result_cell(r, 1).type == NULL);
    CHECK(cql_cell_bytes(cql_result_cell(r, 1), &s) == CQL_OK && str_is(s, "x"));
    CHECK(!cql_result_next(r));
    cql_result_free(r);
}

TEST(results_of_other_kinds_have_no_rows)
{
    cql_buf b = {0};
    cql_buf_put_u32(&b, CQL_RESULT_VOID);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_kind_of(r), CQL_RESULT_VOID);
    CHECK_EQ_INT(cql_result_row_count(r), 0);
    CHECK_EQ_INT(cql_result_column_count(r), 0);
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == NULL);
    CHECK(!cql_result_has_more_pages(r));
    CHECK_EQ_INT(cql_result_paging_state(r).len, 0);
    CHECK(cql_result_was_applied(r));
    CHECK(cql_result_cell(r, 0).type == NULL);
    CHECK_EQ_INT(cql_response_header(cql_result_response(r))->opcode, CQL_OP_RESULT);
    cql_result_free(r);

    cql_buf_put_u32(&b, CQL_RESULT_SET_KEYSPACE);
    put_str(&b, "ks");
    r = result_of(&b, 4, NULL);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_kind_of(r), CQL_RESULT_SET_KEYSPACE);
    CHECK(str_is(cql_response_keyspace(cql_result_response(r)), "ks"));
    CHECK(!cql_result_next(r));
    cql_result_free(r);

    /* a PREPARED result has result metadata, but no rows to read with it */
    cql_prepared *p = prepare_kv(5);
    REQUIRE(p != NULL);
    r = cql_result_new(p->response, NULL, NULL);
    p->response = NULL; /* the result owns it now */
    cql_prepared_free(p);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_kind_of(r), CQL_RESULT_PREPARED);
    CHECK_EQ_INT(cql_result_column_count(r), 0);
    CHECK(str_is(cql_result_column_name(r, 0), ""));
    CHECK(!cql_result_next(r));
    cql_result_free(r);

    CHECK(cql_result_new(NULL, NULL, NULL) == NULL);
    cql_result_free(NULL);
    CHECK(!cql_result_next(NULL));
    CHECK(cql_result_error(NULL) == NULL);
}

/* Rows of no columns still count as rows. */
TEST(rows_without_columns_iterate)
{
    cql_buf b = {0};
    rows_header(&b, 0, 0, NULL);
    cql_buf_put_u32(&b, 2);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    CHECK(cql_result_next(r));
    CHECK(cql_result_cell(r, 0).type == NULL);
    CHECK(cql_result_next(r));
    CHECK(!cql_result_next(r));
    CHECK(cql_result_error(r) == NULL);
    cql_result_free(r);
}

/* ------------------------------------------------------------------------ */
/* Composite cells                                                           */
/* ------------------------------------------------------------------------ */

enum {
    K_LIST, K_SET, K_MAP, K_TUPLE, K_UDT, K_VECF, K_NESTED, K_VECT, K_DATES, K_MISC,
    K_EMPTY, K_COLUMNS
};

static void put_vector_class(cql_buf *b, const char *element, int dim)
{
    char cls[160];
    snprintf(cls, sizeof cls,
             "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.%s, %d)",
             element, dim);
    cql_buf_put_u16(b, CQL_TYPE_CUSTOM);
    put_str(b, cls);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Every composite kind, each [option] and value written as §4.2.5.2 and §6 say. */
static cql_result *composite_page(void)
{
    cql_buf b = {0};
    rows_header(&b, 0, K_COLUMNS, NULL);
    col(&b, "l", CQL_TYPE_LIST); /* list<int> */
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    col(&b, "s", CQL_TYPE_SET); /* set<text> */
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    col(&b, "m", CQL_TYPE_MAP); /* map<text, int> */
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    col(&b, "t", CQL_TYPE_TUPLE); /* tuple<int, text, boolean> */
    cql_buf_put_u16(&b, 3);
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    cql_buf_put_u16(&b, CQL_TYPE_BOOLEAN);
    col(&b, "u", CQL_TYPE_UDT); /* ks.addr {street text, "Zip" int, tags list<text>} */
    put_str(&b, "ks");
    put_str(&b, "addr");
    cql_buf_put_u16(&b, 3);
    put_str(&b, "street");
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    put_str(&b, "Zip");
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    put_str(&b, "tags");
    cql_buf_put_u16(&b, CQL_TYPE_LIST);
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    put_str(&b, "vf"); /* vector<float, 3> */
    put_vector_class(&b, "FloatType", 3);
    col(&b, "n", CQL_TYPE_LIST); /* list<frozen<map<int, frozen<set<text>>>>> */
    cql_buf_put_u16(&b, CQL_TYPE_MAP);
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    cql_buf_put_u16(&b, CQL_TYPE_SET);
    cql_buf_put_u16(&b, CQL_TYPE_VARCHAR);
    put_str(&b, "vt"); /* vector<text, 2> */
    put_vector_class(&b, "UTF8Type", 2);
    col(&b, "ld", CQL_TYPE_LIST); /* list<date> */
    cql_buf_put_u16(&b, CQL_TYPE_DATE);
    col(&b, "x", CQL_TYPE_TUPLE); /* tuple<timestamp, time, inet, uuid, blob, duration, ascii> */
    cql_buf_put_u16(&b, 7);
    cql_buf_put_u16(&b, CQL_TYPE_TIMESTAMP);
    cql_buf_put_u16(&b, CQL_TYPE_TIME);
    cql_buf_put_u16(&b, CQL_TYPE_INET);
    cql_buf_put_u16(&b, CQL_TYPE_UUID);
    cql_buf_put_u16(&b, CQL_TYPE_BLOB);
    cql_buf_put_u16(&b, CQL_TYPE_DURATION);
    cql_buf_put_u16(&b, CQL_TYPE_ASCII);
    col(&b, "e", CQL_TYPE_SET); /* set<int>, empty */
    cql_buf_put_u16(&b, CQL_TYPE_INT);
    cql_buf_put_u32(&b, 1);

    cql_buf e = {0};
    cql_buf_put_u32(&e, 3); /* [1, null, 3] */
    cql_encode_int(&e, 1);
    cql_encode_null(&e);
    cql_encode_int(&e, 3);
    put_inner(&b, &e);
    cql_buf_put_u32(&e, 2); /* {'a', 'it''s'} */
    cql_encode_text(&e, "a", 1);
    cql_encode_text(&e, "it's", 4);
    put_inner(&b, &e);
    cql_buf_put_u32(&e, 2); /* {'x': 1, 'y': 2} */
    cql_encode_text(&e, "x", 1);
    cql_encode_int(&e, 1);
    cql_encode_text(&e, "y", 1);
    cql_encode_int(&e, 2);
    put_inner(&b, &e);
    cql_encode_int(&e, 1); /* (1, null, true) */
    cql_encode_null(&e);
    cql_encode_boolean(&e, true);
    put_inner(&b, &e);
    cql_encode_text(&e, "Main", 4); /* {street: 'Main', "Zip": 12345}: tags left out */
    cql_encode_int(&e, 12345);
    put_inner(&b, &e);
    uint8_t packed[12]; /* [1.5, -2, 0.25]: packed, no lengths */
    float fl[3] = {1.5f, -2.0f, 0.25f};
    for (int i = 0; i < 3; i++) {
        uint32_t bits;
        memcpy(&bits, &fl[i], 4);
        put_be32(packed + 4 * i, bits);
    }
    put_raw(&b, packed, sizeof packed);
    cql_buf inner = {0}, set = {0};
    cql_buf_put_u32(&e, 1); /* [{1: {'a'}, 2: {}}] */
    cql_buf_put_u32(&inner, 2);
    cql_encode_int(&inner, 1);
    cql_buf_put_u32(&set, 1);
    cql_encode_text(&set, "a", 1);
    put_inner(&inner, &set);
    cql_encode_int(&inner, 2);
    cql_buf_put_u32(&set, 0);
    put_inner(&inner, &set);
    put_inner(&e, &inner);
    put_inner(&b, &e);
    put_raw(&b, "\x02" "ab" "\x01" "c", 5); /* ['ab', 'c']: [unsigned vint] sizes */
    uint32_t raw1, raw2;
    cql_date_from_days(19753, &raw1); /* 2024-01-31 */
    cql_date_from_days(-1, &raw2);
    cql_buf_put_u32(&e, 2);
    cql_encode_date(&e, raw1);
    cql_encode_date(&e, raw2);
    put_inner(&b, &e);
    cql_encode_bigint(&e, 0);
    cql_encode_time(&e, 1);
    cql_encode_inet(&e, v6, 16);
    cql_encode_uuid(&e, uuid4);
    cql_encode_blob(&e, "\x0f", 1);
    cql_encode_duration(&e, (cql_duration){0, 0, 90 * INT64_C(60000000000)});
    cql_encode_ascii(&e, "o'k", 3);
    put_inner(&b, &e);
    cql_buf_put_u32(&e, 0);
    put_inner(&b, &e);
    return result_of(&b, 5, NULL);
}

TEST(composites_format_as_cql_literals)
{
    cql_result *r = composite_page();
    REQUIRE(r != NULL);
    char spelled[96];
    cql_type_format(cql_result_column_type(r, K_VECF), spelled, sizeof spelled);
    CHECK(strcmp(spelled, "vector<float, 3>") == 0);
    REQUIRE(cql_result_next(r));
    CHECK_FMT(cql_result_cell(r, K_LIST), "[1, null, 3]");
    CHECK_FMT(cql_result_cell(r, K_SET), "{'a', 'it''s'}");
    CHECK_FMT(cql_result_cell(r, K_MAP), "{'x': 1, 'y': 2}");
    CHECK_FMT(cql_result_cell(r, K_TUPLE), "(1, null, true)");
    CHECK_FMT(cql_result_cell(r, K_UDT), "{street: 'Main', \"Zip\": 12345, tags: null}");
    CHECK_FMT(cql_result_cell(r, K_VECF), "[1.5, -2, 0.25]");
    CHECK_FMT(cql_result_cell(r, K_NESTED), "[{1: {'a'}, 2: {}}]");
    CHECK_FMT(cql_result_cell(r, K_VECT), "['ab', 'c']");
    CHECK_FMT(cql_result_cell(r, K_DATES), "['2024-01-31', '1969-12-31']");
    CHECK_FMT(cql_result_cell(r, K_MISC),
              "('1970-01-01T00:00:00.000Z', '00:00:00.000000001', '2001:db8::1', "
              "12345678-9abc-4def-8011-223344556677, 0x0f, 1h30m, 'o''k')");
    CHECK_FMT(cql_result_cell(r, K_EMPTY), "{}");
    cql_result_free(r);
}

TEST(iterators_walk_every_composite)
{
    cql_result *r = composite_page();
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    cql_iter it;
    cql_cell e;
    int32_t i32 = 0;
    cql_str s;

    /* list: elements with the element type, nulls included */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_LIST), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 3);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(e.type == cql_type_child(cql_result_column_type(r, K_LIST), 0));
    CHECK(cql_cell_int32(e, &i32) == CQL_OK && i32 == 1);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(cql_cell_is_null(e) && e.ptr == NULL && e.type != NULL);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(cql_cell_int32(e, &i32) == CQL_OK && i32 == 3);
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_OK);
    CHECK(str_is(cql_iter_field_name(&it), "")); /* not a UDT */

    /* map: key, value, key, value; the count is of pairs */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_MAP), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 2);
    const char *keys[] = {"x", "y"};
    for (int i = 0; i < 2; i++) {
        REQUIRE(cql_iter_next(&it, &e));
        CHECK_EQ_INT(cql_type_kind_of(e.type), CQL_TYPE_VARCHAR);
        CHECK(cql_cell_string(e, &s) == CQL_OK && str_is(s, keys[i]));
        REQUIRE(cql_iter_next(&it, &e));
        CHECK_EQ_INT(cql_type_kind_of(e.type), CQL_TYPE_INT);
        CHECK(cql_cell_int32(e, &i32) == CQL_OK && i32 == i + 1);
    }
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_OK);

    /* set */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_SET), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 2);
    REQUIRE(cql_iter_next(&it, &e) && cql_iter_next(&it, &e));
    CHECK(cql_cell_string(e, &s) == CQL_OK && str_is(s, "it's"));

    /* tuple: each element its own type */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_TUPLE), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 3);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_type_kind_of(e.type), CQL_TYPE_INT);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(cql_cell_is_null(e) && cql_type_kind_of(e.type) == CQL_TYPE_VARCHAR);
    REQUIRE(cql_iter_next(&it, &e));
    bool bo = false;
    CHECK(cql_cell_bool(e, &bo) == CQL_OK && bo);
    CHECK(!cql_iter_next(&it, &e));

    /* UDT: field names, and a value that stops before the last field */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_UDT), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 3);
    CHECK(str_is(cql_iter_field_name(&it), ""));
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(str_is(cql_iter_field_name(&it), "street"));
    CHECK(cql_cell_string(e, &s) == CQL_OK && str_is(s, "Main"));
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(str_is(cql_iter_field_name(&it), "Zip"));
    CHECK(cql_cell_int32(e, &i32) == CQL_OK && i32 == 12345);
    REQUIRE(cql_iter_next(&it, &e)); /* the field the value left out reads as null */
    CHECK(cql_cell_is_null(e) && e.type != NULL);
    CHECK(cql_iter_field_name(&it).len > 0);
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_OK);

    /* vector<float, 3>: packed elements */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_VECF), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 3);
    float want[3] = {1.5f, -2.0f, 0.25f};
    for (int i = 0; i < 3; i++) {
        float f = 0;
        REQUIRE(cql_iter_next(&it, &e));
        CHECK(e.len == 4);
        CHECK(cql_cell_float(e, &f) == CQL_OK && f == want[i]);
    }
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_OK);

    /* vector<text, 2>: length-prefixed elements */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_VECT), &it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&it), 2);
    REQUIRE(cql_iter_next(&it, &e));
    CHECK(cql_cell_string(e, &s) == CQL_OK && str_is(s, "ab"));

    /* nested: list -> map -> set */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_NESTED), &it) == CQL_OK);
    REQUIRE(cql_iter_next(&it, &e));
    cql_iter map_it, set_it;
    REQUIRE(cql_cell_iterate(e, &map_it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&map_it), 2);
    REQUIRE(cql_iter_next(&map_it, &e)); /* key 1 */
    REQUIRE(cql_iter_next(&map_it, &e)); /* {'a'} */
    REQUIRE(cql_cell_iterate(e, &set_it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&set_it), 1);
    REQUIRE(cql_iter_next(&set_it, &e));
    CHECK(cql_cell_string(e, &s) == CQL_OK && str_is(s, "a"));
    CHECK(!cql_iter_next(&set_it, &e));
    REQUIRE(cql_iter_next(&map_it, &e) && cql_iter_next(&map_it, &e)); /* 2: {} */
    REQUIRE(cql_cell_iterate(e, &set_it) == CQL_OK);
    CHECK_EQ_INT(cql_iter_count(&set_it), 0);
    CHECK(!cql_iter_next(&set_it, &e));
    CHECK(!cql_iter_next(&map_it, &e));
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_OK);

    /* what cannot be iterated */
    CHECK_EQ_INT(cql_cell_iterate(cql_result_cell(r, K_LIST), NULL), CQL_E_ARG);
    cql_cell scalar = {cql_type_child(cql_result_column_type(r, K_LIST), 0),
                       (const uint8_t *)"\0\0\0\1", 4};
    CHECK_EQ_INT(cql_cell_iterate(scalar, &it), CQL_E_TYPE);
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_E_TYPE);
    CHECK_EQ_INT(cql_iter_count(&it), 0);
    cql_cell null_list = {cql_result_column_type(r, K_LIST), NULL, CQL_NULL};
    CHECK_EQ_INT(cql_cell_iterate(null_list, &it), CQL_E_ARG);
    CHECK(!cql_iter_next(&it, &e));
    CHECK_EQ_INT(cql_cell_iterate(cql_result_cell(r, K_COLUMNS), &it), CQL_E_ARG); /* no type */
    /* a NULL output stops the walk and says why */
    REQUIRE(cql_cell_iterate(cql_result_cell(r, K_LIST), &it) == CQL_OK);
    CHECK(!cql_iter_next(&it, NULL));
    CHECK_EQ_INT(cql_iter_rc(&it), CQL_E_ARG);
    cql_result_free(r);
}

/* list<int> cells whose counts or elements do not fit their bytes. */
TEST(malformed_composites_fail_the_iterator_and_the_formatter)
{
    static const struct {
        const char *bytes;
        size_t n;
        cql_rc begin, walk;
    } cases[] = {
        {"\xff\xff\xff\xff", 4, CQL_E_MALFORMED, CQL_OK},                 /* count -1 */
        {"\0\0\x03\xe8\0\0\0\0", 8, CQL_E_MALFORMED, CQL_OK},             /* 1000 in 4 bytes */
        {"\0\x20\0\0", 4, CQL_E_LIMIT, CQL_OK},                           /* 2^21 > 2^20 */
        {"\0\0\0\x01\0\0\0\x64\0\0\0\0", 12, CQL_OK, CQL_E_MALFORMED},     /* element past the end */
        {"\0\0\0\x01\0\0\0\x04\0\0\0\x01\x99", 13, CQL_OK, CQL_E_MALFORMED}, /* trailing byte */
        {"\0\0\0\x01\xff\xff\xff\xfe", 8, CQL_OK, CQL_E_MALFORMED},       /* element length -2 */
        {"\0\0\0", 3, CQL_E_MALFORMED, CQL_OK},                           /* no whole count */
    };
    size_t count = sizeof cases / sizeof cases[0];
    cql_buf b = {0};
    rows_header(&b, 0, (uint32_t)count, NULL);
    for (size_t i = 0; i < count; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%zu", i);
        col(&b, name, CQL_TYPE_LIST);
        cql_buf_put_u16(&b, CQL_TYPE_INT);
    }
    cql_buf_put_u32(&b, 1);
    for (size_t i = 0; i < count; i++)
        put_raw(&b, cases[i].bytes, cases[i].n);
    cql_result *r = result_of(&b, 5, NULL);
    REQUIRE(r != NULL);
    REQUIRE(cql_result_next(r));
    for (size_t i = 0; i < count; i++) {
        cql_iter it;
        cql_cell c = cql_result_cell(r, i), e;
        cql_rc rc = cql_cell_iterate(c, &it);
        if (rc != cases[i].begin) {
            fprintf(stderr, "  case %zu: begin %s\n", i, cql_rc_str(rc));
            harness_failures_in_test++;
        }
        if (rc == CQL_OK) {
            while (cql_iter_next(&it, &e))
                ;
        } else {
            CHECK(!cql_iter_next(&it, &e));
        }
        CHECK_EQ_INT(cql_iter_rc(&it), rc != CQL_OK ? rc : cases[i].walk);
        CHECK_EQ_INT(cql_cell_format(c, NULL, 0), -1);
    }
    CHECK(cql_result_error(r) == NULL); /* a bad cell is not a bad page */
    cql_result_free(r);
}

int main(void)
{
    RUN(every_scalar_type_reads_with_its_getter);
    RUN(getters_fit_their_types_and_refuse_the_others);
    RUN(boundary_values_read_and_format_exactly);
    RUN(floats_format_in_the_shortest_form_that_round_trips);
    RUN(every_scalar_type_formats_as_a_cql_literal);
    RUN(format_truncates_like_snprintf);
    RUN(malformed_and_empty_cells_are_refused_by_the_getters);
    RUN(malformed_page_stops_iteration_with_the_offset);
    RUN(paging_state_and_more_pages_come_from_the_metadata);
    RUN(was_applied_reads_the_first_row);
    RUN(columns_are_found_by_exact_name);
    RUN(no_metadata_pages_read_with_the_prepared_metadata);
    RUN(no_metadata_pages_without_matching_metadata_have_untyped_cells);
    RUN(results_of_other_kinds_have_no_rows);
    RUN(rows_without_columns_iterate);
    RUN(composites_format_as_cql_literals);
    RUN(iterators_walk_every_composite);
    RUN(malformed_composites_fail_the_iterator_and_the_formatter);
    return harness_done();
}
