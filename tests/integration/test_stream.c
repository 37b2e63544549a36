/*
 * Streams against the real node: every way out of a stream — the end, an
 * error from the row callback, a break after the first row, a close while a
 * page is in flight, a per-page timeout, the whole deadline, a forgotten
 * close with the session closed instead, the connection cut mid-stream —
 * leaves the ledger at zero (and LeakSanitizer silent in the sanitized
 * run). Also: 10,000 streams abandoned after one row, an empty page in the
 * middle, resuming from a paging state, and 1,000,000 rows read back with
 * the same count and checksum at prefetch 0, 1 and 2.
 */
#define _POSIX_C_SOURCE 200809L
#define WAIT_MS 60000 /* before client.h: loading a million rows takes a while */
#include "client.h"
#include "harness.h"
#include "proxy.h"
#include "proxied.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *KS = "cqlio_stream_test";
enum { SMALL_ROWS = 20000, BIG_ROWS = 1000000 };

/* ---- data -------------------------------------------------------------- */

/* k, and b = 3k: the checksum of a full read is known in advance. */
static uint64_t expected_sum(int32_t rows)
{
    uint64_t sum = 0;
    for (int32_t k = 0; k < rows; k++)
        sum += (uint64_t)k * 1000003u + (uint64_t)k * 3u;
    return sum;
}

static uint64_t row_sum(cql_cell k, cql_cell b)
{
    int32_t kv = 0;
    int64_t bv = 0;
    cql_cell_int32(k, &kv);
    cql_cell_int64(b, &bv);
    return (uint64_t)kv * 1000003u + (uint64_t)bv;
}

/* Fills table t with rows 0..rows-1 unless a marker says it is done. */
static bool load_table(cql_session *s, const char *t, int32_t rows)
{
    char q[256];
    snprintf(q, sizeof q, "CREATE TABLE IF NOT EXISTS %s.%s (k int PRIMARY KEY, b bigint)", KS, t);
    if (!query_ok(s, q))
        return false;
    snprintf(q, sizeof q, "SELECT rows FROM %s.loaded WHERE t = '%s'", KS, t);
    CQL_SCOPED(cql_statement) mark = cql_statement_new(q, 0);
    CQL_SCOPED(cql_result) done = run(s, mark);
    int64_t have = 0;
    if (done != NULL && cql_result_next(done))
        cql_cell_int64(cql_result_cell(done, 0), &have);
    if (have == rows)
        return true;
    snprintf(q, sizeof q, "INSERT INTO %s.%s (k, b) VALUES (?, ?)", KS, t);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(s, q);
    if (cql_future_wait(pf, WAIT_MS) != CQL_OK)
        return false;
    CQL_SCOPED(cql_prepared) p = cql_future_take_prepared(pf);
    enum { WINDOW = 512 };
    cql_future *window[WINDOW] = {0};
    bool ok = true;
    for (int32_t k = 0; k < rows + WINDOW; k++) {
        cql_future **slot = &window[k % WINDOW];
        if (*slot != NULL) {
            ok = ok && cql_future_wait(*slot, WAIT_MS) == CQL_OK;
            cql_future_free(*slot);
            *slot = NULL;
        }
        if (k < rows) {
            CQL_SCOPED(cql_statement) st = cql_prepared_bind(p);
            cql_statement_bind_int32(st, 0, k);
            cql_statement_bind_int64(st, 1, (int64_t)k * 3);
            *slot = cql_session_execute(s, st);
        }
    }
    if (!ok)
        return false;
    snprintf(q, sizeof q, "INSERT INTO %s.loaded (t, rows) VALUES ('%s', %d)", KS, t, (int)rows);
    return query_ok(s, q);
}

static void setup(void)
{
    cql_session *s = open_session((cql_session_config){.request_timeout_ms = 60000});
    if (s == NULL)
        return;
    char q[256];
    snprintf(q, sizeof q,
             "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
             "{'class': 'SimpleStrategy', 'replication_factor': 1}",
             KS);
    query_ok(s, q);
    snprintf(q, sizeof q, "CREATE TABLE IF NOT EXISTS %s.loaded (t text PRIMARY KEY, rows bigint)",
             KS);
    query_ok(s, q);
    if (!load_table(s, "small", SMALL_ROWS) || !load_table(s, "big", BIG_ROWS))
        fprintf(stderr, "  setup: loading failed\n");
    cql_session_free(s);
}

static cql_statement *select_all(const char *t, int32_t page_size)
{
    char q[128];
    snprintf(q, sizeof q, "SELECT k, b FROM %s.%s", KS, t);
    cql_statement *st = cql_statement_new(q, 0);
    if (st != NULL && page_size > 0)
        cql_statement_set_page_size(st, page_size);
    return st;
}

/* Reads the rest of a stream: rows and checksum. */
static uint64_t drain(cql_stream *st, uint64_t *rows)
{
    uint64_t sum = 0;
    while (cql_stream_next_row(st)) {
        sum += row_sum(cql_stream_cell(st, 0), cql_stream_cell(st, 1));
        ++*rows;
    }
    return sum;
}

/* ---- the ways out ------------------------------------------------------ */

static void read_all(const char *table, int32_t rows, int32_t prefetch)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all(table, 5000);
    cql_stream_config cfg = {.prefetch = prefetch};
    uint64_t n = 0, sum;
    {
        CQL_SCOPED(cql_stream) st = cql_session_stream(s, q, &cfg);
        REQUIRE(st != NULL);
        sum = drain(st, &n);
        CHECK(cql_stream_error(st) == NULL);
        CHECK_EQ_INT(cql_stream_rows_fetched(st), rows);
        CHECK(cql_stream_page(st) == NULL); /* the end frees the last page */
        cql_resources r;
        cql_session_resources(s, &r);
        CHECK(r.buffered_pages <= 1); /* open, at its end */
    }
    CHECK_EQ_INT(n, rows);
    CHECK(sum == expected_sum(rows));
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_million_rows_come_back_whole_with_prefetch_0) { read_all("big", BIG_ROWS, CQL_STREAM_ON_DEMAND); }
TEST(a_million_rows_come_back_whole_with_prefetch_1) { read_all("big", BIG_ROWS, 1); }
TEST(a_million_rows_come_back_whole_with_prefetch_2) { read_all("big", BIG_ROWS, 2); }

/* The stream holds at most prefetch + 1 pages, whatever the result's size. */
static size_t most_pages_held;
static cql_session *watched;
static void note_pages(void *arg, uint64_t page, size_t rows)
{
    (void)arg, (void)page, (void)rows;
    cql_resources r;
    cql_session_resources(watched, &r);
    if (r.buffered_pages > most_pages_held)
        most_pages_held = r.buffered_pages;
}

TEST(a_stream_holds_at_most_prefetch_plus_one_pages)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    watched = s;
    for (int32_t prefetch = 1; prefetch <= 3; prefetch++) {
        most_pages_held = 0;
        CQL_SCOPED(cql_statement) q = select_all("small", 500);
        cql_stream_config cfg = {.prefetch = prefetch, .on_page = note_pages};
        CQL_SCOPED(cql_stream) st = cql_session_stream(s, q, &cfg);
        uint64_t n = 0;
        drain(st, &n);
        CHECK_EQ_INT(n, SMALL_ROWS);
        CHECK(most_pages_held <= (size_t)prefetch + 1);
        CHECK(most_pages_held >= 1);
    }
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

static cql_foreach_step fail_at_100(const cql_result *page, void *arg)
{
    (void)page;
    return ++*(int *)arg == 100 ? CQL_FOREACH_ERROR : CQL_FOREACH_CONTINUE;
}

static cql_foreach_step stop_at_1(const cql_result *page, void *arg)
{
    int32_t k = -1;
    CHECK_EQ_INT(cql_cell_int32(cql_result_cell(page, 0), &k), CQL_OK);
    ++*(int *)arg;
    return CQL_FOREACH_STOP;
}

TEST(foreach_closes_when_the_row_callback_fails_or_stops)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    int seen = 0;
    char err[256] = "";
    CHECK_EQ_INT(cql_session_foreach(s, q, NULL, fail_at_100, &seen, err, sizeof err),
                 CQL_E_CANCELLED);
    CHECK_EQ_INT(seen, 100);
    CHECK(strstr(err, "row callback") != NULL);
    CHECK(ledger_settles(s));
    seen = 0;
    CHECK_EQ_INT(cql_session_foreach(s, q, NULL, stop_at_1, &seen, NULL, 0), CQL_OK);
    CHECK_EQ_INT(seen, 1);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(a_break_after_the_first_row_releases_everything)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("big", 5000);
    for (int i = 0; i < 3; i++) {
        CQL_SCOPED(cql_stream) st = cql_session_stream(s, q, &(cql_stream_config){.prefetch = 2});
        while (cql_stream_next_row(st))
            break; /* the scoped stream is freed on the way out */
    }
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(ten_thousand_streams_abandoned_after_one_row_leave_nothing)
{
    cql_session *s = open_session((cql_session_config){.request_timeout_ms = 60000});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 100);
    int rows = 0;
    for (int i = 0; i < 10000; i++) {
        cql_stream *st = cql_session_stream(s, q, NULL);
        rows += cql_stream_next_row(st);
        cql_stream_free(st);
    }
    CHECK_EQ_INT(rows, 10000);
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

TEST(resuming_from_a_paging_state_continues_where_it_stopped)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    uint64_t n = 0, sum = 0;
    uint8_t state[256];
    size_t state_len = 0;
    {
        CQL_SCOPED(cql_stream) st =
            cql_session_stream(s, q, &(cql_stream_config){.max_pages = 3});
        sum = drain(st, &n);
        CHECK_EQ_INT(cql_stream_page_number(st), 3);
        CHECK(cql_stream_error(st) == NULL);
    }
    CHECK_EQ_INT(n, 3000);
    {
        /* The state after page 2, from a stream stopped there. */
        CQL_SCOPED(cql_stream) st =
            cql_session_stream(s, q, &(cql_stream_config){.prefetch = CQL_STREAM_ON_DEMAND});
        for (int page = 0; page < 3; page++) {
            CQL_SCOPED(cql_future) f = cql_stream_fetch(st);
            CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_OK);
        }
        cql_str ps = cql_stream_paging_state(st);
        REQUIRE(ps.len > 0 && ps.len <= sizeof state);
        memcpy(state, ps.ptr, ps.len);
        state_len = ps.len;
    }
    CQL_SCOPED(cql_statement) rest = select_all("small", 1000);
    cql_statement_set_paging_state(rest, state, state_len);
    uint64_t m = 0;
    {
        CQL_SCOPED(cql_stream) st = cql_session_stream(s, rest, NULL);
        sum += drain(st, &m);
    }
    CHECK_EQ_INT(n + m, SMALL_ROWS);
    CHECK(sum == expected_sum(SMALL_ROWS));
    CHECK(ledger_settles(s));
    cql_session_free(s);
}

/* ---- through a proxy: slow pages, cuts, an emptied page ----------------- */

TEST(closing_while_a_page_is_in_flight_keeps_only_the_id)
{
    proxied p = open_proxied((cql_session_config){0});
    REQUIRE(p.session != NULL);
    proxy_hold(p.proxy, true);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    cql_stream *st = cql_session_stream(p.session, q, NULL);
    CHECK(wait_in_flight(p.session));
    cql_stream_close(st);
    cql_stream_close(st); /* idempotent */
    cql_resources r;
    cql_session_resources(p.session, &r);
    CHECK_EQ_INT(r.open_streams, 0);
    CHECK_EQ_INT(r.in_flight, 0);
    CHECK_EQ_INT(r.reserved_streams, 1); /* until the late answer */
    CHECK(!cql_stream_next_row(st));
    CHECK(cql_stream_error(st) != NULL && cql_stream_error(st)->rc == CQL_E_CLOSED);
    CQL_SCOPED(cql_future) f = cql_stream_fetch(st);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_CLOSED);
    cql_stream_free(st);
    close_proxied(p);
}

TEST(a_cancelled_fetch_leaves_the_stream_usable)
{
    proxied p = open_proxied((cql_session_config){0});
    REQUIRE(p.session != NULL);
    proxy_hold(p.proxy, true);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    CQL_SCOPED(cql_stream) st = cql_session_stream(p.session, q, NULL);
    cql_future *f = cql_stream_fetch(st);
    CHECK(wait_in_flight(p.session));
    cql_future_cancel(f);
    CHECK_EQ_INT(cql_future_wait(f, WAIT_MS), CQL_E_CANCELLED);
    cql_future_free(f);
    proxy_hold(p.proxy, false);
    uint64_t n = 0;
    uint64_t sum = drain(st, &n); /* the page that came meanwhile is not lost */
    CHECK_EQ_INT(n, SMALL_ROWS);
    CHECK(sum == expected_sum(SMALL_ROWS));
    cql_stream_free(st);
    st = NULL;
    close_proxied(p);
}

TEST(a_page_past_its_timeout_ends_the_stream_with_a_timeout)
{
    proxied p = open_proxied((cql_session_config){0});
    REQUIRE(p.session != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    CQL_SCOPED(cql_stream) st =
        cql_session_stream(p.session, q, &(cql_stream_config){.page_timeout_ms = 300});
    CHECK(cql_stream_next_row(st)); /* the first page came */
    proxy_hold(p.proxy, true);      /* the next ones will not */
    uint64_t n = 1;
    drain(st, &n);
    CHECK(n < SMALL_ROWS);
    const cql_error *e = cql_stream_error(st);
    CHECK(e != NULL && e->rc == CQL_E_TIMEOUT && e->category == CQL_ERRCAT_TIMEOUT);
    cql_stream_free(st);
    st = NULL;
    close_proxied(p);
}

TEST(the_whole_deadline_ends_the_stream)
{
    proxied p = open_proxied((cql_session_config){0});
    REQUIRE(p.session != NULL);
    proxy_hold(p.proxy, true);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    CQL_SCOPED(cql_stream) st =
        cql_session_stream(p.session, q, &(cql_stream_config){.deadline_ms = 400});
    uint64_t t0 = mono_ms();
    CHECK(!cql_stream_next_row(st));
    CHECK(mono_ms() - t0 < 5000);
    const cql_error *e = cql_stream_error(st);
    CHECK(e != NULL && e->rc == CQL_E_TIMEOUT && strstr(e->message, "deadline") != NULL);
    cql_stream_free(st);
    st = NULL;
    close_proxied(p);
}

TEST(a_stream_closed_then_freed_after_its_session_is_safe)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    cql_stream *st = cql_session_stream(s, q, NULL);
    CHECK(cql_stream_next_row(st));
    cql_stream_close(st);
    cql_session_free(s);
    CHECK(!cql_stream_next_row(st));
    CHECK(cql_stream_page_number(st) >= 1);
    cql_stream_free(st); /* after its session: nothing of the session is touched */
}

TEST(a_forgotten_stream_is_closed_by_closing_the_session)
{
    cql_session *s = open_session((cql_session_config){0});
    REQUIRE(s != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    cql_stream *st = cql_session_stream(s, q, &(cql_stream_config){.prefetch = 2});
    CHECK(cql_stream_next_row(st));
    cql_session_free(s); /* the stream was never closed */
    CHECK(!cql_stream_next_row(st));
    CHECK(cql_stream_error(st) != NULL && cql_stream_error(st)->rc == CQL_E_CLOSED);
    cql_stream_free(st); /* the object itself is still the caller's */
}

TEST(a_stream_resumes_on_a_new_connection_after_a_cut_without_loss)
{
    proxied p = open_proxied((cql_session_config){0});
    REQUIRE(p.session != NULL);
    CQL_SCOPED(cql_statement) q = select_all("small", 500);
    CQL_SCOPED(cql_stream) st = cql_session_stream(p.session, q, NULL);
    uint64_t n = 0, sum = 0;
    while (n < 2600 && cql_stream_next_row(st)) {
        sum += row_sum(cql_stream_cell(st, 0), cql_stream_cell(st, 1));
        n++;
    }
    proxy_cut(p.proxy); /* the fetch in flight dies with its connection */
    sum += drain(st, &n);
    CHECK(cql_stream_error(st) == NULL);
    if (cql_stream_error(st))
        fprintf(stderr, "  %s\n", cql_stream_error(st)->message);
    CHECK_EQ_INT(n, SMALL_ROWS);
    CHECK(sum == expected_sum(SMALL_ROWS));
    CHECK(atomic_load(&p.proxy->accepted) >= 2); /* it did reconnect */
    cql_stream_free(st);
    st = NULL;
    close_proxied(p);
}

TEST(an_empty_page_in_the_middle_does_not_end_the_stream)
{
    /* v4 uncompressed, so the proxy can empty the third page on its way. */
    proxied p = open_proxied((cql_session_config){.protocol_version = 4, .no_compression = true});
    REQUIRE(p.session != NULL);
    atomic_store(&p.proxy->empty_page_at, 3);
    CQL_SCOPED(cql_statement) q = select_all("small", 1000);
    CQL_SCOPED(cql_stream) st = cql_session_stream(p.session, q, NULL);
    uint64_t n = 0;
    drain(st, &n);
    CHECK(cql_stream_error(st) == NULL);
    /* 20 full pages (the server may add an empty last one: 20000 is a
     * multiple of the page size), the third of them emptied on its way. */
    CHECK(cql_stream_page_number(st) >= SMALL_ROWS / 1000);
    CHECK_EQ_INT(n, SMALL_ROWS - 1000); /* every page but the emptied one */
    cql_stream_free(st);
    st = NULL;
    close_proxied(p);
}

int main(void)
{
    setup();
    RUN(a_million_rows_come_back_whole_with_prefetch_0);
    RUN(a_million_rows_come_back_whole_with_prefetch_1);
    RUN(a_million_rows_come_back_whole_with_prefetch_2);
    RUN(a_stream_holds_at_most_prefetch_plus_one_pages);
    RUN(foreach_closes_when_the_row_callback_fails_or_stops);
    RUN(a_break_after_the_first_row_releases_everything);
    RUN(ten_thousand_streams_abandoned_after_one_row_leave_nothing);
    RUN(resuming_from_a_paging_state_continues_where_it_stopped);
    RUN(closing_while_a_page_is_in_flight_keeps_only_the_id);
    RUN(a_cancelled_fetch_leaves_the_stream_usable);
    RUN(a_page_past_its_timeout_ends_the_stream_with_a_timeout);
    RUN(the_whole_deadline_ends_the_stream);
    RUN(a_forgotten_stream_is_closed_by_closing_the_session);
    RUN(a_stream_closed_then_freed_after_its_session_is_safe);
    RUN(a_stream_resumes_on_a_new_connection_after_a_cut_without_loss);
    RUN(an_empty_page_in_the_middle_does_not_end_the_stream);
    return harness_done();
}
