/*
 * The session against the real node: connecting (every version and
 * compression, and each way connecting fails), statements simple, prepared
 * and batched, server errors with their fields, re-prepare, timeouts,
 * cancellation, 10,000 requests in flight, and the ledger back to zero
 * after each test. Sessions here run on a private loop thread (the blocking
 * layer), except the one test that drives a libuv loop itself.
 */
#define _POSIX_C_SOURCE 200809L
#include "cqlio.h"
#include "harness.h"
#include "client.h"
#include "proxy.h"
#include "proxied.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static const char *KS = "cqlio_session_test";

static void setup_keyspace(void)
{
    cql_session *s = open_session((cql_session_config){0});
    if (s == NULL)
        return;
    char q[256];
    snprintf(q, sizeof q,
             "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
             "{'class': 'SimpleStrategy', 'replication_factor': 1}",
             KS);
    query_ok(s, q);
    snprintf(q, sizeof q, "CREATE TABLE IF NOT EXISTS %s.kv (k int PRIMARY KEY, v text)", KS);
    query_ok(s, q);
    cql_session_free(s);
}

/* ---- connecting -------------------------------------------------------- */

static void check_connect(uint8_t version, bool compression)
{
    cql_session *s = open_session(
        (cql_session_config){.protocol_version = version, .no_compression = !compression});
    REQUIRE(s != NULL);
    CHECK_EQ_INT(cql_session_protocol_version(s), version ? version : 5);
    CQL_SCOPED(cql_statement) st =
        cql_statement_new("SELECT release_version FROM system.local", 0);
    CQL_SCOPED(cql_result) r = run(s, st);
    CHECK(r != NULL);
    if (r != NULL) {
        CHECK_EQ_INT(cql_result_row_count(r), 1);
        CHECK(cql_result_next(r));
        cql_str v = {0};
        CHECK_EQ_INT(cql_cell_string(cql_result_cell(r, 0), &v), CQL_OK);
        CHECK(v.len > 0 && v.ptr[0] == '5');
    }
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(connects_with_v5_and_lz4_by_default) { check_connect(0, true); }
TEST(connects_with_v5_forced_without_compression) { check_connect(5, false); }
TEST(connects_with_v4_forced_and_lz4) { check_connect(4, true); }
TEST(connects_with_v4_forced_without_compression) { check_connect(4, false); }

/* Connecting fails with category, rc and a message naming what. */
static void check_connect_fails(cql_session_config cfg, cql_rc rc, cql_error_category cat,
                                const char *words)
{
    char err[256];
    cql_session *s = NULL;
    REQUIRE(cql_session_new(&cfg, NULL, &s, err, sizeof err) == CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_connect(s);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), rc);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK_EQ_INT(e->category, cat);
        if (strstr(e->message, words) == NULL)
            fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", e->message, words);
        CHECK(strstr(e->message, words) != NULL);
    }
    /* A statement on a session that never connected fails, it does not hang. */
    CQL_SCOPED(cql_future) q = cql_session_query(s, "SELECT * FROM system.local");
    CHECK(cql_future_wait(q, WAIT_MS) != CQL_OK);
    cql_session_free(s);
}

TEST(connection_refused_is_a_network_error)
{
    /* Bind a port, then close it: nothing listens there now. */
    test_proxy *p = proxy_start(LISTEN_SILENT, NULL, 0);
    REQUIRE(p != NULL);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p->port);
    proxy_stop(p);
    check_connect_fails((cql_session_config){.contact_points = where}, CQL_E_NETWORK,
                        CQL_ERRCAT_NETWORK, "connection refused");
}

TEST(a_port_that_does_not_speak_cql_is_named)
{
    test_proxy *p = proxy_start(LISTEN_GARBAGE, NULL, 0);
    REQUIRE(p != NULL);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p->port);
    check_connect_fails((cql_session_config){.contact_points = where}, CQL_E_PROTOCOL,
                        CQL_ERRCAT_NETWORK, "is this a CQL native port?");
    proxy_stop(p);
}

TEST(a_silent_server_times_out_the_connect)
{
    test_proxy *p = proxy_start(LISTEN_SILENT, NULL, 0);
    REQUIRE(p != NULL);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p->port);
    check_connect_fails((cql_session_config){.contact_points = where, .connect_timeout_ms = 300},
                        CQL_E_TIMEOUT, CQL_ERRCAT_TIMEOUT, where);
    proxy_stop(p);
}

TEST(a_server_closing_during_the_handshake_is_named)
{
    test_proxy *p = proxy_start(LISTEN_CLOSE, NULL, 0);
    REQUIRE(p != NULL);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p->port);
    check_connect_fails((cql_session_config){.contact_points = where}, CQL_E_NETWORK,
                        CQL_ERRCAT_NETWORK, "during the handshake");
    proxy_stop(p);
}

TEST(every_host_that_failed_is_listed_with_its_error)
{
    /* A name that does not resolve, a closed port and a server that closes
     * during the handshake: three failures, in that order. */
    test_proxy *gone = proxy_start(LISTEN_SILENT, NULL, 0);
    REQUIRE(gone != NULL);
    test_proxy *closing = proxy_start(LISTEN_CLOSE, NULL, 0);
    REQUIRE(closing != NULL);
    char where[128], first[32], second[32];
    snprintf(first, sizeof first, "127.0.0.1:%u", (unsigned)gone->port);
    snprintf(second, sizeof second, "127.0.0.1:%u", (unsigned)closing->port);
    snprintf(where, sizeof where, "no-such-host.invalid,%s,%s", first, second);
    proxy_stop(gone);
    char err[256];
    CQL_SCOPED(cql_session) s = NULL;
    REQUIRE(cql_session_new(&(cql_session_config){.contact_points = where}, NULL, &s, err,
                            sizeof err) == CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_connect(s);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_NETWORK);
    REQUIRE(cql_session_connect_failure_count(s) == 3);
    const cql_error *name = cql_session_connect_failure(s, 0);
    const cql_error *a = cql_session_connect_failure(s, 1), *b = cql_session_connect_failure(s, 2);
    CHECK(strcmp(name->host, "no-such-host.invalid") == 0 && strstr(name->message, "resolving"));
    CHECK(strcmp(a->host, first) == 0 && strstr(a->message, "connection refused") != NULL);
    CHECK(strcmp(b->host, second) == 0 && strstr(b->message, "during the handshake") != NULL);
    CHECK(cql_session_connect_failure(s, 3) == NULL);
    /* the future's error is the last host's */
    CHECK(strcmp(cql_future_error(f)->message, b->message) == 0);
    CHECK(ledger_settles(s));
    proxy_stop(closing);
}

TEST(a_connect_that_succeeds_lists_no_failure)
{
    char err[256];
    CQL_SCOPED(cql_session) s = NULL;
    REQUIRE(cql_session_new(&(cql_session_config){.contact_points = node_host()}, NULL, &s, err,
                            sizeof err) == CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_connect(s);
    REQUIRE(cql_future_wait(f, WAIT_MS) == CQL_OK);
    CHECK(cql_session_connect_failure_count(s) == 0 && cql_session_connect_failure(s, 0) == NULL);
    CHECK(ledger_settles(s));
}

TEST(requests_fail_at_once_when_every_host_is_down)
{
    proxied p = open_proxied((cql_session_config){.request_timeout_ms = 60000});
    REQUIRE(p.session != NULL);
    CQL_SCOPED(cql_future) ok = cql_session_query(p.session, "SELECT key FROM system.local");
    REQUIRE(cql_future_wait(ok, WAIT_MS) == CQL_OK);
    proxy_stop(p.proxy); /* its connections close, and it refuses new ones */
    uint64_t until = mono_ms() + WAIT_MS;
    cql_resources r;
    do
        cql_session_resources(p.session, &r);
    while (r.connections > 0 && mono_ms() < until);
    /* Not at the 60 s request timeout (the wait would time out first): now,
     * naming the host and why it went down. */
    CQL_SCOPED(cql_future) f = cql_session_query(p.session, "SELECT key FROM system.local");
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_NO_HOST);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL && e->category == CQL_ERRCAT_NETWORK && strstr(e->message, " is down (") != NULL);
    if (e != NULL)
        fprintf(stderr, "  (%s)\n", e->message);
    CHECK(ledger_settles(p.session));
    cql_session_free(p.session);
}

/* A prepared SELECT * keeps reading its rows right after the table gains a
 * column: v5 EXECUTEs skip the result metadata, so the statement must take
 * the server's Metadata_changed columns as its own (v4 gets them every time). */
static void check_columns_follow_the_schema(uint8_t version)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS, .protocol_version = version});
    REQUIRE(s != NULL);
    char table[32], q[128];
    snprintf(table, sizeof table, "grows_v%u", (unsigned)version);
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS %s", table);
    CHECK(query_ok(s, q));
    snprintf(q, sizeof q, "CREATE TABLE %s (k int PRIMARY KEY, a int)", table);
    CHECK(query_ok(s, q));
    snprintf(q, sizeof q, "INSERT INTO %s (k, a) VALUES (1, 10)", table);
    CHECK(query_ok(s, q));
    snprintf(q, sizeof q, "SELECT * FROM %s WHERE k = ?", table);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, q);
    REQUIRE(cql_future_wait(pf, WAIT_MS) == CQL_OK);
    CQL_SCOPED(cql_prepared) sel = cql_future_take_prepared(pf);
    for (int round = 0; round < 4; round++) {
        if (round == 1) {
            snprintf(q, sizeof q, "ALTER TABLE %s ADD b text", table);
            CHECK(query_ok(s, q));
            snprintf(q, sizeof q, "INSERT INTO %s (k, a, b) VALUES (1, 10, 'new')", table);
            CHECK(query_ok(s, q));
        }
        CQL_SCOPED(cql_statement) bound = cql_prepared_bind(sel);
        cql_statement_bind_int32(bound, 0, 1);
        CQL_SCOPED(cql_result) r = run(s, bound);
        REQUIRE(r != NULL && cql_result_next(r));
        CHECK_EQ_INT(cql_result_column_count(r), round == 0 ? 2 : 3);
        int32_t a = 0;
        CHECK_EQ_INT(cql_cell_int32(cql_result_cell_by_name(r, "a"), &a), CQL_OK);
        CHECK_EQ_INT(a, 10);
        if (round > 0) {
            cql_str b = {0};
            CHECK_EQ_INT(cql_cell_string(cql_result_cell_by_name(r, "b"), &b), CQL_OK);
            CHECK_STR(b, "new");
            /* v5: from then on, the statement's own metadata has b */
            if (version == 5)
                CHECK_EQ_INT(cql_metadata_column_count(cql_prepared_result_metadata(sel)), 3);
        }
        if (round != 1) { /* v5 pages come without their columns, except right after the change */
            const cql_metadata *m = cql_response_result_metadata(cql_result_response(r));
            CHECK(cql_metadata_no_metadata(m) == (version == 5));
        }
    }
    snprintf(q, sizeof q, "DROP TABLE %s", table);
    CHECK(query_ok(s, q));
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

/* A page computed before a schema change and read after the statement took
 * the new columns (from another session's answer) is read with the columns
 * its request carried the id of, not the newest. */
TEST(a_late_page_is_read_with_the_columns_its_request_carried)
{
    cql_session *direct = open_session((cql_session_config){.keyspace = KS, .protocol_version = 5});
    REQUIRE(direct != NULL);
    CHECK(query_ok(direct, "DROP TABLE IF EXISTS late_cols"));
    CHECK(query_ok(direct, "CREATE TABLE late_cols (k int PRIMARY KEY, a int, b int)"));
    CHECK(query_ok(direct, "INSERT INTO late_cols (k, a, b) VALUES (1, 10, 1684234849)"));
    proxied p = open_proxied((cql_session_config){.keyspace = KS, .protocol_version = 5});
    REQUIRE(p.session != NULL);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(p.session, "SELECT * FROM late_cols WHERE k = ?");
    REQUIRE(cql_future_wait(pf, WAIT_MS) == CQL_OK);
    CQL_SCOPED(cql_prepared) sel = cql_future_take_prepared(pf);

    proxy_hold(p.proxy, true);
    CQL_SCOPED(cql_statement) first = cql_prepared_bind(sel);
    cql_statement_bind_int32(first, 0, 1);
    CQL_SCOPED(cql_future) held = cql_session_execute(p.session, first);
    uint64_t until = mono_ms() + WAIT_MS;
    while (proxy_held_bytes(p.proxy) == 0 && mono_ms() < until)
        cql_future_wait(held, 2); /* (polling the proxy: the answer waits there) */
    REQUIRE(proxy_held_bytes(p.proxy) > 0); /* computed by the server, not yet read */

    CHECK(query_ok(direct, "ALTER TABLE late_cols DROP b"));
    CHECK(query_ok(direct, "ALTER TABLE late_cols ADD c text"));
    CQL_SCOPED(cql_statement) second = cql_prepared_bind(sel);
    cql_statement_bind_int32(second, 0, 1);
    cql_result_free(run(direct, second)); /* it learns the new columns */
    const cql_metadata *now = cql_prepared_result_metadata(sel);
    CHECK_EQ_INT(cql_metadata_column_count(now), 3);
    CHECK_STR(cql_metadata_column_name(now, 2), "c");

    proxy_hold(p.proxy, false);
    REQUIRE(cql_future_wait(held, WAIT_MS) == CQL_OK);
    CQL_SCOPED(cql_result) r = cql_future_take_result(held);
    REQUIRE(r != NULL && cql_result_next(r));
    CHECK_STR(cql_result_column_name(r, 2), "b");
    int32_t b = 0;
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 2), &b), CQL_OK);
    CHECK_EQ_INT(b, 1684234849);
    close_proxied(p);
    CHECK(query_ok(direct, "DROP TABLE late_cols"));
    cql_session_free(direct);
}

TEST(prepared_rows_follow_a_schema_change_v5) { check_columns_follow_the_schema(5); }
TEST(prepared_rows_follow_a_schema_change_v4) { check_columns_follow_the_schema(4); }

TEST(an_unknown_host_name_is_named)
{
    check_connect_fails((cql_session_config){.contact_points = "no-such-host.invalid"},
                        CQL_E_NETWORK, CQL_ERRCAT_NETWORK, "no-such-host.invalid");
}

TEST(an_unknown_keyspace_fails_the_connect_with_the_server_error)
{
    check_connect_fails(
        (cql_session_config){.contact_points = node_host(), .keyspace = "no_such_keyspace_x"},
        CQL_E_SERVER, CQL_ERRCAT_SERVER, "no_such_keyspace_x");
}

TEST(a_refused_handshake_keeps_the_server_code)
{
    char err[256];
    cql_session *s = NULL;
    cql_session_config cfg = {.contact_points = node_host(), .keyspace = "no_such_keyspace_y"};
    REQUIRE(cql_session_new(&cfg, NULL, &s, err, sizeof err) == CQL_OK);
    CQL_SCOPED(cql_future) f = cql_session_connect(s);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_SERVER);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL && e->server != NULL);
    if (e != NULL && e->server != NULL) {
        CHECK_EQ_INT(e->server->code, CQL_ERROR_INVALID);
        CHECK(e->server->message.len > 0);
    }
    cql_session_free(s);
}

TEST(a_bad_config_is_refused_at_creation)
{
    char err[256];
    cql_session *s = (cql_session *)1;
    CHECK_EQ_INT(cql_session_new(&(cql_session_config){0}, NULL, &s, err, sizeof err),
                 CQL_E_ARG);
    CHECK(s == NULL);
    CHECK(strstr(err, "contact") != NULL);
    CHECK_EQ_INT(cql_session_new(&(cql_session_config){.contact_points = "h:99999"}, NULL, &s,
                                 err, sizeof err),
                 CQL_E_ARG);
    CHECK(strstr(err, "port") != NULL);
    CHECK_EQ_INT(cql_session_new(&(cql_session_config){.contact_points = "h", .protocol_version = 3},
                                 NULL, &s, err, sizeof err),
                 CQL_E_ARG);
    CHECK(strstr(err, "protocol_version") != NULL);
}

/* ---- statements -------------------------------------------------------- */

TEST(simple_prepared_and_batched_statements_round_trip)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) ins = cql_statement_new("INSERT INTO kv (k, v) VALUES (?, ?)", 2);
    CHECK_EQ_INT(cql_statement_bind_int32(ins, 0, 1), CQL_OK);
    CHECK_EQ_INT(cql_statement_bind_string(ins, 1, "one", 3), CQL_OK);
    cql_result_free(run(s, ins));

    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, "SELECT v FROM kv WHERE k = ?");
    CHECK_EQ_INT(cql_future_wait(pf, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) sel = cql_future_take_prepared(pf);
    REQUIRE(sel != NULL);
    CHECK_EQ_INT(cql_prepared_param_count(sel), 1);
    CHECK_STR(cql_prepared_param_name(sel, 0), "k");

    /* A second prepare of the same text is served from the cache. */
    cql_resources before;
    cql_session_resources(s, &before);
    CQL_SCOPED(cql_future) pf2 = cql_session_prepare(s, "SELECT v FROM kv WHERE k = ?");
    CHECK(cql_future_done(pf2));
    CQL_SCOPED(cql_prepared) sel2 = cql_future_take_prepared(pf2);
    CHECK(sel2 == sel);

    CQL_SCOPED(cql_statement) bound = cql_prepared_bind(sel);
    CHECK_EQ_INT(cql_statement_bind_int32_by_name(bound, "k", 1), CQL_OK);
    CQL_SCOPED(cql_result) r = run(s, bound);
    REQUIRE(r != NULL);
    CHECK(cql_result_next(r));
    cql_str v = {0};
    CHECK_EQ_INT(cql_cell_string(cql_result_cell_by_name(r, "v"), &v), CQL_OK);
    CHECK_STR(v, "one");

    /* A logged batch of a simple and a bound statement. */
    CQL_SCOPED(cql_future) pi = cql_session_prepare(s, "INSERT INTO kv (k, v) VALUES (?, ?)");
    CHECK_EQ_INT(cql_future_wait(pi, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) insp = cql_future_take_prepared(pi);
    REQUIRE(insp != NULL);
    CQL_SCOPED(cql_statement) batch = cql_batch_new(CQL_BATCH_LOGGED);
    CQL_SCOPED(cql_statement) b1 = cql_statement_new("INSERT INTO kv (k, v) VALUES (2, 'two')", 0);
    CQL_SCOPED(cql_statement) b2 = cql_prepared_bind(insp);
    cql_statement_bind_int32(b2, 0, 3);
    cql_statement_bind_string(b2, 1, "three", 5);
    CHECK_EQ_INT(cql_batch_add(batch, b1), CQL_OK);
    CHECK_EQ_INT(cql_batch_add(batch, b2), CQL_OK);
    cql_result_free(run(s, batch));
    CQL_SCOPED(cql_statement) count = cql_statement_new("SELECT k FROM kv WHERE k IN (2, 3)", 0);
    CQL_SCOPED(cql_result) rc = run(s, count);
    CHECK(rc != NULL && cql_result_row_count(rc) == 2);

    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_wrong_value_type_fails_before_sending_and_names_the_column)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, "SELECT v FROM kv WHERE k = ?");
    CHECK_EQ_INT(cql_future_wait(pf, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) p = cql_future_take_prepared(pf);
    REQUIRE(p != NULL);
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(p);
    CHECK_EQ_INT(cql_statement_bind_string(st, 0, "x", 1), CQL_E_TYPE);
    const cql_error *be = cql_statement_error(st);
    CHECK(be != NULL && strstr(be->message, "\"k\"") && strstr(be->message, "int"));
    /* Never bound: executing it fails at once, nothing reaches the server. */
    CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
    CHECK(cql_future_wait(f, WAIT_MS) != CQL_OK);
    CHECK(cql_future_error(f) != NULL && cql_future_error(f)->category == CQL_ERRCAT_CLIENT);
    CQL_SCOPED(cql_future) fn = cql_session_execute(s, NULL);
    CHECK_EQ_INT(cql_future_wait(fn, WAIT_MS), CQL_E_ARG);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

/* ---- server errors ----------------------------------------------------- */

static const cql_error *expect_server_error(cql_future *f, int32_t code)
{
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_SERVER);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL && e->category == CQL_ERRCAT_SERVER && e->server != NULL);
    if (e == NULL || e->server == NULL)
        return NULL;
    CHECK_EQ_INT(e->server->code, code);
    CHECK(strstr(e->message, cql_error_code_str(code)) != NULL);
    CHECK(strstr(e->message, node_host()) != NULL);
    return e;
}

TEST(server_errors_keep_their_code_and_fields)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_future) syn = cql_session_query(s, "SELEKT nonsense");
    expect_server_error(syn, CQL_ERROR_SYNTAX);
    CQL_SCOPED(cql_future) inv = cql_session_query(s, "SELECT * FROM no_such_table_here");
    expect_server_error(inv, CQL_ERROR_INVALID);
    char q[256];
    snprintf(q, sizeof q,
             "CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', "
             "'replication_factor': 1}",
             KS);
    CQL_SCOPED(cql_future) ae = cql_session_query(s, q);
    const cql_error *e = expect_server_error(ae, CQL_ERROR_ALREADY_EXISTS);
    if (e != NULL) {
        CHECK_STR(e->server->keyspace, KS);
        CHECK_EQ_INT(e->server->table.len, 0);
    }
    CQL_SCOPED(cql_future) at = cql_session_query(s, "CREATE TABLE kv (k int PRIMARY KEY)");
    e = expect_server_error(at, CQL_ERROR_ALREADY_EXISTS);
    if (e != NULL)
        CHECK_STR(e->server->table, "kv");
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_forgotten_prepared_statement_is_prepared_again)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    REQUIRE(query_ok(s, "CREATE TABLE IF NOT EXISTS reprep (k int PRIMARY KEY, v int)"));
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, "SELECT v FROM reprep WHERE k = ?");
    CHECK_EQ_INT(cql_future_wait(pf, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) p = cql_future_take_prepared(pf);
    REQUIRE(p != NULL);
    /* Dropping the table makes the node forget every statement on it. */
    REQUIRE(query_ok(s, "DROP TABLE reprep"));
    REQUIRE(query_ok(s, "CREATE TABLE reprep (k int PRIMARY KEY, v int)"));
    REQUIRE(query_ok(s, "INSERT INTO reprep (k, v) VALUES (7, 49)"));
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(p);
    cql_statement_bind_int32(st, 0, 7);
    CQL_SCOPED(cql_result) r = run(s, st);
    CHECK(r != NULL);
    int32_t v = 0;
    if (r != NULL && cql_result_next(r))
        CHECK_EQ_INT(cql_cell_int32(cql_result_cell(r, 0), &v), CQL_OK);
    CHECK_EQ_INT(v, 49);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_batch_of_forgotten_statements_is_prepared_again)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    REQUIRE(query_ok(s, "CREATE TABLE IF NOT EXISTS reprep_batch (k int PRIMARY KEY, v int)"));
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, "INSERT INTO reprep_batch (k, v) VALUES (?, ?)");
    CHECK_EQ_INT(cql_future_wait(pf, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) p = cql_future_take_prepared(pf);
    REQUIRE(p != NULL);
    REQUIRE(query_ok(s, "DROP TABLE reprep_batch"));
    REQUIRE(query_ok(s, "CREATE TABLE reprep_batch (k int PRIMARY KEY, v int)"));
    CQL_SCOPED(cql_statement) batch = cql_batch_new(CQL_BATCH_UNLOGGED);
    for (int32_t k = 0; k < 3; k++) {
        CQL_SCOPED(cql_statement) b = cql_prepared_bind(p);
        cql_statement_bind_int32(b, 0, k);
        cql_statement_bind_int32(b, 1, k * k);
        CHECK_EQ_INT(cql_batch_add(batch, b), CQL_OK);
    }
    CQL_SCOPED(cql_result) r = run(s, batch);
    CHECK(r != NULL);
    CQL_SCOPED(cql_statement) count = cql_statement_new("SELECT k FROM reprep_batch", 0);
    CQL_SCOPED(cql_result) rows = run(s, count);
    CHECK(rows != NULL && cql_result_row_count(rows) == 3);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(warnings_and_the_tracing_id_come_with_the_result)
{
    cql_session *s = open_session((cql_session_config){.keyspace = KS});
    REQUIRE(s != NULL);
    /* An unlogged batch over more partitions than the server likes warns. */
    CQL_SCOPED(cql_statement) batch = cql_batch_new(CQL_BATCH_UNLOGGED);
    for (int32_t k = 100; k < 140; k++) {
        CQL_SCOPED(cql_statement) b = cql_statement_new("INSERT INTO kv (k, v) VALUES (?, 'w')", 1);
        cql_statement_bind_int32(b, 0, k);
        cql_batch_add(batch, b);
    }
    CQL_SCOPED(cql_result) r = run(s, batch);
    REQUIRE(r != NULL);
    const cql_response *resp = cql_result_response(r);
    CHECK(cql_response_warning_count(resp) > 0);
    if (cql_response_warning_count(resp) > 0)
        CHECK(cql_response_warning(resp, 0).len > 0);
    /* Tracing asked for: the answer carries the session id of the trace. */
    CQL_SCOPED(cql_statement) traced = cql_statement_new("SELECT v FROM kv WHERE k = 100", 0);
    cql_statement_set_tracing(traced, true);
    CQL_SCOPED(cql_result) tr = run(s, traced);
    REQUIRE(tr != NULL);
    uint8_t id[16] = {0}, zero[16] = {0};
    CHECK(cql_response_tracing_id(cql_result_response(tr), id));
    CHECK(memcmp(id, zero, 16) != 0);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_pool_grows_when_every_stream_id_is_taken)
{
    /* Answers held at the proxy, so the first connection's 32768 ids are all
     * taken however fast the server is, and the rest must wait for more. */
    proxied p = open_proxied((cql_session_config){
        .keyspace = KS, .max_connections_per_host = 3, .request_timeout_ms = 60000});
    REQUIRE(p.session != NULL);
    proxy_hold(p.proxy, true);
    enum { N = 40000 }; /* more than one connection's 32768 ids */
    cql_future **fs = calloc(N, sizeof *fs);
    REQUIRE(fs != NULL);
    CQL_SCOPED(cql_statement) st = cql_statement_new("SELECT v FROM kv WHERE k = 1", 0);
    for (int i = 0; i < N; i++)
        fs[i] = cql_session_execute(p.session, st);
    uint64_t until = mono_ms() + WAIT_MS;
    cql_resources r;
    do
        cql_session_resources(p.session, &r);
    while (r.connections < 2 && mono_ms() < until);
    CHECK(r.connections >= 2 && r.connections <= 3);
    proxy_hold(p.proxy, false);
    int failed = 0;
    for (int i = 0; i < N; i++) {
        if (cql_future_wait(fs[i], 90000) != CQL_OK && failed++ < 3)
            fprintf(stderr, "  %s\n", cql_future_error(fs[i]) ? cql_future_error(fs[i])->message : "?");
        cql_future_free(fs[i]);
    }
    free(fs);
    CHECK(failed * 100 < N);
    cql_session_resources(p.session, &r);
    CHECK(r.connections <= 3);
    close_proxied(p);
}

TEST(use_is_refused_with_what_to_do_instead)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_future) f = cql_session_query(s, "  use system");
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_ARG);
    CHECK(cql_future_error(f) && strstr(cql_future_error(f)->message, "config.keyspace"));
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

/* ---- time, cancellation, load ------------------------------------------ */

/* A proxied session whose server answers are held until released. */
static proxied open_held(void)
{
    proxied p = open_proxied((cql_session_config){0});
    if (p.session != NULL)
        proxy_hold(p.proxy, true);
    return p;
}

TEST(a_slow_answer_times_out_and_its_id_waits_for_the_late_answer)
{
    proxied held = open_held();
    REQUIRE(held.session != NULL);
    cql_session *s = held.session;
    CQL_SCOPED(cql_statement) st = cql_statement_new("SELECT * FROM system.local", 0);
    cql_statement_set_timeout(st, 200);
    CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_TIMEOUT);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL && e->category == CQL_ERRCAT_TIMEOUT && strstr(e->message, "200 ms"));
    cql_resources r;
    cql_session_resources(s, &r);
    CHECK_EQ_INT(r.reserved_streams, 1);
    CHECK_EQ_INT(r.in_flight, 0);
    close_proxied(held);
}

/* Set on the loop thread, read by the test's thread. */
static _Atomic int callbacks_fired;
static _Atomic cql_rc callback_rc;

/* Callbacks run on the loop thread: wait (with a deadline) for n of them. */
static bool callbacks_reach(int n)
{
    uint64_t until = mono_ms() + WAIT_MS;
    while (callbacks_fired < n && mono_ms() < until) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    return callbacks_fired == n;
}
static void count_callback(cql_future *f, void *arg)
{
    (void)arg;
    callbacks_fired++;
    const cql_error *e = cql_future_error(f);
    callback_rc = e ? e->rc : CQL_OK;
}

TEST(a_cancelled_request_completes_at_once_and_its_id_is_freed_later)
{
    proxied held = open_held();
    REQUIRE(held.session != NULL);
    cql_session *s = held.session;
    callbacks_fired = 0;
    cql_future *f = cql_session_query(s, "SELECT * FROM system.local");
    CHECK_EQ_INT(cql_future_then(f, count_callback, NULL), CQL_OK);
    /* Wait until it is on the wire (in flight), then cancel. */
    CHECK(wait_in_flight(s));
    cql_resources r;
    cql_future_cancel(f);
    CHECK(cql_future_done(f));
    CHECK_EQ_INT(cql_future_error(f)->rc, CQL_E_CANCELLED);
    CHECK(callbacks_reach(1)); /* on the loop thread, soon after */
    CHECK_EQ_INT(callback_rc, CQL_E_CANCELLED);
    cql_future_cancel(f); /* again: nothing happens */
    CHECK(cql_future_done(f));
    CHECK_EQ_INT(callbacks_fired, 1);
    cql_future_free(f);
    cql_session_resources(s, &r);
    CHECK_EQ_INT(r.reserved_streams, 1);
    close_proxied(held);
}

TEST(a_lost_connection_fails_what_was_in_flight)
{
    proxied held = open_held();
    REQUIRE(held.session != NULL);
    cql_session *s = held.session;
    CQL_SCOPED(cql_future) f = cql_session_query(s, "SELECT * FROM system.local");
    CHECK(wait_in_flight(s));
    proxy_cut(held.proxy);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_NETWORK);
    const cql_error *e = cql_future_error(f);
    CHECK(e != NULL && strstr(e->message, "not retried") != NULL);
    close_proxied(held);
}

TEST(ten_thousand_requests_in_flight_on_one_connection)
{
    /* A node that has just started compiles as it goes: give it time. */
    cql_session *s = open_session((cql_session_config){.keyspace = KS, .request_timeout_ms = 60000});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, "SELECT v FROM kv WHERE k = ?");
    CHECK_EQ_INT(cql_future_wait(pf, WAIT_MS), CQL_OK);
    CQL_SCOPED(cql_prepared) p = cql_future_take_prepared(pf);
    REQUIRE(p != NULL);
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(p);
    enum { N = 10000 };
    cql_future **fs = calloc(N, sizeof *fs);
    REQUIRE(fs != NULL);
    for (int i = 0; i < N; i++) {
        cql_statement_bind_int32(st, 0, i % 4);
        fs[i] = cql_session_execute(s, st);
    }
    int ok = 0, failed = 0;
    for (int i = 0; i < N; i++) {
        cql_rc rc = cql_future_wait(fs[i], 90000);
        if (rc == CQL_OK)
            ok++;
        else if (failed++ < 3)
            fprintf(stderr, "  request %d: %s\n", i,
                    cql_future_error(fs[i]) ? cql_future_error(fs[i])->message : cql_rc_str(rc));
        cql_future_free(fs[i]);
    }
    free(fs);
    CHECK(failed * 100 < N); /* a node just started may shed a few */
    CHECK(ok + failed == N);
    cql_resources r;
    cql_session_resources(s, &r);
    CHECK_EQ_INT(r.connections, 1);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(closing_the_session_fails_what_is_pending)
{
    proxied held = open_held();
    REQUIRE(held.session != NULL);
    cql_session *s = held.session;
    callbacks_fired = 0;
    CQL_SCOPED(cql_future) f = cql_session_query(s, "SELECT * FROM system.local");
    cql_future_then(f, count_callback, NULL);
    cql_session_free(s);
    CHECK(cql_future_done(f));
    CHECK_EQ_INT(callbacks_fired, 1);
    CHECK_EQ_INT(callback_rc, CQL_E_CLOSED);
    proxy_stop(held.proxy);
}

/* ---- the caller's own libuv loop --------------------------------------- */

typedef struct uv_run_state {
    cql_session *session;
    cql_future *query;
    int done;
    int rows;
} uv_run_state;

static void uv_query_done(cql_future *f, void *arg)
{
    uv_run_state *st = arg;
    cql_result *r = cql_future_take_result(f);
    st->rows = r ? (int)cql_result_row_count(r) : -1;
    cql_result_free(r);
    st->done++;
}

static void uv_connected(cql_future *f, void *arg)
{
    uv_run_state *st = arg;
    if (cql_future_error(f) != NULL) {
        st->done = -1;
        return;
    }
    st->query = cql_session_query(st->session, "SELECT * FROM system.local");
    cql_future_then(st->query, uv_query_done, st);
}

TEST(runs_on_the_callers_libuv_loop)
{
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    cql_loop adapter;
    REQUIRE(cql_loop_uv(&loop, &adapter) == CQL_OK);
    uv_run_state st = {0};
    char err[256];
    REQUIRE(cql_session_new(&(cql_session_config){.contact_points = node_host()}, &adapter,
                            &st.session, err, sizeof err) == CQL_OK);
    cql_future *c = cql_session_connect(st.session);
    cql_future_then(c, uv_connected, &st);
    /* Waiting from the loop's own thread would never end: refused. */
    CHECK(cql_future_done(c) || cql_future_wait(c, 10) == CQL_E_ARG);
    uint64_t until = mono_ms() + WAIT_MS;
    while (st.done == 0 && mono_ms() < until)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_EQ_INT(st.done, 1);
    CHECK_EQ_INT(st.rows, 1);
    cql_future_free(st.query);
    cql_future_free(c);
    CHECK(ledger_settles(st.session));
    cql_session_free(st.session);
    uv_run(&loop, UV_RUN_DEFAULT); /* the adapter's handles close */
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

int main(void)
{
    setup_keyspace();
    RUN(connects_with_v5_and_lz4_by_default);
    RUN(connects_with_v5_forced_without_compression);
    RUN(connects_with_v4_forced_and_lz4);
    RUN(connects_with_v4_forced_without_compression);
    RUN(connection_refused_is_a_network_error);
    RUN(a_port_that_does_not_speak_cql_is_named);
    RUN(a_silent_server_times_out_the_connect);
    RUN(a_server_closing_during_the_handshake_is_named);
    RUN(an_unknown_host_name_is_named);
    RUN(an_unknown_keyspace_fails_the_connect_with_the_server_error);
    RUN(a_refused_handshake_keeps_the_server_code);
    RUN(every_host_that_failed_is_listed_with_its_error);
    RUN(requests_fail_at_once_when_every_host_is_down);
    RUN(prepared_rows_follow_a_schema_change_v5);
    RUN(prepared_rows_follow_a_schema_change_v4);
    RUN(a_late_page_is_read_with_the_columns_its_request_carried);
    RUN(a_connect_that_succeeds_lists_no_failure);
    RUN(a_bad_config_is_refused_at_creation);
    RUN(simple_prepared_and_batched_statements_round_trip);
    RUN(a_wrong_value_type_fails_before_sending_and_names_the_column);
    RUN(server_errors_keep_their_code_and_fields);
    RUN(a_forgotten_prepared_statement_is_prepared_again);
    RUN(a_batch_of_forgotten_statements_is_prepared_again);
    RUN(use_is_refused_with_what_to_do_instead);
    RUN(warnings_and_the_tracing_id_come_with_the_result);
    RUN(a_pool_grows_when_every_stream_id_is_taken);
    RUN(a_slow_answer_times_out_and_its_id_waits_for_the_late_answer);
    RUN(a_cancelled_request_completes_at_once_and_its_id_is_freed_later);
    RUN(a_lost_connection_fails_what_was_in_flight);
    RUN(ten_thousand_requests_in_flight_on_one_connection);
    RUN(closing_the_session_fails_what_is_pending);
    RUN(runs_on_the_callers_libuv_loop);
    return harness_done();
}
