/*
 * cql_loop over libuv: one uv_poll_t per watched fd, one uv_timer_t, one
 * uv_async_t for wakeups, uv_getaddrinfo for names.
 *
 * Lifetime. libuv frees nothing synchronously: a handle is gone only once its
 * close callback ran, a request once its callback ran. The adapter therefore
 * counts what is outstanding (the timer, the async, every poll handle not yet
 * closed, every resolution in flight) and frees itself when release has run
 * and that count reaches zero, in whichever callback comes last.
 *
 * Re-entrancy. The engine may call watch, timer or release from inside any
 * callback this file makes (stop watching the fd being reported, release the
 * whole loop). So every callback reads what it needs first, calls the engine
 * last, and touches nothing afterwards.
 *
 * Side effects on the application's loop: until release, the async handle
 * keeps uv_run(UV_RUN_DEFAULT) from returning (a wakeup must never be lost);
 * uv_poll_init makes each watched fd non-blocking, which the engine wants.
 */
/* struct addrinfo and friends, hidden by -std=c11 otherwise. */
#define _POSIX_C_SOURCE 200809L

#include "cqlio.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct uv_adapter uv_adapter;

/* One watched fd. Freed in its close callback, never before. */
typedef struct fd_watch {
    uv_poll_t poll;
    uv_adapter *owner;
    cql_loop_ready_fn ready;
    void *arg;
} fd_watch;

/* One resolution in flight, linked so release can cancel it. */
typedef struct resolve_req {
    uv_getaddrinfo_t req;
    uv_adapter *owner;
    cql_loop_resolved_fn done;
    void *arg;
    struct resolve_req *prev, *next;
} resolve_req;

struct uv_adapter {
    uv_loop_t *loop;
    fd_watch **by_fd; /* indexed by fd; NULL where nothing is watched */
    size_t by_fd_cap;
    uv_timer_t timer;
    cql_loop_fire_fn timer_fire;
    void *timer_arg;
    uv_async_t async;
    uv_mutex_t wake_lock; /* guards the three below: wakeup runs on any thread */
    cql_loop_fire_fn wake_fire;
    void *wake_arg;
    bool wake_closed; /* release started: the async handle is closing */
    resolve_req *resolving;
    size_t outstanding; /* handles not yet closed + requests not yet called back */
    bool released;
};

static void adapter_free_if_done(uv_adapter *a)
{
    if (!a->released || a->outstanding > 0)
        return;
    uv_mutex_destroy(&a->wake_lock);
    free(a->by_fd);
    free(a);
}

/* The close callback of every handle: the timer, the async, each poll. */
static void on_handle_closed(uv_handle_t *h)
{
    uv_adapter *a;
    if (h->type == UV_POLL) {
        fd_watch *w = h->data;
        a = w->owner;
        free(w);
    } else {
        a = h->data;
    }
    a->outstanding--;
    adapter_free_if_done(a);
}

/* ------------------------------------------------------------------------ */
/* watch                                                                     */
/* ------------------------------------------------------------------------ */

static void on_poll(uv_poll_t *p, int status, int events)
{
    fd_watch *w = p->data;
    /* libuv stops the handle itself on an error (POLLERR); report both
     * directions so the engine's own read or write meets the error. */
    int ev = CQL_LOOP_READ | CQL_LOOP_WRITE;
    if (status >= 0)
        ev = ((events & UV_READABLE) ? CQL_LOOP_READ : 0) |
             ((events & UV_WRITABLE) ? CQL_LOOP_WRITE : 0);
    if (ev != 0)
        w->ready(w->arg, ev); /* may stop this watch or release the loop: last */
}

static int table_reserve(uv_adapter *a, size_t fd)
{
    if (fd < a->by_fd_cap)
        return 0;
    size_t cap = a->by_fd_cap < 16 ? 16 : a->by_fd_cap;
    while (cap <= fd)
        cap *= 2;
    fd_watch **t = realloc(a->by_fd, cap * sizeof *t);
    if (t == NULL)
        return UV_ENOMEM;
    memset(t + a->by_fd_cap, 0, (cap - a->by_fd_cap) * sizeof *t);
    a->by_fd = t;
    a->by_fd_cap = cap;
    return 0;
}

/* Forgets the fd at once so a new socket with the same number gets a fresh
 * handle; the old one finishes closing on its own. Stopping the poll removes
 * the fd from epoll now, so the engine may close(fd) as soon as we return. */
static void watch_close(uv_adapter *a, size_t fd)
{
    fd_watch *w = a->by_fd[fd];
    a->by_fd[fd] = NULL;
    uv_close((uv_handle_t *)&w->poll, on_handle_closed);
}

static int uva_watch(void *data, int fd, int events, cql_loop_ready_fn ready, void *arg)
{
    uv_adapter *a = data;
    if (fd < 0 || a->released)
        return UV_EINVAL;
    size_t slot = (size_t)fd;
    int uv_events = ((events & CQL_LOOP_READ) ? UV_READABLE : 0) |
                    ((events & CQL_LOOP_WRITE) ? UV_WRITABLE : 0);
    if (uv_events == 0) {
        if (slot < a->by_fd_cap && a->by_fd[slot] != NULL)
            watch_close(a, slot);
        return 0;
    }
    if (ready == NULL)
        return UV_EINVAL;
    int rc = table_reserve(a, slot);
    if (rc != 0)
        return rc;
    fd_watch *w = a->by_fd[slot];
    bool fresh = w == NULL;
    if (fresh) {
        w = calloc(1, sizeof *w);
        if (w == NULL)
            return UV_ENOMEM;
        rc = uv_poll_init(a->loop, &w->poll, fd);
        if (rc != 0) { /* never registered: nothing to close */
            free(w);
            return rc;
        }
        w->owner = a;
        w->poll.data = w;
        a->by_fd[slot] = w;
        a->outstanding++;
    }
    w->ready = ready;
    w->arg = arg;
    rc = uv_poll_start(&w->poll, uv_events, on_poll); /* replaces the old events */
    if (rc != 0 && fresh) /* leave no handle behind for a watch that failed */
        watch_close(a, slot);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* timer, wakeup, clock                                                      */
/* ------------------------------------------------------------------------ */

static void on_timer(uv_timer_t *t)
{
    uv_adapter *a = t->data;
    a->timer_fire(a->timer_arg); /* may re-arm the timer or release: last */
}

static int uva_timer(void *data, uint64_t delay_ms, cql_loop_fire_fn fire, void *arg)
{
    uv_adapter *a = data;
    if (a->released)
        return UV_EINVAL;
    if (delay_ms == UINT64_MAX || fire == NULL)
        return uv_timer_stop(&a->timer);
    a->timer_fire = fire;
    a->timer_arg = arg;
    /* libuv counts from the time cached at the start of this loop iteration,
     * which lags behind now_ms; refresh it so the timer never fires before
     * the deadline the engine computed with now_ms. */
    uv_update_time(a->loop);
    return uv_timer_start(&a->timer, on_timer, delay_ms, 0);
}

static void on_async(uv_async_t *h)
{
    uv_adapter *a = h->data;
    uv_mutex_lock(&a->wake_lock);
    cql_loop_fire_fn fire = a->wake_fire;
    void *arg = a->wake_arg;
    uv_mutex_unlock(&a->wake_lock);
    if (fire != NULL)
        fire(arg); /* may release the loop: last */
}

/* Any thread. The pair is stored under a lock so the loop thread never reads
 * one call's fire with another's arg, and the send happens under it too so a
 * wakeup racing with release either lands before the handle starts closing
 * or is refused. A wakeup after the adapter was freed (release returned and
 * the loop ran its close callbacks) cannot be caught: the engine must not
 * make one. */
static int uva_wakeup(void *data, cql_loop_fire_fn fire, void *arg)
{
    uv_adapter *a = data;
    int rc = UV_EINVAL;
    uv_mutex_lock(&a->wake_lock);
    if (!a->wake_closed) {
        a->wake_fire = fire;
        a->wake_arg = arg;
        rc = uv_async_send(&a->async);
    }
    uv_mutex_unlock(&a->wake_lock);
    return rc;
}

/* Any thread: uv_hrtime reads CLOCK_MONOTONIC and touches no loop state,
 * unlike uv_now, which is the loop thread's cached time. The engine computes
 * deadlines with it on caller threads when a private loop thread runs. */
static uint64_t uva_now_ms(void *data)
{
    (void)data;
    return uv_hrtime() / 1000000u;
}

/* ------------------------------------------------------------------------ */
/* resolve                                                                   */
/* ------------------------------------------------------------------------ */

/* Static sentences for the failures a user meets; uv_strerror (static for
 * every code libuv knows) for the rest. */
static const char *resolve_error(int status)
{
    switch (status) {
    case UV_EAI_NONAME: return "host name not found";
    case UV_EAI_NODATA: return "host name has no address";
    case UV_EAI_AGAIN: return "temporary failure in name resolution";
    case UV_EAI_FAIL: return "name resolution failed";
    case UV_EAI_MEMORY: return "out of memory resolving the host name";
    default: return uv_strerror(status);
    }
}

static void resolve_unlink(uv_adapter *a, resolve_req *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        a->resolving = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resolve_req *r = req->data;
    uv_adapter *a = r->owner;
    resolve_unlink(a, r);
    a->outstanding--;
    if (a->released) { /* cancelled, or finished after release: stay silent */
        uv_freeaddrinfo(res);
        free(r);
        adapter_free_if_done(a);
        return;
    }
    /* From here a is not touched again: done may release it. */
    size_t count = 0;
    for (struct addrinfo *ai = res; status >= 0 && ai != NULL; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
            count++;
    const void **addrs = count > 0 ? malloc(count * sizeof *addrs) : NULL;
    if (status < 0) {
        r->done(r->arg, CQL_E_NETWORK, resolve_error(status), NULL, 0);
    } else if (count == 0) {
        r->done(r->arg, CQL_E_NETWORK, "host name has no IPv4 or IPv6 address", NULL, 0);
    } else if (addrs == NULL) {
        r->done(r->arg, CQL_E_NOMEM, "out of memory resolving the host name", NULL, 0);
    } else {
        size_t i = 0;
        for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
            if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
                addrs[i++] = ai->ai_addr;
        r->done(r->arg, CQL_OK, NULL, addrs, count);
    }
    free(addrs);
    uv_freeaddrinfo(res);
    free(r);
}

static int uva_resolve(void *data, const char *host, uint16_t port, cql_loop_resolved_fn done,
                       void *arg)
{
    uv_adapter *a = data;
    if (a->released || host == NULL || done == NULL)
        return UV_EINVAL;
    resolve_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return UV_ENOMEM;
    r->owner = a;
    r->done = done;
    r->arg = arg;
    r->req.data = r;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    /* libuv copies host, service and hints into the request. */
    int rc = uv_getaddrinfo(a->loop, &r->req, on_resolved, host, service, &hints);
    if (rc != 0) {
        free(r);
        return rc;
    }
    r->next = a->resolving;
    if (r->next != NULL)
        r->next->prev = r;
    a->resolving = r;
    a->outstanding++;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* release and creation                                                      */
/* ------------------------------------------------------------------------ */

static void uva_release(void *data)
{
    uv_adapter *a = data;
    if (a->released)
        return;
    a->released = true;
    for (size_t fd = 0; fd < a->by_fd_cap; fd++)
        if (a->by_fd[fd] != NULL)
            watch_close(a, fd);
    uv_close((uv_handle_t *)&a->timer, on_handle_closed);
    uv_mutex_lock(&a->wake_lock);
    a->wake_closed = true;
    uv_mutex_unlock(&a->wake_lock);
    uv_close((uv_handle_t *)&a->async, on_handle_closed);
    /* A queued lookup is cancelled; one already running in libuv's thread
     * pool cannot be, and ends on its own. Either way its callback runs
     * (cancelled, or with the result), sees `released` and stays silent. */
    for (resolve_req *r = a->resolving; r != NULL; r = r->next)
        uv_cancel((uv_req_t *)&r->req);
}

cql_rc cql_loop_uv(struct uv_loop_s *uv_loop, cql_loop *out)
{
    if (uv_loop == NULL || out == NULL)
        return CQL_E_ARG;
    uv_adapter *a = calloc(1, sizeof *a);
    if (a == NULL)
        return CQL_E_NOMEM;
    a->loop = uv_loop;
    if (uv_mutex_init(&a->wake_lock) != 0) {
        free(a);
        return CQL_E_NOMEM;
    }
    /* The async first: it is the one that can fail (an eventfd per loop),
     * and until a handle is initialised the adapter can be freed at once. */
    if (uv_async_init(uv_loop, &a->async, on_async) != 0) {
        uv_mutex_destroy(&a->wake_lock);
        free(a);
        return CQL_E_NOMEM;
    }
    a->async.data = a;
    a->outstanding++;
    uv_timer_init(uv_loop, &a->timer); /* cannot fail */
    a->timer.data = a;
    a->outstanding++;
    *out = (cql_loop){
        .data = a,
        .watch = uva_watch,
        .timer = uva_timer,
        .wakeup = uva_wakeup,
        .now_ms = uva_now_ms,
        .resolve = uva_resolve,
        .release = uva_release,
    };
    return CQL_OK;
}
