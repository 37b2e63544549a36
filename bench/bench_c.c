/*
 * bench_c — W1 and W2 of the performance brief with the C API: 100,000
 * prepared single-partition reads, and 100,000 prepared inserts, each with
 * 256 requests in flight, on the caller's libuv loop (the fastest way to use
 * libcqlio). Prints one JSON object per workload: throughput, p50/p99
 * latency, the client's CPU seconds and the Cassandra process's CPU seconds
 * over the same interval (from /proc/<pid>/stat), and their ratio.
 *
 *   bench_c [HOST] [REQUESTS]
 */
#define _GNU_SOURCE
#include <cqlio.h>

#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum { CONCURRENCY = 256, TABLE_ROWS = 100000 };

/* ---- the run ----------------------------------------------------------- */

typedef struct bench {
    uv_loop_t loop;
    cql_session *session;
    cql_prepared *prepared;
    bool insert;
    int total, sent, done, failed;
    double *latency;  /* per request, seconds */
    double *started;  /* per request, submit time */
    const char *first_error;
    char error_text[512];
} bench;

typedef struct slot {
    bench *b;
    int index;
} slot;

static void submit(bench *b, slot *s);

static void on_done(cql_future *f, void *arg)
{
    slot *s = arg;
    bench *b = s->b;
    b->latency[s->index] = now_s() - b->started[s->index];
    const cql_error *e = cql_future_error(f);
    if (e != NULL && b->failed++ == 0) {
        snprintf(b->error_text, sizeof b->error_text, "%s", e->message);
        b->first_error = b->error_text;
    }
    cql_future_free(f);
    b->done++;
    if (b->sent < b->total)
        submit(b, s);
    else
        free(s);
}

static void submit(bench *b, slot *s)
{
    int i = b->sent++;
    s->index = i;
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(b->prepared);
    int32_t key = (int32_t)((i * 7919) % TABLE_ROWS);
    cql_statement_bind_int32(st, 0, key);
    if (b->insert) {
        char text[64];
        snprintf(text, sizeof text, "row-%08d-abcdefghijklmnopqrs", key); /* 32 chars */
        cql_statement_bind_int64(st, 1, (int64_t)key * 3);
        cql_statement_bind_string(st, 2, text, strlen(text));
        cql_statement_bind_double(st, 3, key * 0.5);
        cql_statement_bind_timestamp(st, 4, 1700000000000LL + key);
    }
    b->started[i] = now_s();
    cql_future *f = cql_session_execute(b->session, st);
    cql_future_then(f, on_done, s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs one future to completion on the loop. */
static cql_rc wait_on_loop(bench *b, cql_future *f)
{
    while (!cql_future_done(f))
        uv_run(&b->loop, UV_RUN_ONCE);
    const cql_error *e = cql_future_error(f);
    if (e != NULL)
        fprintf(stderr, "bench_c: %s\n", e->message);
    return e ? e->rc : CQL_OK;
}

static cql_rc run_text(bench *b, const char *q)
{
    CQL_SCOPED(cql_future) f = cql_session_query(b->session, q);
    return wait_on_loop(b, f);
}

static void workload(bench *b, const char *name, const char *query, bool insert, int server_pid)
{
    CQL_SCOPED(cql_future) pf = cql_session_prepare(b->session, query);
    if (wait_on_loop(b, pf) != CQL_OK)
        return;
    b->prepared = cql_future_take_prepared(pf);
    b->insert = insert;
    b->sent = b->done = b->failed = 0;
    b->first_error = NULL;
    double server0 = process_cpu_s(server_pid), client0 = client_cpu_s(), t0 = now_s();
    for (int i = 0; i < CONCURRENCY && b->sent < b->total; i++) {
        slot *s = malloc(sizeof *s);
        s->b = b;
        submit(b, s);
    }
    while (b->done < b->total)
        uv_run(&b->loop, UV_RUN_ONCE);
    double elapsed = now_s() - t0, client = client_cpu_s() - client0;
    double server = process_cpu_s(server_pid) - server0;
    qsort(b->latency, (size_t)b->total, sizeof *b->latency, cmp_double);
    double p50 = b->latency[b->total / 2] * 1e3;
    double p99 = b->latency[(size_t)((double)b->total * 0.99)] * 1e3;
    printf("{\"workload\": \"%s\", \"client\": \"cqlio-c\", \"requests\": %d, \"failed\": %d, "
           "\"seconds\": %.3f, \"requests_per_s\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"client_cpu_s\": %.3f, \"server_cpu_s\": %.3f, \"client_over_server_cpu\": %.4f}\n",
           name, b->total, b->failed, elapsed, b->total / elapsed, p50, p99, client, server,
           server > 0 ? client / server : -1.0);
    fflush(stdout);
    if (b->first_error)
        fprintf(stderr, "bench_c: first error: %s\n", b->first_error);
    cql_prepared_free(b->prepared);
    b->prepared = NULL;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    bench b = {.total = argc > 2 ? atoi(argv[2]) : 100000};
    if (b.total <= 0)
        b.total = 100000;
    b.latency = calloc((size_t)b.total, sizeof *b.latency);
    b.started = calloc((size_t)b.total, sizeof *b.started);
    int server_pid = find_server_pid();
    if (server_pid < 0)
        fprintf(stderr, "bench_c: no CassandraDaemon process found; server CPU unknown\n");
    uv_loop_init(&b.loop);
    cql_loop loop;
    cql_loop_uv(&b.loop, &loop);
    char err[256];
    cql_session_config config = {.contact_points = host, .application_name = "cqlio-bench"};
    if (cql_session_new(&config, &loop, &b.session, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "bench_c: %s\n", err);
        return 1;
    }
    CQL_SCOPED(cql_future) c = cql_session_connect(b.session);
    if (wait_on_loop(&b, c) != CQL_OK)
        return 1;
    if (run_text(&b, "CREATE KEYSPACE IF NOT EXISTS cqlio_bench WITH replication = "
                     "{'class': 'SimpleStrategy', 'replication_factor': 1}") != CQL_OK ||
        run_text(&b, "CREATE TABLE IF NOT EXISTS cqlio_bench.w (k int PRIMARY KEY, "
                     "b bigint, t text, d double, ts timestamp)") != CQL_OK)
        return 1;
    /* W2 first: it fills the table W1 reads. */
    workload(&b, "W2", "INSERT INTO cqlio_bench.w (k, b, t, d, ts) VALUES (?, ?, ?, ?, ?)", true,
             server_pid);
    workload(&b, "W1", "SELECT k, b, t, d, ts FROM cqlio_bench.w WHERE k = ?", false,
             server_pid);
    cql_future_free(c);
    c = NULL;
    cql_session_free(b.session);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    free(b.latency);
    free(b.started);
    return 0;
}
