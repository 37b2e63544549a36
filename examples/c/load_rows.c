/*
 * cqlio-load-rows — fills a table of the performance workloads with N rows,
 * the asynchronous way: a session on the caller's libuv loop, one prepared
 * INSERT, 256 requests in flight, each completion submitting the next.
 *
 *   cqlio-load-rows [--host H] [--keyspace KS] [--table T] --rows N
 *
 * The table is (k int PRIMARY KEY, b bigint, t text, d double, ts timestamp)
 * and row k holds values computed from k alone, so any reader can check what
 * it read: b = 3k, t = "row-%010d-abcdefghijklmnopq" (32 characters),
 * d = k / 2, ts = 1700000000000 + k ms. The keyspace (SimpleStrategy, RF 1)
 * and the table are created when missing.
 *
 * A marker table <T>_loaded (id int PRIMARY KEY, rows bigint) records a
 * finished load: when it says N already, nothing is done; when it says fewer,
 * only the missing rows are inserted; otherwise (more rows, or an interrupted
 * load) the table is truncated and loaded again. Prints rows/s on stderr.
 * Exit status: 0 done, 1 a connection or server failure, 2 bad arguments.
 */
#define _POSIX_C_SOURCE 200809L
#include <cqlio.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

enum { CONCURRENCY = 256, MAX_ATTEMPTS = 5 };

static const char *prog = "cqlio-load-rows";

static void usage(FILE *to)
{
    fprintf(to,
            "usage: %s [--host H] [--keyspace KS] [--table T] --rows N\n"
            "  --host H       contact points, \"host[:port][,host...]\" (default 127.0.0.1)\n"
            "  --keyspace KS  created when missing (default cqlio_demo)\n"
            "  --table T      created when missing (default rows)\n"
            "  --rows N       rows k = 0 .. N-1 (1 .. 2147483647)\n",
            prog);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the loader -------------------------------------------------------- */

typedef struct loader {
    uv_loop_t loop;
    cql_session *session;
    cql_prepared *insert;
    int64_t next, end; /* the next key to send; one past the last */
    int64_t done, retried;
    int in_flight;
    bool stop;         /* a row failed MAX_ATTEMPTS times: send no more */
    bool progress;     /* stderr is a terminal */
    double t0, last_progress;
    char first_error[512];
} loader;

typedef struct slot {
    loader *l;
    int32_t key;
    int attempts;
} slot;

/* Row k's values: a function of k alone. */
static void row_text(int32_t k, char out[33])
{
    snprintf(out, 33, "row-%010" PRId32 "-abcdefghijklmnopq", k);
}

static void submit(slot *s);

static void on_done(cql_future *f, void *arg)
{
    slot *s = arg;
    loader *l = s->l;
    const cql_error *e = cql_future_error(f);
    if (e != NULL) {
        if (s->attempts < MAX_ATTEMPTS && !l->stop) {
            /* A write timeout or an overloaded node: try the same row again. */
            l->retried++;
            cql_future_free(f);
            submit(s);
            return;
        }
        if (!l->stop)
            snprintf(l->first_error, sizeof l->first_error, "row k=%" PRId32 ": %s", s->key,
                     e->message);
        l->stop = true;
    } else
        l->done++;
    cql_future_free(f);
    if (l->progress && l->done % 8192 == 0) {
        double t = now_s();
        if (t - l->last_progress >= 0.2) {
            l->last_progress = t;
            fprintf(stderr, "\r%s: %" PRId64 " rows, %.0f rows/s", prog, l->done,
                    (double)l->done / (t - l->t0));
        }
    }
    if (l->next < l->end && !l->stop) {
        s->key = (int32_t)l->next++;
        s->attempts = 0;
        submit(s);
    } else {
        l->in_flight--;
        free(s);
    }
}

static void submit(slot *s)
{
    loader *l = s->l;
    int32_t k = s->key;
    char text[33];
    row_text(k, text);
    s->attempts++;
    CQL_SCOPED(cql_statement) st = cql_prepared_bind(l->insert);
    cql_statement_bind_int32(st, 0, k);
    cql_statement_bind_int64(st, 1, (int64_t)k * 3);
    cql_statement_bind_string(st, 2, text, 32);
    cql_statement_bind_double(st, 3, k * 0.5);
    cql_statement_bind_timestamp(st, 4, 1700000000000LL + k);
    cql_statement_set_idempotent(st, true); /* the same values every time */
    cql_future *f = st ? cql_session_execute(l->session, st) : NULL;
    if (f == NULL) {
        snprintf(l->first_error, sizeof l->first_error, "out of memory");
        l->stop = true;
        l->in_flight--;
        free(s);
        return;
    }
    cql_future_then(f, on_done, s); /* at once when it failed at once */
}

/* Runs the loop until f completes; prints its error, if any. */
static cql_rc wait_on_loop(loader *l, cql_future *f, const char *doing)
{
    if (f == NULL) {
        fprintf(stderr, "%s: %s: out of memory\n", prog, doing);
        return CQL_E_NOMEM;
    }
    while (!cql_future_done(f))
        uv_run(&l->loop, UV_RUN_ONCE);
    const cql_error *e = cql_future_error(f);
    if (e != NULL)
        fprintf(stderr, "%s: %s: %s\n", prog, doing, e->message);
    return e ? e->rc : CQL_OK;
}

/* Runs a statement text; the result, or NULL after printing the error. */
static cql_result *run(loader *l, const char *query, uint32_t timeout_ms)
{
    CQL_SCOPED(cql_statement) st = cql_statement_new(query, 0);
    if (st == NULL)
        return NULL;
    if (timeout_ms != 0)
        cql_statement_set_timeout(st, timeout_ms);
    CQL_SCOPED(cql_future) f = cql_session_execute(l->session, st);
    if (wait_on_loop(l, f, query) != CQL_OK)
        return NULL;
    return cql_future_take_result(f);
}

static bool run_ok(loader *l, const char *query, uint32_t timeout_ms)
{
    CQL_SCOPED(cql_result) r = run(l, query, timeout_ms);
    return r != NULL;
}

/* ---- arguments --------------------------------------------------------- */

typedef struct options {
    const char *host, *keyspace, *table;
    int64_t rows;
} options;

/* A plain CQL identifier (letters, digits, underscores; a letter first) of
 * at most max_len characters, so that it goes into the statements as is. */
static bool plain_identifier(const char *s, size_t max_len)
{
    size_t n = strlen(s);
    if (n == 0 || n > max_len || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

static int parse_args(int argc, char **argv, options *opt)
{
    *opt = (options){.host = "127.0.0.1", .keyspace = "cqlio_demo", .table = "rows", .rows = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        const char *eq = strchr(a, '=');
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(name_len < 31 ? name_len : 31), a);
        if (strcmp(name, "--host") != 0 && strcmp(name, "--keyspace") != 0 &&
            strcmp(name, "--table") != 0 && strcmp(name, "--rows") != 0) {
            fprintf(stderr, "%s: unknown argument %s\n", prog, a);
            usage(stderr);
            return 2;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            fprintf(stderr, "%s: %s needs a value\n", prog, name);
            usage(stderr);
            return 2;
        }
        bool ok = true;
        if (strcmp(name, "--host") == 0)
            opt->host = value;
        else if (strcmp(name, "--keyspace") == 0)
            ok = plain_identifier(opt->keyspace = value, 48);
        else if (strcmp(name, "--table") == 0)
            ok = plain_identifier(opt->table = value, 41); /* + "_loaded" */
        else {
            char *end;
            errno = 0;
            long long v = strtoll(value, &end, 10);
            ok = errno == 0 && end != value && *end == '\0' && v >= 1 && v <= INT32_MAX;
            opt->rows = v;
        }
        if (!ok) {
            fprintf(stderr, "%s: bad value for %s: \"%s\"\n", prog, name, value);
            usage(stderr);
            return 2;
        }
    }
    if (opt->rows < 0) {
        fprintf(stderr, "%s: --rows is required\n", prog);
        usage(stderr);
        return 2;
    }
    return 0;
}

/* ---- main -------------------------------------------------------------- */

/* The row count the marker records, or -1 when there is none (or on error). */
static int64_t marker_rows(loader *l, const char *ks, const char *table, bool *failed)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT rows FROM %s.%s_loaded WHERE id = 0", ks, table);
    CQL_SCOPED(cql_result) r = run(l, q, 0);
    if (r == NULL) {
        *failed = true;
        return -1;
    }
    int64_t rows = -1;
    if (cql_result_next(r) && cql_cell_int64(cql_result_cell(r, 0), &rows) != CQL_OK)
        rows = -1;
    return rows;
}

static int load(loader *l, const options *opt)
{
    char q[512];
    const char *ks = opt->keyspace, *table = opt->table;
    snprintf(q, sizeof q,
             "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
             "{'class': 'SimpleStrategy', 'replication_factor': 1}",
             ks);
    if (!run_ok(l, q, 60000))
        return 1;
    snprintf(q, sizeof q,
             "CREATE TABLE IF NOT EXISTS %s.%s (k int PRIMARY KEY, b bigint, t text, "
             "d double, ts timestamp)",
             ks, table);
    if (!run_ok(l, q, 60000))
        return 1;
    snprintf(q, sizeof q, "CREATE TABLE IF NOT EXISTS %s.%s_loaded (id int PRIMARY KEY, rows bigint)",
             ks, table);
    if (!run_ok(l, q, 60000))
        return 1;

    bool failed = false;
    int64_t have = marker_rows(l, ks, table, &failed);
    if (failed)
        return 1;
    if (have == opt->rows) {
        fprintf(stderr, "%s: %s.%s already holds %" PRId64 " rows; nothing to do\n", prog, ks,
                table, have);
        return 0;
    }
    /* The marker goes first: an interrupted load leaves none, so the next
     * run starts over. */
    snprintf(q, sizeof q, "DELETE FROM %s.%s_loaded WHERE id = 0", ks, table);
    if (!run_ok(l, q, 0))
        return 1;
    int64_t start = 0;
    if (have >= 0 && have < opt->rows)
        start = have; /* rows 0 .. have-1 are there already */
    else {
        snprintf(q, sizeof q, "SELECT k FROM %s.%s LIMIT 1", ks, table);
        CQL_SCOPED(cql_result) any = run(l, q, 0);
        if (any == NULL)
            return 1;
        if (cql_result_row_count(any) > 0) {
            fprintf(stderr, "%s: %s.%s holds rows of a different or unfinished load: truncating it\n", prog, ks,
                    table);
            snprintf(q, sizeof q, "TRUNCATE %s.%s", ks, table);
            if (!run_ok(l, q, 120000))
                return 1;
        }
    }

    snprintf(q, sizeof q, "INSERT INTO %s.%s (k, b, t, d, ts) VALUES (?, ?, ?, ?, ?)", ks, table);
    CQL_SCOPED(cql_future) pf = cql_session_prepare(l->session, q);
    if (wait_on_loop(l, pf, "prepare") != CQL_OK)
        return 1;
    l->insert = cql_future_take_prepared(pf);

    l->next = start;
    l->end = opt->rows;
    l->progress = isatty(STDERR_FILENO) == 1;
    l->t0 = l->last_progress = now_s();
    for (int i = 0; i < CONCURRENCY && l->next < l->end && !l->stop; i++) {
        slot *s = malloc(sizeof *s);
        if (s == NULL) {
            l->stop = true;
            snprintf(l->first_error, sizeof l->first_error, "out of memory");
            break;
        }
        *s = (slot){.l = l, .key = (int32_t)l->next++};
        l->in_flight++;
        submit(s);
    }
    while (l->in_flight > 0)
        uv_run(&l->loop, UV_RUN_ONCE);
    double elapsed = now_s() - l->t0;
    cql_prepared_free(l->insert);
    l->insert = NULL;
    if (l->progress)
        fprintf(stderr, "\r\033[K");
    if (l->stop) {
        fprintf(stderr, "%s: %s\n", prog, l->first_error);
        return 1;
    }
    snprintf(q, sizeof q, "INSERT INTO %s.%s_loaded (id, rows) VALUES (0, %" PRId64 ")", ks,
             table, opt->rows);
    if (!run_ok(l, q, 0))
        return 1;
    fprintf(stderr,
            "%s: %s.%s: inserted %" PRId64 " rows (k %" PRId64 " .. %" PRId64
            ") in %.1f s, %.0f rows/s%s\n",
            prog, ks, table, l->done, start, opt->rows - 1, elapsed,
            elapsed > 0 ? (double)l->done / elapsed : 0.0,
            l->retried > 0 ? " (some retried after a timeout)" : "");
    return 0;
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_args(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    loader l = {0};
    uv_loop_init(&l.loop);
    cql_loop loop;
    if (cql_loop_uv(&l.loop, &loop) != CQL_OK) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    char err[256];
    cql_session_config config = {.contact_points = opt.host, .application_name = prog};
    if (cql_session_new(&config, &loop, &l.session, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        uv_run(&l.loop, UV_RUN_DEFAULT);
        uv_loop_close(&l.loop);
        return 2;
    }
    cql_future *connected = cql_session_connect(l.session);
    if (wait_on_loop(&l, connected, "cannot connect") != CQL_OK)
        rc = 1;
    cql_future_free(connected);
    if (rc == 0)
        rc = load(&l, &opt);
    cql_session_free(l.session);
    uv_run(&l.loop, UV_RUN_DEFAULT); /* until the adapter's handles are closed */
    uv_loop_close(&l.loop);
    return rc;
}
