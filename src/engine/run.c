/*
 * The public calls that start requests: execute, query, prepare. Each makes
 * a future and a request and hands them to the dispatcher; a request that
 * cannot even start completes its future at once.
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static cql_request *request_new(cql_session *s, request_kind kind, future_kind fkind,
                                cql_future **out)
{
    *out = cql_future_new(s, fkind);
    if (*out == NULL)
        return NULL;
    cql_request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        cql_future_fail(*out, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL, "out of memory");
        return NULL;
    }
    r->kind = kind;
    r->future = *out;
    r->timeout_ms = s->config.request_timeout_ms;
    return r;
}

/* "USE ks": a session's connections share one keyspace, which a USE sent
 * on one of them would split. */
static bool is_use(cql_str q)
{
    size_t i = 0;
    while (i < q.len && (q.ptr[i] == ' ' || q.ptr[i] == '\t' || q.ptr[i] == '\n' || q.ptr[i] == '\r'))
        i++;
    return q.len - i > 4 && strncasecmp(q.ptr + i, "USE", 3) == 0 &&
           (q.ptr[i + 3] == ' ' || q.ptr[i + 3] == '\t' || q.ptr[i + 3] == '\n' ||
            q.ptr[i + 3] == '"');
}

/* The session refuses work once closed. */
static bool refuse_if_closed(cql_session *s, cql_future *f, cql_request *r)
{
    if (!s->closing)
        return false;
    cql_request_free(r);
    cql_future_fail(f, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL, "the session is closed");
    return true;
}

cql_future *cql_session_execute(cql_session *s, const cql_statement *st)
{
    if (s == NULL)
        return NULL;
    cql_session_lock(s);
    cql_future *f;
    cql_request *r = request_new(s, REQUEST_EXECUTE, FUTURE_EXECUTE, &f);
    if (r == NULL || refuse_if_closed(s, f, r)) {
        cql_session_unlock(s);
        return f;
    }
    if (st == NULL) {
        cql_request_free(r);
        cql_future_fail(f, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL, "execute: the statement is NULL");
        cql_session_unlock(s);
        return f;
    }
    if (is_use(cql_statement_query(st))) {
        cql_request_free(r);
        cql_future_fail(f, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                        "USE would change the keyspace of one connection only: set "
                        "config.keyspace, a statement's keyspace (v5), or qualify table names");
        cql_session_unlock(s);
        return f;
    }
    r->statement = cql_statement_clone(st);
    if (r->statement == NULL) {
        cql_request_free(r);
        cql_future_fail(f, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL, "out of memory");
        cql_session_unlock(s);
        return f;
    }
    const cql_prepared *p = cql_statement_prepared(st);
    if (p != NULL)
        r->prepared = cql_prepared_ref(p);
    if (cql_statement_timeout(st) != 0)
        r->timeout_ms = cql_statement_timeout(st);
    cql_dispatch_submit(s, r);
    cql_session_unlock(s);
    return f;
}

cql_future *cql_session_query(cql_session *s, const char *query)
{
    if (s == NULL)
        return NULL;
    cql_statement *st = query ? cql_statement_new(query, 0) : NULL;
    if (st == NULL && query != NULL)
        return NULL;
    cql_future *f = cql_session_execute(s, st);
    cql_statement_free(st);
    return f;
}

cql_future *cql_session_prepare(cql_session *s, const char *query)
{
    if (s == NULL)
        return NULL;
    cql_session_lock(s);
    cql_future *f;
    cql_request *r = request_new(s, REQUEST_PREPARE, FUTURE_PREPARE, &f);
    if (r == NULL || refuse_if_closed(s, f, r)) {
        cql_session_unlock(s);
        return f;
    }
    if (query == NULL) {
        cql_request_free(r);
        cql_future_fail(f, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL, "prepare: the query is NULL");
        cql_session_unlock(s);
        return f;
    }
    size_t len = strlen(query);
    cql_prepared *cached = cql_prepare_cache_get(s->prepared, s->keyspace, query, len);
    if (cached != NULL) { /* a second prepare costs nothing */
        cql_request_free(r);
        f->prepared = cql_prepared_ref(cached);
        cql_future_complete(f);
        cql_session_unlock(s);
        return f;
    }
    r->query = strdup(query);
    if (r->query == NULL) {
        cql_request_free(r);
        cql_future_fail(f, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL, "out of memory");
        cql_session_unlock(s);
        return f;
    }
    r->query_len = len;
    cql_dispatch_submit(s, r);
    cql_session_unlock(s);
    return f;
}
