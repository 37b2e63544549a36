/*
 * Futures: completed exactly once by the engine (on the loop thread, session
 * lock held), read by the caller from any thread. The future's own mutex
 * guards only its done flag, callback and reference count, so waiting never
 * holds the session lock.
 */
#include "engine/engine.h"
#include "engine/result.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Set on the loop thread while it runs a session's callbacks, so that a wait
 * there (which would never end) is refused (session.c). */
extern _Thread_local const cql_session *cql_loop_thread_session;

cql_future *cql_future_new(cql_session *s, future_kind kind)
{
    cql_future *f = cql_alloc_with_error_box(sizeof *f, offsetof(cql_future, error));
    if (f == NULL)
        return NULL;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        free(f);
        return NULL;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&f->mu, NULL) != 0) {
        pthread_condattr_destroy(&attr);
        free(f);
        return NULL;
    }
    if (pthread_cond_init(&f->done_cond, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return NULL;
    }
    pthread_condattr_destroy(&attr);
    f->refs = 2;
    f->kind = kind;
    f->session = s;
    if (s != NULL)
        s->pending_futures++;
    return f;
}

static void future_destroy(cql_future *f)
{
    cql_error_clear(&f->error);
    cql_result_free(f->result);
    cql_prepared_free(f->prepared);
    pthread_cond_destroy(&f->done_cond);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static void future_unref(cql_future *f)
{
    pthread_mutex_lock(&f->mu);
    size_t left = --f->refs;
    pthread_mutex_unlock(&f->mu);
    if (left == 0)
        future_destroy(f);
}

void cql_future_complete(cql_future *f)
{
    cql_session *s = f->session;
    if (s != NULL)
        s->pending_futures--;
    f->request = NULL;
    pthread_mutex_lock(&f->mu);
    f->session = NULL; /* with done, under mu: a waiter sees both or neither */
    f->done = true;
    cql_future_fn fn = f->fired ? NULL : f->fn;
    if (fn != NULL)
        f->fired = true;
    pthread_cond_broadcast(&f->done_cond);
    pthread_mutex_unlock(&f->mu);
    if (fn != NULL && s != NULL && s->threaded && cql_loop_thread_session != s) {
        /* A caller's thread completed it (a cancel): callbacks run on the
         * loop thread, so hand it there, keeping the engine's reference. */
        f->notify_next = NULL;
        if (s->notify_tail)
            s->notify_tail->notify_next = f;
        else
            s->notify_head = f;
        s->notify_tail = f;
        cql_session_wake(s);
        return;
    }
    if (fn != NULL)
        fn(f, f->fn_arg);
    future_unref(f);
}

void cql_future_notify(cql_session *s)
{
    while (s->notify_head != NULL) {
        cql_future *f = s->notify_head;
        s->notify_head = f->notify_next;
        if (s->notify_head == NULL)
            s->notify_tail = NULL;
        pthread_mutex_lock(&f->mu);
        cql_future_fn fn = f->fn; /* forgotten meanwhile: NULL */
        pthread_mutex_unlock(&f->mu);
        if (fn != NULL)
            fn(f, f->fn_arg);
        future_unref(f);
    }
}

void cql_future_forget_callback(cql_future *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->mu);
    f->fn = NULL;
    pthread_mutex_unlock(&f->mu);
}

void cql_future_fail(cql_future *f, cql_rc rc, cql_error_category cat, const char *host,
                     const char *fmt, ...)
{
    char message[sizeof f->error.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    cql_error_set(&f->error, rc, cat, host, "%s", message);
    cql_future_complete(f);
}

cql_rc cql_future_then(cql_future *f, cql_future_fn fn, void *arg)
{
    if (f == NULL || fn == NULL)
        return CQL_E_ARG;
    pthread_mutex_lock(&f->mu);
    if (f->fn != NULL) {
        pthread_mutex_unlock(&f->mu);
        return CQL_E_ARG;
    }
    f->fn = fn;
    f->fn_arg = arg;
    bool now = f->done && !f->fired;
    if (now)
        f->fired = true;
    pthread_mutex_unlock(&f->mu);
    if (now)
        fn(f, arg);
    return CQL_OK;
}

bool cql_future_done(cql_future *f)
{
    if (f == NULL)
        return false;
    pthread_mutex_lock(&f->mu);
    bool done = f->done;
    pthread_mutex_unlock(&f->mu);
    return done;
}

cql_rc cql_future_wait(cql_future *f, uint64_t timeout_ms)
{
    if (f == NULL)
        return CQL_E_ARG;
    pthread_mutex_lock(&f->mu);
    if (!f->done) {
        /* Only a private loop thread can complete it while we block. */
        cql_session *s = f->session;
        if (s == NULL || !s->threaded || cql_loop_thread_session != NULL) {
            pthread_mutex_unlock(&f->mu);
            return CQL_E_ARG;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        if (timeout_ms > (uint64_t)INT32_MAX * 1000)
            timeout_ms = (uint64_t)INT32_MAX * 1000;
        until.tv_sec += (time_t)(timeout_ms / 1000);
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!f->done) {
            if (pthread_cond_timedwait(&f->done_cond, &f->mu, &until) == ETIMEDOUT && !f->done) {
                pthread_mutex_unlock(&f->mu);
                return CQL_E_TIMEOUT;
            }
        }
    }
    cql_rc rc = f->error.pub.rc;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

void cql_future_cancel(cql_future *f)
{
    if (f == NULL)
        return;
    /* While the future is pending its session is alive; the reference taken
     * here keeps it so until this call is done, whatever a callback or
     * another thread does meanwhile (such as freeing the session). */
    pthread_mutex_lock(&f->mu);
    cql_session *s = f->done ? NULL : f->session;
    if (s != NULL)
        cql_session_ref(s);
    pthread_mutex_unlock(&f->mu);
    if (s == NULL)
        return;
    /* On the loop's thread this is a loop callback of its own (it may flush
     * and re-arm; a callback freeing the session is deferred to the end);
     * on a caller's thread it only takes the lock. */
    bool on_loop = !s->threaded || cql_loop_thread_session == s;
    if (on_loop)
        cql_session_enter(s);
    else
        cql_session_lock(s);
    /* Completion happens under the session lock: check again under it. */
    if (f->session == s) {
        if (f->request != NULL)
            cql_dispatch_cancel(s, f->request);
        else {
            if (s->connect_future == f)
                s->connect_future = NULL;
            if (f->on_cancel != NULL)
                f->on_cancel(f, f->on_cancel_arg);
            cql_future_fail(f, CQL_E_CANCELLED, CQL_ERRCAT_CLIENT, NULL, "cancelled by the caller");
        }
    }
    if (on_loop)
        cql_session_leave(s);
    else
        cql_session_unlock(s);
    cql_session_unref(s);
}

const cql_error *cql_future_error(cql_future *f)
{
    if (f == NULL)
        return NULL;
    pthread_mutex_lock(&f->mu);
    const cql_error *e = f->done && f->error.pub.rc != CQL_OK ? &f->error.pub : NULL;
    pthread_mutex_unlock(&f->mu);
    return e;
}

void cql_future_free(cql_future *f)
{
    if (f == NULL)
        return;
    cql_future_cancel(f);
    future_unref(f);
}

cql_result *cql_future_take_result(cql_future *f)
{
    if (f == NULL)
        return NULL;
    pthread_mutex_lock(&f->mu);
    cql_result *r = f->done ? f->result : NULL;
    if (r != NULL)
        f->result = NULL;
    pthread_mutex_unlock(&f->mu);
    return r;
}

cql_prepared *cql_future_take_prepared(cql_future *f)
{
    if (f == NULL)
        return NULL;
    pthread_mutex_lock(&f->mu);
    cql_prepared *p = f->done && f->prepared != NULL ? cql_prepared_ref(f->prepared) : NULL;
    pthread_mutex_unlock(&f->mu);
    return p;
}
