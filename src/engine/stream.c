/*
 * Streams: a statement run page by page. The stream keeps the current page
 * and at most `prefetch` pages fetched ahead; one fetch is in flight at a
 * time, asked for with the paging state of the page before it. Everything
 * runs under the session lock; pages arrive through a future callback on
 * the loop thread. Closing cancels the fetch in flight (its id stays
 * reserved in the conn until the late answer), frees the pages, and fails a
 * caller's waiting fetch.
 */
#include "engine/engine.h"
#include "engine/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_PREFETCH = 16, WAIT_FOREVER_MS = 24u * 3600 * 1000 };

struct cql_stream {
    cql_session *session; /* NULL once the session is gone */
    cql_stream *next, *prev;
    cql_statement *statement; /* private copy: its paging state moves forward */
    cql_stream_config config;
    unsigned ahead_max;       /* pages fetched ahead at most (0: on demand) */
    uint64_t deadline;        /* the loop's clock; UINT64_MAX: none */
    cql_result *current;
    cql_result *ahead[MAX_PREFETCH];
    unsigned ahead_head, ahead_count;
    cql_future *fetching; /* the fetch in flight (our reference) */
    cql_future *waiter;   /* a caller's cql_stream_fetch not yet satisfied */
    bool ended;           /* nothing more to ask the server for */
    bool closed;
    bool busy;            /* next_row found no page on the caller's loop */
    uint64_t pages, rows;
    cql_error_box error;
};

static const cql_error busy_error = {
    .rc = CQL_E_BUSY,
    .category = CQL_ERRCAT_CLIENT,
    .message = "the next page has not arrived yet: wait for cql_stream_fetch",
    .host = "",
};

/* ---- pages and the ledger ---------------------------------------------- */

static size_t page_bytes(const cql_result *r)
{
    return cql_response_header(cql_result_response(r))->length;
}

static void page_drop(cql_stream *st, cql_result *r)
{
    if (r == NULL)
        return;
    if (st->session != NULL) {
        st->session->buffered_pages--;
        st->session->buffered_bytes -= page_bytes(r);
    }
    cql_result_free(r);
}

static cql_result *ahead_pop(cql_stream *st)
{
    if (st->ahead_count == 0)
        return NULL;
    cql_result *r = st->ahead[st->ahead_head];
    st->ahead_head = (st->ahead_head + 1) % MAX_PREFETCH;
    st->ahead_count--;
    return r;
}

static void ahead_push(cql_stream *st, cql_result *r)
{
    st->ahead[(st->ahead_head + st->ahead_count) % MAX_PREFETCH] = r;
    st->ahead_count++;
}

/* ---- fetching ---------------------------------------------------------- */

static void request_next(cql_stream *st);

/* Stops the stream with an error (the first one stays). */
static void stream_fail(cql_stream *st, cql_rc rc, cql_error_category cat, const char *what)
{
    st->ended = true;
    if (st->error.pub.rc == CQL_OK)
        cql_error_set(&st->error, rc, cat, NULL, "%s", what);
}

/* Gives a waiting caller the next page, the end, or the error, once one of
 * them is known. */
static void satisfy_waiter(cql_stream *st)
{
    if (st->waiter == NULL)
        return;
    bool have_page = st->ahead_count > 0;
    if (!have_page && !st->ended)
        return; /* still coming */
    cql_future *w = st->waiter;
    st->waiter = NULL;
    page_drop(st, st->current);
    st->current = ahead_pop(st);
    if (st->current == NULL && st->error.pub.rc != CQL_OK) {
        /* The waiter gets the what and where; the server's fields stay on
         * the stream (cql_stream_error), which owns them. */
        cql_error_set(&w->error, st->error.pub.rc, st->error.pub.category, st->error.pub.host,
                      "%s", st->error.pub.message);
    }
    cql_future_complete(w);
}

static void on_fetched(cql_future *f, void *arg)
{
    cql_stream *st = arg;
    if (st->fetching != f)
        return; /* abandoned by close: the closer drops it */
    st->fetching = NULL;
    cql_session *s = st->session;
    if (f->error.pub.rc != CQL_OK) {
        st->ended = true;
        if (f->error.pub.rc == CQL_E_TIMEOUT && st->deadline != UINT64_MAX &&
            cql_session_now(s) >= st->deadline) {
            char what[96];
            snprintf(what, sizeof what, "the stream's deadline of %u ms passed",
                     (unsigned)st->config.deadline_ms);
            stream_fail(st, CQL_E_TIMEOUT, CQL_ERRCAT_TIMEOUT, what);
        } else if (st->error.pub.rc == CQL_OK)
            cql_error_move(&st->error, &f->error);
        cql_future_free(f);
        satisfy_waiter(st);
        return;
    }
    cql_result *r = cql_future_take_result(f);
    cql_future_free(f);
    if (r == NULL) {
        stream_fail(st, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, "out of memory for a page");
        satisfy_waiter(st);
        return;
    }
    size_t rows = cql_result_row_count(r);
    st->pages++;
    st->rows += rows;
    s->buffered_pages++;
    s->buffered_bytes += page_bytes(r);
    cql_str state = cql_result_paging_state(r);
    if (!cql_result_has_more_pages(r) || state.len == 0 ||
        (st->config.max_pages != 0 && st->pages >= st->config.max_pages))
        st->ended = true;
    else if (cql_statement_set_paging_state(st->statement, (const uint8_t *)state.ptr,
                                            state.len) != CQL_OK)
        stream_fail(st, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, "out of memory for the paging state");
    ahead_push(st, r);
    if (st->config.on_page != NULL)
        st->config.on_page(st->config.on_page_arg, st->pages, rows);
    if (st->closed)
        return; /* the page callback closed it */
    satisfy_waiter(st);
    request_next(st);
}

/* Asks for the next page when there is room for it and nothing in flight. */
static void request_next(cql_stream *st)
{
    if (st->closed || st->ended || st->fetching != NULL || st->session == NULL)
        return;
    if (st->ahead_max == 0 ? (st->waiter == NULL || st->ahead_count > 0)
                           : st->ahead_count >= st->ahead_max)
        return;
    uint32_t timeout = st->config.page_timeout_ms;
    if (st->deadline != UINT64_MAX) {
        uint64_t now = cql_session_now(st->session);
        if (now >= st->deadline) {
            char what[96];
            snprintf(what, sizeof what, "the stream's deadline of %u ms passed",
                     (unsigned)st->config.deadline_ms);
            stream_fail(st, CQL_E_TIMEOUT, CQL_ERRCAT_TIMEOUT, what);
            satisfy_waiter(st);
            return;
        }
        uint64_t left = st->deadline - now;
        if (timeout == 0 || left < timeout)
            timeout = (uint32_t)left;
    }
    if (timeout != 0)
        cql_statement_set_timeout(st->statement, timeout);
    cql_future *f = cql_session_execute(st->session, st->statement);
    if (f == NULL) {
        stream_fail(st, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, "out of memory");
        satisfy_waiter(st);
        return;
    }
    st->fetching = f;
    cql_future_then(f, on_fetched, st); /* fires now if it failed at once */
}

/* ---- the public calls -------------------------------------------------- */

static bool is_select(cql_str q)
{
    size_t i = 0;
    while (i < q.len && (q.ptr[i] == ' ' || q.ptr[i] == '\t' || q.ptr[i] == '\n' ||
                         q.ptr[i] == '\r' || q.ptr[i] == '('))
        i++;
    return q.len - i >= 6 && strncasecmp(q.ptr + i, "SELECT", 6) == 0;
}

cql_stream *cql_session_stream(cql_session *s, const cql_statement *stmt,
                               const cql_stream_config *config)
{
    if (s == NULL || stmt == NULL)
        return NULL;
    cql_stream *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    cql_error_clear(&st->error);
    st->statement = cql_statement_clone(stmt);
    if (st->statement == NULL) {
        free(st);
        return NULL;
    }
    if (config != NULL)
        st->config = *config;
    int32_t prefetch = st->config.prefetch;
    st->ahead_max = prefetch == CQL_STREAM_ON_DEMAND ? 0
                    : prefetch <= 0                ? 1
                    : prefetch > MAX_PREFETCH      ? MAX_PREFETCH
                                                   : (unsigned)prefetch;
    if (st->config.page_size > 0)
        cql_statement_set_page_size(st->statement, st->config.page_size);
    if (is_select(cql_statement_query(st->statement)))
        cql_statement_set_idempotent(st->statement, true); /* resumable on another connection */
    cql_session_lock(s);
    st->session = s;
    st->deadline = st->config.deadline_ms ? cql_session_now(s) + st->config.deadline_ms
                                          : UINT64_MAX;
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    s->open_streams++;
    if (s->closing)
        stream_fail(st, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, "the session is closed");
    else if (st->ahead_max == 0) /* on demand: the first page too waits for a fetch */
        ;
    else
        request_next(st);
    cql_session_unlock(s);
    return st;
}

/* The caller cancelled its fetch: the page, when it comes, waits for the
 * next one. */
static void waiter_cancelled(cql_future *f, void *arg)
{
    cql_stream *st = arg;
    if (st->waiter == f)
        st->waiter = NULL;
}

cql_future *cql_stream_fetch(cql_stream *st)
{
    if (st == NULL)
        return NULL;
    cql_session *s = st->session;
    if (s != NULL)
        cql_session_lock(s);
    cql_future *f = cql_future_new(s, FUTURE_EXECUTE);
    if (f != NULL) {
        if (st->closed || s == NULL)
            cql_future_fail(f, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL, "the stream is closed");
        else if (st->waiter != NULL)
            cql_future_fail(f, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                            "a fetch of this stream is pending already");
        else {
            st->waiter = f;
            f->on_cancel = waiter_cancelled;
            f->on_cancel_arg = st;
            satisfy_waiter(st);
            request_next(st);
        }
    }
    if (s != NULL)
        cql_session_unlock(s);
    return f;
}

const cql_result *cql_stream_page(const cql_stream *st)
{
    return st != NULL && !st->closed ? st->current : NULL;
}

cql_cell cql_stream_cell(const cql_stream *st, size_t column)
{
    if (st == NULL || st->closed || st->current == NULL)
        return (cql_cell){NULL, NULL, CQL_NULL};
    return cql_result_cell(st->current, column);
}

bool cql_stream_next_row(cql_stream *st)
{
    if (st == NULL)
        return false;
    st->busy = false;
    for (;;) {
        cql_session *s = st->session;
        if (st->closed || s == NULL)
            return false;
        if (st->current != NULL) {
            if (cql_result_next(st->current))
                return true;
            const cql_error *bad = cql_result_error(st->current);
            if (bad != NULL) {
                cql_session_lock(s);
                stream_fail(st, bad->rc, bad->category, bad->message);
                cql_session_unlock(s);
                return false;
            }
        }
        cql_session_lock(s);
        bool at_end = st->ended && st->ahead_count == 0 && st->fetching == NULL;
        bool must_wait = st->ahead_count == 0 && !at_end;
        cql_session_unlock(s);
        if (at_end) {
            cql_future_free(cql_stream_fetch(st)); /* frees the last page */
            return false;
        }
        if (must_wait && !s->threaded) {
            st->busy = true;
            return false;
        }
        cql_future *f = cql_stream_fetch(st);
        cql_rc rc = f ? cql_future_wait(f, WAIT_FOREVER_MS) : CQL_E_NOMEM;
        cql_future_free(f);
        if (rc != CQL_OK || st->current == NULL)
            return false;
    }
}

const cql_error *cql_stream_error(const cql_stream *st)
{
    if (st == NULL)
        return NULL;
    if (st->error.pub.rc != CQL_OK)
        return &st->error.pub;
    return st->busy ? &busy_error : NULL;
}

/* The counters move on the loop thread: read them under the lock. */
static uint64_t read_counter(const cql_stream *st, const uint64_t *counter)
{
    cql_session *s = st->session;
    if (s != NULL)
        cql_session_lock(s);
    uint64_t v = *counter;
    if (s != NULL)
        cql_session_unlock(s);
    return v;
}

uint64_t cql_stream_page_number(const cql_stream *st) { return st ? read_counter(st, &st->pages) : 0; }
uint64_t cql_stream_rows_fetched(const cql_stream *st) { return st ? read_counter(st, &st->rows) : 0; }

cql_str cql_stream_paging_state(const cql_stream *st)
{
    if (st == NULL || st->closed || st->current == NULL)
        return (cql_str){"", 0};
    return cql_result_paging_state(st->current);
}

/* Closes under the session lock; why says who closed it. */
static void stream_close(cql_stream *st, const char *why)
{
    if (st->closed)
        return;
    st->closed = true;
    st->ended = true;
    cql_future *f = st->fetching;
    st->fetching = NULL;
    cql_future_forget_callback(f); /* the stream may be freed before it would run */
    cql_future_free(f); /* cancels: the id stays reserved until the late answer */
    page_drop(st, st->current);
    st->current = NULL;
    for (cql_result *r; (r = ahead_pop(st)) != NULL;)
        page_drop(st, r);
    cql_error_set(&st->error, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL, "%s", why);
    if (st->waiter != NULL) {
        cql_future *w = st->waiter;
        st->waiter = NULL;
        cql_future_fail(w, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL, "%s", why);
    }
    cql_session *s = st->session;
    if (s != NULL) {
        if (st->prev)
            st->prev->next = st->next;
        else
            s->streams = st->next;
        if (st->next)
            st->next->prev = st->prev;
        st->next = st->prev = NULL;
        s->open_streams--;
        st->session = NULL; /* the session may go first now: never look at it again */
    }
}

void cql_stream_close(cql_stream *st)
{
    if (st == NULL)
        return;
    cql_session *s = st->session;
    if (s != NULL)
        cql_session_lock(s);
    stream_close(st, "the stream is closed");
    if (s != NULL)
        cql_session_unlock(s);
}

void cql_stream_free(cql_stream *st)
{
    if (st == NULL)
        return;
    cql_stream_close(st);
    cql_statement_free(st->statement);
    cql_error_clear(&st->error);
    free(st);
}

void cql_streams_close_all(cql_session *s)
{
    while (s->streams != NULL) {
        cql_stream *st = s->streams;
#ifndef NDEBUG
        cql_str q = cql_statement_query(st->statement);
        fprintf(stderr, "cqlio: the session was closed with a stream still open: \"%.*s\"%s\n",
                q.len > 80 ? 80 : (int)q.len, q.ptr ? q.ptr : "", q.len > 80 ? "..." : "");
#endif
        stream_close(st, "the session was closed");
        st->session = NULL;
    }
}

cql_rc cql_session_foreach(cql_session *s, const cql_statement *stmt,
                           const cql_stream_config *config, cql_row_fn fn, void *arg,
                           char *err_buf, size_t cap)
{
    if (s == NULL || stmt == NULL || fn == NULL) {
        if (err_buf != NULL && cap > 0)
            snprintf(err_buf, cap, "foreach: session, statement and callback are required");
        return CQL_E_ARG;
    }
    cql_stream *st = cql_session_stream(s, stmt, config);
    if (st == NULL)
        return CQL_E_NOMEM;
    cql_rc rc = CQL_OK;
    const char *why = NULL;
    while (cql_stream_next_row(st)) {
        cql_foreach_step step = fn(st->current, arg);
        if (step == CQL_FOREACH_STOP)
            break;
        if (step != CQL_FOREACH_CONTINUE) {
            rc = CQL_E_CANCELLED;
            why = "the row callback reported an error";
            break;
        }
    }
    const cql_error *e = cql_stream_error(st);
    if (rc == CQL_OK && e != NULL) {
        rc = e->rc;
        why = e->message;
    }
    if (why != NULL && err_buf != NULL && cap > 0)
        snprintf(err_buf, cap, "%s", why);
    cql_stream_free(st); /* every path */
    return rc;
}
