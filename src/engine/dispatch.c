/*
 * Requests on their way: submitted into the session's queue, sent on a
 * connection the query plan picks, answered, re-prepared, retried or
 * failed — each future completed exactly once.
 */
#include "engine/engine.h"
#include "engine/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "SELECT * FROM t WHERE..." cut to fit an error message. */
static void query_excerpt(const cql_request *r, char *buf, size_t cap)
{
    cql_str q = r->kind == REQUEST_PREPARE ? (cql_str){r->query, r->query_len}
                                           : cql_statement_query(r->statement);
    if (q.len > 60)
        snprintf(buf, cap, "\"%.57s...\"", q.ptr);
    else
        snprintf(buf, cap, "\"%.*s\"", (int)q.len, q.ptr ? q.ptr : "");
}

void cql_request_free(cql_request *r)
{
    if (r == NULL)
        return;
    cql_statement_free(r->statement);
    cql_prepared_free(r->prepared);
    free(r->query);
    free(r);
}

/* ---- the queue --------------------------------------------------------- */

static void queue_push(cql_session *s, cql_request *r, bool front)
{
    r->queued = true;
    r->link = NULL;
    if (front) {
        r->prev = NULL;
        r->next = s->queue_head;
        if (s->queue_head)
            s->queue_head->prev = r;
        else
            s->queue_tail = r;
        s->queue_head = r;
    } else {
        r->next = NULL;
        r->prev = s->queue_tail;
        if (s->queue_tail)
            s->queue_tail->next = r;
        else
            s->queue_head = r;
        s->queue_tail = r;
    }
    s->queued++;
}

static void queue_remove(cql_session *s, cql_request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        s->queue_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        s->queue_tail = r->prev;
    r->next = r->prev = NULL;
    r->queued = false;
    s->queued--;
}

/* ---- completion -------------------------------------------------------- */

/* Completes the request's future (its error box already set, or success)
 * and frees the request. */
static void finish(cql_request *r)
{
    cql_future *f = r->future;
    r->future = NULL;
    cql_request_free(r);
    cql_future_complete(f);
}

/* Fails the request with "<query>: <detail>". */
static void fail(cql_request *r, cql_rc rc, cql_error_category cat, const char *host,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail(cql_request *r, cql_rc rc, cql_error_category cat, const char *host,
                 const char *fmt, ...)
{
    char q[80], detail[400];
    query_excerpt(r, q, sizeof q);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    cql_error_set(&r->future->error, rc, cat, host, "%s: %s", q, detail);
    finish(r);
}

/* ---- sending ----------------------------------------------------------- */

static cql_rc encode_request(cql_buf *out, const cql_request_opts *opts, void *arg)
{
    cql_request *r = arg;
    if (r->kind == REQUEST_PREPARE || r->repreparing) {
        if (r->kind == REQUEST_PREPARE)
            return cql_encode_prepare(out, opts, (cql_str){r->query, r->query_len},
                                      (cql_str){0});
        const cql_prepared *p = r->reprepare;
        bool v5_keyspace = opts->version >= 5 && p->keyspace[0] != '\0';
        return cql_encode_prepare(out, opts, (cql_str){p->query, p->query_len},
                                  v5_keyspace ? (cql_str){p->keyspace, strlen(p->keyspace)}
                                              : (cql_str){0});
    }
    cql_session *s = r->future->session;
    if (r->prepared != NULL) /* its page is read with the columns whose id it carries */
        r->columns = cql_prepared_columns(r->prepared);
    cql_statement_defaults d = {
        .consistency = s->config.consistency,
        .serial_consistency = s->config.serial_consistency,
        .page_size = s->config.page_size,
        .timestamp = r->timestamp,
        .columns = r->columns,
    };
    return cql_statement_encode(r->statement, out, opts, &d);
}

/* Tries to send r on one of h's ready connections: the least loaded. */
static cql_rc send_on_host(cql_session *s, cql_host *h, cql_request *r)
{
    bool busy = false;
    for (size_t tries = 0; tries < h->link_count; tries++) {
        cql_link *best = NULL;
        for (size_t i = 0; i < h->link_count; i++) {
            cql_link *l = h->links[i];
            if (l->state == LINK_READY && (best == NULL || cql_conn_in_flight(l->conn) +
                                                                   cql_conn_reserved(l->conn) <
                                                               cql_conn_in_flight(best->conn) +
                                                                   cql_conn_reserved(best->conn)))
                best = l;
        }
        if (best == NULL)
            break;
        int16_t stream;
        cql_rc rc = cql_conn_request(best->conn, encode_request, r, r, r->deadline, &stream);
        if (rc == CQL_OK) {
            r->link = best;
            r->stream = stream;
            r->attempts++;
            cql_link_want_flush(best);
            return CQL_OK;
        }
        if (rc != CQL_E_BUSY)
            return rc;
        busy = true;
        break; /* the least loaded is full: every one is */
    }
    if (busy)
        cql_session_grow_pool(s, h);
    return CQL_E_BUSY;
}

/* The query plan: round robin over hosts, starting at the next one. */
static cql_rc send_request(cql_session *s, cql_request *r)
{
    if (s->host_count == 0)
        return CQL_E_BUSY;
    size_t start = s->next_host++ % s->host_count;
    for (size_t k = 0; k < s->host_count; k++) {
        cql_rc rc = send_on_host(s, s->hosts[(start + k) % s->host_count], r);
        if (rc != CQL_E_BUSY)
            return rc;
    }
    return CQL_E_BUSY;
}

static bool check_statement(cql_session *s, cql_request *r)
{
    if (r->kind != REQUEST_EXECUTE)
        return true;
    cql_rc rc = cql_statement_check(r->statement, s->version, &r->future->error);
    if (rc == CQL_OK)
        return true;
    finish(r);
    return false;
}

/* Whether some host may take requests now or soon: it has a connection,
 * open or opening, or it lost one and has not failed to reconnect yet. */
static bool some_host_may_serve(const cql_session *s)
{
    for (size_t i = 0; i < s->host_count; i++)
        if (s->hosts[i]->link_count > 0 || !s->hosts[i]->down)
            return true;
    return false;
}

/* Every host is down (no connection, and the last attempt failed): what
 * waits fails now, saying why each host went down, rather than at its
 * deadline. The pools are tried again after their backoff. */
static void fail_no_host(cql_session *s)
{
    char why[400];
    size_t n = (size_t)snprintf(why, sizeof why, "no host available:");
    for (size_t i = 0; i < s->host_count && n < sizeof why; i++) {
        const cql_host *h = s->hosts[i];
        n += (size_t)snprintf(why + n, sizeof why - n, "%s %s is down (%s)", i ? ";" : "",
                              h->name, h->down_why[0] ? h->down_why : "no connection");
    }
    while (s->queue_head != NULL) {
        cql_request *r = s->queue_head;
        queue_remove(s, r);
        fail(r, CQL_E_NO_HOST, CQL_ERRCAT_NETWORK, s->host_count == 1 ? s->hosts[0]->name : NULL,
             "%s", why);
    }
}

void cql_dispatch_drain(cql_session *s)
{
    if (!s->connected)
        return;
    while (s->queue_head != NULL) {
        cql_request *r = s->queue_head;
        queue_remove(s, r);
        if (!check_statement(s, r))
            continue;
        cql_rc rc = send_request(s, r);
        if (rc == CQL_OK)
            continue;
        if (rc == CQL_E_BUSY) { /* no id free anywhere: wait for answers */
            queue_push(s, r, true);
            if (!some_host_may_serve(s))
                fail_no_host(s);
            return;
        }
        fail(r, rc, CQL_ERRCAT_CLIENT, NULL, "cannot be sent: %s", cql_rc_str(rc));
    }
}

void cql_dispatch_submit(cql_session *s, cql_request *r)
{
    if (s->connect_failed) {
        fail(r, s->connect_error.pub.rc ? s->connect_error.pub.rc : CQL_E_CLOSED,
             CQL_ERRCAT_CLIENT, NULL, "the session failed to connect; create a new one");
        return;
    }
    r->future->request = r;
    r->deadline = cql_session_now(s) + r->timeout_ms;
    if (r->kind == REQUEST_EXECUTE)
        r->timestamp = cql_session_timestamp(s);
    queue_push(s, r, false);
    cql_session_wake(s);
}

uint64_t cql_dispatch_expire(cql_session *s, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (cql_request *r = s->queue_head, *n; r != NULL; r = n) {
        n = r->next;
        if (r->deadline <= now) {
            queue_remove(s, r);
            char q[80];
            query_excerpt(r, q, sizeof q);
            cql_error_set(&r->future->error, CQL_E_TIMEOUT, CQL_ERRCAT_TIMEOUT, NULL,
                          "%s: no connection could take it within %u ms (%s)", q,
                          (unsigned)r->timeout_ms,
                          s->connected ? "every stream id was in use" : "not connected");
            finish(r);
        } else if (r->deadline < next) {
            next = r->deadline;
        }
    }
    return next;
}

/* ---- answers ----------------------------------------------------------- */

static void answer_prepare(cql_session *s, cql_request *r, cql_response *resp)
{
    cql_prepared *p = cql_prepared_new(r->query, r->query_len, s->keyspace, resp);
    if (p == NULL) {
        cql_error_set(&r->future->error, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL, "out of memory");
        finish(r);
        return;
    }
    cql_prepare_cache_put(s->prepared, p);
    r->future->prepared = p; /* the future's reference */
    finish(r);
}

/* The PREPARE of a re-prepare came back: send the EXECUTE again. */
static void answer_reprepare(cql_session *s, cql_link *l, cql_request *r, cql_response *resp)
{
    cql_str id = cql_response_result_metadata_id(resp);
    if (id.len > 0) { /* v5: the columns and the id EXECUTE must carry now (they may differ) */
        cql_prepared *p = (cql_prepared *)r->reprepare;
        cql_prepared_update_columns(p, cql_prepared_columns(p), cql_response_result_metadata(resp),
                                    id);
    }
    cql_response_free(resp);
    r->repreparing = false;
    int16_t stream;
    cql_rc rc = cql_conn_request(l->conn, encode_request, r, r, r->deadline, &stream);
    if (rc == CQL_OK) {
        r->stream = stream;
        cql_link_want_flush(l);
        return;
    }
    r->link = NULL;
    queue_push(s, r, true); /* another connection, or this one when it has room */
}

void cql_dispatch_response(cql_session *s, cql_link *l, cql_request *r, cql_response *resp)
{
    const cql_server_error *se = cql_response_error(resp);
    r->link = NULL;
    if (se != NULL) {
        const cql_prepared *target =
            se->code == CQL_ERROR_UNPREPARED && r->kind == REQUEST_EXECUTE && !r->repreparing
                ? cql_statement_prepared_by_id(r->statement, se->unprepared_id)
                : NULL;
        if (target != NULL && !r->reprepared) {
            /* The node forgot the statement (restart, eviction, schema
             * change): prepare it again on the same connection, once. */
            cql_response_free(resp);
            r->reprepare = target;
            r->repreparing = r->reprepared = true;
            int16_t stream;
            if (cql_conn_request(l->conn, encode_request, r, r, r->deadline, &stream) ==
                CQL_OK) {
                r->link = l;
                r->stream = stream;
                cql_link_want_flush(l);
                return;
            }
            r->repreparing = false;
            fail(r, CQL_E_BUSY, CQL_ERRCAT_CLIENT, l->host->name,
                 "the server forgot the prepared statement, and preparing it again could "
                 "not be sent (no stream id or memory)");
            return;
        }
        char q[80], context[120];
        query_excerpt(r, q, sizeof q);
        snprintf(context, sizeof context, "%s %s",
                 r->kind == REQUEST_PREPARE || r->repreparing ? "preparing" : "executing", q);
        if (se->code == CQL_ERROR_UNPREPARED && r->reprepared)
            snprintf(context, sizeof context, "executing %s (prepared again once already)", q);
        cql_error_set_server(&r->future->error, l->host->name, resp, context);
        finish(r);
        return;
    }
    if (r->kind == REQUEST_PREPARE) {
        if (cql_response_result_kind(resp) != CQL_RESULT_PREPARED) {
            cql_response_free(resp);
            fail(r, CQL_E_PROTOCOL, CQL_ERRCAT_NETWORK, l->host->name,
                 "preparing it: the server answered with something other than PREPARED");
            return;
        }
        answer_prepare(s, r, resp);
        return;
    }
    if (r->repreparing) {
        r->link = l;
        answer_reprepare(s, l, r, resp);
        return;
    }
    if (r->prepared != NULL) { /* v5: the columns changed since the prepare */
        const cql_metadata *m = cql_response_result_metadata(resp);
        if (cql_metadata_changed(m) && r->columns != NULL)
            cql_prepared_update_columns(r->prepared, r->columns, m, cql_metadata_new_id(m));
    }
    if (cql_response_result_kind(resp) == CQL_RESULT_SET_KEYSPACE) {
        cql_str ks = cql_response_keyspace(resp);
        char *copy = malloc(ks.len + 1);
        if (copy != NULL) {
            memcpy(copy, ks.ptr, ks.len);
            copy[ks.len] = '\0';
            free(s->keyspace);
            s->keyspace = copy;
        }
    }
    cql_result *result =
        cql_result_new(resp, r->prepared, r->columns != NULL ? r->columns->metadata : NULL);
    if (result == NULL) {
        fail(r, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL, "out of memory for the result");
        return;
    }
    r->future->result = result;
    finish(r);
}

void cql_dispatch_timeout(cql_session *s, cql_link *l, cql_request *r)
{
    (void)s;
    r->link = NULL;
    fail(r, CQL_E_TIMEOUT, CQL_ERRCAT_TIMEOUT, l->host->name,
         "no answer from %s within %u ms", l->host->name, (unsigned)r->timeout_ms);
}

void cql_dispatch_failed(cql_session *s, cql_link *l, cql_request *r)
{
    r->link = NULL;
    bool idempotent = r->kind == REQUEST_PREPARE ||
                      (r->statement != NULL && cql_statement_is_idempotent(r->statement));
    if (idempotent && r->attempts < 3 && !s->closing) {
        r->repreparing = r->reprepared = false;
        queue_push(s, r, true); /* another connection takes it */
        cql_session_wake(s);
        return;
    }
    const cql_conn_error *e = cql_conn_error_of(l->conn);
    const char *what = e->what ? e->what : "closed";
    if (idempotent)
        fail(r, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, l->host->name,
             "the connection to %s was lost (%s); retried as often as allowed", l->host->name,
             what);
    else
        fail(r, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, l->host->name,
             "the connection to %s was lost before the answer (%s); not retried, as the "
             "statement is not marked idempotent",
             l->host->name, what);
}

void cql_dispatch_cancel(cql_session *s, cql_request *r)
{
    if (r->queued)
        queue_remove(s, r);
    else if (r->link != NULL)
        cql_conn_abandon(r->link->conn, r->stream, r);
    cql_error_set(&r->future->error, CQL_E_CANCELLED, CQL_ERRCAT_CLIENT, NULL,
                  "cancelled by the caller");
    finish(r);
}

void cql_dispatch_fail_all(cql_session *s, cql_rc rc, cql_error_category cat, const char *why)
{
    while (s->queue_head != NULL) {
        cql_request *r = s->queue_head;
        queue_remove(s, r);
        fail(r, rc, cat, NULL, "%s", why);
    }
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        for (size_t j = 0; j < h->link_count; j++) {
            cql_link *l = h->links[j];
            /* Everything still waiting on l: the conn hands it out as FAILED. */
            cql_conn_fail(l->conn, CQL_E_CLOSED, "the session was closed");
            cql_conn_event ev;
            while (cql_conn_next_event(l->conn, &ev)) {
                if (ev.kind == CQL_CONN_RESPONSE || ev.kind == CQL_CONN_SERVER_EVENT)
                    cql_response_free(ev.response);
                /* An answer that came in the same read counts as too late. */
                if (ev.kind == CQL_CONN_FAILED || ev.kind == CQL_CONN_TIMEOUT ||
                    ev.kind == CQL_CONN_RESPONSE)
                    fail(ev.user, rc, cat, h->name, "%s", why);
            }
        }
    }
}
