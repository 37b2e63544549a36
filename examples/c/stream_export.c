/*
 * cqlio-stream-export — streams the rows of a query to stdout as CSV or
 * NDJSON, in bounded memory whatever the size of the result.
 *
 *   cqlio-stream-export [--host H] [--format csv|ndjson] [--page-size N]
 *                       [--prefetch N] [--keyspace KS] QUERY
 *
 * The blocking layer (a session on its own loop thread) with a result
 * stream: cql_stream_next_row moves row by row, fetching the next page while
 * the rows of the current one are written (--prefetch pages ahead; 0 fetches
 * each page only when the previous one is done). The client holds at most
 * prefetch + 1 pages, so its memory does not grow with the row count.
 *
 * CSV: a header row of column names, lines ending in "\n", RFC 4180 quoting:
 * fields quoted when they hold a comma, a quote or a line break; a null is
 * an empty field and an empty string is "". NDJSON: one object per row;
 * integers, finite floats and doubles as JSON numbers, booleans, null, and
 * everything else as a JSON string of the cell's CQL text (cql_cell_format).
 *
 * On stderr: a progress line when stderr is a terminal, then one summary
 * line. Exit status: 0 done (also when stdout is closed early, as by
 * `| head`), 1 a connection, query or write failure, 2 bad arguments.
 */
#define _POSIX_C_SOURCE 200809L
#include <cqlio.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { WAIT_MS = 15000, OUT_CAP = 1 << 16, PROGRESS_EVERY_ROWS = 1024 };
#define WAIT_FOREVER_MS (24ull * 3600 * 1000)
#define PROGRESS_INTERVAL_S 0.2

static const char *prog = "cqlio-stream-export";

static void usage(FILE *to)
{
    fprintf(to,
            "usage: %s [--host H] [--format csv|ndjson] [--page-size N] [--prefetch N]\n"
            "       %*s [--keyspace KS] QUERY\n"
            "  --host H        contact points, \"host[:port][,host...]\" (default 127.0.0.1)\n"
            "  --format F      csv (a header row, RFC 4180 quoting; the default) or ndjson\n"
            "  --page-size N   rows per page (default 5000)\n"
            "  --prefetch N    pages fetched ahead while rows are written (default 1;\n"
            "                  0: each page only when the previous one is done; at most 16)\n"
            "  --keyspace KS   keyspace for unqualified table names\n",
            prog, (int)strlen(prog), "");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- stdout, buffered, stopping at the first failed write -------------- */

typedef struct out {
    char buf[OUT_CAP];
    size_t len;
    bool closed; /* EPIPE: the reader went away (`| head`) */
    int error;   /* another write error (errno), or 0 */
} out;

static bool out_ok(const out *o) { return !o->closed && o->error == 0; }

static void out_write(out *o, const char *p, size_t n)
{
    while (n > 0 && out_ok(o)) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE)
                o->closed = true;
            else
                o->error = errno;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void out_flush(out *o)
{
    out_write(o, o->buf, o->len);
    o->len = 0;
}

static void out_put(out *o, const char *p, size_t n)
{
    if (o->len + n > sizeof o->buf) {
        out_flush(o);
        if (n > sizeof o->buf) {
            out_write(o, p, n);
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void out_char(out *o, char c)
{
    if (o->len == sizeof o->buf)
        out_flush(o);
    o->buf[o->len++] = c;
}

static void out_int(out *o, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--i] = '-';
    out_put(o, tmp + i, sizeof tmp - i);
}

/* ---- CSV and JSON text ------------------------------------------------- */

/* An RFC 4180 field: quoted when it holds a comma, a quote or a line break
 * (quotes doubled inside), and when it is empty, so that an empty string
 * ("") differs from a null (nothing). */
static void csv_field(out *o, const char *p, size_t n)
{
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!quote) {
        out_put(o, p, n);
        return;
    }
    out_char(o, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') {
            out_put(o, p + from, i + 1 - from);
            from = i; /* the quote is written again: doubled */
        }
    }
    out_put(o, p + from, n - from);
    out_char(o, '"');
}

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

/* A JSON string: quotes and backslashes escaped, control characters as
 * \n, \t... or \u00XX, and each byte that is not part of well-formed UTF-8
 * replaced by U+FFFD. */
static void json_string(out *o, const char *text, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)text;
    out_char(o, '"');
    size_t from = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_sequence(p + i, n - i);
            if (len > 0) {
                i += len;
                continue;
            }
        }
        out_put(o, text + from, i - from);
        switch (c) {
        case '"': out_put(o, "\\\"", 2); break;
        case '\\': out_put(o, "\\\\", 2); break;
        case '\b': out_put(o, "\\b", 2); break;
        case '\f': out_put(o, "\\f", 2); break;
        case '\n': out_put(o, "\\n", 2); break;
        case '\r': out_put(o, "\\r", 2); break;
        case '\t': out_put(o, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                out_put(o, u, sizeof u);
            } else
                out_put(o, "\\ufffd", 6); /* not UTF-8 */
        }
        i++;
        from = i;
    }
    out_put(o, text + from, n - from);
    out_char(o, '"');
}

/* ---- cells ------------------------------------------------------------- */

typedef struct scratch {
    char *p;
    size_t cap;
} scratch;

/* The cell as cql_cell_format writes it, in s (grown as needed); NULL for a
 * malformed cell or when out of memory. */
static const char *cell_text(scratch *s, cql_cell cell, size_t *len)
{
    int need = cql_cell_format(cell, s->p, s->cap);
    if (need < 0)
        return NULL;
    if ((size_t)need >= s->cap) {
        size_t cap = (size_t)need + 1;
        char *p = realloc(s->p, cap);
        if (p == NULL)
            return NULL;
        s->p = p;
        s->cap = cap;
        need = cql_cell_format(cell, s->p, s->cap);
        if (need < 0)
            return NULL;
    }
    *len = (size_t)need;
    return s->p;
}

typedef enum format { FORMAT_CSV, FORMAT_NDJSON } format;

/* Writes one cell; false when it is malformed (or no memory for its text). */
static bool write_cell(out *o, scratch *s, format fmt, cql_cell cell)
{
    if (cql_cell_is_null(cell)) {
        if (fmt == FORMAT_NDJSON)
            out_put(o, "null", 4);
        return true; /* CSV: an empty field */
    }
    cql_type_kind kind = cell.type ? cql_type_kind_of(cell.type) : CQL_TYPE_BLOB;
    if (cell.len == 0 && kind != CQL_TYPE_BLOB && kind != CQL_TYPE_CUSTOM) {
        /* An empty value (not null), which old tables allow for most types:
         * written as an empty string. */
        if (fmt == FORMAT_CSV)
            csv_field(o, "", 0);
        else
            json_string(o, "", 0);
        return true;
    }
    int64_t i64;
    cql_str str;
    double d;
    bool b;
    size_t len;
    const char *text;
    switch (kind) {
    case CQL_TYPE_TINYINT:
    case CQL_TYPE_SMALLINT:
    case CQL_TYPE_INT:
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER:
        if (cql_cell_int64(cell, &i64) != CQL_OK)
            return false;
        out_int(o, i64);
        return true;
    case CQL_TYPE_VARCHAR:
    case CQL_TYPE_ASCII:
        /* Text that is not valid UTF-8 (no server sends it) goes out as it
         * is in CSV, and with U+FFFD for each bad byte in JSON. */
        if (cql_cell_string(cell, &str) != CQL_OK && cql_cell_bytes(cell, &str) != CQL_OK)
            return false;
        if (fmt == FORMAT_CSV)
            csv_field(o, str.ptr, str.len);
        else
            json_string(o, str.ptr, str.len);
        return true;
    case CQL_TYPE_BOOLEAN:
        if (cql_cell_bool(cell, &b) != CQL_OK)
            return false;
        out_put(o, b ? "true" : "false", b ? 4 : 5);
        return true;
    case CQL_TYPE_FLOAT:
    case CQL_TYPE_DOUBLE:
    case CQL_TYPE_VARINT:
        text = cell_text(s, cell, &len);
        if (text == NULL)
            return false;
        /* NaN and the infinities are not JSON numbers: strings then. */
        if (fmt == FORMAT_NDJSON && kind != CQL_TYPE_VARINT &&
            (cql_cell_double(cell, &d) != CQL_OK || !isfinite(d)))
            json_string(o, text, len);
        else
            out_put(o, text, len); /* plain digits, '.', '-', 'e', '+': never quoted in CSV */
        return true;
    default:
        text = cell_text(s, cell, &len);
        if (text == NULL)
            return false;
        if (fmt == FORMAT_CSV)
            csv_field(o, text, len);
        else
            json_string(o, text, len);
        return true;
    }
}

/* ---- arguments --------------------------------------------------------- */

typedef struct options {
    const char *host;
    const char *keyspace;
    const char *query;
    format fmt;
    int32_t page_size;
    int32_t prefetch; /* pages ahead; 0: on demand */
} options;

static bool parse_int(const char *s, long lo, long hi, int32_t *result)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *result = (int32_t)v;
    return true;
}

/* Parses argv; returns 0, or 2 after printing why (usage on stderr), or -1
 * for --help (usage printed on stdout). */
static int parse_args(int argc, char **argv, options *opt)
{
    *opt = (options){.host = "127.0.0.1", .fmt = FORMAT_CSV, .page_size = 5000, .prefetch = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--") == 0) {
            if (strcmp(a, "--") == 0 && i + 1 < argc)
                a = argv[++i];
            if (opt->query != NULL || i + 1 < argc) {
                fprintf(stderr, "%s: one QUERY argument, after the options\n", prog);
                usage(stderr);
                return 2;
            }
            opt->query = a;
            continue;
        }
        /* --name VALUE or --name=VALUE */
        const char *eq = strchr(a, '=');
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(name_len < 31 ? name_len : 31), a);
        static const char *const known[] = {"--host", "--keyspace", "--format", "--page-size",
                                            "--prefetch"};
        bool is_known = false;
        for (size_t k = 0; k < sizeof known / sizeof *known; k++)
            is_known = is_known || strcmp(name, known[k]) == 0;
        if (!is_known) {
            fprintf(stderr, "%s: unknown option %s\n", prog, name);
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
            opt->keyspace = value;
        else if (strcmp(name, "--format") == 0) {
            if (strcmp(value, "csv") == 0)
                opt->fmt = FORMAT_CSV;
            else if (strcmp(value, "ndjson") == 0)
                opt->fmt = FORMAT_NDJSON;
            else
                ok = false;
        } else if (strcmp(name, "--page-size") == 0)
            ok = parse_int(value, 1, INT32_MAX, &opt->page_size);
        else
            ok = parse_int(value, 0, 16, &opt->prefetch); /* --prefetch */
        if (!ok) {
            fprintf(stderr, "%s: bad value for %s: \"%s\"\n", prog, name, value);
            usage(stderr);
            return 2;
        }
    }
    if (opt->query == NULL || opt->query[0] == '\0') {
        fprintf(stderr, "%s: a QUERY is required\n", prog);
        usage(stderr);
        return 2;
    }
    return 0;
}

/* ---- the export -------------------------------------------------------- */

static _Atomic uint64_t pages_seen; /* counted on the loop thread */

static void on_page(void *arg, uint64_t page_number, size_t rows)
{
    (void)arg;
    (void)rows;
    atomic_store_explicit(&pages_seen, page_number, memory_order_relaxed);
}

/* The column names as the row prefix each needs: CSV a header line; NDJSON
 * `"name":` per column. Copied, since pages come and go. */
typedef struct columns {
    size_t count;
    char **json_keys; /* NDJSON: the escaped key and its colon */
    size_t *json_key_len;
} columns;

static out stdout_buf; /* 64 KiB: static, not on the stack */

static bool take_columns(const cql_result *page, format fmt, out *o, columns *cols)
{
    cols->count = page ? cql_result_column_count(page) : 0;
    if (cols->count == 0)
        return true;
    if (fmt == FORMAT_CSV) {
        for (size_t i = 0; i < cols->count; i++) {
            cql_str name = cql_result_column_name(page, i);
            if (i > 0)
                out_char(o, ',');
            csv_field(o, name.ptr, name.len);
        }
        out_char(o, '\n');
        return true;
    }
    cols->json_keys = calloc(cols->count, sizeof *cols->json_keys);
    cols->json_key_len = calloc(cols->count, sizeof *cols->json_key_len);
    if (cols->json_keys == NULL || cols->json_key_len == NULL)
        return false;
    /* Each name escaped into its own string, through a writer that never
     * flushes: a name of n bytes takes at most 6n + 3 of them. */
    static out key;
    for (size_t i = 0; i < cols->count; i++) {
        cql_str name = cql_result_column_name(page, i);
        if (name.len > (sizeof key.buf - 3) / 6)
            return false;
        key.len = 0;
        json_string(&key, name.ptr, name.len);
        out_char(&key, ':');
        cols->json_keys[i] = malloc(key.len);
        if (cols->json_keys[i] == NULL)
            return false;
        memcpy(cols->json_keys[i], key.buf, key.len);
        cols->json_key_len[i] = key.len;
    }
    return true;
}

static void free_columns(columns *cols)
{
    if (cols->json_keys != NULL)
        for (size_t i = 0; i < cols->count; i++)
            free(cols->json_keys[i]);
    free(cols->json_keys);
    free(cols->json_key_len);
}

static void print_progress(uint64_t rows, double elapsed)
{
    fprintf(stderr, "\r%s: %" PRIu64 " rows, %.0f rows/s, %" PRIu64 " pages", prog, rows,
            elapsed > 0 ? (double)rows / elapsed : 0.0,
            atomic_load_explicit(&pages_seen, memory_order_relaxed));
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_args(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    signal(SIGPIPE, SIG_IGN); /* a closed stdout shows as EPIPE from write() */
    bool progress = isatty(STDERR_FILENO) == 1;

    cql_session_config config = {
        .contact_points = opt.host,
        .keyspace = opt.keyspace,
        .application_name = prog,
    };
    char err[256];
    CQL_SCOPED(cql_session) session = NULL; /* closed on every way out */
    if (cql_session_new(&config, NULL, &session, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    CQL_SCOPED(cql_future) connected = cql_session_connect(session);
    if (cql_future_wait(connected, WAIT_MS) != CQL_OK) {
        const cql_error *e = cql_future_error(connected);
        fprintf(stderr, "%s: cannot connect: %s\n", prog,
                e ? e->message : "no answer in time");
        return 1;
    }

    CQL_SCOPED(cql_statement) st = cql_statement_new(opt.query, 0);
    cql_stream_config sc = {
        .prefetch = opt.prefetch == 0 ? CQL_STREAM_ON_DEMAND : opt.prefetch,
        .page_size = opt.page_size,
        .on_page = on_page,
    };
    double t0 = now_s();
    CQL_SCOPED(cql_stream) stream = st ? cql_session_stream(session, st, &sc) : NULL;
    if (stream == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    /* The first page: the query's errors show here, and its columns. */
    CQL_SCOPED(cql_future) first = cql_stream_fetch(stream);
    if (first == NULL || cql_future_wait(first, WAIT_FOREVER_MS) != CQL_OK) {
        const cql_error *e = first ? cql_future_error(first) : NULL;
        fprintf(stderr, "%s: %s\n", prog, e ? e->message : "out of memory");
        return 1;
    }

    out *o = &stdout_buf;
    columns cols = {0};
    scratch s = {0};
    if (!take_columns(cql_stream_page(stream), opt.fmt, o, &cols)) {
        fprintf(stderr, "%s: out of memory\n", prog);
        free_columns(&cols);
        return 1;
    }
    uint64_t rows = 0;
    double last_progress = t0;
    const char *failure = NULL;
    char failure_text[512];
    while (out_ok(o) && cql_stream_next_row(stream)) {
        if (opt.fmt == FORMAT_NDJSON)
            out_char(o, '{');
        for (size_t c = 0; c < cols.count; c++) {
            if (opt.fmt == FORMAT_NDJSON) {
                if (c > 0)
                    out_char(o, ',');
                out_put(o, cols.json_keys[c], cols.json_key_len[c]);
            } else if (c > 0)
                out_char(o, ',');
            if (!write_cell(o, &s, opt.fmt, cql_stream_cell(stream, c))) {
                cql_str name = cql_result_column_name(cql_stream_page(stream), c);
                snprintf(failure_text, sizeof failure_text,
                         "row %" PRIu64 ", column \"%.*s\": a malformed value", rows + 1,
                         (int)name.len, name.ptr);
                failure = failure_text;
                break;
            }
        }
        if (failure != NULL)
            break;
        if (opt.fmt == FORMAT_NDJSON)
            out_char(o, '}');
        out_char(o, '\n');
        rows++;
        if (progress && rows % PROGRESS_EVERY_ROWS == 0) {
            double t = now_s();
            if (t - last_progress >= PROGRESS_INTERVAL_S) {
                last_progress = t;
                print_progress(rows, t - t0);
            }
        }
    }
    if (failure == NULL && out_ok(o)) {
        const cql_error *e = cql_stream_error(stream);
        if (e != NULL) {
            snprintf(failure_text, sizeof failure_text, "%s", e->message);
            failure = failure_text;
        }
    }
    out_flush(o);
    bool reader_gone = o->closed;
    uint64_t pages = cql_stream_page_number(stream);
    cql_stream_close(stream); /* also when stdout closed early: the fetch ahead is abandoned */
    double elapsed = now_s() - t0;
    free_columns(&cols);
    free(s.p);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr,
            "%s: %" PRIu64 " rows in %.2f s, %.0f rows/s, %" PRIu64
            " pages, peak RSS %.1f MiB%s\n",
            prog, rows, elapsed, elapsed > 0 ? (double)rows / elapsed : 0.0, pages,
            (double)ru.ru_maxrss / 1024.0, reader_gone ? " (stdout closed early)" : "");
    if (o->error != 0) {
        fprintf(stderr, "%s: writing stdout: %s\n", prog, strerror(o->error));
        return 1;
    }
    if (failure != NULL && !reader_gone) {
        fprintf(stderr, "%s: %s\n", prog, failure);
        return 1;
    }
    return 0;
}
