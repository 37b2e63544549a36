/* Statements and bound values (cqlio.h "Values given to statements",
 * "Statements"; engine/statement.h): prepared statements built from PREPARED
 * results written field by field from the specs (v4/v5 §4.2.5.4), requests
 * compared byte for byte with §4.1.4, §4.1.6 and §4.1.7. */
#include "cqlio.h"
#include "engine/prepared.h"
#include "engine/statement.h"
#include "engine/statement_impl.h"
#include "harness.h"
#include "proto/buf.h"
#include "proto/values.h"

#include <stdlib.h>

/* ------------------------------------------------------------------------ */
/* Prepared statements from PREPARED results                                 */
/* ------------------------------------------------------------------------ */

static void put_str(cql_buf *b, const char *s) { cql_buf_put_string(b, s, strlen(s)); }

/* One bind marker: its name and its [option] (§4.2.5.2), as bytes, or a
 * custom class name (option 0x0000 and the [string]). */
typedef struct marker {
    const char *name;
    const uint8_t *option;
    size_t option_len;
    const char *custom;
} marker;

#define OPT(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), NULL
#define VECTOR_OF(cls, n)                                                                          \
    NULL, 0, "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal." cls    \
             ", " #n ")"

static const uint8_t ID[] = {0x11, 0x22};

/* A RESULT Prepared body: id (0x11 0x22), v5's result metadata id (0x33),
 * bind metadata with a global table spec, no result metadata; decoded and
 * wrapped as a prepared statement. */
static cql_prepared *prepare(uint8_t version, const char *query, const marker *m, size_t n)
{
    cql_buf b = {0};
    cql_buf_put_u32(&b, CQL_RESULT_PREPARED);
    cql_buf_put_short_bytes(&b, ID, sizeof ID);
    if (version >= 5)
        cql_buf_put_short_bytes(&b, "\x33", 1);
    cql_buf_put_u32(&b, 0x0001); /* Global_tables_spec */
    cql_buf_put_u32(&b, (uint32_t)n);
    cql_buf_put_u32(&b, 0); /* pk_count */
    put_str(&b, "ks");
    put_str(&b, "t");
    for (size_t i = 0; i < n; i++) {
        put_str(&b, m[i].name);
        if (m[i].custom != NULL) {
            cql_buf_put_u16(&b, CQL_TYPE_CUSTOM);
            put_str(&b, m[i].custom);
        } else {
            cql_buf_put(&b, m[i].option, m[i].option_len);
        }
    }
    cql_buf_put_u32(&b, 0x0004); /* result metadata: No_metadata */
    cql_buf_put_u32(&b, 0);
    size_t len;
    uint8_t *body = cql_buf_take(&b, &len);
    cql_envelope_header h = {version, true, 0, 1, CQL_OP_RESULT, (uint32_t)len};
    cql_response *r = NULL;
    cql_diag d = {0};
    if (cql_response_decode(&h, body, NULL, &r, &d) != CQL_OK) {
        fprintf(stderr, "  PREPARED did not decode: %s at %zu\n", d.what, d.offset);
        return NULL;
    }
    return cql_prepared_new(query, strlen(query), "ks", r);
}

/* INSERT INTO t (k, v) VALUES (?, ?): k int, v text. */
static cql_prepared *prepare_kv(uint8_t version)
{
    const marker m[] = {{"k", OPT(0x00, 0x09)}, {"v", OPT(0x00, 0x0D)}};
    return prepare(version, "INSERT INTO t (k, v) VALUES (?, ?)", m, 2);
}

/* One bind marker of every type, in this order. */
enum {
    TI, SI, I, BI, CN, VI, TS, TM, DT, A, T, B, U, TU, IP, DU, DC, BO, F, D, LI, MP, TP, UD, VF, VT,
    ST, ML, MARKERS
};

static cql_prepared *prepare_catalog(void)
{
    const marker m[] = {
        {"ti", OPT(0x00, 0x14)},
        {"si", OPT(0x00, 0x13)},
        {"i", OPT(0x00, 0x09)},
        {"bi", OPT(0x00, 0x02)},
        {"cn", OPT(0x00, 0x05)},
        {"vi", OPT(0x00, 0x0E)},
        {"ts", OPT(0x00, 0x0B)},
        {"tm", OPT(0x00, 0x12)},
        {"dt", OPT(0x00, 0x11)},
        {"a", OPT(0x00, 0x01)},
        {"t", OPT(0x00, 0x0D)},
        {"b", OPT(0x00, 0x03)},
        {"u", OPT(0x00, 0x0C)},
        {"tu", OPT(0x00, 0x0F)},
        {"ip", OPT(0x00, 0x10)},
        {"du", OPT(0x00, 0x15)},
        {"dc", OPT(0x00, 0x06)},
        {"bo", OPT(0x00, 0x04)},
        {"f", OPT(0x00, 0x08)},
        {"d", OPT(0x00, 0x07)},
        {"li", OPT(0x00, 0x20, 0x00, 0x09)},                   /* list<int> */
        {"mp", OPT(0x00, 0x21, 0x00, 0x0D, 0x00, 0x09)},       /* map<text, int> */
        {"tp", OPT(0x00, 0x31, 0x00, 0x02, 0x00, 0x09, 0x00, 0x0D)}, /* tuple<int, text> */
        {"ud", OPT(0x00, 0x30, 0x00, 0x02, 'k', 's', 0x00, 0x06, 'p', 'e', 'r', 's', 'o', 'n',
                   0x00, 0x02, 0x00, 0x04, 'n', 'a', 'm', 'e', 0x00, 0x0D, 0x00, 0x03, 'a', 'g',
                   'e', 0x00, 0x09)},                          /* ks.person {name text, age int} */
        {"vf", VECTOR_OF("FloatType", 3)},
        {"vt", VECTOR_OF("UTF8Type", 2)},
        {"st", OPT(0x00, 0x22, 0x00, 0x0D)},                   /* set<text> */
        {"ml", OPT(0x00, 0x21, 0x00, 0x0D, 0x00, 0x20, 0x00, 0x09)}, /* map<text, list<int>> */
    };
    _Static_assert(sizeof m / sizeof m[0] == MARKERS, "one marker per enum entry");
    return prepare(5, "INSERT INTO ks.catalog (ti, si, i, ...) VALUES (?, ?, ?, ...)", m, MARKERS);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static bool bytes_are(const uint8_t *got, size_t n, const uint8_t *want, size_t m)
{
    if (n == m && (n == 0 || memcmp(got, want, n) == 0))
        return true;
    fprintf(stderr, "  got %zu bytes:", n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02X", got[i]);
    fprintf(stderr, "\n  want %zu bytes:", m);
    for (size_t i = 0; i < m; i++)
        fprintf(stderr, " %02X", want[i]);
    fprintf(stderr, "\n");
    return false;
}

#define BUF_IS(buf, ...)                                                                           \
    bytes_are((buf).data, (buf).len, (const uint8_t[]){__VA_ARGS__},                               \
              sizeof((const uint8_t[]){__VA_ARGS__}))

/* Value i of st is exactly these bytes (not null, not unset). */
#define CELL_IS(st, i, ...)                                                                        \
    cell_is(st, i, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static bool cell_is(const cql_statement *st, size_t i, const uint8_t *want, size_t n)
{
    cql_value v = cql_slot_value(st, i);
    if (v.len < 0) {
        fprintf(stderr, "  value %zu has length %d\n", i, (int)v.len);
        return false;
    }
    return bytes_are(v.ptr, (size_t)v.len, want, n);
}

static int32_t cell_len(const cql_statement *st, size_t i) { return cql_slot_value(st, i).len; }

/* The statement's error message contains every one of the strings. */
static bool error_says(const cql_statement *st, const char *a, const char *b, const char *c)
{
    const cql_error *e = cql_statement_error(st);
    if (e == NULL) {
        fprintf(stderr, "  no error on the statement\n");
        return false;
    }
    const char *parts[] = {a, b, c};
    for (size_t i = 0; i < 3; i++) {
        if (parts[i] != NULL && strstr(e->message, parts[i]) == NULL) {
            fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", e->message, parts[i]);
            return false;
        }
    }
    return e->category == CQL_ERRCAT_CLIENT;
}

static bool message_says(const cql_error_box *e, const char *a, const char *b)
{
    if (strstr(e->message, a) != NULL && (b == NULL || strstr(e->message, b) != NULL))
        return true;
    fprintf(stderr, "  message \"%s\" lacks \"%s\" or \"%s\"\n", e->message, a, b ? b : "");
    return false;
}

static const cql_statement_defaults DEFAULTS = {.consistency = CQL_CONSISTENCY_ONE,
                                                .timestamp = 1000};
static const cql_statement_defaults NO_TIMESTAMP = {.consistency = CQL_CONSISTENCY_ONE,
                                                    .timestamp = -1};

static const uint8_t UUID_V4[16] = {0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4,
                                    0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00};
static const uint8_t UUID_V1[16] = {0xc3, 0x7f, 0x1a, 0x30, 0x2b, 0x5e, 0x11, 0xee,
                                    0xbe, 0x56, 0x02, 0x42, 0xac, 0x12, 0x00, 0x02};

/* ------------------------------------------------------------------------ */
/* Requests, byte for byte                                                   */
/* ------------------------------------------------------------------------ */

TEST(execute_v4_carries_values_consistency_and_the_session_timestamp)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 7), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, "hi", 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_kind_of(st), CQL_STATEMENT_BOUND);
    CHECK(cql_statement_prepared(st) == p);
    CHECK_STR(cql_statement_query(st), "INSERT INTO t (k, v) VALUES (?, ?)");
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 1};
    REQUIRE(cql_statement_encode(st, &out, &o, &DEFAULTS) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x00, 0x00, 0x01, 0x0A, 0x00, 0x00, 0x00, 31, /* header */
                 0x00, 0x02, 0x11, 0x22,                                   /* id */
                 0x00, 0x01,                                               /* ONE */
                 0x21,                                                     /* Values|Timestamp */
                 0x00, 0x02,                                               /* 2 values */
                 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07,           /* int 7 */
                 0x00, 0x00, 0x00, 0x02, 'h', 'i',                         /* text "hi" */
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8));         /* 1000 us */
    cql_buf_free(&out);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(execute_v5_sends_the_result_metadata_id_page_size_and_keyspace)
{
    cql_prepared *p = prepare_kv(5);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "k", 7), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string_by_name(st, "v", "hi", 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_page_size(st, 100), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_keyspace(st, "ks"), CQL_OK);
    CHECK(strcmp(cql_statement_keyspace(st), "ks") == 0);
    cql_buf out = {0};
    cql_request_opts o = {.version = 5, .stream = 1};
    REQUIRE(cql_statement_encode(st, &out, &o, &DEFAULTS) == CQL_OK);
    CHECK(BUF_IS(out, 0x05, 0x00, 0x00, 0x01, 0x0A, 0x00, 0x00, 0x00, 45,
                 0x00, 0x02, 0x11, 0x22,             /* id */
                 0x00, 0x01, 0x33,                   /* result metadata id */
                 0x00, 0x01,                         /* ONE */
                 0x00, 0x00, 0x00, 0xA5,             /* Values|Page_size|Timestamp|Keyspace */
                 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
                 0x02, 'h', 'i',
                 0x00, 0x00, 0x00, 0x64,             /* 100 rows */
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,
                 0x00, 0x02, 'k', 's'));
    cql_buf_free(&out);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(query_with_named_values_sends_names_in_binding_order)
{
    cql_statement *st = cql_statement_new("Q", 2);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_string_by_name(st, "b", "y", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string_by_name(st, "a", "x", 1), CQL_OK);
    /* b again: its slot is reused, not a third one */
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "b", 1), CQL_OK);
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 2};
    REQUIRE(cql_statement_encode(st, &out, &o, &NO_TIMESTAMP) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x00, 0x00, 0x02, 0x07, 0x00, 0x00, 0x00, 29,
                 0x00, 0x00, 0x00, 0x01, 'Q',                  /* [long string] */
                 0x00, 0x01, 0x41,                             /* ONE, Values|Names */
                 0x00, 0x02,
                 0x00, 0x01, 'b', 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x01, 'a', 0x00, 0x00, 0x00, 0x01, 'x'));
    cql_buf_free(&out);
    cql_statement_free(st);
}

TEST(query_positional_values_go_by_their_own_tag)
{
    cql_statement *st = cql_statement_new("Q", 4);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int8(st, 0, -1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int64(st, 1, 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_null(st, 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_unset(st, 3), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_page_size(st, -1), CQL_OK); /* no paging, whatever the session */
    cql_statement_defaults d = {.consistency = CQL_CONSISTENCY_QUORUM,
                                .serial_consistency = CQL_CONSISTENCY_SERIAL,
                                .page_size = 5000,
                                .timestamp = -1};
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 0};
    REQUIRE(cql_statement_encode(st, &out, &o, &d) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 37,
                 0x00, 0x00, 0x00, 0x01, 'Q', 0x00, 0x04,
                 0x11,                                     /* Values|Serial */
                 0x00, 0x04,
                 0x00, 0x00, 0x00, 0x01, 0xFF,             /* tinyint -1 */
                 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 2,
                 0xFF, 0xFF, 0xFF, 0xFF,                   /* null */
                 0xFF, 0xFF, 0xFF, 0xFE,                   /* unset */
                 0x00, 0x08));                             /* SERIAL */
    cql_buf_free(&out);
    /* page size 0 takes the session's */
    CHECK_EQ_INT(cql_statement_set_page_size(st, 0), CQL_OK);
    REQUIRE(cql_statement_encode(st, &out, &o, &d) == CQL_OK);
    CHECK_EQ_INT(out.data[9 + 5 + 2], 0x15); /* Values|Page_size|Serial */
    cql_buf_free(&out);
    cql_statement_free(st);
}

TEST(batch_mixes_simple_and_bound_statements)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    cql_statement *simple = cql_statement_new("S", 1);
    cql_statement *bound = cql_prepared_bind(p);
    cql_statement *batch = cql_batch_new(CQL_BATCH_UNLOGGED);
    REQUIRE(simple != NULL && bound != NULL && batch != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(simple, 0, 5), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(bound, 0, 7), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(bound, 1, "hi", 2), CQL_OK);
    CHECK_EQ_INT(cql_batch_add(batch, simple), CQL_OK);
    CHECK_EQ_INT(cql_batch_add(batch, bound), CQL_OK);
    /* the batch holds copies: changing or freeing the originals changes nothing */
    CHECK_EQ_INT(cql_statement_bind_int32(simple, 0, 99), CQL_OK);
    cql_statement_free(bound);
    CHECK_EQ_INT(cql_statement_set_serial_consistency(batch, CQL_CONSISTENCY_LOCAL_SERIAL), CQL_OK);
    CHECK_STR(cql_statement_query(batch), "BATCH");
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 1};
    REQUIRE(cql_statement_encode(batch, &out, &o, &DEFAULTS) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x00, 0x00, 0x01, 0x0D, 0x00, 0x00, 0x00, 53,
                 0x01,                                             /* UNLOGGED */
                 0x00, 0x02,
                 0x00, 0x00, 0x00, 0x00, 0x01, 'S',               /* simple */
                 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05,
                 0x01, 0x00, 0x02, 0x11, 0x22,                     /* prepared */
                 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07,
                 0x00, 0x00, 0x00, 0x02, 'h', 'i',
                 0x00, 0x01,                                       /* ONE */
                 0x30,                                             /* Serial|Timestamp */
                 0x00, 0x09,                                       /* LOCAL_SERIAL */
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8));
    cql_buf_free(&out);
    cql_statement_free(simple);
    cql_statement_free(batch);
    cql_prepared_free(p);
}

TEST(counter_batch_is_type_2_and_batches_refuse_what_they_cannot_carry)
{
    cql_statement *batch = cql_batch_new(CQL_BATCH_COUNTER);
    cql_statement *inner = cql_batch_new(CQL_BATCH_LOGGED);
    cql_statement *named = cql_statement_new("N", 1);
    cql_statement *unbound = cql_statement_new("U", 2);
    REQUIRE(batch != NULL && inner != NULL && named != NULL && unbound != NULL);
    CHECK(cql_batch_new((cql_batch_type)3) == NULL);
    CHECK_EQ_INT(cql_statement_bind_int64_by_name(named, "c", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int64(unbound, 0, 1), CQL_OK);

    /* a batch with nothing refused encodes */
    cql_buf out = {0};
    cql_request_opts o = {.version = 5, .stream = 0};
    REQUIRE(cql_statement_encode(batch, &out, &o, &NO_TIMESTAMP) == CQL_OK);
    CHECK(BUF_IS(out, 0x05, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x00, 0x00, 9, 0x02, 0x00, 0x00, 0x00,
                 0x01, 0x00, 0x00, 0x00, 0x00));
    cql_buf_free(&out);

    CHECK_EQ_INT(cql_batch_add(inner, inner), CQL_E_ARG);
    CHECK_EQ_INT(cql_batch_add(named, unbound), CQL_E_ARG); /* not a batch */
    CHECK_EQ_INT(cql_batch_add(NULL, named), CQL_E_ARG);
    CHECK_EQ_INT(cql_batch_add(batch, named), CQL_E_ARG);
    CHECK(error_says(batch, "statement 0 of the batch was not added", "by name", NULL));
    CHECK_EQ_INT(cql_batch_add(batch, unbound), CQL_E_ARG);
    CHECK(error_says(batch, "bind marker 1 was never bound", NULL, NULL));
    CHECK_EQ_INT(cql_batch_add(batch, inner), CQL_E_ARG);
    CHECK(error_says(batch, "do not nest", NULL, NULL));
    CHECK_EQ_INT(cql_batch_add(batch, NULL), CQL_E_ARG);
    /* binders have nothing to bind in a batch; page size and paging state mean nothing */
    CHECK_EQ_INT(cql_statement_bind_int32(batch, 0, 1), CQL_E_ARG);
    CHECK(error_says(batch, "a batch has no values of its own", NULL, NULL));
    CHECK_EQ_INT(cql_statement_set_page_size(batch, 10), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_paging_state(batch, (const uint8_t *)"x", 1), CQL_E_ARG);
    /* a refused statement leaves the batch unsendable: it lacks what was meant */
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_check(batch, 5, &err), CQL_E_ARG);
    CHECK(message_says(&err, "more binding error", NULL));
    CHECK_EQ_INT(cql_statement_encode(batch, &out, &o, &NO_TIMESTAMP), CQL_E_ARG);
    CHECK_EQ_INT(out.len, 0);
    cql_error_clear(&err);
    cql_statement_free(batch);
    cql_statement_free(inner);
    cql_statement_free(named);
    cql_statement_free(unbound);
}

TEST(tracing_and_custom_payload_go_in_the_envelope)
{
    cql_statement *st = cql_statement_new("Q", 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_set_tracing(st, true), CQL_OK);
    CHECK(cql_statement_tracing(st));
    CHECK_EQ_INT(cql_statement_add_payload(st, "k", (const uint8_t *)"old", 3), CQL_OK);
    /* the same key again replaces its value */
    CHECK_EQ_INT(cql_statement_add_payload(st, "k", (const uint8_t *)"v", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_add_payload(st, NULL, (const uint8_t *)"v", 1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_add_payload(st, "k2", NULL, 4), CQL_E_ARG);
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 0};
    REQUIRE(cql_statement_encode(st, &out, &o, &NO_TIMESTAMP) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x06 /* Tracing|Custom_payload */, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
                 18,
                 0x00, 0x01, 0x00, 0x01, 'k', 0x00, 0x00, 0x00, 0x01, 'v', /* [bytes map] */
                 0x00, 0x00, 0x00, 0x01, 'Q', 0x00, 0x01, 0x00));
    cql_buf_free(&out);
    cql_statement_free(st);
}

TEST(explicit_timestamp_and_paging_state_replace_the_defaults)
{
    cql_statement *st = cql_statement_new("Q", 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_set_timestamp(st, 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_timestamp(st, -5), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_paging_state(st, (const uint8_t *)"\xAB", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_paging_state(st, NULL, 3), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_consistency(st, CQL_CONSISTENCY_LOCAL_QUORUM), CQL_OK);
    cql_buf out = {0};
    cql_request_opts o = {.version = 4, .stream = 0};
    REQUIRE(cql_statement_encode(st, &out, &o, &DEFAULTS) == CQL_OK);
    CHECK(BUF_IS(out, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 21,
                 0x00, 0x00, 0x00, 0x01, 'Q', 0x00, 0x06,
                 0x28,                              /* Paging_state|Timestamp */
                 0x00, 0x00, 0x00, 0x01, 0xAB,
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02));
    cql_buf_free(&out);
    /* len 0 starts over: no paging state */
    CHECK_EQ_INT(cql_statement_set_paging_state(st, NULL, 0), CQL_OK);
    REQUIRE(cql_statement_encode(st, &out, &o, &DEFAULTS) == CQL_OK);
    CHECK_EQ_INT(out.data[9 + 5 + 2], 0x20);
    cql_buf_free(&out);
    cql_statement_free(st);
}

TEST(options_refuse_values_out_of_range)
{
    cql_statement *st = cql_statement_new("Q", 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_set_consistency(st, (cql_consistency)11), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_consistency(st, CQL_CONSISTENCY_ANY), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_serial_consistency(st, CQL_CONSISTENCY_ONE), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_serial_consistency(st, CQL_CONSISTENCY_SERIAL), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_keyspace(st, ""), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_idempotent(st, true), CQL_OK);
    CHECK(cql_statement_is_idempotent(st));
    CHECK_EQ_INT(cql_statement_set_timeout(st, 250), CQL_OK);
    CHECK_EQ_INT(cql_statement_timeout(st), 250);
    CHECK(cql_statement_keyspace(st) == NULL);
    CHECK_EQ_INT(cql_statement_set_keyspace(st, "ks"), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_keyspace(st, NULL), CQL_OK); /* NULL: none again */
    CHECK(cql_statement_keyspace(st) == NULL);
    CHECK_EQ_INT(cql_statement_set_consistency(NULL, CQL_CONSISTENCY_ONE), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_tracing(NULL, true), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_set_page_size(NULL, 1), CQL_E_ARG);
    CHECK(cql_statement_error(st) == NULL); /* options are not binding errors */
    cql_statement_free(st);
}

/* ------------------------------------------------------------------------ */
/* Fit rules                                                                 */
/* ------------------------------------------------------------------------ */

TEST(integers_fit_their_own_and_wider_integer_columns)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int8(st, TI, -2), CQL_OK);
    CHECK(CELL_IS(st, TI, 0xFE));
    CHECK_EQ_INT(cql_statement_bind_int8(st, SI, -2), CQL_OK);
    CHECK(CELL_IS(st, SI, 0xFF, 0xFE));
    CHECK_EQ_INT(cql_statement_bind_int16(st, I, 0x1234), CQL_OK);
    CHECK(CELL_IS(st, I, 0x00, 0x00, 0x12, 0x34));
    CHECK_EQ_INT(cql_statement_bind_int32(st, BI, -1), CQL_OK);
    CHECK(CELL_IS(st, BI, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
    CHECK_EQ_INT(cql_statement_bind_int32(st, CN, 3), CQL_OK);
    CHECK(CELL_IS(st, CN, 0, 0, 0, 0, 0, 0, 0, 3));
    CHECK_EQ_INT(cql_statement_bind_int16(st, VI, 128), CQL_OK); /* shortest varint */
    CHECK(CELL_IS(st, VI, 0x00, 0x80));
    CHECK_EQ_INT(cql_statement_bind_int64(st, VI, -129), CQL_OK);
    CHECK(CELL_IS(st, VI, 0xFF, 0x7F));
    CHECK_EQ_INT(cql_statement_bind_int64(st, TS, 1700000000000), CQL_OK);
    CHECK(CELL_IS(st, TS, 0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00));
    CHECK_EQ_INT(cql_statement_bind_int64(st, TM, 1), CQL_OK);
    CHECK(CELL_IS(st, TM, 0, 0, 0, 0, 0, 0, 0, 1));

    /* narrowing is refused, whatever the value */
    CHECK_EQ_INT(cql_statement_bind_int16(st, TI, 1), CQL_E_TYPE);
    CHECK(error_says(st, "column \"ti\" (bind marker 0) is tinyint; given an int16", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_int64(st, I, 1), CQL_E_TYPE);
    CHECK(error_says(st, "column \"i\" (bind marker 2) is int; given an int64", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_int32(st, TS, 1), CQL_E_TYPE);
    CHECK(error_says(st, "\"ts\"", "is timestamp", "given an int32"));
    CHECK_EQ_INT(cql_statement_bind_int32(st, F, 1), CQL_E_TYPE);
    CHECK(error_says(st, "(bind marker 18) is float", "given an int32", NULL));
    /* an int64 for a time must be a time of day */
    CHECK_EQ_INT(cql_statement_bind_int64(st, TM, 86400000000000), CQL_E_TYPE);
    CHECK(error_says(st, "is time", "given an int64 of 86400000000000", "0..86399999999999"));
    CHECK(CELL_IS(st, TM, 0, 0, 0, 0, 0, 0, 0, 1)); /* the old value stays */
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(scalars_fit_their_own_columns_only)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_bool(st, BO, true), CQL_OK);
    CHECK(CELL_IS(st, BO, 0x01));
    CHECK_EQ_INT(cql_statement_bind_float(st, F, 1.0f), CQL_OK);
    CHECK(CELL_IS(st, F, 0x3F, 0x80, 0x00, 0x00));
    CHECK_EQ_INT(cql_statement_bind_double(st, D, -2.0), CQL_OK);
    CHECK(CELL_IS(st, D, 0xC0, 0x00, 0, 0, 0, 0, 0, 0));
    CHECK_EQ_INT(cql_statement_bind_timestamp(st, TS, -1), CQL_OK);
    CHECK(CELL_IS(st, TS, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
    CHECK_EQ_INT(cql_statement_bind_date(st, DT, 0), CQL_OK); /* 1970-01-01 is 2^31 */
    CHECK(CELL_IS(st, DT, 0x80, 0x00, 0x00, 0x00));
    CHECK_EQ_INT(cql_statement_bind_date(st, DT, -1), CQL_OK);
    CHECK(CELL_IS(st, DT, 0x7F, 0xFF, 0xFF, 0xFF));
    CHECK_EQ_INT(cql_statement_bind_time(st, TM, 86399999999999), CQL_OK);
    CHECK(CELL_IS(st, TM, 0x00, 0x00, 0x4E, 0x94, 0x91, 0x4E, 0xFF, 0xFF));
    CHECK_EQ_INT(cql_statement_bind_duration(st, DU, 1, 2, 3), CQL_OK);
    CHECK(CELL_IS(st, DU, 0x02, 0x04, 0x06)); /* zig-zag vints */
    CHECK_EQ_INT(cql_statement_bind_inet(st, IP, (const uint8_t *)"\x7F\x00\x00\x01", 4), CQL_OK);
    CHECK(CELL_IS(st, IP, 0x7F, 0x00, 0x00, 0x01));
    CHECK_EQ_INT(cql_statement_bind_uuid(st, U, UUID_V4), CQL_OK);
    CHECK_EQ_INT(cell_len(st, U), 16);
    CHECK_EQ_INT(cql_statement_bind_uuid(st, TU, UUID_V1), CQL_OK);
    CHECK_EQ_INT(cell_len(st, TU), 16);
    CHECK_EQ_INT(cql_statement_bind_varint(st, VI, (const uint8_t *)"\x01\x00\x00\x00\x00\x00\x00"
                                                                    "\x00\x00",
                                           9),
                 CQL_OK); /* 2^64: beyond int64, fine as bytes */
    CHECK(CELL_IS(st, VI, 0x01, 0, 0, 0, 0, 0, 0, 0, 0));
    cql_decimal_value dec = {(const uint8_t *)"\x00\x96", 2, 2}; /* 1.50 */
    CHECK_EQ_INT(cql_statement_bind_decimal(st, DC, dec), CQL_OK);
    CHECK(CELL_IS(st, DC, 0x00, 0x00, 0x00, 0x02, 0x00, 0x96));

    /* each refuses the others' columns, naming column, marker, type and value */
    CHECK_EQ_INT(cql_statement_bind_bool(st, I, true), CQL_E_TYPE);
    CHECK(error_says(st, "column \"i\" (bind marker 2) is int; given a bool", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_float(st, D, 1.0f), CQL_E_TYPE);
    CHECK(error_says(st, "column \"d\" (bind marker 19) is double; given a float", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_double(st, F, 1.0), CQL_E_TYPE);
    CHECK(error_says(st, "is float; given a double", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_timestamp(st, BI, 1), CQL_E_TYPE);
    CHECK(error_says(st, "is bigint; given a timestamp", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_date(st, TS, 1), CQL_E_TYPE);
    CHECK(error_says(st, "is timestamp; given a date", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_time(st, BI, 1), CQL_E_TYPE);
    CHECK(error_says(st, "is bigint; given a time", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_duration(st, TS, 0, 0, 1), CQL_E_TYPE);
    CHECK(error_says(st, "is timestamp; given a duration", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_inet(st, B, (const uint8_t *)"\x01\x02\x03\x04", 4),
                 CQL_E_TYPE);
    CHECK(error_says(st, "column \"b\" (bind marker 11) is blob; given an inet", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_uuid(st, T, UUID_V4), CQL_E_TYPE);
    CHECK(error_says(st, "is text; given a uuid", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_varint(st, I, (const uint8_t *)"\x01", 1), CQL_E_TYPE);
    CHECK(error_says(st, "is int; given a varint", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_decimal(st, VI, dec), CQL_E_TYPE);
    CHECK(error_says(st, "is varint; given a decimal", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_string(st, B, "x", 1), CQL_E_TYPE);
    CHECK(error_says(st, "is blob; given a string", NULL, NULL));
    /* timeuuid: version 1 only */
    CHECK_EQ_INT(cql_statement_bind_uuid(st, TU, UUID_V4), CQL_E_TYPE);
    CHECK(error_says(st, "column \"tu\" (bind marker 13) is timeuuid", "given a uuid of version 4",
                     NULL));
    CHECK_EQ_INT(cql_statement_bind_bool(st, LI, true), CQL_E_TYPE);
    CHECK(error_says(st, "column \"li\" (bind marker 20) is list<int>; given a bool", NULL, NULL));
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(invalid_values_are_refused_whatever_the_column)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_time(st, TM, -1), CQL_E_ARG);
    CHECK(error_says(st, "column \"tm\" (bind marker 7)", "given a time of -1 ns", NULL));
    CHECK_EQ_INT(cql_statement_bind_time(st, TM, 86400000000000), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_date(st, DT, INT64_C(3000000000)), CQL_E_ARG);
    CHECK(error_says(st, "given a date of 3000000000 days", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_date(st, DT, -INT64_C(2147483648)), CQL_OK); /* the first day */
    CHECK(CELL_IS(st, DT, 0, 0, 0, 0));
    CHECK_EQ_INT(cql_statement_bind_duration(st, DU, 1, -1, 0), CQL_E_ARG);
    CHECK(error_says(st, "differ in sign", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_inet(st, IP, (const uint8_t *)"\x01\x02\x03\x04\x05", 5),
                 CQL_E_ARG);
    CHECK(error_says(st, "given an inet of 5 bytes", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_varint(st, VI, (const uint8_t *)"", 0), CQL_E_ARG);
    CHECK(error_says(st, "given a varint without digits", NULL, NULL));
    cql_decimal_value none = {NULL, 0, 1};
    CHECK_EQ_INT(cql_statement_bind_decimal(st, DC, none), CQL_E_ARG);
    /* a length beyond what a request carries is refused before it is read */
    static const uint8_t one = 1;
    CHECK_EQ_INT(cql_statement_bind_bytes(st, B, &one, (size_t)CQL_ENVELOPE_MAX_BODY + 1),
                 CQL_E_ARG);
    CHECK(error_says(st, "given bytes of 268435457 bytes", NULL, NULL));
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(strings_are_checked_for_ascii_and_utf8)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_string(st, A, "abc", 3), CQL_OK);
    CHECK(CELL_IS(st, A, 'a', 'b', 'c'));
    CHECK_EQ_INT(cql_statement_bind_string(st, T, "\xC3\xA9t\xC3\xA9", 5), CQL_OK);
    CHECK(CELL_IS(st, T, 0xC3, 0xA9, 't', 0xC3, 0xA9));
    CHECK_EQ_INT(cql_statement_bind_string(st, T, NULL, 0), CQL_OK); /* empty */
    CHECK_EQ_INT(cell_len(st, T), 0);
    CHECK_EQ_INT(cql_statement_bind_string(st, A, "ab\xC3\xA9", 4), CQL_E_TYPE);
    CHECK(error_says(st, "column \"a\" (bind marker 9) is ascii", "not ASCII (byte 2 is 0xC3)",
                     NULL));
    CHECK(CELL_IS(st, A, 'a', 'b', 'c'));
    CHECK_EQ_INT(cql_statement_bind_string(st, T, "a\xC0\x80", 3), CQL_E_TYPE); /* overlong NUL */
    CHECK(error_says(st, "column \"t\" (bind marker 10) is text", "not valid UTF-8 (at byte 1)",
                     NULL));
    CHECK_EQ_INT(cql_statement_bind_string(st, I, "1", 1), CQL_E_TYPE);
    CHECK(error_says(st, "column \"i\" (bind marker 2) is int; given a string", NULL, NULL));
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(bytes_fit_any_column_as_a_valid_value_of_it)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_bytes(st, B, (const uint8_t *)"\x00\xFF", 2), CQL_OK);
    CHECK(CELL_IS(st, B, 0x00, 0xFF));
    CHECK_EQ_INT(cql_statement_bind_bytes(st, I, (const uint8_t *)"\x00\x00\x00\x2A", 4), CQL_OK);
    CHECK(CELL_IS(st, I, 0, 0, 0, 42));
    /* a serialized list<int> */
    CHECK_EQ_INT(cql_statement_bind_bytes(st, LI,
                                          (const uint8_t *)"\x00\x00\x00\x01\x00\x00\x00\x04"
                                                           "\x00\x00\x00\x09",
                                          12),
                 CQL_OK);
    CHECK_EQ_INT(cell_len(st, LI), 12);
    CHECK_EQ_INT(cql_statement_bind_bytes(st, I, (const uint8_t *)"\x00\x00\x2A", 3), CQL_E_TYPE);
    CHECK(error_says(st, "column \"i\" (bind marker 2) is int",
                     "given 3 bytes that are not a valid int",
                     NULL));
    CHECK(CELL_IS(st, I, 0, 0, 0, 42));
    CHECK_EQ_INT(cql_statement_bind_bytes(st, T, (const uint8_t *)"\xFF", 1), CQL_E_TYPE);
    CHECK(error_says(st, "not a valid text", NULL, NULL));
    cql_statement_free(st);
    cql_prepared_free(p);
}

/* ------------------------------------------------------------------------ */
/* Collections                                                               */
/* ------------------------------------------------------------------------ */

TEST(list_and_set_elements_are_checked_one_by_one)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    cql_collection *list = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(st != NULL && list != NULL);
    CHECK_EQ_INT(cql_collection_add_int32(list, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int8(list, 2), CQL_OK); /* widens into int */
    CHECK_EQ_INT(cql_statement_bind_collection(st, LI, list), CQL_OK);
    CHECK(CELL_IS(st, LI, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2));
    CHECK_EQ_INT(cql_collection_add_int32(list, 3), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(list, "x", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, LI, list), CQL_E_TYPE);
    CHECK(error_says(st, "column \"li\" (bind marker 20) is list<int>; element 3: given a string",
                     NULL, NULL));
    CHECK_EQ_INT(cell_len(st, LI), 20); /* the old list stays */
    /* a list is not a set, nor a set a list */
    cql_collection *set = cql_collection_new(CQL_COLLECTION_SET);
    REQUIRE(set != NULL);
    CHECK_EQ_INT(cql_collection_add_string(set, "a", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, LI, set), CQL_E_TYPE);
    CHECK(error_says(st, "is list<int>; given a set", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_collection(st, ST, set), CQL_OK);
    CHECK(CELL_IS(st, ST, 0, 0, 0, 1, 0, 0, 0, 1, 'a'));
    /* null elements: Cassandra refuses them in collections */
    CHECK_EQ_INT(cql_collection_add_null(set), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, ST, set), CQL_E_TYPE);
    CHECK(error_says(st, "element 1: given null; a set element cannot be null", NULL, NULL));
    /* an empty list is a list of no elements */
    cql_collection *empty = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(empty != NULL);
    CHECK_EQ_INT(cql_statement_bind_collection(st, LI, empty), CQL_OK);
    CHECK(CELL_IS(st, LI, 0, 0, 0, 0));
    cql_collection_free(empty);
    cql_collection_free(set);
    cql_collection_free(list);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(maps_take_keys_and_values_in_turn)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    cql_collection *map = cql_collection_new(CQL_COLLECTION_MAP);
    REQUIRE(st != NULL && map != NULL);
    CHECK_EQ_INT(cql_collection_add_string(map, "a", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(map, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, MP, map), CQL_OK);
    CHECK(CELL_IS(st, MP, 0, 0, 0, 1, 0, 0, 0, 1, 'a', 0, 0, 0, 4, 0, 0, 0, 1));
    CHECK_EQ_INT(cql_collection_add_string(map, "b", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, MP, map), CQL_E_TYPE);
    CHECK(error_says(st, "column \"mp\" (bind marker 21) is map<text, int>",
                     "given a map of 3 elements", "even"));
    CHECK_EQ_INT(cql_collection_add_string(map, "2", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, MP, map), CQL_E_TYPE);
    CHECK(error_says(st, "is map<text, int>; value 1: given a string", NULL, NULL));
    cql_collection_free(map);

    /* nested: map<text, frozen<list<int>>> says where, level by level */
    cql_collection *outer = cql_collection_new(CQL_COLLECTION_MAP);
    cql_collection *inner = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(outer != NULL && inner != NULL);
    CHECK_EQ_INT(cql_collection_add_int32(inner, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(inner, "two", 3), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(outer, "k", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_collection(outer, inner), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, ML, outer), CQL_E_TYPE);
    CHECK(error_says(st, "column \"ml\" (bind marker 27) is map<text, frozen<list<int>>>",
                     "value 0, element 1: given a string", NULL));
    cql_collection_free(inner);
    cql_collection_free(outer);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(tuples_match_exactly_and_udts_may_stop_early)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    cql_collection *tuple = cql_collection_new(CQL_COLLECTION_TUPLE);
    cql_collection *udt = cql_collection_new(CQL_COLLECTION_UDT);
    REQUIRE(st != NULL && tuple != NULL && udt != NULL);
    CHECK_EQ_INT(cql_collection_add_int32(tuple, 5), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, TP, tuple), CQL_E_TYPE);
    CHECK(error_says(st, "column \"tp\" (bind marker 22) is tuple<int, text>",
                     "given a tuple of 1 elements; the type has 2", NULL));
    CHECK_EQ_INT(cql_collection_add_null(tuple), CQL_OK); /* tuples hold nulls */
    CHECK_EQ_INT(cql_statement_bind_collection(st, TP, tuple), CQL_OK);
    CHECK(CELL_IS(st, TP, 0, 0, 0, 4, 0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF));

    CHECK_EQ_INT(cql_collection_add_string(udt, "Ann", 3), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, UD, udt), CQL_OK); /* age omitted */
    CHECK(CELL_IS(st, UD, 0, 0, 0, 3, 'A', 'n', 'n'));
    CHECK_EQ_INT(cql_collection_add_string(udt, "41", 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, UD, udt), CQL_E_TYPE);
    CHECK(error_says(st, "column \"ud\" (bind marker 23) is ks.person",
                     "field \"age\" (int): given a string", NULL));
    cql_collection_free(udt);
    udt = cql_collection_new(CQL_COLLECTION_UDT);
    REQUIRE(udt != NULL);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cql_collection_add_null(udt), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, UD, udt), CQL_E_TYPE);
    CHECK(error_says(st, "given a UDT of 3 fields; the type has 2", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_collection(st, TP, udt), CQL_E_TYPE);
    CHECK(error_says(st, "is tuple<int, text>; given a UDT", NULL, NULL));
    cql_collection_free(udt);
    cql_collection_free(tuple);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(vectors_are_packed_or_length_prefixed_as_their_element_type_says)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    cql_collection *vf = cql_collection_new(CQL_COLLECTION_VECTOR);
    cql_collection *vt = cql_collection_new(CQL_COLLECTION_VECTOR);
    REQUIRE(st != NULL && vf != NULL && vt != NULL);
    CHECK_EQ_INT(cql_collection_add_float(vf, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_float(vf, 2.0f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, vf), CQL_E_TYPE);
    CHECK(error_says(st, "column \"vf\" (bind marker 24) is vector<float, 3>",
                     "given a vector of 2 elements; the type has 3 dimensions", NULL));
    CHECK_EQ_INT(cql_collection_add_float(vf, -2.0f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, vf), CQL_OK);
    CHECK(CELL_IS(st, VF, 0x3F, 0x80, 0, 0, 0x40, 0x00, 0, 0, 0xC0, 0x00, 0, 0)); /* packed */

    CHECK_EQ_INT(cql_collection_add_string(vt, "ab", 2), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(vt, "c", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VT, vt), CQL_OK);
    CHECK(CELL_IS(st, VT, 0x02, 'a', 'b', 0x01, 'c')); /* [unsigned vint] sizes */

    /* a wrong element, a null one, and bytes of the wrong size for a packed slot */
    cql_collection *bad = cql_collection_new(CQL_COLLECTION_VECTOR);
    REQUIRE(bad != NULL);
    CHECK_EQ_INT(cql_collection_add_float(bad, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_double(bad, 1.0), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_null(bad), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, bad), CQL_E_TYPE);
    CHECK(error_says(st, "is vector<float, 3>; element 1: given a double", NULL, NULL));
    cql_collection_free(bad);
    bad = cql_collection_new(CQL_COLLECTION_VECTOR);
    REQUIRE(bad != NULL);
    CHECK_EQ_INT(cql_collection_add_float(bad, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_null(bad), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_float(bad, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, bad), CQL_E_TYPE);
    CHECK(error_says(st, "element 1: given null; a vector element cannot be null", NULL, NULL));
    cql_collection_free(bad);
    bad = cql_collection_new(CQL_COLLECTION_VECTOR);
    REQUIRE(bad != NULL);
    CHECK_EQ_INT(cql_collection_add_float(bad, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_bytes(bad, NULL, 0), CQL_OK); /* empty: legacy, not packable */
    CHECK_EQ_INT(cql_collection_add_float(bad, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, bad), CQL_E_TYPE);
    CHECK(error_says(st, "element 1: given bytes of 0 bytes", "is 4 bytes", NULL));
    CHECK_EQ_INT(cell_len(st, VF), 12);
    cql_collection_free(bad);
    /* a list is not a vector */
    cql_collection *list = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(list != NULL);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, list), CQL_E_TYPE);
    CHECK(error_says(st, "is vector<float, 3>; given a list", NULL, NULL));
    cql_collection_free(list);
    cql_collection_free(vf);
    cql_collection_free(vt);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(simple_statement_collections_go_by_their_own_tags)
{
    cql_statement *st = cql_statement_new("Q", 5);
    cql_collection *vf = cql_collection_new(CQL_COLLECTION_VECTOR);
    cql_collection *vs = cql_collection_new(CQL_COLLECTION_VECTOR);
    cql_collection *map = cql_collection_new(CQL_COLLECTION_MAP);
    cql_collection *tuple = cql_collection_new(CQL_COLLECTION_TUPLE);
    cql_collection *mixed = cql_collection_new(CQL_COLLECTION_VECTOR);
    REQUIRE(st && vf && vs && map && tuple && mixed);
    CHECK_EQ_INT(cql_collection_add_float(vf, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_float(vf, 2.0f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 0, vf), CQL_OK);
    CHECK(CELL_IS(st, 0, 0x3F, 0x80, 0, 0, 0x40, 0x00, 0, 0));
    CHECK_EQ_INT(cql_collection_add_string(vs, "ab", 2), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(vs, "", 0), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 1, vs), CQL_OK);
    CHECK(CELL_IS(st, 1, 0x02, 'a', 'b', 0x00));
    CHECK_EQ_INT(cql_collection_add_string(map, "k", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int16(map, 7), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 2, map), CQL_OK);
    CHECK(CELL_IS(st, 2, 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 2, 0, 7));
    CHECK_EQ_INT(cql_collection_add_int32(tuple, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_null(tuple), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 3, tuple), CQL_OK);
    CHECK(CELL_IS(st, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF));
    /* without a column type, a vector's elements must agree */
    CHECK_EQ_INT(cql_collection_add_float(mixed, 1.0f), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(mixed, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 4, mixed), CQL_E_TYPE);
    CHECK(error_says(st, "bind marker 4: element 1: given an int32, but element 0 is a float",
                     NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_string(st, 4, "\xFF", 1), CQL_E_TYPE);
    CHECK(error_says(st, "bind marker 4: given a string that is not valid UTF-8", NULL, NULL));
    cql_collection_free(vf);
    cql_collection_free(vs);
    cql_collection_free(map);
    cql_collection_free(tuple);
    cql_collection_free(mixed);
    cql_statement_free(st);
}

TEST(collections_copy_what_they_are_given)
{
    cql_collection *inner = cql_collection_new(CQL_COLLECTION_LIST);
    cql_collection *outer = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(inner != NULL && outer != NULL);
    CHECK(cql_collection_new((cql_collection_kind)0x99) == NULL);
    char text[] = "abc";
    CHECK_EQ_INT(cql_collection_add_string(inner, text, 3), CQL_OK);
    text[0] = 'X'; /* the collection kept its own copy */
    CHECK_EQ_INT(cql_collection_add_collection(outer, inner), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(inner, 5), CQL_OK); /* not seen by outer */
    CHECK_EQ_INT(cql_collection_count(outer), 1);
    cql_given g = cql_collection_element(outer, 0);
    REQUIRE(g.tag == CQL_GIVEN_COLLECTION);
    CHECK_EQ_INT(cql_collection_count(g.u.collection), 1);
    cql_given s = cql_collection_element(g.u.collection, 0);
    CHECK(s.tag == CQL_GIVEN_STRING && s.u.bytes.len == 3 && memcmp(s.u.bytes.ptr, "abc", 3) == 0);
    CHECK_EQ_INT(cql_collection_depth(outer), 2);
    /* adding a collection to itself copies what it held */
    CHECK_EQ_INT(cql_collection_add_collection(outer, outer), CQL_OK);
    CHECK_EQ_INT(cql_collection_count(outer), 2);
    CHECK_EQ_INT(cql_collection_depth(outer), 3);
    /* bad values and NULLs are refused, leaving the collection as it was */
    CHECK_EQ_INT(cql_collection_add_inet(inner, (const uint8_t *)"\x01\x02", 2), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_add_string(inner, NULL, 2), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_add_uuid(inner, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_add_time(inner, -1), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_add_collection(inner, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_add_int32(NULL, 1), CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_count(inner), 2);
    /* nesting is bounded, so walking a value never runs out of stack */
    cql_collection *deep = cql_collection_new(CQL_COLLECTION_LIST);
    REQUIRE(deep != NULL);
    cql_rc rc = CQL_OK;
    for (uint32_t level = 1; level < CQL_COLLECTION_MAX_DEPTH + 5 && rc == CQL_OK; level++) {
        cql_collection *up = cql_collection_new(CQL_COLLECTION_LIST);
        REQUIRE(up != NULL);
        rc = cql_collection_add_collection(up, deep);
        if (rc != CQL_OK) {
            cql_collection_free(up);
            break;
        }
        cql_collection_free(deep);
        deep = up;
    }
    CHECK_EQ_INT(rc, CQL_E_ARG);
    CHECK_EQ_INT(cql_collection_depth(deep), CQL_COLLECTION_MAX_DEPTH);
    cql_collection_free(deep);
    cql_collection_free(NULL);
    cql_collection_free(inner);
    cql_collection_free(outer);
}

TEST(every_bound_cell_is_a_valid_value_of_its_column_for_the_decoders)
{
    cql_prepared *p = prepare_catalog();
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    cql_collection *li = cql_collection_new(CQL_COLLECTION_LIST);
    cql_collection *mp = cql_collection_new(CQL_COLLECTION_MAP);
    cql_collection *tp = cql_collection_new(CQL_COLLECTION_TUPLE);
    cql_collection *ud = cql_collection_new(CQL_COLLECTION_UDT);
    cql_collection *vf = cql_collection_new(CQL_COLLECTION_VECTOR);
    cql_collection *vt = cql_collection_new(CQL_COLLECTION_VECTOR);
    cql_collection *set = cql_collection_new(CQL_COLLECTION_SET);
    cql_collection *ml = cql_collection_new(CQL_COLLECTION_MAP);
    REQUIRE(st && li && mp && tp && ud && vf && vt && set && ml);
    CHECK_EQ_INT(cql_collection_add_int16(li, -3), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(mp, "k", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(mp, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int32(tp, 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(tp, "t", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_null(ud), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_int8(ud, 41), CQL_OK);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cql_collection_add_float(vf, (float)i), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(vt, "", 0), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(vt, "\xE2\x82\xAC", 3), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(set, "s", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_string(ml, "k", 1), CQL_OK);
    CHECK_EQ_INT(cql_collection_add_collection(ml, li), CQL_OK);
    cql_decimal_value dec = {(const uint8_t *)"\xFF", 1, -3};
    CHECK_EQ_INT(cql_statement_bind_int8(st, TI, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int16(st, SI, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, I, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int64(st, BI, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int64(st, CN, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, VI, -70000), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_timestamp(st, TS, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_time(st, TM, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_date(st, DT, 19000), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, A, "a", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, T, "t", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_bytes(st, B, NULL, 0), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_uuid(st, U, UUID_V4), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_uuid(st, TU, UUID_V1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_inet(st, IP, UUID_V4, 16), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_duration(st, DU, -1, -2, -3), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_decimal(st, DC, dec), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_bool(st, BO, false), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_float(st, F, 0.5f), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_double(st, D, 0.5), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, LI, li), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, MP, mp), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, TP, tp), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, UD, ud), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VF, vf), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, VT, vt), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, ST, set), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_collection(st, ML, ml), CQL_OK);
    for (size_t i = 0; i < MARKERS; i++) {
        cql_value v = cql_slot_value(st, i);
        cql_diag d = {0};
        CHECK(v.len >= 0);
        if (cql_value_validate(cql_prepared_param_type(p, i), v.ptr, v.len, NULL, &d) != CQL_OK) {
            fprintf(stderr, "  marker %zu: %s at %zu\n", i, d.what, d.offset);
            CHECK(false);
        }
    }
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_check(st, 5, &err), CQL_OK);
    cql_collection *all[] = {li, mp, tp, ud, vf, vt, set, ml};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cql_collection_free(all[i]);
    cql_statement_free(st);
    cql_prepared_free(p);
}

/* ------------------------------------------------------------------------ */
/* Addressing values, and mistakes                                           */
/* ------------------------------------------------------------------------ */

TEST(bad_indexes_names_and_null_pointers_say_what_is_wrong)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK(cql_statement_error(st) == NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 5, 1), CQL_E_ARG);
    CHECK(error_says(st, "bind marker 5 out of range: the statement has 2", NULL, NULL));
    CHECK_EQ_INT(cql_statement_error(st)->rc, CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "kk", 1), CQL_E_ARG);
    CHECK(error_says(st, "no bind marker named \"kk\" in \"INSERT INTO t (k, v) VALUES (?, ?)\"",
                     NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, NULL, 1), CQL_E_ARG);
    CHECK(error_says(st, "the name is NULL", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, NULL, 5), CQL_E_ARG);
    CHECK(error_says(st, "column \"v\" (bind marker 1)", "given a string with a NULL pointer and "
                     "length 5", NULL));
    CHECK_EQ_INT(cql_statement_bind_bytes(st, 1, NULL, 1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_uuid(st, 1, NULL), CQL_E_ARG);
    CHECK(error_says(st, "given a NULL uuid", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_inet(st, 1, NULL, 4), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_varint(st, 1, NULL, 4), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_collection(st, 0, NULL), CQL_E_ARG);
    CHECK(error_says(st, "column \"k\" (bind marker 0)", "given a NULL collection", NULL));
    /* a NULL statement is refused, not followed */
    CHECK_EQ_INT(cql_statement_bind_int32(NULL, 0, 1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_null_by_name(NULL, "k"), CQL_E_ARG);
    CHECK(cql_statement_error(NULL) == NULL);
    CHECK(cql_prepared_bind(NULL) == NULL);
    CHECK(cql_statement_new(NULL, 1) == NULL);
    cql_statement_free(NULL);

    /* long queries are quoted in part */
    cql_statement *simple = cql_statement_new("Q", 1);
    REQUIRE(simple != NULL);
    CHECK_EQ_INT(cql_statement_bind_null(simple, 1), CQL_E_ARG);
    CHECK(error_says(simple, "bind marker 1 out of range: the statement has 1", NULL, NULL));
    cql_statement_free(simple);
    const marker m[] = {{"x", OPT(0x00, 0x09)}};
    cql_prepared *longp = prepare(4,
                                  "SELECT a_rather_long_column_name, another_one FROM "
                                  "some_keyspace.some_table WHERE x = ?",
                                  m, 1);
    REQUIRE(longp != NULL);
    cql_statement *ls = cql_prepared_bind(longp);
    REQUIRE(ls != NULL);
    CHECK_EQ_INT(cql_statement_bind_null_by_name(ls, "y"), CQL_E_ARG);
    CHECK(error_says(ls, "no bind marker named \"y\" in \"SELECT a_rather_long_column_name, "
                         "another_one FROM some_keys...\"",
                     NULL, NULL));
    cql_statement_free(ls);
    cql_prepared_free(longp);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(names_fold_case_unless_quoted_and_repeated_names_bind_every_marker)
{
    const marker m[] = {{"x", OPT(0x00, 0x09)}, {"Y", OPT(0x00, 0x02)},
                               {"x", OPT(0x00, 0x02)}};
    cql_prepared *p = prepare(4, "SELECT * FROM t WHERE a = :x AND b = :\"Y\" AND c = :x", m, 3);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    /* :x is an int and a bigint: an int32 fits both, each encoded for its own */
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "X", 3), CQL_OK);
    CHECK(CELL_IS(st, 0, 0, 0, 0, 3));
    CHECK(CELL_IS(st, 2, 0, 0, 0, 0, 0, 0, 0, 3));
    /* an int64 fits only the second: nothing changes */
    CHECK_EQ_INT(cql_statement_bind_int64_by_name(st, "x", 4), CQL_E_TYPE);
    CHECK(error_says(st, "column \"x\" (bind marker 0) is int; given an int64", NULL, NULL));
    CHECK(CELL_IS(st, 2, 0, 0, 0, 0, 0, 0, 0, 3));
    CHECK_EQ_INT(cql_statement_bind_int64_by_name(st, "\"y\"", 4), CQL_E_ARG); /* quoted: exact */
    CHECK_EQ_INT(cql_statement_bind_int64_by_name(st, "\"Y\"", 4), CQL_OK);
    CHECK(CELL_IS(st, 1, 0, 0, 0, 0, 0, 0, 0, 4));
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(simple_statements_keep_positional_and_named_values_apart)
{
    cql_statement *st = cql_statement_new("Q", 2);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "a", 1), CQL_E_ARG);
    CHECK(error_says(st, "value \"a\": a value by name after values by position", NULL, NULL));
    cql_statement_free(st);

    st = cql_statement_new("Q", 2);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "a", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 1, 1), CQL_E_ARG);
    CHECK(error_says(st, "bind marker 1: a value by position after values by name", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "b", 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "c", 3), CQL_E_ARG);
    CHECK(error_says(st, "no room for a value named \"c\"", "2 values", NULL));
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(st, "", 3), CQL_E_ARG);
    CHECK(CELL_IS(st, 0, 0, 0, 0, 1));
    CHECK(CELL_IS(st, 1, 0, 0, 0, 2));
    cql_statement_free(st);

    /* a failed value by name keeps its slot, and the error names it */
    st = cql_statement_new("Q", 1);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_string_by_name(st, "s", "\xFF", 1), CQL_E_TYPE);
    CHECK(error_says(st, "bind marker 0 (\"s\"): given a string that is not valid UTF-8", NULL,
                     NULL));
    CHECK_EQ_INT(cql_statement_bind_string_by_name(st, "s", "ok", 2), CQL_OK);
    CHECK(cql_statement_error(st) == NULL);
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_OK);
    cql_error_clear(&err);
    cql_statement_free(st);
}

TEST(never_bound_values_and_unset)
{
    cql_prepared *p = prepare_kv(5);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_check(st, 5, &err), CQL_E_ARG);
    CHECK(message_says(&err, "bind marker 1 (\"v\") was never bound; bind null or unset explicitly",
                       NULL));
    CHECK_EQ_INT(err.pub.category, CQL_ERRCAT_CLIENT);
    cql_buf out = {0};
    cql_request_opts o = {.version = 5, .stream = 0};
    CHECK_EQ_INT(cql_statement_encode(st, &out, &o, &DEFAULTS), CQL_E_ARG);
    CHECK_EQ_INT(out.len, 0);
    /* explicit unset is fine in v4 and v5 */
    CHECK_EQ_INT(cql_statement_bind_unset_by_name(st, "v"), CQL_OK);
    CHECK_EQ_INT(cell_len(st, 1), CQL_UNSET);
    CHECK_EQ_INT(cql_statement_check(st, 5, &err), CQL_OK);
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_OK);
    CHECK_EQ_INT(cql_statement_check(st, 3, &err), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_null(st, 1), CQL_OK);
    CHECK_EQ_INT(cell_len(st, 1), CQL_NULL);
    cql_error_clear(&err);

    cql_statement *simple = cql_statement_new("Q", 3);
    REQUIRE(simple != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(simple, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(simple, 2, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_check(simple, 4, &err), CQL_E_ARG);
    CHECK(message_says(&err, "bind marker 1 was never bound", NULL));
    cql_error_clear(&err);
    cql_statement_free(simple);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(keyspace_needs_v5)
{
    cql_statement *st = cql_statement_new("SELECT * FROM t", 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_set_keyspace(st, "ks1"), CQL_OK);
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_E_ARG);
    CHECK(message_says(&err, "keyspace \"ks1\"", "protocol v4 cannot send"));
    cql_buf out = {0};
    cql_request_opts o4 = {.version = 4, .stream = 0}, o5 = {.version = 5, .stream = 0};
    CHECK_EQ_INT(cql_statement_encode(st, &out, &o4, &DEFAULTS), CQL_E_ARG);
    CHECK_EQ_INT(out.len, 0);
    CHECK_EQ_INT(cql_statement_check(st, 5, &err), CQL_OK);
    REQUIRE(cql_statement_encode(st, &out, &o5, &NO_TIMESTAMP) == CQL_OK);
    CHECK(BUF_IS(out, 0x05, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 30,
                 0x00, 0x00, 0x00, 0x0F, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '*', ' ', 'F', 'R', 'O',
                 'M', ' ', 't',
                 0x00, 0x01, 0x00, 0x00, 0x00, 0x80, /* ONE, Keyspace */
                 0x00, 0x03, 'k', 's', '1'));
    cql_buf_free(&out);
    /* a batch's keyspace too */
    cql_statement *batch = cql_batch_new(CQL_BATCH_LOGGED);
    REQUIRE(batch != NULL);
    CHECK_EQ_INT(cql_statement_set_keyspace(batch, "ks1"), CQL_OK);
    CHECK_EQ_INT(cql_statement_check(batch, 4, &err), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_check(batch, 5, &err), CQL_OK);
    cql_error_clear(&err);
    cql_statement_free(batch);
    cql_statement_free(st);
}

TEST(binding_errors_last_until_that_value_is_bound)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, "a", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 0, "x", 1), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 1, 1), CQL_E_TYPE);
    CHECK(error_says(st, "column \"v\"", NULL, NULL)); /* the newest */
    /* binding k mends k's error, not v's */
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 2), CQL_OK);
    CHECK(error_says(st, "column \"v\"", NULL, NULL));
    CHECK_EQ_INT(cql_statement_bind_string(st, 0, "again", 5), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_E_TYPE);
    CHECK(message_says(&err, "column \"k\"", "and 1 more binding error"));
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 3), CQL_OK);
    CHECK(error_says(st, "column \"v\"", NULL, NULL)); /* the older error shows again */
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_E_TYPE);
    CHECK_EQ_INT(cql_statement_bind_null(st, 1), CQL_OK);
    CHECK(cql_statement_error(st) == NULL);
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_OK);
    /* an error about no bind marker lasts: that value went nowhere */
    CHECK_EQ_INT(cql_statement_bind_int32(st, 7, 1), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 4), CQL_OK);
    CHECK(error_says(st, "bind marker 7 out of range", NULL, NULL));
    CHECK_EQ_INT(cql_statement_check(st, 4, &err), CQL_E_ARG);
    cql_error_clear(&err);
    cql_statement_free(st);
    cql_prepared_free(p);
}

TEST(an_over_long_query_makes_a_statement_that_cannot_be_sent)
{
    /* the text is not read: the length alone decides */
    size_t huge = (size_t)CQL_ENVELOPE_MAX_BODY + 1;
    cql_statement *st = cql_statement_new_n("x", huge, 0);
    REQUIRE(st != NULL);
    CHECK(error_says(st, "query text is 268435457 bytes; the limit is 268435456", NULL, NULL));
    CHECK_STR(cql_statement_query(st), "");
    cql_error_box err = {0};
    CHECK_EQ_INT(cql_statement_check(st, 5, &err), CQL_E_ARG);
    CHECK(message_says(&err, "query text is 268435457 bytes", NULL));
    cql_error_clear(&err);
    cql_statement *copy = cql_statement_clone(st);
    REQUIRE(copy != NULL);
    CHECK(error_says(copy, "query text is", NULL, NULL));
    cql_statement_free(copy);
    cql_statement_free(st);
    /* a text with a NUL inside is sent as it is */
    st = cql_statement_new_n("a\0b", 3, 0);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_query(st).len, 3);
    cql_statement_free(st);
}

/* ------------------------------------------------------------------------ */
/* Copies and storage                                                        */
/* ------------------------------------------------------------------------ */

TEST(clone_is_independent_of_the_original)
{
    cql_prepared *p = prepare_kv(4);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, "one", 3), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_consistency(st, CQL_CONSISTENCY_ALL), CQL_OK);
    CHECK_EQ_INT(cql_statement_add_payload(st, "k", (const uint8_t *)"v", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_paging_state(st, (const uint8_t *)"ps", 2), CQL_OK);
    cql_statement *copy = cql_statement_clone(st);
    REQUIRE(copy != NULL);
    cql_buf before = {0}, after = {0};
    cql_request_opts o = {.version = 4, .stream = 1};
    REQUIRE(cql_statement_encode(copy, &before, &o, &DEFAULTS) == CQL_OK);
    /* change everything in the original */
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 2), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, "two!", 4), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_consistency(st, CQL_CONSISTENCY_ONE), CQL_OK);
    CHECK_EQ_INT(cql_statement_add_payload(st, "k", (const uint8_t *)"w", 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_set_paging_state(st, NULL, 0), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 9, 1), CQL_E_ARG);
    REQUIRE(cql_statement_encode(copy, &after, &o, &DEFAULTS) == CQL_OK);
    CHECK(bytes_are(after.data, after.len, before.data, before.len));
    CHECK(cql_statement_error(copy) == NULL);
    CHECK(CELL_IS(copy, 1, 'o', 'n', 'e'));
    CHECK(cql_statement_prepared(copy) == p);
    cql_buf_free(&after);
    /* and the other way round: the copy changes, the original does not */
    cql_statement_free(st);
    CHECK_EQ_INT(cql_statement_bind_string(copy, 1, "three", 5), CQL_OK);
    CHECK(CELL_IS(copy, 1, 't', 'h', 'r', 'e', 'e'));
    cql_buf_free(&before);
    cql_statement_free(copy);
    cql_prepared_free(p); /* the copy's reference is gone with it: no leak */
}

TEST(clone_of_a_batch_and_of_a_named_simple_statement)
{
    cql_statement *simple = cql_statement_new("S", 1);
    cql_statement *named = cql_statement_new("N", 1);
    cql_statement *batch = cql_batch_new(CQL_BATCH_LOGGED);
    REQUIRE(simple && named && batch);
    CHECK_EQ_INT(cql_statement_bind_int32(simple, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(named, "n", 1), CQL_OK);
    CHECK_EQ_INT(cql_batch_add(batch, simple), CQL_OK);
    cql_statement *bcopy = cql_statement_clone(batch);
    cql_statement *ncopy = cql_statement_clone(named);
    REQUIRE(bcopy != NULL && ncopy != NULL);
    CHECK_EQ_INT(cql_batch_add(batch, simple), CQL_OK); /* the copy keeps one */
    cql_buf a = {0}, b = {0};
    cql_request_opts o = {.version = 4, .stream = 0};
    REQUIRE(cql_statement_encode(bcopy, &a, &o, &NO_TIMESTAMP) == CQL_OK);
    REQUIRE(cql_statement_encode(batch, &b, &o, &NO_TIMESTAMP) == CQL_OK);
    CHECK_EQ_INT(a.data[9 + 2], 1); /* entry count */
    CHECK_EQ_INT(b.data[9 + 2], 2);
    cql_buf_free(&a);
    REQUIRE(cql_statement_encode(ncopy, &a, &o, &NO_TIMESTAMP) == CQL_OK);
    CHECK_EQ_INT(a.data[9 + 5 + 2], 0x41); /* still named */
    CHECK_EQ_INT(cql_statement_bind_int32(ncopy, 0, 1), CQL_E_ARG); /* and still not positional */
    cql_buf_free(&a);
    cql_buf_free(&b);
    cql_statement_free(bcopy);
    cql_statement_free(ncopy);
    cql_statement_free(batch);
    cql_statement_free(named);
    cql_statement_free(simple);
    CHECK(cql_statement_clone(NULL) == NULL);
}

TEST(rebinding_in_a_loop_does_not_grow_the_statement)
{
    cql_statement *st = cql_statement_new("Q", 2);
    REQUIRE(st != NULL);
    char text[1000];
    memset(text, 'a', sizeof text);
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 7), CQL_OK);
    for (int i = 0; i < 2000; i++) {
        text[0] = (char)('a' + i % 26);
        if (cql_statement_bind_string(st, 1, text, sizeof text) != CQL_OK) {
            CHECK(false);
            break;
        }
    }
    CHECK(st->values.len < 4 * (sizeof text + 8) + 4096 * 2);
    CHECK_EQ_INT(cell_len(st, 1), (int32_t)sizeof text);
    CHECK_EQ_INT(cql_slot_value(st, 1).ptr[0], 'a' + 1999 % 26);
    CHECK(CELL_IS(st, 0, 0, 0, 0, 7)); /* survives every compaction */
    cql_statement_free(st);
}

TEST(a_prepared_statement_outlives_the_callers_reference_through_bound_ones)
{
    cql_prepared *p = prepare_kv(5);
    REQUIRE(p != NULL);
    cql_statement *st = cql_prepared_bind(p);
    REQUIRE(st != NULL);
    cql_prepared_free(p); /* the statement still holds one */
    CHECK_STR(cql_statement_query(st), "INSERT INTO t (k, v) VALUES (?, ?)");
    CHECK_EQ_INT(cql_statement_bind_int32(st, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(st, 1, "z", 1), CQL_OK);
    cql_buf out = {0};
    cql_request_opts o = {.version = 5, .stream = 0};
    CHECK_EQ_INT(cql_statement_encode(st, &out, &o, &DEFAULTS), CQL_OK);
    CHECK(out.len > 9);
    CHECK_EQ_INT(cql_statement_encode(st, NULL, &o, &DEFAULTS), CQL_E_ARG);
    CHECK_EQ_INT(cql_statement_encode(st, &out, NULL, &DEFAULTS), CQL_E_ARG);
    /* no defaults: nothing the session would fill in, consistency ANY */
    size_t before = out.len;
    CHECK_EQ_INT(cql_statement_encode(st, &out, &o, NULL), CQL_OK);
    CHECK_EQ_INT(out.len - before, before - 8); /* the same, less the 8-byte timestamp */
    cql_buf_free(&out);
    cql_statement_free(st);
}

int main(void)
{
    RUN(execute_v4_carries_values_consistency_and_the_session_timestamp);
    RUN(execute_v5_sends_the_result_metadata_id_page_size_and_keyspace);
    RUN(query_with_named_values_sends_names_in_binding_order);
    RUN(query_positional_values_go_by_their_own_tag);
    RUN(batch_mixes_simple_and_bound_statements);
    RUN(counter_batch_is_type_2_and_batches_refuse_what_they_cannot_carry);
    RUN(tracing_and_custom_payload_go_in_the_envelope);
    RUN(explicit_timestamp_and_paging_state_replace_the_defaults);
    RUN(options_refuse_values_out_of_range);
    RUN(integers_fit_their_own_and_wider_integer_columns);
    RUN(scalars_fit_their_own_columns_only);
    RUN(invalid_values_are_refused_whatever_the_column);
    RUN(strings_are_checked_for_ascii_and_utf8);
    RUN(bytes_fit_any_column_as_a_valid_value_of_it);
    RUN(list_and_set_elements_are_checked_one_by_one);
    RUN(maps_take_keys_and_values_in_turn);
    RUN(tuples_match_exactly_and_udts_may_stop_early);
    RUN(vectors_are_packed_or_length_prefixed_as_their_element_type_says);
    RUN(simple_statement_collections_go_by_their_own_tags);
    RUN(collections_copy_what_they_are_given);
    RUN(every_bound_cell_is_a_valid_value_of_its_column_for_the_decoders);
    RUN(bad_indexes_names_and_null_pointers_say_what_is_wrong);
    RUN(names_fold_case_unless_quoted_and_repeated_names_bind_every_marker);
    RUN(simple_statements_keep_positional_and_named_values_apart);
    RUN(never_bound_values_and_unset);
    RUN(keyspace_needs_v5);
    RUN(binding_errors_last_until_that_value_is_bound);
    RUN(an_over_long_query_makes_a_statement_that_cannot_be_sent);
    RUN(clone_is_independent_of_the_original);
    RUN(clone_of_a_batch_and_of_a_named_simple_statement);
    RUN(rebinding_in_a_loop_does_not_grow_the_statement);
    RUN(a_prepared_statement_outlives_the_callers_reference_through_bound_ones);
    return harness_done();
}
