/*
 * bench_stream — W3, W4 and W5 of the performance brief with the C API's
 * result streams, on the blocking layer (a session on its own loop thread):
 *
 *   W3  stream a 1,000,000-row table with pages of 5000 rows, counting the
 *       rows and summing column b;
 *   W4  the same over 10,000,000 rows: peak RSS must not grow with the rows;
 *   W5  10,000 streams, each freed after its first row: what abandoning a
 *       stream costs, and the session's ledger afterwards (no open stream,
 *       buffered page or request left; ids reserved for late answers drain).
 *
 * W3 and W4 run with prefetch 0 (CQL_STREAM_ON_DEMAND: a page is asked for
 * only when the previous one is done), 1 and 2 pages ahead. Every run is its
 * own process (this program executed again with --child), so that its peak
 * RSS (getrusage ru_maxrss) is that run's alone. Each prints one JSON
 * object; the last ones give the ratios: peak RSS W4 / W3 at the same
 * prefetch, and client / server CPU while streaming.
 *
 * The tables (cqlio_bench.stream_<rows>, rows as cqlio-load-rows writes
 * them: b = 3k, so the checksum of N rows is 3 N (N - 1) / 2) are loaded by
 * running cqlio-load-rows, which does nothing when they are loaded already.
 *
 *   bench_stream [HOST [W3_ROWS [W4_ROWS [W5_STREAMS]]]]
 *
 * Environment (the arguments win): BENCH_STREAM_ROWS (W3 rows, 1000000),
 * BENCH_STREAM_ROWS_W4 (W4 rows, 10 x W3's), BENCH_STREAM_STREAMS (W5
 * streams, 10000), BENCH_STREAM_W5_PAGE_SIZE (100: W5 measures opening and
 * abandoning, not the server reading pages), BENCH_STREAM_W5_PREFETCH (1: the
 * page fetched ahead is in flight or buffered when the stream is freed),
 * BENCH_STREAM_ONLY (e.g. "W3,W5"), BENCH_STREAM_LOADER (the cqlio-load-rows
 * to run).
 */
#define _GNU_SOURCE
#include <cqlio.h>

#include "measure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { PAGE_SIZE = 5000, WAIT_MS = 15000, DRAIN_MS = 20000 };
#define KEYSPACE "cqlio_bench"
#define WAIT_FOREVER_MS (24ull * 3600 * 1000)

#ifndef CQLIO_LOAD_ROWS
#define CQLIO_LOAD_ROWS "cqlio-load-rows"
#endif

static const char *prog = "bench_stream";

static int64_t env_int(const char *name, int64_t fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end == '\0' && n > 0 ? n : fallback;
}

static int64_t arg_int(int argc, char **argv, int i, int64_t fallback)
{
    if (i >= argc)
        return fallback;
    char *end;
    long long n = strtoll(argv[i], &end, 10);
    return *end == '\0' && n > 0 ? n : fallback;
}

/* ======================================================================== */
/* A child: one run                                                         */
/* ======================================================================== */

static cql_session *connect_session(const char *host)
{
    cql_session_config config = {.contact_points = host, .application_name = "cqlio-bench"};
    char err[256];
    cql_session *session = NULL;
    if (cql_session_new(&config, NULL, &session, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return NULL;
    }
    CQL_SCOPED(cql_future) f = cql_session_connect(session);
    if (cql_future_wait(f, WAIT_MS) != CQL_OK) {
        const cql_error *e = cql_future_error(f);
        fprintf(stderr, "%s: cannot connect: %s\n", prog, e ? e->message : "no answer in time");
        cql_session_free(session);
        return NULL;
    }
    return session;
}

/* W3 / W4: every row of the table, counted, column b summed. */
static int child_scan(cql_session *session, const char *workload, const char *table,
                      int64_t expect_rows, int prefetch, int server_pid)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT k, b, t, d, ts FROM " KEYSPACE ".%s", table);
    CQL_SCOPED(cql_statement) st = cql_statement_new(q, 0);
    cql_stream_config config = {
        .prefetch = prefetch == 0 ? CQL_STREAM_ON_DEMAND : prefetch,
        .page_size = PAGE_SIZE,
    };
    double server0 = process_cpu_s(server_pid), client0 = client_cpu_s(), t0 = now_s();
    CQL_SCOPED(cql_stream) stream = cql_session_stream(session, st, &config);
    int64_t rows = 0, sum = 0, bad_cells = 0;
    while (cql_stream_next_row(stream)) {
        int64_t b;
        if (cql_cell_int64(cql_stream_cell(stream, 1), &b) == CQL_OK)
            sum += b;
        else
            bad_cells++;
        rows++;
    }
    double elapsed = now_s() - t0, client = client_cpu_s() - client0;
    double server = process_cpu_s(server_pid) - server0;
    const cql_error *e = cql_stream_error(stream);
    if (e != NULL) {
        fprintf(stderr, "%s: %s prefetch %d: after %" PRId64 " rows: %s\n", prog, workload,
                prefetch, rows, e->message);
        return 1;
    }
    uint64_t pages = cql_stream_page_number(stream);
    int64_t expect_sum = 3 * (expect_rows * (expect_rows - 1) / 2);
    bool ok = rows == expect_rows && sum == expect_sum && bad_cells == 0;
    printf("{\"workload\": \"%s\", \"client\": \"cqlio-c\", \"prefetch\": %d, \"page_size\": %d, "
           "\"rows\": %" PRId64 ", \"pages\": %" PRIu64 ", \"seconds\": %.3f, "
           "\"rows_per_s\": %.0f, \"client_cpu_s\": %.3f, "
           "\"client_cpu_s_per_million_rows\": %.3f, \"server_cpu_s\": %.3f, "
           "\"client_over_server_cpu\": %.4f, \"peak_rss_mib\": %.2f, \"checksum\": %" PRId64
           ", \"checksum_ok\": %s}\n",
           workload, prefetch, PAGE_SIZE, rows, pages, elapsed,
           elapsed > 0 ? (double)rows / elapsed : 0.0, client,
           rows > 0 ? client * 1e6 / (double)rows : 0.0, server,
           server > 0 ? client / server : -1.0, peak_rss_mib(), sum, ok ? "true" : "false");
    fflush(stdout);
    if (!ok)
        fprintf(stderr,
                "%s: %s: read %" PRId64 " rows summing to %" PRId64 ", expected %" PRId64
                " summing to %" PRId64 "\n",
                prog, workload, rows, sum, expect_rows, expect_sum);
    return ok ? 0 : 1;
}

static bool ledger_quiet(const cql_resources *r)
{
    return r->open_streams == 0 && r->buffered_pages == 0 && r->buffered_bytes == 0 &&
           r->in_flight == 0 && r->reserved_streams == 0 && r->queued == 0 &&
           r->pending_futures == 0;
}

/* W5: streams freed after their first row, then the ledger. */
static int child_abandon(cql_session *session, const char *table, int64_t streams,
                         int page_size, int prefetch, int server_pid)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT k, b, t, d, ts FROM " KEYSPACE ".%s", table);
    CQL_SCOPED(cql_statement) st = cql_statement_new(q, 0);
    cql_stream_config config = {
        .prefetch = prefetch == 0 ? CQL_STREAM_ON_DEMAND : prefetch,
        .page_size = page_size,
    };
    int64_t rows = 0, sum = 0, failed = 0;
    char first_error[512] = "";
    double server0 = process_cpu_s(server_pid), client0 = client_cpu_s(), t0 = now_s();
    for (int64_t i = 0; i < streams; i++) {
        cql_stream *stream = cql_session_stream(session, st, &config);
        int64_t b;
        if (cql_stream_next_row(stream) &&
            cql_cell_int64(cql_stream_cell(stream, 1), &b) == CQL_OK) {
            rows++;
            sum += b;
        } else if (failed++ == 0) {
            const cql_error *e = cql_stream_error(stream);
            snprintf(first_error, sizeof first_error, "%s", e ? e->message : "no first row");
        }
        cql_stream_free(stream); /* abandoned: the page ahead is in flight or buffered */
    }
    double elapsed = now_s() - t0, client = client_cpu_s() - client0;
    double server = process_cpu_s(server_pid) - server0;
    cql_resources at_end, after;
    cql_session_resources(session, &at_end);
    /* Ids held for late answers drain as the answers come: wait, with a deadline. */
    double d0 = now_s();
    cql_session_resources(session, &after);
    while (!ledger_quiet(&after) && now_s() - d0 < DRAIN_MS / 1000.0) {
        usleep(1000);
        cql_session_resources(session, &after);
    }
    double drain = now_s() - d0;
    bool clean = at_end.open_streams == 0 && at_end.buffered_pages == 0 &&
                 at_end.buffered_bytes == 0 && ledger_quiet(&after);
    printf("{\"workload\": \"W5\", \"client\": \"cqlio-c\", \"prefetch\": %d, \"page_size\": %d, "
           "\"streams\": %" PRId64 ", \"failed\": %" PRId64 ", \"rows\": %" PRId64
           ", \"seconds\": %.3f, \"streams_per_s\": %.0f, \"client_cpu_s\": %.3f, "
           "\"client_cpu_ms_per_stream\": %.4f, \"server_cpu_s\": %.3f, "
           "\"client_over_server_cpu\": %.4f, \"peak_rss_mib\": %.2f, \"checksum\": %" PRId64
           ", \"at_end\": {\"open_streams\": %zu, \"buffered_pages\": %zu, "
           "\"buffered_bytes\": %zu, \"in_flight\": %zu, \"reserved_streams\": %zu}, "
           "\"drain_s\": %.3f, \"after_drain\": {\"open_streams\": %zu, \"buffered_pages\": %zu, "
           "\"buffered_bytes\": %zu, \"in_flight\": %zu, \"reserved_streams\": %zu, "
           "\"queued\": %zu, \"pending_futures\": %zu}, \"ledger_clean\": %s}\n",
           prefetch, page_size, streams, failed, rows, elapsed,
           elapsed > 0 ? (double)streams / elapsed : 0.0, client,
           streams > 0 ? client * 1e3 / (double)streams : 0.0, server,
           server > 0 ? client / server : -1.0, peak_rss_mib(), sum, at_end.open_streams,
           at_end.buffered_pages, at_end.buffered_bytes, at_end.in_flight,
           at_end.reserved_streams, drain, after.open_streams, after.buffered_pages,
           after.buffered_bytes, after.in_flight, after.reserved_streams, after.queued,
           after.pending_futures, clean ? "true" : "false");
    fflush(stdout);
    if (failed > 0)
        fprintf(stderr, "%s: W5: %" PRId64 " streams failed; the first: %s\n", prog, failed,
                first_error);
    if (!clean)
        fprintf(stderr, "%s: W5: the ledger is not back to zero (see the JSON)\n", prog);
    return failed == 0 && clean ? 0 : 1;
}

/* bench_stream --child W3|W4|W5 HOST TABLE ROWS_OR_STREAMS PREFETCH PAGE_SIZE SERVER_PID */
static int child_main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "%s: --child needs 7 arguments\n", prog);
        return 2;
    }
    const char *workload = argv[2], *host = argv[3], *table = argv[4];
    int64_t count = atoll(argv[5]);
    int prefetch = atoi(argv[6]), page_size = atoi(argv[7]), server_pid = atoi(argv[8]);
    cql_session *session = connect_session(host);
    if (session == NULL)
        return 1;
    int rc = strcmp(workload, "W5") == 0
                 ? child_abandon(session, table, count, page_size, prefetch, server_pid)
                 : child_scan(session, workload, table, count, prefetch, server_pid);
    cql_session_free(session);
    return rc;
}

/* ======================================================================== */
/* The parent: loads the tables, runs each child, prints the ratios          */
/* ======================================================================== */

/* Runs argv (stdout to our stderr: loaders talk there); its exit status. */
static int run_loader(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The value of "key": NUMBER in a JSON line, or -1. */
static double json_number(const char *line, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *p = strstr(line, pattern);
    return p ? strtod(p + strlen(pattern), NULL) : -1;
}

typedef struct run_result {
    bool ok;
    double peak_rss_mib, client_cpu_s, server_cpu_s, rows_per_s;
} run_result;

/* Runs this program as a child for one run; echoes its JSON line. */
static run_result run_child(const char *workload, const char *host, const char *table,
                            int64_t count, int prefetch, int page_size, int server_pid)
{
    run_result res = {0};
    char count_s[24], prefetch_s[16], page_s[16], pid_s[16];
    snprintf(count_s, sizeof count_s, "%" PRId64, count);
    snprintf(prefetch_s, sizeof prefetch_s, "%d", prefetch);
    snprintf(page_s, sizeof page_s, "%d", page_size);
    snprintf(pid_s, sizeof pid_s, "%d", server_pid);
    int fds[2];
    if (pipe(fds) != 0)
        return res;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return res;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[1]);
        /* A fresh image: the run's peak RSS is its own, not the parent's. */
        char *args[] = {(char *)"bench_stream", (char *)"--child", (char *)workload,
                        (char *)host, (char *)table, count_s, prefetch_s, page_s, pid_s, NULL};
        execv("/proc/self/exe", args);
        fprintf(stderr, "%s: cannot run itself: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE *from = fdopen(fds[0], "r");
    char line[4096];
    bool got = false;
    while (from != NULL && fgets(line, sizeof line, from) != NULL) {
        fputs(line, stdout);
        fflush(stdout);
        if (line[0] == '{' && !got) {
            got = true;
            res.peak_rss_mib = json_number(line, "peak_rss_mib");
            res.client_cpu_s = json_number(line, "client_cpu_s");
            res.server_cpu_s = json_number(line, "server_cpu_s");
            res.rows_per_s = json_number(line, "rows_per_s");
        }
    }
    if (from != NULL)
        fclose(from);
    else
        close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    res.ok = got && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!res.ok)
        fprintf(stderr, "%s: %s prefetch %d failed\n", prog, workload, prefetch);
    return res;
}

static bool selected(const char *only, const char *workload)
{
    if (only == NULL || *only == '\0')
        return true;
    size_t n = strlen(workload);
    for (const char *p = only; (p = strstr(p, workload)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return true;
    return false;
}

static int load_table(const char *host, const char *table, int64_t rows)
{
    const char *loader = getenv("BENCH_STREAM_LOADER");
    if (loader == NULL || *loader == '\0')
        loader = CQLIO_LOAD_ROWS;
    char rows_s[24];
    snprintf(rows_s, sizeof rows_s, "%" PRId64, rows);
    char *args[] = {(char *)loader,  (char *)"--host",  (char *)host,  (char *)"--keyspace",
                    (char *)KEYSPACE, (char *)"--table", (char *)table, (char *)"--rows",
                    rows_s,           NULL};
    int rc = run_loader(args);
    if (rc != 0)
        fprintf(stderr, "%s: loading " KEYSPACE ".%s failed (exit %d)\n", prog, table, rc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return child_main(argc, argv);
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int64_t w3_rows = arg_int(argc, argv, 2, env_int("BENCH_STREAM_ROWS", 1000000));
    int64_t w4_rows = arg_int(argc, argv, 3, env_int("BENCH_STREAM_ROWS_W4", 10 * w3_rows));
    int64_t w5_streams = arg_int(argc, argv, 4, env_int("BENCH_STREAM_STREAMS", 10000));
    int w5_page = (int)env_int("BENCH_STREAM_W5_PAGE_SIZE", 100);
    const char *w5_prefetch_s = getenv("BENCH_STREAM_W5_PREFETCH");
    int w5_prefetch = w5_prefetch_s && *w5_prefetch_s ? atoi(w5_prefetch_s) : 1;
    const char *only = getenv("BENCH_STREAM_ONLY");
    if (w3_rows > INT32_MAX || w4_rows > INT32_MAX) {
        fprintf(stderr, "%s: at most %d rows (the key is an int)\n", prog, INT32_MAX);
        return 2;
    }
    int server_pid = find_server_pid();
    if (server_pid < 0)
        fprintf(stderr, "%s: no CassandraDaemon process found; server CPU unknown\n", prog);

    char w3_table[48], w4_table[48];
    snprintf(w3_table, sizeof w3_table, "stream_%" PRId64, w3_rows);
    snprintf(w4_table, sizeof w4_table, "stream_%" PRId64, w4_rows);
    bool do_w3 = selected(only, "W3"), do_w4 = selected(only, "W4"), do_w5 = selected(only, "W5");
    if (((do_w3 || do_w5) && load_table(host, w3_table, w3_rows) != 0) ||
        (do_w4 && load_table(host, w4_table, w4_rows) != 0))
        return 1;

    static const int prefetches[] = {0, 1, 2}; /* 0: CQL_STREAM_ON_DEMAND */
    enum { NPREFETCH = sizeof prefetches / sizeof *prefetches };
    run_result w3[NPREFETCH] = {{0}}, w4[NPREFETCH] = {{0}};
    int failures = 0;
    for (int i = 0; i < NPREFETCH; i++) {
        if (do_w3) {
            w3[i] = run_child("W3", host, w3_table, w3_rows, prefetches[i], PAGE_SIZE, server_pid);
            failures += !w3[i].ok;
        }
    }
    for (int i = 0; i < NPREFETCH; i++) {
        if (do_w4) {
            w4[i] = run_child("W4", host, w4_table, w4_rows, prefetches[i], PAGE_SIZE, server_pid);
            failures += !w4[i].ok;
        }
    }
    if (do_w5) {
        run_result w5 = run_child("W5", host, w3_table, w5_streams, w5_prefetch, w5_page,
                                  server_pid);
        failures += !w5.ok;
    }

    /* The ratios: memory flat in the row count; the client's CPU beside the server's. */
    for (int i = 0; i < NPREFETCH; i++) {
        if (!w3[i].ok && !w4[i].ok)
            continue;
        printf("{\"workload\": \"W3/W4 ratios\", \"client\": \"cqlio-c\", \"prefetch\": %d, "
               "\"w3_rows\": %" PRId64 ", \"w4_rows\": %" PRId64 ", \"rows_ratio\": %.1f, ",
               prefetches[i], w3_rows, w4_rows, (double)w4_rows / (double)w3_rows);
        if (w3[i].ok && w4[i].ok && w3[i].peak_rss_mib > 0)
            printf("\"peak_rss_w4_over_w3\": %.3f, ", w4[i].peak_rss_mib / w3[i].peak_rss_mib);
        printf("\"w3_client_over_server_cpu\": %.4f, \"w4_client_over_server_cpu\": %.4f}\n",
               w3[i].ok && w3[i].server_cpu_s > 0 ? w3[i].client_cpu_s / w3[i].server_cpu_s
                                                  : -1.0,
               w4[i].ok && w4[i].server_cpu_s > 0 ? w4[i].client_cpu_s / w4[i].server_cpu_s
                                                  : -1.0);
    }
    fflush(stdout);
    return failures == 0 ? 0 : 1;
}
