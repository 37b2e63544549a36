/*
 * The session: its creation and close, the connect sequence, per-host pools,
 * the ledger, and the three ways the loop enters it (fd readiness through
 * link.c, the one timer, the wake-up). Work that public calls ask for is
 * queued and done by the loop thread when it next enters, so with a private
 * loop thread the caller's threads never touch a socket or the loop.
 */
#include "engine/engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Thread_local const cql_session *cql_loop_thread_session;

enum {
    DEFAULT_PORT = 9042,
    DEFAULT_CONNECT_TIMEOUT_MS = 5000,
    DEFAULT_REQUEST_TIMEOUT_MS = 12000,
    DEFAULT_MAX_CONNECTIONS = 8,
    DEFAULT_PAGE_SIZE = 5000,
    PREPARED_CACHE_CAPACITY = 1024,
    BACKOFF_FIRST_MS = 500,
    BACKOFF_MAX_MS = 30000,
};

/* ---- locking and entering ---------------------------------------------- */

void cql_session_lock(cql_session *s)
{
    if (s->threaded)
        pthread_mutex_lock(&s->mu);
}

void cql_session_unlock(cql_session *s)
{
    if (s->threaded)
        pthread_mutex_unlock(&s->mu);
}

uint64_t cql_session_now(cql_session *s) { return s->loop.now_ms(s->loop.data); }

static void session_destroy(cql_session *s);
static void rearm_timer(cql_session *s);

void cql_session_enter(cql_session *s)
{
    cql_session_lock(s);
    if (s->depth++ == 0)
        cql_loop_thread_session = s;
}

void cql_session_leave(cql_session *s)
{
    /* Sending can requeue (a failed write retries idempotent requests) and
     * callbacks can submit more: go round while that makes progress. Any of
     * it may close the session, after which the loop is not ours to use. */
    for (int round = 0; s->depth == 1 && !s->closing && round < 16; round++) {
        if (s->queued > 0)
            cql_dispatch_drain(s);
        if (s->flush_list == NULL)
            break;
        while (s->flush_list != NULL && !s->closing) {
            cql_link *l = s->flush_list;
            s->flush_list = l->next_flush;
            l->queued_flush = false;
            cql_link_flush(l);
            if (cql_conn_closed(l->conn))
                cql_link_events(l); /* the write failed: hand out its requests */
        }
    }
    if (s->depth == 1 && !s->closing)
        rearm_timer(s);
    if (--s->depth == 0) {
        cql_loop_thread_session = NULL;
        if (s->free_deferred) { /* cql_session_free ran inside a callback */
            s->free_deferred = false;
            cql_session_unref(s);
            return;
        }
    }
    cql_session_unlock(s);
}

void cql_session_ref(cql_session *s) { atomic_fetch_add(&s->refs, 1); }

void cql_session_unref(cql_session *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1)
        session_destroy(s);
}

static void on_wakeup(void *arg)
{
    cql_session *s = arg;
    cql_session_enter(s);
    s->wakeup_pending = false;
    cql_future_notify(s);
    if (s->connect_requested && !s->connect_started && !s->closing) {
        s->connect_started = true;
        cql_contacts_resolve(s);
    }
    cql_session_leave(s);
}

void cql_session_wake(cql_session *s)
{
    if (s->closing || (cql_loop_thread_session == s && s->depth > 0))
        return; /* the loop is in the session now: leaving does the work */
    if (!s->wakeup_pending) {
        s->wakeup_pending = true;
        if (s->loop.wakeup(s->loop.data, on_wakeup, s) != 0)
            s->wakeup_pending = false; /* try again next time */
    }
}

int64_t cql_session_timestamp(cql_session *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    if (us <= s->last_timestamp) /* two in one microsecond, or the clock stepped back */
        us = s->last_timestamp + 1;
    s->last_timestamp = us;
    return us;
}

/* ---- pools ------------------------------------------------------------- */

static bool host_add_link(cql_host *h, cql_link *l)
{
    if (h->link_count == h->link_cap) {
        size_t cap = h->link_cap ? h->link_cap * 2 : 4;
        cql_link **links = realloc(h->links, cap * sizeof *links);
        if (links == NULL)
            return false;
        h->links = links;
        h->link_cap = cap;
    }
    h->links[h->link_count++] = l;
    return true;
}

/* Opens one more connection to h; false (with the reason in err) when it
 * could not even start. */
static bool open_link(cql_session *s, cql_host *h, cql_error_box *err)
{
    cql_link *l = cql_link_open(s, h, err);
    if (l == NULL)
        return false;
    if (!host_add_link(h, l)) {
        cql_link_free(l);
        cql_error_set(err, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, h->name, "out of memory");
        return false;
    }
    return true;
}

static bool host_opening(const cql_host *h)
{
    for (size_t i = 0; i < h->link_count; i++)
        if (h->links[i]->state == LINK_TCP || h->links[i]->state == LINK_HANDSHAKE)
            return true;
    return false;
}

static void host_backoff(cql_session *s, cql_host *h)
{
    h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (h->backoff_ms > BACKOFF_MAX_MS)
        h->backoff_ms = BACKOFF_MAX_MS;
    h->retry_at = cql_session_now(s) + h->backoff_ms;
}

/* Brings h's pool up to connections_per_host, unless backing off. */
static void top_up(cql_session *s, cql_host *h)
{
    if (!s->connected || s->closing || cql_session_now(s) < h->retry_at)
        return;
    while (h->link_count < s->config.connections_per_host) {
        cql_error_box err = {0};
        bool ok = open_link(s, h, &err);
        if (!ok) {
            h->down = true;
            snprintf(h->down_why, sizeof h->down_why, "%s", err.pub.message);
        }
        cql_error_clear(&err);
        if (!ok) {
            host_backoff(s, h);
            cql_session_wake(s); /* with no connection left, what waits fails now */
            return;
        }
    }
}

bool cql_session_grow_pool(cql_session *s, cql_host *h)
{
    if (h->link_count >= s->config.max_connections_per_host || host_opening(h) ||
        cql_session_now(s) < h->retry_at)
        return false;
    cql_error_box err = {0};
    bool ok = open_link(s, h, &err);
    cql_error_clear(&err);
    return ok;
}

/* ---- connecting -------------------------------------------------------- */

static void connect_finished(cql_session *s, bool ok)
{
    if (!ok) {
        s->connect_failed = true;
        char why[600];
        snprintf(why, sizeof why, "not connected: %s", s->connect_error.message);
        cql_dispatch_fail_all(s, s->connect_error.pub.rc, s->connect_error.pub.category, why);
    }
    cql_future *f = s->connect_future;
    s->connect_future = NULL;
    if (f == NULL)
        return;
    if (!ok)
        cql_error_move(&f->error, &s->connect_error);
    cql_future_complete(f);
}

/* Keeps a copy of connect_error, the failure of the host just tried, for
 * cql_session_connect_failure (out of memory: that host goes unlisted). */
static void note_host_failure(cql_session *s)
{
    if (s->host_failure_count == s->host_failure_cap) {
        size_t cap = s->host_failure_cap ? s->host_failure_cap * 2 : 4;
        cql_error_box **more = realloc(s->host_failures, cap * sizeof *more);
        if (more == NULL)
            return;
        s->host_failures = more;
        s->host_failure_cap = cap;
    }
    cql_error_box *b = calloc(1, sizeof *b);
    if (b == NULL)
        return;
    cql_error_copy(b, &s->connect_error);
    s->host_failures[s->host_failure_count++] = b;
}

/* Tries the next contact host that was not tried yet. */
static void connect_next_host(cql_session *s)
{
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        if (h->tried)
            continue;
        h->tried = true;
        if (open_link(s, h, &s->connect_error))
            return;
        note_host_failure(s);
    }
    if (s->connect_error.pub.rc == CQL_OK)
        cql_error_set(&s->connect_error, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, NULL,
                      "no contact point resolved to an address");
    connect_finished(s, false);
}

void cql_session_host_found(cql_session *s, const struct sockaddr *sa, uint16_t port)
{
    struct sockaddr_storage addr = {0};
    socklen_t len;
    char text[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        in.sin_port = htons(port);
        memcpy(&addr, &in, sizeof in);
        len = sizeof in;
        inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    } else if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        in6.sin6_port = htons(port);
        memcpy(&addr, &in6, sizeof in6);
        len = sizeof in6;
        inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    } else {
        return;
    }
    for (size_t i = 0; i < s->host_count; i++)
        if (s->hosts[i]->addr_len == len && memcmp(&s->hosts[i]->addr, &addr, len) == 0)
            return; /* two contact points, one node */
    if (s->host_count == s->host_cap) {
        size_t cap = s->host_cap ? s->host_cap * 2 : 4;
        cql_host **hosts = realloc(s->hosts, cap * sizeof *hosts);
        if (hosts == NULL)
            return;
        s->hosts = hosts;
        s->host_cap = cap;
    }
    cql_host *h = calloc(1, sizeof *h);
    if (h == NULL)
        return;
    h->addr = addr;
    h->addr_len = len;
    snprintf(h->name, sizeof h->name, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", text,
             (unsigned)port);
    s->hosts[s->host_count++] = h;
}

void cql_session_contact_done(cql_session *s, cql_contact *c, cql_rc rc, const char *what)
{
    if (!c->resolving)
        return;
    c->resolving = false;
    if (rc != CQL_OK) {
        cql_error_set(&s->connect_error, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, c->host,
                      "resolving \"%s\": %s", c->host, what ? what : "failed");
        note_host_failure(s);
    }
    if (--s->resolving == 0 && !s->closing)
        connect_next_host(s);
}

void cql_session_link_ready(cql_session *s, cql_link *l)
{
    cql_host *h = l->host;
    h->backoff_ms = 0;
    h->retry_at = 0;
    h->down = false;
    if (!s->connected) {
        s->connected = true;
        s->version = cql_conn_version(l->conn);
        s->version_fixed = true;
        cql_error_clear(&s->connect_error);
        connect_finished(s, true);
        for (size_t i = 0; i < s->host_count; i++)
            top_up(s, s->hosts[i]);
    }
}

static void host_remove_link(cql_host *h, cql_link *l)
{
    for (size_t i = 0; i < h->link_count; i++)
        if (h->links[i] == l) {
            h->links[i] = h->links[--h->link_count];
            return;
        }
}

static void flush_list_remove(cql_session *s, cql_link *l)
{
    for (cql_link **pp = &s->flush_list; *pp != NULL; pp = &(*pp)->next_flush)
        if (*pp == l) {
            *pp = l->next_flush;
            return;
        }
}

/* "connecting to 127.0.0.1:9042: connection refused" and the server's
 * error when it refused the handshake. */
static void record_connect_error(cql_session *s, cql_link *l, const cql_conn_error *why)
{
    const char *what = why->what ? why->what : "failed";
    cql_rc rc = why->rc != CQL_OK ? why->rc : CQL_E_NETWORK;
    cql_error_category cat = rc == CQL_E_TIMEOUT ? CQL_ERRCAT_TIMEOUT
                             : rc == CQL_E_SERVER ? CQL_ERRCAT_SERVER
                                                  : CQL_ERRCAT_NETWORK;
    if (rc == CQL_E_SERVER)
        cql_error_set_server_code(&s->connect_error, l->host->name, why->server_code,
                                  why->server_message, "connecting to %s: %s: %s (0x%04x): %s",
                                  l->host->name, what, cql_error_code_str(why->server_code),
                                  (unsigned)why->server_code, why->server_message);
    else if (why->diag.rc != CQL_OK) {
        char diag[200];
        cql_diag_format(&why->diag, diag, sizeof diag);
        cql_error_set(&s->connect_error, rc, cat, l->host->name,
                      "connecting to %s: %s (%s; is this a CQL native port?)", l->host->name,
                      what, diag);
    } else
        cql_error_set(&s->connect_error, rc, cat, l->host->name, "connecting to %s: %s",
                      l->host->name, what);
}

void cql_session_link_dead(cql_session *s, cql_link *l, const cql_conn_error *why)
{
    cql_host *h = l->host;
    host_remove_link(h, l);
    flush_list_remove(s, l);
    bool refused = why->version_refused;
    if (!s->connected && !s->closing) {
        if (refused && !s->version_fixed && s->version == 5) {
            s->version = 4; /* the server speaks v4 at most: ask again with it */
            cql_link_free(l);
            if (!open_link(s, h, &s->connect_error)) {
                note_host_failure(s);
                connect_next_host(s);
            }
            return;
        }
        record_connect_error(s, l, why);
        note_host_failure(s);
        cql_link_free(l);
        connect_next_host(s);
        return;
    }
    if (!s->closing) {
        /* A lost connection is tried again (what waits, waits for that); a
         * failed attempt means the host is down. */
        h->down = !l->was_ready;
        snprintf(h->down_why, sizeof h->down_why, "%s", why->what ? why->what : "closed");
        host_backoff(s, h); /* the timer tops the pool up again */
        cql_session_wake(s); /* with no connection left, what waits fails now */
    }
    cql_link_free(l);
}

/* ---- the timer --------------------------------------------------------- */

static void on_timer(void *arg)
{
    cql_session *s = arg;
    cql_session_enter(s);
    s->timer_at = UINT64_MAX;
    uint64_t now = cql_session_now(s);
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        /* Ticking may kill a link (its events free it): walk a copy. */
        for (size_t j = h->link_count; j-- > 0;) {
            if (j >= h->link_count)
                continue;
            cql_link *l = h->links[j];
            if (cql_conn_next_deadline(l->conn) <= now) {
                cql_conn_tick(l->conn, now);
                cql_link_events(l);
            }
        }
        top_up(s, h);
    }
    cql_dispatch_expire(s, now);
    cql_session_leave(s);
}

static void rearm_timer(cql_session *s)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        for (size_t j = 0; j < h->link_count; j++) {
            uint64_t d = cql_conn_next_deadline(h->links[j]->conn);
            if (d < next)
                next = d;
        }
        if (s->connected && h->link_count < s->config.connections_per_host && h->retry_at < next)
            next = h->retry_at;
    }
    for (cql_request *r = s->queue_head; r != NULL; r = r->next)
        if (r->deadline < next)
            next = r->deadline;
    if (next == s->timer_at)
        return;
    s->timer_at = next;
    uint64_t now = cql_session_now(s);
    s->loop.timer(s->loop.data, next == UINT64_MAX ? UINT64_MAX : next > now ? next - now : 0,
                  on_timer, s);
}

/* ---- creation ---------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

static cql_rc copy_config(cql_session *s, const cql_session_config *in, char *err, size_t cap)
{
    cql_session_config *c = &s->config;
    *c = *in;
    bool ok = true;
    c->contact_points = dup_or_null(in->contact_points, &ok);
    c->keyspace = dup_or_null(in->keyspace, &ok);
    c->username = dup_or_null(in->username, &ok);
    c->password = dup_or_null(in->password, &ok);
    c->application_name = dup_or_null(in->application_name, &ok);
    s->keyspace = strdup(in->keyspace ? in->keyspace : "");
    if (!ok || s->keyspace == NULL) {
        snprintf(err, cap, "out of memory");
        return CQL_E_NOMEM;
    }
    if (c->protocol_version != 0 && c->protocol_version != 4 && c->protocol_version != 5) {
        snprintf(err, cap, "protocol_version %u: cqlio speaks 4 and 5 (0 picks the highest)",
                 (unsigned)c->protocol_version);
        return CQL_E_ARG;
    }
    if (c->consistency > CQL_CONSISTENCY_LOCAL_ONE) {
        snprintf(err, cap, "consistency %u is not a consistency level", (unsigned)c->consistency);
        return CQL_E_ARG;
    }
    if (c->serial_consistency != 0 && c->serial_consistency != CQL_CONSISTENCY_SERIAL &&
        c->serial_consistency != CQL_CONSISTENCY_LOCAL_SERIAL) {
        snprintf(err, cap, "serial_consistency must be SERIAL or LOCAL_SERIAL");
        return CQL_E_ARG;
    }
    if ((in->username == NULL) != (in->password == NULL)) {
        snprintf(err, cap, "username and password go together");
        return CQL_E_ARG;
    }
    if (c->port == 0)
        c->port = DEFAULT_PORT;
    if (c->connect_timeout_ms == 0)
        c->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (c->request_timeout_ms == 0)
        c->request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
    if (c->connections_per_host == 0)
        c->connections_per_host = 1;
    if (c->max_connections_per_host == 0)
        c->max_connections_per_host = DEFAULT_MAX_CONNECTIONS;
    if (c->max_connections_per_host < c->connections_per_host)
        c->max_connections_per_host = c->connections_per_host;
    if (c->page_size == 0)
        c->page_size = DEFAULT_PAGE_SIZE;
    if (c->consistency == 0)
        c->consistency = CQL_CONSISTENCY_LOCAL_ONE;
    s->version = c->protocol_version ? c->protocol_version : 5;
    s->version_fixed = c->protocol_version != 0;
    s->conn_config = (cql_conn_config){
        .version = s->version,
        .compression = !c->no_compression,
        .app_name = c->application_name,
        .username = c->username,
        .password = c->password,
        .keyspace = c->keyspace,
        .connect_timeout_ms = c->connect_timeout_ms,
        .heartbeat_ms = c->heartbeat_ms,
        .idle_timeout_ms = c->idle_timeout_ms,
        .limits = c->limits,
    };
    return CQL_OK;
}

static void session_destroy(cql_session *s)
{
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        while (h->link_count > 0)
            cql_link_free(h->links[--h->link_count]);
        free(h->links);
        free(h);
    }
    free(s->hosts);
    for (size_t i = 0; i < s->host_failure_count; i++) {
        cql_error_clear(s->host_failures[i]);
        free(s->host_failures[i]);
    }
    free(s->host_failures);
    for (size_t i = 0; i < s->contact_count; i++)
        free(s->contacts[i].host);
    free(s->contacts);
    cql_prepare_cache_free(s->prepared);
    cql_error_clear(&s->connect_error);
    free((char *)s->config.contact_points);
    free((char *)s->config.keyspace);
    free((char *)s->config.username);
    free((char *)s->config.password);
    free((char *)s->config.application_name);
    free(s->keyspace);
    if (s->threaded)
        pthread_mutex_destroy(&s->mu);
    free(s);
}

cql_rc cql_session_create(const cql_session_config *config, const cql_loop *loop,
                          const cql_session_thread *thread, cql_session **out, char *err_buf,
                          size_t cap)
{
    char scratch[8];
    if (err_buf == NULL || cap == 0) {
        err_buf = scratch;
        cap = sizeof scratch;
    }
    err_buf[0] = '\0';
    if (out != NULL)
        *out = NULL;
    cql_rc rc = CQL_E_ARG;
    cql_session *s = NULL;
    if (config == NULL || loop == NULL || out == NULL) {
        snprintf(err_buf, cap, "config, loop and out are required");
        goto fail;
    }
    if (loop->watch == NULL || loop->timer == NULL || loop->wakeup == NULL ||
        loop->now_ms == NULL) {
        snprintf(err_buf, cap, "the loop lacks watch, timer, wakeup or now_ms");
        goto fail;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        rc = CQL_E_NOMEM;
        snprintf(err_buf, cap, "out of memory");
        goto fail;
    }
    s->loop = *loop;
    atomic_init(&s->refs, 1);
    s->timer_at = UINT64_MAX;
    cql_error_clear(&s->connect_error);
    if (thread != NULL) {
        pthread_mutexattr_t attr;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        int e = pthread_mutex_init(&s->mu, &attr);
        pthread_mutexattr_destroy(&attr);
        if (e != 0) {
            rc = CQL_E_NOMEM;
            snprintf(err_buf, cap, "cannot create the session's lock");
            goto fail;
        }
        s->threaded = true;
        s->thread = *thread;
    }
    if ((rc = copy_config(s, config, err_buf, cap)) != CQL_OK)
        goto fail;
    if ((rc = cql_contacts_parse(s, config->contact_points, s->config.port, err_buf, cap)) !=
        CQL_OK)
        goto fail;
    s->prepared = cql_prepare_cache_new(PREPARED_CACHE_CAPACITY);
    if (s->prepared == NULL) {
        rc = CQL_E_NOMEM;
        snprintf(err_buf, cap, "out of memory");
        goto fail;
    }
    *out = s;
    return CQL_OK;
fail:
    if (loop != NULL && loop->release != NULL)
        loop->release(loop->data);
    if (s != NULL)
        session_destroy(s);
    if (thread != NULL && thread->stop != NULL)
        thread->stop(thread->data);
    return rc;
}

/* ---- public calls ------------------------------------------------------ */

cql_future *cql_session_connect(cql_session *s)
{
    if (s == NULL)
        return NULL;
    cql_session_lock(s);
    cql_future *f = cql_future_new(s, FUTURE_CONNECT);
    if (f == NULL) {
        cql_session_unlock(s);
        return NULL;
    }
    if (s->closing)
        cql_future_fail(f, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL, "the session is closed");
    else if (s->connected)
        cql_future_complete(f);
    else if (s->connect_requested || s->connect_failed)
        cql_future_fail(f, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                        s->connect_failed ? "this session failed to connect; create a new one"
                                          : "the session is connecting already");
    else {
        s->connect_requested = true;
        s->connect_future = f;
        cql_session_wake(s);
    }
    cql_session_unlock(s);
    return f;
}

static void session_close(void *arg)
{
    cql_session *s = arg;
    cql_session_enter(s);
    s->closing = true;
    if (s->connect_future != NULL) {
        cql_future *f = s->connect_future;
        s->connect_future = NULL;
        cql_future_fail(f, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, NULL,
                        "the session was closed before it connected");
    }
    cql_streams_close_all(s);
    cql_dispatch_fail_all(s, CQL_E_CLOSED, CQL_ERRCAT_CLIENT, "the session was closed");
    cql_future_notify(s); /* callbacks of earlier cancels: before close returns */
    for (size_t i = 0; i < s->host_count; i++)
        for (size_t j = 0; j < s->hosts[i]->link_count; j++)
            s->hosts[i]->links[j]->state = LINK_DEAD;
    s->flush_list = NULL;
    if (s->timer_at != UINT64_MAX)
        s->loop.timer(s->loop.data, UINT64_MAX, on_timer, s);
    s->timer_at = UINT64_MAX;
    /* Stop every watch now: the loop never calls back after release. */
    for (size_t i = 0; i < s->host_count; i++)
        for (size_t j = 0; j < s->hosts[i]->link_count; j++) {
            cql_link *l = s->hosts[i]->links[j];
            if (l->fd >= 0 && l->watched != 0) {
                s->loop.watch(s->loop.data, l->fd, 0, cql_link_on_ready, l);
                l->watched = 0;
            }
        }
    if (s->loop.release != NULL)
        s->loop.release(s->loop.data);
    s->loop.release = NULL;
    cql_session_leave(s);
}

void cql_session_free(cql_session *s)
{
    if (s == NULL)
        return;
    if (s->threaded) {
        cql_session_thread thread = s->thread;
        thread.run_on_loop(thread.data, session_close, s);
        thread.stop(thread.data);
        cql_session_unref(s); /* a canceller on another thread may hold it a moment */
        return;
    }
    if (s->closing)
        return;
    if (s->depth > 0) { /* inside one of its own callbacks: free on the way out */
        s->free_deferred = true;
        session_close(s);
        return;
    }
    session_close(s);
    cql_session_unref(s);
}

void cql_session_resources(cql_session *s, cql_resources *out)
{
    if (out == NULL)
        return;
    *out = (cql_resources){0};
    if (s == NULL)
        return;
    cql_session_lock(s);
    for (size_t i = 0; i < s->host_count; i++) {
        cql_host *h = s->hosts[i];
        out->connections += h->link_count;
        for (size_t j = 0; j < h->link_count; j++) {
            out->in_flight += cql_conn_in_flight(h->links[j]->conn);
            out->reserved_streams += cql_conn_reserved(h->links[j]->conn);
        }
    }
    out->queued = s->queued;
    out->pending_futures = s->pending_futures;
    out->prepared = cql_prepare_cache_count(s->prepared);
    out->open_streams = s->open_streams;
    out->buffered_pages = s->buffered_pages;
    out->buffered_bytes = s->buffered_bytes;
    cql_session_unlock(s);
}

size_t cql_session_connect_failure_count(cql_session *s)
{
    if (s == NULL)
        return 0;
    cql_session_lock(s);
    size_t n = s->host_failure_count;
    cql_session_unlock(s);
    return n;
}

const cql_error *cql_session_connect_failure(cql_session *s, size_t i)
{
    if (s == NULL)
        return NULL;
    cql_session_lock(s);
    const cql_error *e = i < s->host_failure_count ? &s->host_failures[i]->pub : NULL;
    cql_session_unlock(s);
    return e;
}

uint8_t cql_session_protocol_version(cql_session *s)
{
    if (s == NULL)
        return 0;
    cql_session_lock(s);
    uint8_t v = s->connected ? s->version : 0;
    cql_session_unlock(s);
    return v;
}
