/*
 * What the integration suites share: the node's address, a monotonic clock,
 * a connected session on a private loop thread, running a statement and
 * waiting, and the ledger check each test ends with. Header-only.
 */
#ifndef CQLIO_TEST_CLIENT_H
#define CQLIO_TEST_CLIENT_H

#include "cqlio.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef WAIT_MS
#define WAIT_MS 20000
#endif

static const char *node_host(void)
{
    const char *h = getenv("CQLIO_TEST_HOST");
    return h && *h ? h : "127.0.0.1";
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static cql_session *open_session(cql_session_config cfg)
{
    char err[256];
    if (cfg.contact_points == NULL)
        cfg.contact_points = node_host();
    cql_session *s = NULL;
    if (cql_session_new(&cfg, NULL, &s, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "  session_new: %s\n", err);
        return NULL;
    }
    CQL_SCOPED(cql_future) f = cql_session_connect(s);
    if (cql_future_wait(f, WAIT_MS) != CQL_OK) {
        const cql_error *e = cql_future_error(f);
        fprintf(stderr, "  connect: %s\n", e ? e->message : "timed out");
        cql_session_free(s);
        return NULL;
    }
    return s;
}

/* Runs a statement and waits; the result (NULL on failure, with the error
 * printed unless quiet). */
static cql_result *run(cql_session *s, const cql_statement *st)
{
    CQL_SCOPED(cql_future) f = cql_session_execute(s, st);
    if (f == NULL)
        return NULL;
    cql_rc rc = cql_future_wait(f, WAIT_MS);
    if (rc != CQL_OK) {
        const cql_error *e = cql_future_error(f);
        fprintf(stderr, "  execute: %s\n", e ? e->message : cql_rc_str(rc));
        return NULL;
    }
    return cql_future_take_result(f);
}

static bool query_ok(cql_session *s, const char *q)
{
    CQL_SCOPED(cql_statement) st = cql_statement_new(q, 0);
    CQL_SCOPED(cql_result) r = run(s, st);
    if (r == NULL)
        fprintf(stderr, "  query failed: %s\n", q);
    return r != NULL;
}

/* True once the ledger shows nothing in flight, reserved, queued or pending
 * (waits for late answers, up to a limit). */
static bool ledger_settles(cql_session *s)
{
    uint64_t until = mono_ms() + WAIT_MS;
    cql_resources r;
    for (;;) {
        cql_session_resources(s, &r);
        if (r.in_flight == 0 && r.reserved_streams == 0 && r.queued == 0 &&
            r.pending_futures == 0 && r.open_streams == 0 && r.buffered_pages == 0 &&
            r.buffered_bytes == 0)
            return true;
        if (mono_ms() > until) {
            fprintf(stderr,
                    "  ledger: in_flight %zu reserved %zu queued %zu pending %zu streams %zu\n",
                    r.in_flight, r.reserved_streams, r.queued, r.pending_futures,
                    r.open_streams);
            return false;
        }
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL); /* polling a condition, with the deadline above */
    }
}

#endif
