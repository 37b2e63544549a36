/*
 * Every CQL type through the real node: each value is written with a bound
 * (prepared) statement, where the binder checks it against the prepared
 * metadata, and with a simple statement carrying it as a value; then read
 * back (through a prepared, respectively a simple SELECT) with the typed
 * getters and compared exactly, bit for bit for floats. Boundary values
 * throughout: integer extremes, varints beyond 64 bits, NaN (with payload
 * and sign), infinities, -0.0 and subnormals, decimals of extreme scale,
 * every byte and every ASCII character, 1 MiB text and blobs, dates before
 * 1900 and millions of years ahead, durations of either sign; nulls and
 * unset values; lists, sets and maps nested two deep, tuples, a UDT frozen
 * and not, vectors packed and not; and cql_cell_format's spelling of them.
 *
 * Each test runs four times: protocol v5 with LZ4, v4 without compression,
 * v5 without and v4 with; the ledger is back to zero after each run.
 *
 * What the server does that a reader might not expect, each checked here:
 *   - an empty non-frozen collection (list, set, map) reads back as null:
 *     Cassandra stores no cells for it; a frozen one reads back empty;
 *   - sets and maps come back ordered by their element (key) type and sets
 *     without duplicates, frozen ones too (a frozen map in a list, a frozen
 *     set column), whatever the order written; but not inside a bound UDT
 *     value: the node keeps its bytes, so a map field keeps the order written;
 *   - likewise a bound frozen UDT value with fewer fields than its type stays
 *     short on the wire (the protocol allows it; the reader owes the missing
 *     fields as nulls), while a non-frozen UDT column comes back with every
 *     field;
 *   - the node keeps the bytes it was given for scalars: NaNs keep sign and
 *     payload, an IPv4-mapped IPv6 address stays 16 bytes, a varint not in
 *     its shortest form stays as written;
 *   - an empty value (zero bytes, not null) is taken for the types that had
 *     one before protocol v3 and refused for tinyint, smallint, date, time
 *     and duration;
 *   - under protocol v4 the node describes a duration column as the custom
 *     class org.apache.cassandra.db.marshal.DurationType (the duration type
 *     id is v5's); the library is expected to present it as a duration;
 *   - counters add with Java long arithmetic: INT64_MAX + 1 wraps to
 *     INT64_MIN, with no error.
 * And of the library: a bind marker never bound is refused at execute (not
 * sent as unset); unset is asked for with cql_statement_bind_unset.
 */
#define _POSIX_C_SOURCE 200809L
#define WAIT_MS 30000 /* before client.h */
#include "cqlio.h"
#include "harness.h"
#include "client.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB ((size_t)1 << 20)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *KS = "cqlio_types_test";

/* ---- passes: protocol version and compression -------------------------- */

typedef struct pass {
    const char *label;
    uint8_t version;
    bool lz4;
} pass;

static const pass PASSES[] = {
    {"v5+lz4", 5, true},
    {"v4 no compression", 4, false},
    {"v5 no compression", 5, false},
    {"v4+lz4", 4, true},
};
static const pass *current;

/* The harness's RUN, naming the pass too. */
#define RUN_IN(name, p)                                                                            \
    do {                                                                                           \
        current = (p);                                                                             \
        harness_failures_in_test = 0;                                                              \
        name();                                                                                    \
        if (harness_failures_in_test == 0) {                                                       \
            harness_passed++;                                                                      \
            printf("ok   %s [%s]\n", #name, current->label);                                       \
        } else {                                                                                   \
            harness_failed++;                                                                      \
            printf("FAIL %s [%s]\n", #name, current->label);                                       \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

/* How a value reaches the server: bound to a prepared statement (checked
 * against its metadata by the binder), or as a value of a simple statement
 * (sent by its C type; the server checks it). */
typedef enum mode { PREPARED, SIMPLE } mode;

static const char *mode_name(mode m) { return m == PREPARED ? "prepared" : "simple"; }

/* Every row written gets a key of its own (the tables are truncated first). */
static int32_t next_key = 1;

/* ---- small helpers (after test_session.c) ------------------------------- */

static bool fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A failed check with a message of its own; false, for `return fail_at(...)`. */
static bool fail_at(int line, const char *fmt, ...)
{
    fprintf(stderr, "  %s:%d: ", __FILE__, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_failures_in_test++;
    return false;
}


static cql_prepared *prepare(cql_session *s, const char *q)
{
    CQL_SCOPED(cql_future) f = cql_session_prepare(s, q);
    if (f == NULL)
        return NULL;
    cql_rc rc = cql_future_wait(f, WAIT_MS);
    if (rc != CQL_OK) {
        const cql_error *e = cql_future_error(f);
        fprintf(stderr, "  prepare \"%s\": %s\n", q, e ? e->message : cql_rc_str(rc));
        return NULL;
    }
    return cql_future_take_prepared(f);
}

/* A statement of q with `values` markers: bound to a prepared q, or simple. */
static cql_statement *statement_for(cql_session *s, mode m, const char *q, uint16_t values)
{
    if (m == SIMPLE)
        return cql_statement_new(q, values);
    CQL_SCOPED(cql_prepared) p = prepare(s, q);
    if (p == NULL)
        return NULL;
    if (cql_prepared_param_count(p) != values) {
        fprintf(stderr, "  \"%s\" has %zu markers, expected %u\n", q, cql_prepared_param_count(p),
                (unsigned)values);
        return NULL;
    }
    return cql_prepared_bind(p); /* holds its own reference */
}

static bool exec_ok_at(int line, cql_session *s, const cql_statement *st)
{
    cql_result *r = run(s, st);
    if (r == NULL)
        return fail_at(line, "the statement failed");
    cql_result_free(r);
    return true;
}
#define exec_ok(s, st) exec_ok_at(__LINE__, s, st)

/* SELECT columns FROM table WHERE k = ?, positioned on its one row. */
static cql_result *fetch_at(int line, cql_session *s, mode m, const char *table,
                            const char *columns, int32_t k)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT %s FROM %s WHERE k = ?", columns, table);
    CQL_SCOPED(cql_statement) st = statement_for(s, m, q, 1);
    if (st == NULL || cql_statement_bind_int32(st, 0, k) != CQL_OK) {
        fail_at(line, "%s: cannot make \"%s\"", mode_name(m), q);
        return NULL;
    }
    cql_result *r = run(s, st);
    if (r == NULL) {
        fail_at(line, "%s: \"%s\" failed", mode_name(m), q);
        return NULL;
    }
    if (cql_result_row_count(r) != 1 || !cql_result_next(r)) {
        fail_at(line, "%s: \"%s\" (k = %d) returned %zu rows, expected 1", mode_name(m), q, k,
                cql_result_row_count(r));
        cql_result_free(r);
        return NULL;
    }
    return r;
}
#define fetch(s, m, table, columns, k) fetch_at(__LINE__, s, m, table, columns, k)

static cql_type_kind kind_of(const cql_type *t)
{
    return t != NULL ? cql_type_kind_of(t) : (cql_type_kind)-1;
}

/* ---- one value there and back: a trip ------------------------------------ */

/* INSERT INTO table (k, column) VALUES (?, ?) with a fresh k bound at 0; the
 * caller binds the value at 1, then trip_end writes it and reads it back
 * into t.cell. Prepared, the marker of the value must have type `kind` in
 * the metadata; either way, so must the column of the result. */
typedef struct trip {
    cql_session *s;
    mode m;
    const char *table, *column;
    cql_type_kind kind;
    int32_t k;
    cql_statement *st;
    cql_result *r;
    cql_cell cell;
} trip;

static bool trip_begin_at(int line, trip *t, cql_session *s, mode m, const char *table,
                          const char *column, cql_type_kind kind)
{
    *t = (trip){s, m, table, column, kind, next_key++, NULL, NULL, {NULL, NULL, CQL_NULL}};
    char q[256];
    snprintf(q, sizeof q, "INSERT INTO %s (k, %s) VALUES (?, ?)", table, column);
    if (m == SIMPLE) {
        t->st = cql_statement_new(q, 2);
    } else {
        CQL_SCOPED(cql_prepared) p = prepare(s, q);
        if (p == NULL)
            return fail_at(line, "cannot prepare \"%s\"", q);
        if (cql_prepared_param_count(p) != 2 ||
            kind_of(cql_prepared_param_type(p, 0)) != CQL_TYPE_INT ||
            kind_of(cql_prepared_param_type(p, 1)) != kind)
            return fail_at(line, "\"%s\": marker 1 is of kind 0x%x, expected 0x%x", q,
                           (unsigned)kind_of(cql_prepared_param_type(p, 1)), (unsigned)kind);
        t->st = cql_prepared_bind(p);
    }
    if (t->st == NULL || cql_statement_bind_int32(t->st, 0, t->k) != CQL_OK)
        return fail_at(line, "%s: cannot make \"%s\"", mode_name(m), q);
    return true;
}
#define trip_begin(t, s, m, table, column, kind)                                                   \
    trip_begin_at(__LINE__, t, s, m, table, column, kind)

static bool trip_end_at(int line, trip *t)
{
    if (t->st == NULL)
        return false;
    CQL_SCOPED(cql_result) w = run(t->s, t->st);
    if (w == NULL)
        return fail_at(line, "%s: writing %s.%s (k = %d) failed", mode_name(t->m), t->table,
                       t->column, t->k);
    t->r = fetch_at(line, t->s, t->m, t->table, t->column, t->k);
    if (t->r == NULL)
        return false;
    if (kind_of(cql_result_column_type(t->r, 0)) != t->kind)
        return fail_at(line, "%s: column %s is of kind 0x%x, expected 0x%x", mode_name(t->m),
                       t->column, (unsigned)kind_of(cql_result_column_type(t->r, 0)),
                       (unsigned)t->kind);
    t->cell = cql_result_cell(t->r, 0);
    return true;
}
#define trip_end(t) trip_end_at(__LINE__, t)

static void trip_free(trip *t)
{
    cql_statement_free(t->st);
    cql_result_free(t->r);
    t->st = NULL;
    t->r = NULL;
}

/* ---- exact comparisons --------------------------------------------------- */

static void check_bytes_at(int line, const char *what, const void *got, size_t got_len,
                           const void *want, size_t want_len)
{
    if (got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0))
        return;
    size_t at = 0;
    const uint8_t *g = got, *w = want;
    while (at < got_len && at < want_len && g[at] == w[at])
        at++;
    fail_at(line, "%s: %zu bytes, expected %zu; they differ from byte %zu", what, got_len,
            want_len, at);
}
#define CHECK_BYTES(what, got, got_len, want, want_len)                                            \
    check_bytes_at(__LINE__, what, got, got_len, want, want_len)

/* cql_cell_format's text for a cell, exactly; and its length as returned. */
static void check_format_at(int line, cql_cell c, const char *want)
{
    char buf[1024];
    int n = cql_cell_format(c, buf, sizeof buf);
    if (n < 0 || (size_t)n != strlen(want) || strcmp(buf, want) != 0)
        fail_at(line, "cql_cell_format gave \"%s\" (%d), expected \"%s\"", n < 0 ? "" : buf, n,
                want);
}
#define CHECK_FORMAT(cell, want) check_format_at(__LINE__, cell, want)

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double double_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* xorshift64*: reproducible "random" bytes for uuids and blobs. */
static uint64_t prng_state = 0x9E3779B97F4A7C15u;

static uint8_t prng_byte(void)
{
    prng_state ^= prng_state >> 12;
    prng_state ^= prng_state << 25;
    prng_state ^= prng_state >> 27;
    return (uint8_t)((prng_state * 0x2545F4914F6CDD1Du) >> 56);
}

/* ---- iterating composite cells ------------------------------------------- */

static bool iter_begin_at(int line, cql_cell c, cql_iter *it, size_t count)
{
    cql_rc rc = cql_cell_iterate(c, it);
    if (rc != CQL_OK)
        return fail_at(line, "cql_cell_iterate: %s", cql_rc_str(rc));
    if (cql_iter_count(it) != count)
        return fail_at(line, "the cell holds %zu elements, expected %zu", cql_iter_count(it),
                       count);
    return true;
}
#define iter_begin(c, it, count) iter_begin_at(__LINE__, c, it, count)

static bool iter_cell_at(int line, cql_iter *it, cql_cell *out)
{
    if (!cql_iter_next(it, out))
        return fail_at(line, "the iterator ended early (%s)", cql_rc_str(cql_iter_rc(it)));
    return true;
}

static void iter_int_at(int line, cql_iter *it, int32_t want)
{
    cql_cell c;
    int32_t v = 0;
    if (!iter_cell_at(line, it, &c))
        return;
    cql_rc rc = cql_cell_int32(c, &v);
    if (rc != CQL_OK || v != want)
        fail_at(line, "element: %s, %" PRId32 ", expected %" PRId32, cql_rc_str(rc), v, want);
}
#define iter_int(it, want) iter_int_at(__LINE__, it, want)

/* want NULL: the element must be null. */
static void iter_str_at(int line, cql_iter *it, const char *want)
{
    cql_cell c;
    if (!iter_cell_at(line, it, &c))
        return;
    if (want == NULL) {
        if (!cql_cell_is_null(c))
            fail_at(line, "element: not null");
        return;
    }
    cql_str v = {0};
    cql_rc rc = cql_cell_string(c, &v);
    if (rc != CQL_OK || v.len != strlen(want) || memcmp(v.ptr, want, v.len) != 0)
        fail_at(line, "element: %s, \"%.*s\", expected \"%s\"", cql_rc_str(rc), (int)v.len,
                v.ptr ? v.ptr : "", want);
}
#define iter_str(it, want) iter_str_at(__LINE__, it, want)

static void iter_end_at(int line, cql_iter *it)
{
    cql_cell c;
    if (cql_iter_next(it, &c))
        fail_at(line, "the iterator has more elements than expected");
    else if (cql_iter_rc(it) != CQL_OK)
        fail_at(line, "the iterator stopped with %s", cql_rc_str(cql_iter_rc(it)));
}
#define iter_end(it) iter_end_at(__LINE__, it)

/* The UDT field last returned is `name`. */
static void iter_field_at(int line, const cql_iter *it, const char *name)
{
    cql_str f = cql_iter_field_name(it);
    if (f.len != strlen(name) || memcmp(f.ptr, name, f.len) != 0)
        fail_at(line, "field named \"%.*s\", expected \"%s\"", (int)f.len, f.ptr ? f.ptr : "",
                name);
}
#define iter_field(it, name) iter_field_at(__LINE__, it, name)

/* ---- the schema ----------------------------------------------------------- */

static const char *SCALAR_COLUMNS[] = {"ti", "si", "i",  "bi", "vi", "f",  "d",
                                       "dec", "b", "a", "t",  "vc", "bl", "u",
                                       "tu", "ip", "dt", "tm", "ts", "du"};

static bool setup_schema(void)
{
    cql_session *s = open_session((cql_session_config){0});
    if (s == NULL)
        return false;
    char q[1024];
    snprintf(q, sizeof q,
             "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
             "{'class': 'SimpleStrategy', 'replication_factor': 1}",
             KS);
    bool ok = query_ok(s, q);
    snprintf(q, sizeof q,
             "CREATE TABLE IF NOT EXISTS %s.scalars (k int PRIMARY KEY, ti tinyint, si smallint, "
             "i int, bi bigint, vi varint, f float, d double, dec decimal, b boolean, a ascii, "
             "t text, vc varchar, bl blob, u uuid, tu timeuuid, ip inet, dt date, tm time, "
             "ts timestamp, du duration)",
             KS);
    ok = ok && query_ok(s, q);
    snprintf(q, sizeof q, "CREATE TABLE IF NOT EXISTS %s.counters (k int PRIMARY KEY, c counter)",
             KS);
    ok = ok && query_ok(s, q);
    snprintf(q, sizeof q,
             "CREATE TYPE IF NOT EXISTS %s.person (name text, age int, nums frozen<list<int>>, "
             "attrs frozen<map<text, text>>, born date)",
             KS);
    ok = ok && query_ok(s, q);
    snprintf(q, sizeof q,
             "CREATE TABLE IF NOT EXISTS %s.colls (k int PRIMARY KEY, li list<int>, "
             "st set<text>, mp map<text, int>, lfm list<frozen<map<int, text>>>, "
             "mfl map<text, frozen<list<int>>>, tp tuple<int, text, double>, "
             "ud frozen<person>, udn person, vec vector<float, 3>, vtx vector<text, 2>, "
             "fl frozen<list<int>>, fs frozen<set<int>>)",
             KS);
    ok = ok && query_ok(s, q);
    /* Rows of an earlier run would hide a write that did nothing. */
    const char *tables[] = {"scalars", "counters", "colls"};
    for (size_t i = 0; ok && i < COUNT(tables); i++) {
        snprintf(q, sizeof q, "TRUNCATE %s.%s", KS, tables[i]);
        ok = query_ok(s, q);
    }
    cql_session_free(s);
    return ok;
}

/* ---- the frame of every test ---------------------------------------------- */

typedef void (*body_fn)(cql_session *s, mode m);

/* Opens a session of the current pass in the test keyspace, runs body in
 * each mode (or once, as PREPARED), then checks the ledger settles. */
static void in_session(body_fn body, bool both_modes)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS,
                                                       .protocol_version = current->version,
                                                       .no_compression = !current->lz4});
    REQUIRE(s != NULL);
    CHECK_EQ_INT(cql_session_protocol_version(s), current->version);
    for (int i = 0; i < (both_modes ? 2 : 1); i++) {
        mode m = i == 0 ? PREPARED : SIMPLE;
        int before = harness_failures_in_test;
        body(s, m);
        if (harness_failures_in_test != before)
            fprintf(stderr, "  ^ with %s statements\n", mode_name(m));
    }
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

/* ---- integers -------------------------------------------------------------- */

/* Each value of `values` (C type ctype) into column `col` with binder
 * bind_<b>, read back with cql_cell_<getter> and with cql_cell_int64, and
 * formatted as plain decimal. */
#define INTEGER_TRIPS(s, m, values, col, kind, b, ctype, getter)                                   \
    for (size_t i_ = 0; i_ < COUNT(values); i_++) {                                                \
        trip t_;                                                                                   \
        if (trip_begin(&t_, s, m, "scalars", col, kind)) {                                         \
            CHECK_EQ_INT(cql_statement_bind_##b(t_.st, 1, values[i_]), CQL_OK);                    \
            if (trip_end(&t_)) {                                                                   \
                ctype got_ = 0;                                                                    \
                int64_t wide_ = 0;                                                                 \
                char text_[32];                                                                    \
                CHECK_EQ_INT(cql_cell_##getter(t_.cell, &got_), CQL_OK);                           \
                CHECK_EQ_INT(got_, values[i_]);                                                    \
                CHECK_EQ_INT(cql_cell_int64(t_.cell, &wide_), CQL_OK);                             \
                CHECK_EQ_INT(wide_, values[i_]);                                                   \
                snprintf(text_, sizeof text_, "%lld", (long long)values[i_]);                      \
                CHECK_FORMAT(t_.cell, text_);                                                      \
            }                                                                                      \
        }                                                                                          \
        trip_free(&t_);                                                                            \
    }

static void integers(cql_session *s, mode m)
{
    static const int8_t i8[] = {INT8_MIN, -1, 0, 1, INT8_MAX};
    static const int16_t i16[] = {INT16_MIN, -1, 0, 1, INT16_MAX};
    static const int32_t i32[] = {INT32_MIN, -1, 0, 1, INT32_MAX};
    static const int64_t i64[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
    INTEGER_TRIPS(s, m, i8, "ti", CQL_TYPE_TINYINT, int8, int8_t, int8)
    INTEGER_TRIPS(s, m, i16, "si", CQL_TYPE_SMALLINT, int16, int16_t, int16)
    INTEGER_TRIPS(s, m, i32, "i", CQL_TYPE_INT, int32, int32_t, int32)
    INTEGER_TRIPS(s, m, i64, "bi", CQL_TYPE_BIGINT, int64, int64_t, int64)
    /* The narrow getters widen: a tinyint reads as int16 and int32 too. */
    trip t;
    if (trip_begin(&t, s, m, "scalars", "ti", CQL_TYPE_TINYINT)) {
        CHECK_EQ_INT(cql_statement_bind_int8(t.st, 1, INT8_MIN), CQL_OK);
        if (trip_end(&t)) {
            int16_t v16 = 0;
            int32_t v32 = 0;
            CHECK_EQ_INT(cql_cell_int16(t.cell, &v16), CQL_OK);
            CHECK_EQ_INT(v16, INT8_MIN);
            CHECK_EQ_INT(cql_cell_int32(t.cell, &v32), CQL_OK);
            CHECK_EQ_INT(v32, INT8_MIN);
            float f = 0;
            CHECK_EQ_INT(cql_cell_float(t.cell, &f), CQL_E_TYPE);
        }
    }
    trip_free(&t);
    if (m != PREPARED)
        return;
    /* Prepared, a narrower C integer fits a wider column: the binder widens. */
    static const struct {
        const char *col;
        cql_type_kind kind;
        int width;
        int64_t v;
    } widened[] = {
        {"si", CQL_TYPE_SMALLINT, 1, INT8_MIN}, {"i", CQL_TYPE_INT, 2, INT16_MIN},
        {"bi", CQL_TYPE_BIGINT, 4, INT32_MIN},  {"bi", CQL_TYPE_BIGINT, 1, -1},
        {"vi", CQL_TYPE_VARINT, 8, INT64_MIN},  {"vi", CQL_TYPE_VARINT, 4, INT32_MAX},
    };
    for (size_t i = 0; i < COUNT(widened); i++) {
        if (!trip_begin(&t, s, m, "scalars", widened[i].col, widened[i].kind)) {
            trip_free(&t);
            continue;
        }
        int64_t v = widened[i].v;
        cql_rc rc = widened[i].width == 1   ? cql_statement_bind_int8(t.st, 1, (int8_t)v)
                    : widened[i].width == 2 ? cql_statement_bind_int16(t.st, 1, (int16_t)v)
                    : widened[i].width == 4 ? cql_statement_bind_int32(t.st, 1, (int32_t)v)
                                            : cql_statement_bind_int64(t.st, 1, v);
        CHECK_EQ_INT(rc, CQL_OK);
        int64_t got = 0;
        if (trip_end(&t)) {
            CHECK_EQ_INT(cql_cell_int64(t.cell, &got), CQL_OK);
            CHECK_EQ_INT(got, v);
        }
        trip_free(&t);
    }
}
TEST(integers_round_trip_at_their_extremes) { in_session(integers, true); }

/* ---- varint ---------------------------------------------------------------- */

static void varints(cql_session *s, mode m)
{
    /* big: 2^200 = 0x01 and 25 zero bytes; -(2^200) = 0xFF and 25 zero bytes
     * (two's complement, the shortest form, as the server's BigInteger
     * writes it). */
    uint8_t big[26] = {0x01}, neg_big[26] = {0xFF};
    static const uint8_t zero[] = {0x00}, one[] = {0x01}, minus_one[] = {0xFF},
                         minus_128[] = {0x80}, plus_128[] = {0x00, 0x80},
                         two_63[] = {0x00, 0x80, 0, 0, 0, 0, 0, 0, 0},
                         min64[] = {0x80, 0, 0, 0, 0, 0, 0, 0}, padded_one[] = {0, 0, 1},
                         padded_minus_one[] = {0xFF, 0xFF};
    const struct {
        const uint8_t *bytes;
        size_t len;
        bool fits; /* in an int64 */
        int64_t v;
        const char *text;
    } cases[] = {
        {zero, 1, true, 0, "0"},
        {one, 1, true, 1, "1"},
        {minus_one, 1, true, -1, "-1"},
        {minus_128, 1, true, -128, "-128"},
        {plus_128, 2, true, 128, "128"},
        {min64, 8, true, INT64_MIN, "-9223372036854775808"},
        {two_63, 9, false, 0, "9223372036854775808"},
        {big, 26, false, 0, "1606938044258990275541962092341162602522202993782792835301376"},
        {neg_big, 26, false, 0, "-1606938044258990275541962092341162602522202993782792835301376"},
        /* not the shortest form: kept as written, read as the same number */
        {padded_one, 3, true, 1, "1"},
        {padded_minus_one, 2, true, -1, "-1"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "vi", CQL_TYPE_VARINT)) {
            CHECK_EQ_INT(cql_statement_bind_varint(t.st, 1, cases[i].bytes, cases[i].len), CQL_OK);
            if (trip_end(&t)) {
                cql_str v = {0};
                CHECK_EQ_INT(cql_cell_varint(t.cell, &v), CQL_OK);
                CHECK_BYTES("varint", v.ptr, v.len, cases[i].bytes, cases[i].len);
                int64_t n = 0;
                if (cases[i].fits) {
                    CHECK_EQ_INT(cql_cell_int64(t.cell, &n), CQL_OK);
                    CHECK_EQ_INT(n, cases[i].v);
                } else {
                    CHECK(cql_cell_int64(t.cell, &n) != CQL_OK); /* too wide for it */
                }
                CHECK_FORMAT(t.cell, cases[i].text);
            }
        }
        trip_free(&t);
    }
}
TEST(varints_round_trip_beyond_64_bits) { in_session(varints, true); }

/* ---- counter --------------------------------------------------------------- */

static int64_t read_counter_at(int line, cql_session *s, mode m, int32_t k)
{
    CQL_SCOPED(cql_result) r = fetch_at(line, s, m, "counters", "c", k);
    int64_t v = 0;
    if (r == NULL)
        return 0;
    if (kind_of(cql_result_column_type(r, 0)) != CQL_TYPE_COUNTER)
        fail_at(line, "column c is not a counter");
    cql_rc rc = cql_cell_int64(cql_result_cell(r, 0), &v);
    if (rc != CQL_OK)
        fail_at(line, "cql_cell_int64: %s", cql_rc_str(rc));
    return v;
}
#define read_counter(s, m, k) read_counter_at(__LINE__, s, m, k)

/* UPDATE counters SET c = c + add WHERE k = k. */
static bool add_at(int line, cql_session *s, mode m, int32_t k, int64_t add)
{
    CQL_SCOPED(cql_statement) st =
        statement_for(s, m, "UPDATE counters SET c = c + ? WHERE k = ?", 2);
    if (st == NULL)
        return fail_at(line, "no statement");
    cql_rc a = cql_statement_bind_int64(st, 0, add), b = cql_statement_bind_int32(st, 1, k);
    if (a != CQL_OK || b != CQL_OK)
        return fail_at(line, "binding: %s, %s", cql_rc_str(a), cql_rc_str(b));
    return exec_ok_at(line, s, st);
}
#define add(s, m, k, v) add_at(__LINE__, s, m, k, v)

static void counters(cql_session *s, mode m)
{
    if (m == PREPARED) {
        CQL_SCOPED(cql_prepared) p = prepare(s, "UPDATE counters SET c = c + ? WHERE k = ?");
        REQUIRE(p != NULL);
        CHECK_EQ_INT(kind_of(cql_prepared_param_type(p, 0)), CQL_TYPE_COUNTER);
    }
    int32_t k = next_key++;
    static const int64_t adds[] = {5, -3, INT64_C(1000000000000), -1, 0};
    int64_t sum = 0;
    for (size_t i = 0; i < COUNT(adds); i++) {
        add(s, m, k, adds[i]);
        sum += adds[i];
        CHECK_EQ_INT(read_counter(s, m, k), sum);
    }
    /* Prepared, an int32 fits a counter too. */
    if (m == PREPARED) {
        CQL_SCOPED(cql_statement) st =
            statement_for(s, m, "UPDATE counters SET c = c + ? WHERE k = ?", 2);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, -1000), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 1, k), CQL_OK);
        exec_ok(s, st);
        CHECK_EQ_INT(read_counter(s, m, k), sum - 1000);
    }
    /* The extremes, and past them: the server adds as a Java long does. */
    int32_t hi = next_key++, lo = next_key++;
    add(s, m, hi, INT64_MAX);
    CHECK_EQ_INT(read_counter(s, m, hi), INT64_MAX);
    add(s, m, lo, INT64_MIN);
    CHECK_EQ_INT(read_counter(s, m, lo), INT64_MIN);
    add(s, m, hi, 1);
    CHECK_EQ_INT(read_counter(s, m, hi), INT64_MIN); /* wrapped, no error */
}
TEST(counters_add_up_to_their_extremes) { in_session(counters, true); }

/* ---- float and double ---------------------------------------------------- */

static void floats(cql_session *s, mode m)
{
    static const struct {
        uint32_t bits;
        const char *text;
    } f[] = {
        {0x7FC00000u, "NaN"},           /* NaN */
        {0xFFC12345u, "NaN"},           /* a negative NaN with a payload */
        {0x7F800000u, "Infinity"},      /* +inf */
        {0xFF800000u, "-Infinity"},     /* -inf */
        {0x80000000u, "-0"},            /* -0.0 */
        {0x00000000u, "0"},             /* +0.0 */
        {0x00000001u, "1e-45"},         /* the smallest subnormal */
        {0x00800000u, "1.1754944e-38"}, /* the smallest normal */
        {0x7F7FFFFFu, "3.4028235e+38"}, /* max */
        {0xFF7FFFFFu, "-3.4028235e+38"},
        {0x3FC00000u, "1.5"},
    };
    for (size_t i = 0; i < COUNT(f); i++) {
        trip t;
        float v = float_of(f[i].bits);
        if (trip_begin(&t, s, m, "scalars", "f", CQL_TYPE_FLOAT)) {
            CHECK_EQ_INT(cql_statement_bind_float(t.st, 1, v), CQL_OK);
            if (trip_end(&t)) {
                float got = 0;
                double wide = 0;
                CHECK_EQ_INT(cql_cell_float(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(float_bits(got), f[i].bits); /* sign and payload too */
                CHECK(!isnan(got) == !isnan(v));
                CHECK(!signbit(got) == !signbit(v));
                CHECK_EQ_INT(cql_cell_double(t.cell, &wide), CQL_OK); /* widens */
                CHECK(isnan(v) ? isnan(wide) : wide == (double)v);
                CHECK(!signbit(wide) == !signbit(v));
                CHECK_FORMAT(t.cell, f[i].text);
            }
        }
        trip_free(&t);
    }
    static const struct {
        uint64_t bits;
        const char *text;
    } d[] = {
        {UINT64_C(0x7FF8000000000000), "NaN"},
        {UINT64_C(0xFFF8000000012345), "NaN"},
        {UINT64_C(0x7FF0000000000000), "Infinity"},
        {UINT64_C(0xFFF0000000000000), "-Infinity"},
        {UINT64_C(0x8000000000000000), "-0"},
        {UINT64_C(0x0000000000000001), "5e-324"},
        {UINT64_C(0x0010000000000000), "2.2250738585072014e-308"},
        {UINT64_C(0x7FEFFFFFFFFFFFFF), "1.7976931348623157e+308"},
        {UINT64_C(0xFFEFFFFFFFFFFFFF), "-1.7976931348623157e+308"},
        {UINT64_C(0x3FB999999999999A), "0.1"},
        {UINT64_C(0x4341C37937E08000), "1e+16"},
    };
    for (size_t i = 0; i < COUNT(d); i++) {
        trip t;
        double v = double_of(d[i].bits);
        if (trip_begin(&t, s, m, "scalars", "d", CQL_TYPE_DOUBLE)) {
            CHECK_EQ_INT(cql_statement_bind_double(t.st, 1, v), CQL_OK);
            if (trip_end(&t)) {
                double got = 0;
                CHECK_EQ_INT(cql_cell_double(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(double_bits(got), d[i].bits);
                CHECK(!isnan(got) == !isnan(v));
                CHECK(!signbit(got) == !signbit(v));
                CHECK_FORMAT(t.cell, d[i].text);
                float narrow = 0;
                CHECK_EQ_INT(cql_cell_float(t.cell, &narrow), CQL_E_TYPE); /* no narrowing */
            }
        }
        trip_free(&t);
    }
    /* The C constants, named, for the record. */
    CHECK_EQ_INT(float_bits(FLT_TRUE_MIN), 0x00000001u);
    CHECK_EQ_INT(double_bits(DBL_MAX), UINT64_C(0x7FEFFFFFFFFFFFFF));
    CHECK(isnan(float_of(f[0].bits)) && signbit(float_of(f[4].bits)));
}
TEST(floats_and_doubles_keep_every_bit) { in_session(floats, true); }

/* ---- decimal --------------------------------------------------------------- */

static void decimals(cql_session *s, mode m)
{
    uint8_t big[26] = {0x01}, neg_big[26] = {0xFF};
    static const uint8_t zero[] = {0x00}, v123[] = {0x7B}, minus_one[] = {0xFF},
                         minus_123[] = {0x85}, one[] = {0x01};
    const struct {
        const uint8_t *unscaled;
        size_t len;
        int32_t scale;
        const char *text; /* Java's BigDecimal.toString() */
    } cases[] = {
        {zero, 1, 0, "0"},
        {v123, 1, 2, "1.23"},
        {v123, 1, -3, "1.23E+5"},
        {minus_one, 1, 5, "-0.00001"},
        {minus_123, 1, 0, "-123"},
        {one, 1, INT32_MAX, "1E-2147483647"},
        {one, 1, INT32_MIN, "1E+2147483648"},
        {big, 26, 10, "160693804425899027554196209234116260252220299378279.2835301376"},
        {neg_big, 26, -10,
         "-1.606938044258990275541962092341162602522202993782792835301376E+70"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "dec", CQL_TYPE_DECIMAL)) {
            cql_decimal_value v = {cases[i].unscaled, cases[i].len, cases[i].scale};
            CHECK_EQ_INT(cql_statement_bind_decimal(t.st, 1, v), CQL_OK);
            if (trip_end(&t)) {
                cql_decimal_value got = {0};
                CHECK_EQ_INT(cql_cell_decimal(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got.scale, cases[i].scale);
                CHECK_BYTES("unscaled", got.unscaled, got.unscaled_len, cases[i].unscaled,
                            cases[i].len);
                CHECK_FORMAT(t.cell, cases[i].text);
            }
        }
        trip_free(&t);
    }
}
TEST(decimals_keep_scale_and_unscaled_digits) { in_session(decimals, true); }

/* ---- boolean, ascii, text, varchar, blob ---------------------------------- */

static void booleans(cql_session *s, mode m)
{
    static const bool values[] = {true, false};
    for (size_t i = 0; i < COUNT(values); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "b", CQL_TYPE_BOOLEAN)) {
            CHECK_EQ_INT(cql_statement_bind_bool(t.st, 1, values[i]), CQL_OK);
            if (trip_end(&t)) {
                bool got = !values[i];
                CHECK_EQ_INT(cql_cell_bool(t.cell, &got), CQL_OK);
                CHECK(got == values[i]);
                CHECK_FORMAT(t.cell, values[i] ? "true" : "false");
            }
        }
        trip_free(&t);
    }
}
TEST(booleans_round_trip) { in_session(booleans, true); }

/* One string into column col, read back exactly with cql_cell_string. */
static void string_trip_at(int line, cql_session *s, mode m, const char *col, cql_type_kind kind,
                           const char *v, size_t len, bool check_format)
{
    trip t;
    if (trip_begin_at(line, &t, s, m, "scalars", col, kind)) {
        cql_rc rc = cql_statement_bind_string(t.st, 1, v, len);
        if (rc != CQL_OK)
            fail_at(line, "binding a string of %zu bytes: %s", len, cql_rc_str(rc));
        if (trip_end_at(line, &t)) {
            cql_str got = {0};
            rc = cql_cell_string(t.cell, &got);
            if (rc != CQL_OK)
                fail_at(line, "cql_cell_string: %s", cql_rc_str(rc));
            CHECK(!cql_cell_is_null(t.cell)); /* an empty string is not null */
            check_bytes_at(line, col, got.ptr, got.len, v, len);
            if (check_format) {
                /* bare at the top level: the string itself */
                char buf[256];
                int n = cql_cell_format(t.cell, buf, sizeof buf);
                if (n != (int)len || memcmp(buf, v, len) != 0)
                    fail_at(line, "cql_cell_format gave %d bytes \"%s\"", n, buf);
            }
        }
    }
    trip_free(&t);
}

/* héllo wörld ✓ 日本語 🎉 */
static const char SAMPLE_TEXT[] = "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 "
                                  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x8E\x89";

static void strings(cql_session *s, mode m)
{
    char printable[96], all_ascii[128];
    for (int i = 0; i < 95; i++)
        printable[i] = (char)(0x20 + i);
    printable[95] = '\0';
    for (int i = 0; i < 128; i++)
        all_ascii[i] = (char)i; /* NUL included: lengths, not terminators */
    string_trip_at(__LINE__, s, m, "a", CQL_TYPE_ASCII, "", 0, true);
    string_trip_at(__LINE__, s, m, "a", CQL_TYPE_ASCII, printable, 95, true);
    string_trip_at(__LINE__, s, m, "a", CQL_TYPE_ASCII, all_ascii, 128, false);
    string_trip_at(__LINE__, s, m, "t", CQL_TYPE_VARCHAR, "", 0, true);
    string_trip_at(__LINE__, s, m, "t", CQL_TYPE_VARCHAR, SAMPLE_TEXT, strlen(SAMPLE_TEXT), true);
    string_trip_at(__LINE__, s, m, "t", CQL_TYPE_VARCHAR, "a\0b", 3, false);
    string_trip_at(__LINE__, s, m, "vc", CQL_TYPE_VARCHAR, "", 0, true);
    string_trip_at(__LINE__, s, m, "vc", CQL_TYPE_VARCHAR, SAMPLE_TEXT, strlen(SAMPLE_TEXT), true);
    /* 1 MiB of text, multi-byte characters throughout, cut at a character. */
    char *mib = malloc(MIB);
    REQUIRE(mib != NULL);
    size_t n = 0, step = strlen(SAMPLE_TEXT);
    while (n + step <= MIB) {
        memcpy(mib + n, SAMPLE_TEXT, step);
        n += step;
    }
    memset(mib + n, 'x', MIB - n);
    string_trip_at(__LINE__, s, m, "t", CQL_TYPE_VARCHAR, mib, MIB, false);
    free(mib);
    /* ascii and text read as strings only; text reads as bytes too. */
    trip t;
    if (trip_begin(&t, s, m, "scalars", "t", CQL_TYPE_VARCHAR)) {
        CHECK_EQ_INT(cql_statement_bind_string(t.st, 1, "it's", 4), CQL_OK);
        if (trip_end(&t)) {
            cql_str raw = {0};
            CHECK_EQ_INT(cql_cell_bytes(t.cell, &raw), CQL_OK);
            CHECK_STR(raw, "it's");
            int32_t i = 0;
            CHECK_EQ_INT(cql_cell_int32(t.cell, &i), CQL_E_TYPE);
            CHECK_FORMAT(t.cell, "it's");
        }
    }
    trip_free(&t);
}
TEST(ascii_text_and_varchar_round_trip_exactly) { in_session(strings, true); }

static void blobs(cql_session *s, mode m)
{
    uint8_t every[256];
    for (int i = 0; i < 256; i++)
        every[i] = (uint8_t)i;
    uint8_t *mib = malloc(MIB);
    REQUIRE(mib != NULL);
    for (size_t i = 0; i < MIB; i++)
        mib[i] = prng_byte();
    const struct {
        const uint8_t *v;
        size_t len;
    } cases[] = {{(const uint8_t *)"", 0}, {every, 256}, {mib, MIB}};
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "bl", CQL_TYPE_BLOB)) {
            CHECK_EQ_INT(cql_statement_bind_bytes(t.st, 1, cases[i].v, cases[i].len), CQL_OK);
            if (trip_end(&t)) {
                cql_str got = {0};
                CHECK(!cql_cell_is_null(t.cell)); /* an empty blob is not null */
                CHECK_EQ_INT(cql_cell_bytes(t.cell, &got), CQL_OK);
                CHECK_BYTES("blob", got.ptr, got.len, cases[i].v, cases[i].len);
                if (cases[i].len == 0)
                    CHECK_FORMAT(t.cell, "0x");
                if (cases[i].len == 256) {
                    char text[600];
                    CHECK_EQ_INT(cql_cell_format(t.cell, text, sizeof text), 2 + 512);
                    CHECK(strncmp(text, "0x000102", 8) == 0);
                    CHECK(strcmp(text + 506, "fcfdfeff") == 0);
                }
            }
        }
        trip_free(&t);
    }
    free(mib);
}
TEST(blobs_round_trip_empty_every_byte_and_a_mebibyte) { in_session(blobs, true); }

/* ---- uuid, timeuuid, inet -------------------------------------------------- */

static void uuid_trip_at(int line, cql_session *s, mode m, const char *col, cql_type_kind kind,
                         const uint8_t v[16], const char *text)
{
    trip t;
    if (trip_begin_at(line, &t, s, m, "scalars", col, kind)) {
        cql_rc rc = cql_statement_bind_uuid(t.st, 1, v);
        if (rc != CQL_OK)
            fail_at(line, "binding the uuid: %s", cql_rc_str(rc));
        if (trip_end_at(line, &t)) {
            uint8_t got[16] = {0};
            rc = cql_cell_uuid(t.cell, got);
            if (rc != CQL_OK)
                fail_at(line, "cql_cell_uuid: %s", cql_rc_str(rc));
            check_bytes_at(line, col, got, 16, v, 16);
            if (text != NULL)
                check_format_at(line, t.cell, text);
        }
    }
    trip_free(&t);
}

static void uuids(cql_session *s, mode m)
{
    uint8_t v4[16];
    for (int i = 0; i < 16; i++)
        v4[i] = prng_byte();
    v4[6] = (uint8_t)((v4[6] & 0x0F) | 0x40); /* version 4 */
    v4[8] = (uint8_t)((v4[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    char v4_text[40];
    snprintf(v4_text, sizeof v4_text,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", v4[0], v4[1],
             v4[2], v4[3], v4[4], v4[5], v4[6], v4[7], v4[8], v4[9], v4[10], v4[11], v4[12],
             v4[13], v4[14], v4[15]);
    uuid_trip_at(__LINE__, s, m, "u", CQL_TYPE_UUID, v4, v4_text);
    static const uint8_t nil[16] = {0}, ones[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    uuid_trip_at(__LINE__, s, m, "u", CQL_TYPE_UUID, nil, "00000000-0000-0000-0000-000000000000");
    uuid_trip_at(__LINE__, s, m, "u", CQL_TYPE_UUID, ones, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    /* version 1: d5e6c2c0-1f3a-11ee-be56-0242ac120002, and the earliest time */
    static const uint8_t v1[16] = {0xD5, 0xE6, 0xC2, 0xC0, 0x1F, 0x3A, 0x11, 0xEE,
                                   0xBE, 0x56, 0x02, 0x42, 0xAC, 0x12, 0x00, 0x02};
    static const uint8_t v1_min[16] = {0, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0, 0, 0, 0, 0};
    uuid_trip_at(__LINE__, s, m, "tu", CQL_TYPE_TIMEUUID, v1,
                 "d5e6c2c0-1f3a-11ee-be56-0242ac120002");
    uuid_trip_at(__LINE__, s, m, "tu", CQL_TYPE_TIMEUUID, v1_min,
                 "00000000-0000-1000-8000-000000000000");
    /* A timeuuid reads as a uuid getter; other getters refuse it. */
    trip t;
    if (trip_begin(&t, s, m, "scalars", "tu", CQL_TYPE_TIMEUUID)) {
        CHECK_EQ_INT(cql_statement_bind_uuid(t.st, 1, v1), CQL_OK);
        if (trip_end(&t)) {
            cql_str raw = {0};
            CHECK_EQ_INT(cql_cell_bytes(t.cell, &raw), CQL_OK);
            CHECK_BYTES("raw", raw.ptr, raw.len, v1, 16);
            cql_str str = {0};
            CHECK_EQ_INT(cql_cell_string(t.cell, &str), CQL_E_TYPE);
        }
    }
    trip_free(&t);
}
TEST(uuids_and_timeuuids_round_trip) { in_session(uuids, true); }

static void inets(cql_session *s, mode m)
{
    static const struct {
        uint8_t addr[16];
        size_t len;
        const char *text;
    } cases[] = {
        {{127, 0, 0, 1}, 4, "127.0.0.1"},
        {{0, 0, 0, 0}, 4, "0.0.0.0"},
        {{255, 255, 255, 255}, 4, "255.255.255.255"},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 16, "::1"},
        {{0}, 16, "::"},
        {{0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0xFF, 0x00, 0x00, 0x42, 0x83, 0x29},
         16,
         "2001:db8::ff00:42:8329"},
        /* IPv4-mapped: still 16 bytes when read back */
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4}, 16, "::ffff:1.2.3.4"},
        {{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
          0xFF},
         16,
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "ip", CQL_TYPE_INET)) {
            CHECK_EQ_INT(cql_statement_bind_inet(t.st, 1, cases[i].addr, cases[i].len), CQL_OK);
            if (trip_end(&t)) {
                uint8_t got[16] = {0};
                size_t len = 0;
                CHECK_EQ_INT(cql_cell_inet(t.cell, got, &len), CQL_OK);
                CHECK_BYTES("inet", got, len, cases[i].addr, cases[i].len);
                CHECK_FORMAT(t.cell, cases[i].text);
            }
        }
        trip_free(&t);
    }
}
TEST(inet_addresses_round_trip_v4_and_v6) { in_session(inets, true); }

/* ---- date, time, timestamp, duration ----------------------------------- */

static void dates_and_times(cql_session *s, mode m)
{
    static const struct {
        int64_t days;
        const char *text;
    } dates[] = {
        {0, "1970-01-01"},
        {-1, "1969-12-31"},
        {-25567, "1900-01-01"},
        {-1000000, "-0768-02-04"}, /* ISO 8601, astronomical year numbering */
        {2000000, "7445-10-25"},
        {INT32_MIN, "-5877641-06-23"},
        {INT32_MAX, "+5881580-07-11"},
    };
    for (size_t i = 0; i < COUNT(dates); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "dt", CQL_TYPE_DATE)) {
            CHECK_EQ_INT(cql_statement_bind_date(t.st, 1, dates[i].days), CQL_OK);
            if (trip_end(&t)) {
                int64_t got = 0;
                CHECK_EQ_INT(cql_cell_date(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got, dates[i].days);
                CHECK_FORMAT(t.cell, dates[i].text);
            }
        }
        trip_free(&t);
    }
    static const struct {
        int64_t ns;
        const char *text;
    } times[] = {
        {0, "00:00:00.000000000"},
        {1, "00:00:00.000000001"},
        {INT64_C(45296789012345), "12:34:56.789012345"},
        {INT64_C(86399999999999), "23:59:59.999999999"},
    };
    for (size_t i = 0; i < COUNT(times); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "tm", CQL_TYPE_TIME)) {
            CHECK_EQ_INT(cql_statement_bind_time(t.st, 1, times[i].ns), CQL_OK);
            if (trip_end(&t)) {
                int64_t got = 0;
                CHECK_EQ_INT(cql_cell_time(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got, times[i].ns);
                CHECK_FORMAT(t.cell, times[i].text);
            }
        }
        trip_free(&t);
    }
    static const struct {
        int64_t ms;
        const char *text;
    } stamps[] = {
        {-1, "1969-12-31T23:59:59.999Z"},
        {INT64_C(-62135596800000), "0001-01-01T00:00:00.000Z"},
        {INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z"},
        {0, "1970-01-01T00:00:00.000Z"},
        {INT64_C(1700000000123), "2023-11-14T22:13:20.123Z"},
        {INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
        {INT64_MAX, "+292278994-08-17T07:12:55.807Z"},
        {INT64_MIN, "-292275055-05-16T16:47:04.192Z"},
    };
    for (size_t i = 0; i < COUNT(stamps); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "ts", CQL_TYPE_TIMESTAMP)) {
            CHECK_EQ_INT(cql_statement_bind_timestamp(t.st, 1, stamps[i].ms), CQL_OK);
            if (trip_end(&t)) {
                int64_t got = 0, wide = 0;
                CHECK_EQ_INT(cql_cell_timestamp(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got, stamps[i].ms);
                CHECK_EQ_INT(cql_cell_int64(t.cell, &wide), CQL_OK);
                CHECK_EQ_INT(wide, stamps[i].ms);
                CHECK_FORMAT(t.cell, stamps[i].text);
            }
        }
        trip_free(&t);
    }
    /* Prepared, an int64 fits timestamp (ms) and time (ns) columns too. */
    if (m == PREPARED) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "ts", CQL_TYPE_TIMESTAMP)) {
            CHECK_EQ_INT(cql_statement_bind_int64(t.st, 1, -86400000), CQL_OK);
            int64_t got = 0;
            if (trip_end(&t)) {
                CHECK_EQ_INT(cql_cell_timestamp(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got, -86400000);
            }
        }
        trip_free(&t);
        if (trip_begin(&t, s, m, "scalars", "tm", CQL_TYPE_TIME)) {
            CHECK_EQ_INT(cql_statement_bind_int64(t.st, 1, 1000), CQL_OK);
            int64_t got = 0;
            if (trip_end(&t)) {
                CHECK_EQ_INT(cql_cell_time(t.cell, &got), CQL_OK);
                CHECK_EQ_INT(got, 1000);
            }
        }
        trip_free(&t);
    }
}
TEST(dates_times_and_timestamps_round_trip_far_from_1970) { in_session(dates_and_times, true); }

/* Under v4 the node sends a duration column's type as the custom class
 * org.apache.cassandra.db.marshal.DurationType; it is a duration all the
 * same, to bind and to read (the kinds checked by trip_begin/trip_end). */
static void durations(cql_session *s, mode m)
{
    static const struct {
        int32_t months, days;
        int64_t ns;
        const char *text;
    } cases[] = {
        {0, 0, 0, "0s"},
        {1, 2, 3, "1mo2d3ns"},
        {-1, -2, -3, "-1mo2d3ns"},
        {14, 3, INT64_C(3723004005006), "1y2mo3d1h2m3s4ms5us6ns"},
        {0, 0, -1, "-1ns"},
        {-12, 0, 0, "-1y"},
        {0, -7, 0, "-7d"},
        {INT32_MAX, INT32_MAX, INT64_MAX, NULL},
        {INT32_MIN, INT32_MIN, INT64_MIN, NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (trip_begin(&t, s, m, "scalars", "du", CQL_TYPE_DURATION)) {
            CHECK_EQ_INT(
                cql_statement_bind_duration(t.st, 1, cases[i].months, cases[i].days, cases[i].ns),
                CQL_OK);
            if (trip_end(&t)) {
                int32_t months = 7, days = 7;
                int64_t ns = 7;
                CHECK_EQ_INT(cql_cell_duration(t.cell, &months, &days, &ns), CQL_OK);
                CHECK_EQ_INT(months, cases[i].months);
                CHECK_EQ_INT(days, cases[i].days);
                CHECK_EQ_INT(ns, cases[i].ns);
                if (cases[i].text != NULL)
                    CHECK_FORMAT(t.cell, cases[i].text);
            }
        }
        trip_free(&t);
    }
}
TEST(durations_round_trip_with_either_sign) { in_session(durations, true); }

/* ---- empty values --------------------------------------------------------- */

/* The typed getter of a cell's own type. */
static cql_rc typed_get(cql_cell c)
{
    union {
        int32_t i32;
        int64_t i64;
        float f;
        double d;
        bool b;
        cql_str str;
        cql_decimal_value dec;
        uint8_t u[16];
    } v;
    size_t len = 0;
    switch (kind_of(c.type)) {
    case CQL_TYPE_INT: return cql_cell_int32(c, &v.i32);
    case CQL_TYPE_BIGINT: return cql_cell_int64(c, &v.i64);
    case CQL_TYPE_TIMESTAMP: return cql_cell_timestamp(c, &v.i64);
    case CQL_TYPE_VARINT: return cql_cell_varint(c, &v.str);
    case CQL_TYPE_FLOAT: return cql_cell_float(c, &v.f);
    case CQL_TYPE_DOUBLE: return cql_cell_double(c, &v.d);
    case CQL_TYPE_DECIMAL: return cql_cell_decimal(c, &v.dec);
    case CQL_TYPE_BOOLEAN: return cql_cell_bool(c, &v.b);
    case CQL_TYPE_UUID:
    case CQL_TYPE_TIMEUUID: return cql_cell_uuid(c, v.u);
    case CQL_TYPE_INET: return cql_cell_inet(c, v.u, &len);
    default: return CQL_E_TYPE;
    }
}

/* An empty value (zero bytes, not null): Cassandra takes one for the types
 * that allowed it before protocol v3 (int, bigint, float, boolean, uuid, ...)
 * and refuses it for the newer ones (tinyint, smallint, date, time,
 * duration). It reads back empty: not null, no typed value, and formats as
 * nothing. */
static void empty_values(cql_session *s, mode m)
{
    static const struct {
        const char *col;
        cql_type_kind kind;
        bool allowed;
    } cases[] = {
        {"i", CQL_TYPE_INT, true},          {"bi", CQL_TYPE_BIGINT, true},
        {"vi", CQL_TYPE_VARINT, true},      {"f", CQL_TYPE_FLOAT, true},
        {"d", CQL_TYPE_DOUBLE, true},       {"dec", CQL_TYPE_DECIMAL, true},
        {"b", CQL_TYPE_BOOLEAN, true},      {"u", CQL_TYPE_UUID, true},
        {"tu", CQL_TYPE_TIMEUUID, true},    {"ip", CQL_TYPE_INET, true},
        {"ts", CQL_TYPE_TIMESTAMP, true},   {"ti", CQL_TYPE_TINYINT, false},
        {"si", CQL_TYPE_SMALLINT, false},   {"dt", CQL_TYPE_DATE, false},
        {"tm", CQL_TYPE_TIME, false},       {"du", CQL_TYPE_DURATION, false},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        trip t;
        if (!trip_begin(&t, s, m, "scalars", cases[i].col, cases[i].kind)) {
            trip_free(&t);
            continue;
        }
        cql_rc rc = cql_statement_bind_bytes(t.st, 1, (const uint8_t *)"", 0);
        if (!cases[i].allowed && m == PREPARED) {
            /* the binder knows the column, and refuses it before sending */
            if (rc != CQL_E_TYPE)
                fail_at(__LINE__, "an empty %s: bound with %s", cases[i].col, cql_rc_str(rc));
        } else if (!cases[i].allowed) {
            CHECK_EQ_INT(rc, CQL_OK);
            CQL_SCOPED(cql_future) f = cql_session_execute(s, t.st);
            if (cql_future_wait(f, WAIT_MS) != CQL_E_SERVER)
                fail_at(__LINE__, "an empty %s: not refused by the server", cases[i].col);
        } else {
            CHECK_EQ_INT(rc, CQL_OK);
            if (trip_end(&t)) {
                cql_str raw = {0};
                if (cql_cell_is_null(t.cell) || cql_cell_bytes(t.cell, &raw) != CQL_OK ||
                    raw.len != 0)
                    fail_at(__LINE__, "an empty %s: read back as null or not empty",
                            cases[i].col);
                rc = typed_get(t.cell);
                if (rc != CQL_E_MALFORMED)
                    fail_at(__LINE__, "an empty %s: its getter said %s, expected malformed",
                            cases[i].col, cql_rc_str(rc));
                CHECK_FORMAT(t.cell, "");
            }
        }
        trip_free(&t);
    }
}
TEST(empty_values_where_cassandra_allows_them) { in_session(empty_values, true); }

/* ---- null and unset ------------------------------------------------------- */

static void nulls(cql_session *s, mode m)
{
    /* Every scalar column null, then every collection column null. */
    char cols[256] = "k", marks[128] = "?";
    for (size_t i = 0; i < COUNT(SCALAR_COLUMNS); i++) {
        strcat(cols, ", ");
        strcat(cols, SCALAR_COLUMNS[i]);
        strcat(marks, ", ?");
    }
    char q[512];
    snprintf(q, sizeof q, "INSERT INTO scalars (%s) VALUES (%s)", cols, marks);
    int32_t k = next_key++;
    {
        CQL_SCOPED(cql_statement) st =
            statement_for(s, m, q, (uint16_t)(COUNT(SCALAR_COLUMNS) + 1));
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
        for (size_t i = 0; i < COUNT(SCALAR_COLUMNS); i++)
            CHECK_EQ_INT(cql_statement_bind_null(st, i + 1), CQL_OK);
        exec_ok(s, st);
    }
    CQL_SCOPED(cql_result) r = fetch(s, m, "scalars", "*", k);
    REQUIRE(r != NULL);
    CHECK_EQ_INT(cql_result_column_count(r), COUNT(SCALAR_COLUMNS) + 1);
    for (size_t i = 0; i < COUNT(SCALAR_COLUMNS); i++) {
        cql_cell c = cql_result_cell_by_name(r, SCALAR_COLUMNS[i]);
        if (c.type == NULL || !cql_cell_is_null(c))
            fail_at(__LINE__, "column %s: not a null cell", SCALAR_COLUMNS[i]);
        CHECK_FORMAT(c, "null");
    }
    /* Each getter of the right type refuses a null cell with CQL_E_ARG. */
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    float f;
    double d;
    bool b;
    cql_str str;
    uint8_t u[16];
    size_t len;
    cql_decimal_value dec;
    CHECK_EQ_INT(cql_cell_int8(cql_result_cell_by_name(r, "ti"), &i8), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_int16(cql_result_cell_by_name(r, "si"), &i16), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell_by_name(r, "i"), &i32), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_int64(cql_result_cell_by_name(r, "bi"), &i64), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_varint(cql_result_cell_by_name(r, "vi"), &str), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_float(cql_result_cell_by_name(r, "f"), &f), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_double(cql_result_cell_by_name(r, "d"), &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_decimal(cql_result_cell_by_name(r, "dec"), &dec), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_bool(cql_result_cell_by_name(r, "b"), &b), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_string(cql_result_cell_by_name(r, "a"), &str), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_string(cql_result_cell_by_name(r, "t"), &str), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_bytes(cql_result_cell_by_name(r, "bl"), &str), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_uuid(cql_result_cell_by_name(r, "u"), u), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_uuid(cql_result_cell_by_name(r, "tu"), u), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_inet(cql_result_cell_by_name(r, "ip"), u, &len), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_date(cql_result_cell_by_name(r, "dt"), &i64), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_time(cql_result_cell_by_name(r, "tm"), &i64), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_timestamp(cql_result_cell_by_name(r, "ts"), &i64), CQL_E_ARG);
    CHECK_EQ_INT(cql_cell_duration(cql_result_cell_by_name(r, "du"), &i32, &i32, &i64),
                 CQL_E_ARG);

    static const char *coll_columns[] = {"li", "st",  "mp",  "lfm", "mfl", "tp",
                                         "ud", "udn", "vec", "vtx", "fl",  "fs"};
    int32_t kc = next_key++;
    {
        CQL_SCOPED(cql_statement) st = statement_for(
            s, m,
            "INSERT INTO colls (k, li, st, mp, lfm, mfl, tp, ud, udn, vec, vtx, fl, fs) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            13);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, kc), CQL_OK);
        /* by name where the markers have names (the columns'), else by position */
        for (size_t i = 0; i < COUNT(coll_columns); i++)
            CHECK_EQ_INT(m == PREPARED ? cql_statement_bind_null_by_name(st, coll_columns[i])
                                       : cql_statement_bind_null(st, i + 1),
                         CQL_OK);
        exec_ok(s, st);
    }
    CQL_SCOPED(cql_result) rc = fetch(s, m, "colls", "*", kc);
    REQUIRE(rc != NULL);
    for (size_t i = 0; i < COUNT(coll_columns); i++) {
        cql_cell c = cql_result_cell_by_name(rc, coll_columns[i]);
        if (c.type == NULL || !cql_cell_is_null(c))
            fail_at(__LINE__, "column %s: not a null cell", coll_columns[i]);
        cql_iter it;
        CHECK_EQ_INT(cql_cell_iterate(c, &it), CQL_E_ARG);
        CHECK_FORMAT(c, "null");
    }
}
TEST(nulls_in_every_column_read_back_as_null) { in_session(nulls, true); }

static void unsets(cql_session *s, mode m)
{
    int32_t k = next_key++;
    {
        CQL_SCOPED(cql_statement) st =
            statement_for(s, m, "INSERT INTO scalars (k, i, t, bl, dt) VALUES (?, ?, ?, ?, ?)", 5);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 1, 7), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_string(st, 2, "keep", 4), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_bytes(st, 3, (const uint8_t *)"\x01", 1), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_date(st, 4, -1), CQL_OK);
        REQUIRE(exec_ok(s, st));
    }
    /* Insert again: i and t unset, bl rebound from a value to unset, dt to
     * a new value. A marker never bound is refused before anything is sent
     * (not sent as unset): unset is asked for explicitly. */
    {
        CQL_SCOPED(cql_statement) st =
            statement_for(s, m, "INSERT INTO scalars (k, i, t, bl, dt) VALUES (?, ?, ?, ?, ?)", 5);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_unset(st, 1), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_bytes(st, 3, (const uint8_t *)"\x02", 1), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_unset(st, 3), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_date(st, 4, 1), CQL_OK);
        CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
        CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_ARG);
        const cql_error *e = cql_future_error(f);
        CHECK(e != NULL && e->category == CQL_ERRCAT_CLIENT &&
              strstr(e->message, "bind marker 2") != NULL);
        CHECK_EQ_INT(cql_statement_bind_unset(st, 2), CQL_OK);
        REQUIRE(exec_ok(s, st));
    }
    /* And an UPDATE whose every value is unset changes nothing. */
    {
        CQL_SCOPED(cql_statement) st =
            statement_for(s, m, "UPDATE scalars SET i = ?, t = ? WHERE k = ?", 3);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_unset(st, 0), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_unset(st, 1), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 2, k), CQL_OK);
        exec_ok(s, st);
    }
    CQL_SCOPED(cql_result) r = fetch(s, m, "scalars", "i, t, bl, dt", k);
    REQUIRE(r != NULL);
    int32_t i = 0;
    cql_str t = {0}, bl = {0};
    int64_t dt = 0;
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 0), &i), CQL_OK);
    CHECK_EQ_INT(i, 7);
    CHECK_EQ_INT(cql_cell_string(cql_result_cell(r, 1), &t), CQL_OK);
    CHECK_STR(t, "keep");
    CHECK_EQ_INT(cql_cell_bytes(cql_result_cell(r, 2), &bl), CQL_OK);
    CHECK_STR(bl, "\x01");
    CHECK_EQ_INT(cql_cell_date(cql_result_cell(r, 3), &dt), CQL_OK);
    CHECK_EQ_INT(dt, 1);

    /* The key cannot be unset: refused, by the client or the server. */
    CQL_SCOPED(cql_statement) st =
        statement_for(s, m, "INSERT INTO scalars (k, i) VALUES (?, ?)", 2);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_unset(st, 0), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 1, 1), CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
    CHECK(cql_future_wait(f, WAIT_MS) != CQL_OK);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL);
    if (e != NULL && e->category == CQL_ERRCAT_SERVER) /* the library sends it; the node says */
        CHECK(e->server != NULL && e->server->code == CQL_ERROR_INVALID &&
              strstr(e->message, "column k") != NULL);
    else if (e != NULL)
        CHECK_EQ_INT(e->category, CQL_ERRCAT_CLIENT);
}
TEST(unset_values_leave_the_old_ones) { in_session(unsets, true); }

/* ---- collections, tuples, UDTs, vectors ---------------------------------- */

static cql_collection *ints(cql_collection_kind kind, const int32_t *v, size_t n)
{
    cql_collection *c = cql_collection_new(kind);
    for (size_t i = 0; c != NULL && i < n; i++)
        if (cql_collection_add_int32(c, v[i]) != CQL_OK) {
            cql_collection_free(c);
            return NULL;
        }
    return c;
}

static cql_collection *strs(cql_collection_kind kind, const char *const *v, size_t n)
{
    cql_collection *c = cql_collection_new(kind);
    for (size_t i = 0; c != NULL && i < n; i++)
        if (cql_collection_add_string(c, v[i], strlen(v[i])) != CQL_OK) {
            cql_collection_free(c);
            return NULL;
        }
    return c;
}

static void check_type_at(int line, const cql_type *t, const char *want)
{
    char buf[256];
    cql_type_format(t, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_at(line, "type \"%s\", expected \"%s\"", buf, want);
}
#define CHECK_TYPE(t, want) check_type_at(__LINE__, t, want)

/* Reads a person UDT: name, age, nums, attrs, born. */
static void check_person_at(int line, cql_cell c, const char *name, int32_t age, bool full)
{
    cql_iter it;
    if (!iter_begin_at(line, c, &it, 5))
        return;
    iter_str_at(line, &it, name);
    iter_field_at(line, &it, "name");
    cql_cell f;
    if (!iter_cell_at(line, &it, &f))
        return;
    iter_field_at(line, &it, "age");
    int32_t v = 0;
    if (full) {
        if (cql_cell_int32(f, &v) != CQL_OK || v != age)
            fail_at(line, "age %d, expected %d", v, age);
    } else if (!cql_cell_is_null(f)) {
        fail_at(line, "age is not null");
    }
    if (!iter_cell_at(line, &it, &f))
        return;
    iter_field_at(line, &it, "nums");
    if (full) {
        cql_iter nums;
        if (iter_begin_at(line, f, &nums, 3)) {
            iter_int_at(line, &nums, 1);
            iter_int_at(line, &nums, -2);
            iter_int_at(line, &nums, 3);
            iter_end_at(line, &nums);
        }
    } else if (!cql_cell_is_null(f)) {
        fail_at(line, "nums is not null");
    }
    if (!iter_cell_at(line, &it, &f))
        return;
    iter_field_at(line, &it, "attrs");
    if (full) {
        cql_iter attrs;
        if (iter_begin_at(line, f, &attrs, 2)) {
            /* As written, not sorted: the server keeps a UDT value's bytes
             * (unlike a frozen map in a list, or a frozen set column). */
            iter_str_at(line, &attrs, "hair");
            iter_str_at(line, &attrs, "");
            iter_str_at(line, &attrs, "eyes");
            iter_str_at(line, &attrs, "blue");
            iter_end_at(line, &attrs);
        }
    } else if (!cql_cell_is_null(f)) {
        fail_at(line, "attrs is not null");
    }
    if (!iter_cell_at(line, &it, &f))
        return;
    iter_field_at(line, &it, "born");
    int64_t days = 0;
    if (full) {
        if (cql_cell_date(f, &days) != CQL_OK || days != -1000000)
            fail_at(line, "born %" PRId64 ", expected -1000000", days);
    } else if (!cql_cell_is_null(f)) {
        fail_at(line, "born is not null");
    }
    iter_end_at(line, &it);
}

static void collections(cql_session *s, mode m)
{
    int32_t k = next_key++;
    static const int32_t li[] = {INT32_MIN, -1, 0, 7, 7, INT32_MAX};
    static const char *const set[] = {"zeta", "", "a", "h\xC3\xA9llo", "it's", "a",
                                      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"};
    CQL_SCOPED(cql_collection) c_li = ints(CQL_COLLECTION_LIST, li, COUNT(li));
    CQL_SCOPED(cql_collection) c_st = strs(CQL_COLLECTION_SET, set, COUNT(set));
    /* map<text, int>, written out of order */
    CQL_SCOPED(cql_collection) c_mp = cql_collection_new(CQL_COLLECTION_MAP);
    /* list<frozen<map<int, text>>>: [{2: two, 1: one}, {}, {-5: minus five}] */
    CQL_SCOPED(cql_collection) c_lfm = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) m1 = cql_collection_new(CQL_COLLECTION_MAP);
    CQL_SCOPED(cql_collection) m2 = cql_collection_new(CQL_COLLECTION_MAP);
    CQL_SCOPED(cql_collection) m3 = cql_collection_new(CQL_COLLECTION_MAP);
    /* map<text, frozen<list<int>>>: {y: [], x: [3, 2, 1]} */
    static const int32_t x[] = {3, 2, 1};
    CQL_SCOPED(cql_collection) c_mfl = cql_collection_new(CQL_COLLECTION_MAP);
    CQL_SCOPED(cql_collection) l_empty = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) l_x = ints(CQL_COLLECTION_LIST, x, 3);
    CQL_SCOPED(cql_collection) c_tp = cql_collection_new(CQL_COLLECTION_TUPLE);
    /* person: name, age, nums, attrs, born */
    static const int32_t nums[] = {1, -2, 3};
    CQL_SCOPED(cql_collection) c_ud = cql_collection_new(CQL_COLLECTION_UDT);
    CQL_SCOPED(cql_collection) ud_nums = ints(CQL_COLLECTION_LIST, nums, 3);
    CQL_SCOPED(cql_collection) ud_attrs = cql_collection_new(CQL_COLLECTION_MAP);
    /* the non-frozen UDT column gets the first two fields only */
    CQL_SCOPED(cql_collection) c_udn = cql_collection_new(CQL_COLLECTION_UDT);
    CQL_SCOPED(cql_collection) c_vec = cql_collection_new(CQL_COLLECTION_VECTOR);
    CQL_SCOPED(cql_collection) c_vtx = cql_collection_new(CQL_COLLECTION_VECTOR);
    CQL_SCOPED(cql_collection) c_fl = cql_collection_new(CQL_COLLECTION_LIST);
    static const int32_t fs[] = {3, -1, 2, 3};
    CQL_SCOPED(cql_collection) c_fs = ints(CQL_COLLECTION_SET, fs, COUNT(fs));
    REQUIRE(c_li && c_st && c_mp && c_lfm && m1 && m2 && m3 && c_mfl && l_empty && l_x && c_tp &&
            c_ud && ud_nums && ud_attrs && c_udn && c_vec && c_vtx && c_fl && c_fs);
    bool ok = cql_collection_add_string(c_mp, "b", 1) == CQL_OK &&
              cql_collection_add_int32(c_mp, 2) == CQL_OK &&
              cql_collection_add_string(c_mp, "a", 1) == CQL_OK &&
              cql_collection_add_int32(c_mp, INT32_MIN) == CQL_OK &&
              cql_collection_add_string(c_mp, "c", 1) == CQL_OK &&
              cql_collection_add_int32(c_mp, INT32_MAX) == CQL_OK;
    ok = ok && cql_collection_add_int32(m1, 2) == CQL_OK &&
         cql_collection_add_string(m1, "two", 3) == CQL_OK &&
         cql_collection_add_int32(m1, 1) == CQL_OK &&
         cql_collection_add_string(m1, "one", 3) == CQL_OK &&
         cql_collection_add_int32(m3, -5) == CQL_OK &&
         cql_collection_add_string(m3, "minus five", 10) == CQL_OK &&
         cql_collection_add_collection(c_lfm, m1) == CQL_OK &&
         cql_collection_add_collection(c_lfm, m2) == CQL_OK &&
         cql_collection_add_collection(c_lfm, m3) == CQL_OK;
    ok = ok && cql_collection_add_string(c_mfl, "y", 1) == CQL_OK &&
         cql_collection_add_collection(c_mfl, l_empty) == CQL_OK &&
         cql_collection_add_string(c_mfl, "x", 1) == CQL_OK &&
         cql_collection_add_collection(c_mfl, l_x) == CQL_OK;
    ok = ok && cql_collection_add_int32(c_tp, 42) == CQL_OK &&
         cql_collection_add_string(c_tp, "answer", 6) == CQL_OK &&
         cql_collection_add_double(c_tp, 3.5) == CQL_OK;
    ok = ok && cql_collection_add_string(ud_attrs, "hair", 4) == CQL_OK &&
         cql_collection_add_string(ud_attrs, "", 0) == CQL_OK &&
         cql_collection_add_string(ud_attrs, "eyes", 4) == CQL_OK &&
         cql_collection_add_string(ud_attrs, "blue", 4) == CQL_OK &&
         cql_collection_add_string(c_ud, "Ada", 3) == CQL_OK &&
         cql_collection_add_int32(c_ud, 36) == CQL_OK &&
         cql_collection_add_collection(c_ud, ud_nums) == CQL_OK &&
         cql_collection_add_collection(c_ud, ud_attrs) == CQL_OK &&
         cql_collection_add_date(c_ud, -1000000) == CQL_OK;
    ok = ok && cql_collection_add_string(c_udn, "Bob", 3) == CQL_OK &&
         cql_collection_add_null(c_udn) == CQL_OK;
    ok = ok && cql_collection_add_float(c_vec, 1.5f) == CQL_OK &&
         cql_collection_add_float(c_vec, -0.0f) == CQL_OK &&
         cql_collection_add_float(c_vec, FLT_MAX) == CQL_OK;
    ok = ok && cql_collection_add_string(c_vtx, "a", 1) == CQL_OK &&
         cql_collection_add_string(c_vtx, "\xE6\x97\xA5\xE6\x9C\xAC", 6) == CQL_OK;
    REQUIRE(ok);

    static const char *columns = "li, st, mp, lfm, mfl, tp, ud, udn, vec, vtx, fl, fs";
    {
        char q[256];
        snprintf(q, sizeof q,
                 "INSERT INTO colls (k, %s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 columns);
        CQL_SCOPED(cql_statement) st = statement_for(s, m, q, 13);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
        const cql_collection *values[] = {c_li, c_st, c_mp,  c_lfm, c_mfl, c_tp,
                                          c_ud, c_udn, c_vec, c_vtx, c_fl,  c_fs};
        for (size_t i = 0; i < COUNT(values); i++) {
            cql_rc rc = cql_statement_bind_collection(st, i + 1, values[i]);
            if (rc != CQL_OK) {
                const cql_error *e = cql_statement_error(st);
                fail_at(__LINE__, "binding value %zu: %s (%s)", i + 1, cql_rc_str(rc),
                        e ? e->message : "");
            }
        }
        REQUIRE(exec_ok(s, st));
    }
    CQL_SCOPED(cql_result) r = fetch(s, m, "colls", columns, k);
    REQUIRE(r != NULL);
    CHECK_TYPE(cql_result_column_type(r, 0), "list<int>");
    CHECK_TYPE(cql_result_column_type(r, 1), "set<text>");
    CHECK_TYPE(cql_result_column_type(r, 2), "map<text, int>");
    CHECK_TYPE(cql_result_column_type(r, 3), "list<frozen<map<int, text>>>");
    CHECK_TYPE(cql_result_column_type(r, 4), "map<text, frozen<list<int>>>");
    CHECK_TYPE(cql_result_column_type(r, 5), "tuple<int, text, double>");
    CHECK_TYPE(cql_result_column_type(r, 8), "vector<float, 3>");
    CHECK_TYPE(cql_result_column_type(r, 9), "vector<text, 2>");
    const cql_type *ud_type = cql_result_column_type(r, 6);
    CHECK_EQ_INT(kind_of(ud_type), CQL_TYPE_UDT);
    CHECK_STR(cql_type_udt_keyspace(ud_type), KS);
    CHECK_STR(cql_type_udt_name(ud_type), "person");
    CHECK_EQ_INT(cql_type_child_count(ud_type), 5);
    CHECK_STR(cql_type_field_name(ud_type, 2), "nums");
    CHECK_EQ_INT(cql_type_vector_dimension(cql_result_column_type(r, 8)), 3);

    cql_iter it, inner;
    cql_cell c;
    /* list<int>: in order, duplicates kept */
    if (iter_begin(cql_result_cell(r, 0), &it, COUNT(li))) {
        for (size_t i = 0; i < COUNT(li); i++)
            iter_int(&it, li[i]);
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 0), "[-2147483648, -1, 0, 7, 7, 2147483647]");
    /* set<text>: sorted by UTF-8 bytes, the duplicate "a" gone */
    if (iter_begin(cql_result_cell(r, 1), &it, 6)) {
        iter_str(&it, "");
        iter_str(&it, "a");
        iter_str(&it, "h\xC3\xA9llo");
        iter_str(&it, "it's");
        iter_str(&it, "zeta");
        iter_str(&it, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 1),
                 "{'', 'a', 'h\xC3\xA9llo', 'it''s', 'zeta', "
                 "'\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E'}");
    /* map<text, int>: sorted by key */
    if (iter_begin(cql_result_cell(r, 2), &it, 3)) {
        iter_str(&it, "a");
        iter_int(&it, INT32_MIN);
        iter_str(&it, "b");
        iter_int(&it, 2);
        iter_str(&it, "c");
        iter_int(&it, INT32_MAX);
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 2), "{'a': -2147483648, 'b': 2, 'c': 2147483647}");
    /* list<frozen<map<int, text>>>: each frozen map sorted too; the empty
     * one stays (frozen, it is a value) */
    if (iter_begin(cql_result_cell(r, 3), &it, 3)) {
        if (iter_cell_at(__LINE__, &it, &c) && iter_begin(c, &inner, 2)) {
            iter_int(&inner, 1);
            iter_str(&inner, "one");
            iter_int(&inner, 2);
            iter_str(&inner, "two");
            iter_end(&inner);
        }
        if (iter_cell_at(__LINE__, &it, &c) && iter_begin(c, &inner, 0))
            iter_end(&inner);
        if (iter_cell_at(__LINE__, &it, &c) && iter_begin(c, &inner, 1)) {
            iter_int(&inner, -5);
            iter_str(&inner, "minus five");
            iter_end(&inner);
        }
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 3), "[{1: 'one', 2: 'two'}, {}, {-5: 'minus five'}]");
    /* map<text, frozen<list<int>>>: x first; y's empty list stays */
    if (iter_begin(cql_result_cell(r, 4), &it, 2)) {
        iter_str(&it, "x");
        if (iter_cell_at(__LINE__, &it, &c) && iter_begin(c, &inner, 3)) {
            iter_int(&inner, 3);
            iter_int(&inner, 2);
            iter_int(&inner, 1);
            iter_end(&inner);
        }
        iter_str(&it, "y");
        if (iter_cell_at(__LINE__, &it, &c)) {
            CHECK(!cql_cell_is_null(c));
            if (iter_begin(c, &inner, 0))
                iter_end(&inner);
        }
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 4), "{'x': [3, 2, 1], 'y': []}");
    /* tuple<int, text, double> */
    if (iter_begin(cql_result_cell(r, 5), &it, 3)) {
        iter_int(&it, 42);
        iter_str(&it, "answer");
        double d = 0;
        if (iter_cell_at(__LINE__, &it, &c)) {
            CHECK_EQ_INT(cql_cell_double(c, &d), CQL_OK);
            CHECK(d == 3.5);
        }
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 5), "(42, 'answer', 3.5)");
    /* the UDTs: every field named; the short one filled with nulls */
    check_person_at(__LINE__, cql_result_cell(r, 6), "Ada", 36, true);
    CHECK_FORMAT(cql_result_cell(r, 6),
                 "{name: 'Ada', age: 36, nums: [1, -2, 3], "
                 "attrs: {'hair': '', 'eyes': 'blue'}, born: '-0768-02-04'}");
    check_person_at(__LINE__, cql_result_cell(r, 7), "Bob", 0, false);
    CHECK_FORMAT(cql_result_cell(r, 7),
                 "{name: 'Bob', age: null, nums: null, attrs: null, born: null}");
    /* vector<float, 3> */
    if (iter_begin(cql_result_cell(r, 8), &it, 3)) {
        static const uint32_t want[] = {0x3FC00000u, 0x80000000u, 0x7F7FFFFFu};
        for (size_t i = 0; i < 3; i++) {
            float f = 0;
            if (iter_cell_at(__LINE__, &it, &c)) {
                CHECK_EQ_INT(kind_of(c.type), CQL_TYPE_FLOAT);
                CHECK_EQ_INT(cql_cell_float(c, &f), CQL_OK);
                CHECK_EQ_INT(float_bits(f), want[i]);
            }
        }
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 8), "[1.5, -0, 3.4028235e+38]");
    /* vector<text, 2>: elements of varying size */
    if (iter_begin(cql_result_cell(r, 9), &it, 2)) {
        iter_str(&it, "a");
        iter_str(&it, "\xE6\x97\xA5\xE6\x9C\xAC");
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 9), "['a', '\xE6\x97\xA5\xE6\x9C\xAC']");
    /* frozen<list<int>> written empty: read back empty, not null */
    c = cql_result_cell(r, 10);
    CHECK(!cql_cell_is_null(c));
    if (iter_begin(c, &it, 0))
        iter_end(&it);
    CHECK_FORMAT(c, "[]");
    /* frozen<set<int>>: sorted by int order, deduplicated */
    if (iter_begin(cql_result_cell(r, 11), &it, 3)) {
        iter_int(&it, -1);
        iter_int(&it, 2);
        iter_int(&it, 3);
        iter_end(&it);
    }
    CHECK_FORMAT(cql_result_cell(r, 11), "{-1, 2, 3}");
    /* A scalar getter refuses a composite cell; the iterator a scalar one. */
    int32_t i32 = 0;
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 0), &i32), CQL_E_TYPE);
    CHECK_EQ_INT(cql_cell_iterate(cql_result_cell(r, 0), NULL), CQL_E_ARG);

    /* A frozen UDT written with its first two fields only: the server keeps
     * those bytes; the reader still sees every field, the rest null. */
    trip t;
    if (trip_begin(&t, s, m, "colls", "ud", CQL_TYPE_UDT)) {
        CHECK_EQ_INT(cql_statement_bind_collection(t.st, 1, c_udn), CQL_OK);
        if (trip_end(&t)) {
            check_person_at(__LINE__, t.cell, "Bob", 0, false);
            CHECK_FORMAT(t.cell, "{name: 'Bob', age: null, nums: null, attrs: null, born: null}");
        }
    }
    trip_free(&t);

    /* A tuple holding nulls, and a tuple's NaN. */
    if (trip_begin(&t, s, m, "colls", "tp", CQL_TYPE_TUPLE)) {
        CQL_SCOPED(cql_collection) tp = cql_collection_new(CQL_COLLECTION_TUPLE);
        REQUIRE(tp != NULL);
        CHECK_EQ_INT(cql_collection_add_null(tp), CQL_OK);
        CHECK_EQ_INT(cql_collection_add_string(tp, "", 0), CQL_OK);
        CHECK_EQ_INT(cql_collection_add_double(tp, NAN), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(t.st, 1, tp), CQL_OK);
        if (trip_end(&t) && iter_begin(t.cell, &it, 3)) {
            iter_str(&it, NULL); /* null, whatever the type */
            iter_str(&it, "");
            double d = 0;
            if (iter_cell_at(__LINE__, &it, &c)) {
                CHECK_EQ_INT(cql_cell_double(c, &d), CQL_OK);
                CHECK(isnan(d));
            }
            iter_end(&it);
            CHECK_FORMAT(t.cell, "(null, '', NaN)");
        }
    }
    trip_free(&t);
}
TEST(collections_tuples_udts_and_vectors_round_trip) { in_session(collections, true); }

/* Empty non-frozen collections: Cassandra writes no cells for them, so they
 * read back as null, not as empty. */
static void empty_collections(cql_session *s, mode m)
{
    int32_t k = next_key++;
    CQL_SCOPED(cql_collection) list = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) set = cql_collection_new(CQL_COLLECTION_SET);
    CQL_SCOPED(cql_collection) map = cql_collection_new(CQL_COLLECTION_MAP);
    CQL_SCOPED(cql_collection) frozen_list = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) frozen_set = cql_collection_new(CQL_COLLECTION_SET);
    REQUIRE(list && set && map && frozen_list && frozen_set);
    {
        CQL_SCOPED(cql_statement) st = statement_for(
            s, m, "INSERT INTO colls (k, li, st, mp, fl, fs) VALUES (?, ?, ?, ?, ?, ?)", 6);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(st, 1, list), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(st, 2, set), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(st, 3, map), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(st, 4, frozen_list), CQL_OK);
        CHECK_EQ_INT(cql_statement_bind_collection(st, 5, frozen_set), CQL_OK);
        REQUIRE(exec_ok(s, st));
    }
    CQL_SCOPED(cql_result) r = fetch(s, m, "colls", "li, st, mp, fl, fs", k);
    REQUIRE(r != NULL);
    CHECK(cql_cell_is_null(cql_result_cell(r, 0)));
    CHECK(cql_cell_is_null(cql_result_cell(r, 1)));
    CHECK(cql_cell_is_null(cql_result_cell(r, 2)));
    CHECK(!cql_cell_is_null(cql_result_cell(r, 3)));
    CHECK(!cql_cell_is_null(cql_result_cell(r, 4)));
    CHECK_FORMAT(cql_result_cell(r, 3), "[]");
    CHECK_FORMAT(cql_result_cell(r, 4), "{}");
    /* Overwriting a list with an empty one clears it: null again. */
    static const int32_t one[] = {1};
    CQL_SCOPED(cql_collection) l1 = ints(CQL_COLLECTION_LIST, one, 1);
    REQUIRE(l1 != NULL);
    CQL_SCOPED(cql_statement) set1 = statement_for(s, m, "UPDATE colls SET li = ? WHERE k = ?", 2);
    REQUIRE(set1 != NULL);
    CHECK_EQ_INT(cql_statement_bind_collection(set1, 0, l1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(set1, 1, k), CQL_OK);
    exec_ok(s, set1);
    CQL_SCOPED(cql_result) r1 = fetch(s, m, "colls", "li", k);
    cql_iter it;
    if (r1 != NULL && iter_begin(cql_result_cell(r1, 0), &it, 1)) {
        iter_int(&it, 1);
        iter_end(&it);
    }
    CHECK_EQ_INT(cql_statement_bind_collection(set1, 0, list), CQL_OK);
    exec_ok(s, set1);
    CQL_SCOPED(cql_result) r2 = fetch(s, m, "colls", "li", k);
    CHECK(r2 != NULL && cql_cell_is_null(cql_result_cell(r2, 0)));
}
TEST(empty_non_frozen_collections_read_back_as_null) { in_session(empty_collections, true); }

/* ---- checks against the metadata, and the server's own ------------------- */

static void scalar_binding_checks(cql_session *s)
{
    CQL_SCOPED(cql_prepared) p = prepare(
        s, "INSERT INTO scalars (k, ti, a, t, tu, tm, dt, du, i, bi) VALUES (?, ?, ?, ?, ?, ?, ?, "
           "?, ?, ?)");
    REQUIRE(p != NULL);
    static const struct {
        const char *name;
        cql_type_kind kind;
    } params[] = {{"k", CQL_TYPE_INT},       {"ti", CQL_TYPE_TINYINT}, {"a", CQL_TYPE_ASCII},
                  {"t", CQL_TYPE_VARCHAR},   {"tu", CQL_TYPE_TIMEUUID}, {"tm", CQL_TYPE_TIME},
                  {"dt", CQL_TYPE_DATE},     {"du", CQL_TYPE_DURATION}, {"i", CQL_TYPE_INT},
                  {"bi", CQL_TYPE_BIGINT}};
    REQUIRE(cql_prepared_param_count(p) == COUNT(params));
    for (size_t i = 0; i < COUNT(params); i++) {
        CHECK_STR(cql_prepared_param_name(p, i), params[i].name);
        CHECK_EQ_INT(kind_of(cql_prepared_param_type(p, i)), params[i].kind);
    }
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    const cql_error *e;
    /* int32 into tinyint: too wide; the error names column and type */
    CHECK_EQ_INT(cql_statement_bind_int32(st, 1, 1), CQL_E_TYPE);
    e = cql_statement_error(st);
    CHECK(e != NULL && strstr(e->message, "\"ti\"") && strstr(e->message, "tinyint"));
    CHECK_EQ_INT(cql_statement_bind_int8(st, 1, 1), CQL_OK); /* mended */
    CHECK(cql_statement_error(st) == NULL);
    /* non-ASCII into ascii */
    CHECK_EQ_INT(cql_statement_bind_string(st, 2, "h\xC3\xA9", 3), CQL_E_TYPE);
    e = cql_statement_error(st);
    CHECK(e != NULL && strstr(e->message, "ASCII"));
    CHECK_EQ_INT(cql_statement_bind_string(st, 2, "he", 2), CQL_OK);
    /* invalid UTF-8 into text */
    CHECK_EQ_INT(cql_statement_bind_string(st, 3, "\xC3\x28", 2), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_string(st, 3, "ok", 2), CQL_OK);
    /* a version 4 uuid into timeuuid */
    static const uint8_t v4[16] = {1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t v1[16] = {1, 2, 3, 4, 5, 6, 0x17, 8, 0x89, 10, 11, 12, 13, 14, 15, 16};
    CHECK_EQ_INT(cql_statement_bind_uuid(st, 4, v4), CQL_E_TYPE);
    e = cql_statement_error(st);
    CHECK(e != NULL && strstr(e->message, "version"));
    CHECK_EQ_INT(cql_statement_bind_uuid(st, 4, v1), CQL_OK);
    /* times outside a day, dates outside 32 bits, durations of mixed sign */
    CHECK_EQ_INT(cql_statement_bind_time(st, 5, -1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_time(st, 5, INT64_C(86400000000000)), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_int64(st, 5, INT64_C(86400000000000)), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_time(st, 5, INT64_C(86399999999999)), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_date(st, 6, INT64_C(2147483648)), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_date(st, 6, INT64_C(-2147483649)), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 6, 0), CQL_E_TYPE); /* a date is no integer */
    CHECK_EQ_INT(cql_statement_bind_date(st, 6, INT64_C(-2147483648)), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_duration(st, 7, 1, -1, 0), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_duration(st, 7, 0, 1, -1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_duration(st, 7, -1, 0, -1), CQL_OK);
    /* serialized bytes fit any column, when they are a valid value of it */
    CHECK_EQ_INT(cql_statement_bind_bytes(st, 8, (const uint8_t *)"\x00\x00\x01", 3), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_bytes(st, 8, (const uint8_t *)"\xFF\xFF\xFF\xFE", 4), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_double(st, 9, 1.0), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_int64(st, 9, INT64_MIN), CQL_OK);
    int32_t k = next_key++;
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
    CHECK(cql_statement_error(st) == NULL);
    REQUIRE(exec_ok(s, st));
    CQL_SCOPED(cql_result) r = fetch(s, PREPARED, "scalars", "ti, a, t, tu, tm, dt, du, i, bi", k);
    REQUIRE(r != NULL);
    int8_t ti = 0;
    cql_str str = {0};
    uint8_t u[16];
    int64_t v64 = 0;
    int32_t v32 = 0, months = 0, days = 0;
    CHECK_EQ_INT(cql_cell_int8(cql_result_cell(r, 0), &ti), CQL_OK);
    CHECK_EQ_INT(ti, 1);
    CHECK_EQ_INT(cql_cell_string(cql_result_cell(r, 1), &str), CQL_OK);
    CHECK_STR(str, "he");
    CHECK_EQ_INT(cql_cell_string(cql_result_cell(r, 2), &str), CQL_OK);
    CHECK_STR(str, "ok");
    CHECK_EQ_INT(cql_cell_uuid(cql_result_cell(r, 3), u), CQL_OK);
    CHECK_BYTES("timeuuid", u, 16, v1, 16);
    CHECK_EQ_INT(cql_cell_time(cql_result_cell(r, 4), &v64), CQL_OK);
    CHECK_EQ_INT(v64, INT64_C(86399999999999));
    CHECK_EQ_INT(cql_cell_date(cql_result_cell(r, 5), &v64), CQL_OK);
    CHECK_EQ_INT(v64, INT32_MIN);
    CHECK_EQ_INT(cql_cell_duration(cql_result_cell(r, 6), &months, &days, &v64), CQL_OK);
    CHECK(months == -1 && days == 0 && v64 == -1);
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 7), &v32), CQL_OK);
    CHECK_EQ_INT(v32, -2);
    CHECK_EQ_INT(cql_cell_int64(cql_result_cell(r, 8), &v64), CQL_OK);
    CHECK_EQ_INT(v64, INT64_MIN);
}

/* Composites are checked element by element against the metadata. */
static void composite_binding_checks(cql_session *s)
{
    const cql_error *e;
    CQL_SCOPED(cql_prepared) pc =
        prepare(s, "INSERT INTO colls (k, li, mp, tp, vec, ud) VALUES (?, ?, ?, ?, ?, ?)");
    REQUIRE(pc != NULL);
    CQL_SCOPED(cql_statement) sc = cql_prepared_bind(pc);
    REQUIRE(sc != NULL);
    CQL_SCOPED(cql_collection) bad_list = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) null_list = cql_collection_new(CQL_COLLECTION_LIST);
    CQL_SCOPED(cql_collection) odd_map = cql_collection_new(CQL_COLLECTION_MAP);
    CQL_SCOPED(cql_collection) short_tuple = cql_collection_new(CQL_COLLECTION_TUPLE);
    CQL_SCOPED(cql_collection) short_vec = cql_collection_new(CQL_COLLECTION_VECTOR);
    CQL_SCOPED(cql_collection) long_udt = cql_collection_new(CQL_COLLECTION_UDT);
    REQUIRE(bad_list && null_list && odd_map && short_tuple && short_vec && long_udt);
    CHECK_EQ_INT(cql_collection_add_int32(bad_list, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(bad_list, "x", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_null(null_list), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(odd_map, "x", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(short_tuple, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_float(short_vec, 1), CQL_OK);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(cql_collection_add_null(long_udt), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 1, bad_list), CQL_E_TYPE);
    e = cql_statement_error(sc);
    CHECK(e != NULL && strstr(e->message, "element 1"));
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 1, null_list), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 1, odd_map), CQL_E_TYPE); /* a map for a list */
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 2, odd_map), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 3, short_tuple), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 4, short_vec), CQL_E_TYPE);
    e = cql_statement_error(sc);
    CHECK(e != NULL && strstr(e->message, "3"));
    CHECK_EQ_INT(cql_statement_bind_collection(sc, 5, long_udt), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_int32(sc, 4, 1), CQL_E_TYPE);
    /* Never mended: executing it fails before anything is sent. */
    CHECK_EQ_INT(cql_statement_bind_int32(sc, 0, next_key++), CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_execute(s, sc);
    CHECK(cql_future_wait(f, WAIT_MS) != CQL_OK);
    CHECK(cql_future_error(f) != NULL && cql_future_error(f)->category == CQL_ERRCAT_CLIENT);
}
static void binding_checks(cql_session *s, mode m)
{
    (void)m;
    scalar_binding_checks(s);
    composite_binding_checks(s);
}
TEST(prepared_values_are_checked_against_the_metadata)
{
    in_session(binding_checks, false);
}

/* A simple statement's values go by their C type; the server checks them. */
static void server_checks(cql_session *s, mode m)
{
    (void)m;
    static const struct {
        const char *col;
        int what;
    } cases[] = {{"bi", 0}, {"tu", 1}, {"a", 2}, {"ti", 3}};
    static const uint8_t v4[16] = {1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16};
    for (size_t i = 0; i < COUNT(cases); i++) {
        char q[128];
        snprintf(q, sizeof q, "INSERT INTO scalars (k, %s) VALUES (?, ?)", cases[i].col);
        CQL_SCOPED(cql_statement) st = cql_statement_new(q, 2);
        REQUIRE(st != NULL);
        CHECK_EQ_INT(cql_statement_bind_int32(st, 0, next_key++), CQL_OK);
        cql_rc rc = cases[i].what == 0   ? cql_statement_bind_int32(st, 1, 5) /* 4 bytes, not 8 */
                    : cases[i].what == 1 ? cql_statement_bind_uuid(st, 1, v4)
                    : cases[i].what == 2 ? cql_statement_bind_string(st, 1, "h\xC3\xA9", 3)
                                         : cql_statement_bind_int32(st, 1, 5);
        CHECK_EQ_INT(rc, CQL_OK);
        CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
        CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_SERVER);
        const cql_error *e = cql_future_error(f);
        CHECK(e != NULL && e->category == CQL_ERRCAT_SERVER && e->server != NULL);
        if (e != NULL && e->server != NULL)
            CHECK_EQ_INT(e->server->code, CQL_ERROR_INVALID);
    }
}
TEST(simple_values_of_the_wrong_type_are_refused_by_the_server)
{
    in_session(server_checks, false);
}

/* ---- cql_cell_format: one row, several columns, and the buffer's size ---- */

static void formats(cql_session *s, mode m)
{
    int32_t k = next_key++;
    CQL_SCOPED(cql_statement) st = statement_for(
        s, m, "INSERT INTO scalars (k, i, t, a, dec, tu, ts) VALUES (?, ?, ?, ?, ?, ?, ?)", 7);
    REQUIRE(st != NULL);
    static const uint8_t v1[16] = {0xD5, 0xE6, 0xC2, 0xC0, 0x1F, 0x3A, 0x11, 0xEE,
                                   0xBE, 0x56, 0x02, 0x42, 0xAC, 0x12, 0x00, 0x02};
    static const uint8_t pi_digits[] = {0x01, 0x3A, 0x8F}; /* 80527 */
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, k), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 1, -2147483647 - 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 2, "it's", 4), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 3, "", 0), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_decimal(st, 4, (cql_decimal_value){pi_digits, 3, 4}), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_uuid(st, 5, v1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_timestamp(st, 6, INT64_C(1706708700000)), CQL_OK);
    REQUIRE(exec_ok(s, st));
    CQL_SCOPED(cql_result) r = fetch(s, m, "scalars", "i, t, a, dec, tu, ts, bl", k);
    REQUIRE(r != NULL);
    CHECK_FORMAT(cql_result_cell(r, 0), "-2147483648");
    CHECK_FORMAT(cql_result_cell(r, 1), "it's"); /* bare at the top level */
    CHECK_FORMAT(cql_result_cell(r, 2), "");
    CHECK_FORMAT(cql_result_cell(r, 3), "8.0527");
    CHECK_FORMAT(cql_result_cell(r, 4), "d5e6c2c0-1f3a-11ee-be56-0242ac120002");
    CHECK_FORMAT(cql_result_cell(r, 5), "2024-01-31T13:45:00.000Z");
    CHECK_FORMAT(cql_result_cell(r, 6), "null"); /* never written */
    /* Like snprintf: the length it needs, and as much as fits, terminated. */
    char small[4] = "zzz";
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, 0), small, sizeof small), 11);
    CHECK(strcmp(small, "-21") == 0);
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, 4), NULL, 0), 36);
    char one[1] = {'z'};
    CHECK_EQ_INT(cql_cell_format(cql_result_cell(r, 5), one, 1), 24);
    CHECK_EQ_INT(one[0], '\0');
}
TEST(cell_format_spells_values_as_cql_does) { in_session(formats, true); }

int main(void)
{
    if (!setup_schema()) {
        fprintf(stderr, "cannot set up keyspace %s: is the node up (scripts/cassandra start)?\n",
                KS);
        return 1;
    }
    for (size_t i = 0; i < COUNT(PASSES); i++) {
        const pass *p = &PASSES[i];
        RUN_IN(integers_round_trip_at_their_extremes, p);
        RUN_IN(varints_round_trip_beyond_64_bits, p);
        RUN_IN(counters_add_up_to_their_extremes, p);
        RUN_IN(floats_and_doubles_keep_every_bit, p);
        RUN_IN(decimals_keep_scale_and_unscaled_digits, p);
        RUN_IN(booleans_round_trip, p);
        RUN_IN(ascii_text_and_varchar_round_trip_exactly, p);
        RUN_IN(blobs_round_trip_empty_every_byte_and_a_mebibyte, p);
        RUN_IN(uuids_and_timeuuids_round_trip, p);
        RUN_IN(inet_addresses_round_trip_v4_and_v6, p);
        RUN_IN(dates_times_and_timestamps_round_trip_far_from_1970, p);
        RUN_IN(durations_round_trip_with_either_sign, p);
        RUN_IN(empty_values_where_cassandra_allows_them, p);
        RUN_IN(nulls_in_every_column_read_back_as_null, p);
        RUN_IN(unset_values_leave_the_old_ones, p);
        RUN_IN(collections_tuples_udts_and_vectors_round_trip, p);
        RUN_IN(empty_non_frozen_collections_read_back_as_null, p);
        RUN_IN(prepared_values_are_checked_against_the_metadata, p);
        RUN_IN(simple_values_of_the_wrong_type_are_refused_by_the_server, p);
        RUN_IN(cell_format_spells_values_as_cql_does, p);
    }
    return harness_done();
}
