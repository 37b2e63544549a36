/*
 * The private loop thread (the blocking convenience layer) and the public
 * cql_session_new on top of it.
 *
 * A loop_thread owns a uv loop that one pthread runs with uv_run, the uv
 * adapter over that loop, and a job queue: run_on_loop puts a job on the
 * queue, pokes the loop with a uv_async_t and waits on a condition variable
 * until the loop thread has run it. The job lives on the caller's stack,
 * which is fine because the caller does not return before it ran.
 *
 * The engine gets a cql_loop whose entries forward to the uv adapter, so
 * that release can be routed to the loop thread whatever thread calls it
 * (a failed cql_session_create may release on the caller's thread) and so
 * that stop can release the adapter itself if nobody did: otherwise its
 * handles would keep uv_run from ever returning.
 */
/* pthread_sigmask and sigset_t, hidden by -std=c11 otherwise. */
#define _POSIX_C_SOURCE 200809L

#include "adapters/thread.h"

#include "cqlio.h"
#include "engine/session.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

typedef struct job {
    void (*fn)(void *arg);
    void *arg;
    bool done; /* under loop_thread.lock */
    struct job *next;
} job;

typedef struct loop_thread {
    uv_loop_t loop;
    uv_async_t jobs_signal;
    pthread_t tid;
    pthread_mutex_t lock; /* guards head, tail and every job's done */
    pthread_cond_t ran;   /* broadcast when a job is done */
    job *head, *tail;
    cql_loop inner; /* the uv adapter */
    bool released;  /* inner.release ran; loop thread only */
} loop_thread;

static bool on_loop_thread(const loop_thread *t)
{
    return pthread_equal(pthread_self(), t->tid);
}

/* ------------------------------------------------------------------------ */
/* Jobs                                                                      */
/* ------------------------------------------------------------------------ */

/* Runs queued jobs one at a time, so a job may queue another (from a thread
 * it woke) without being missed, and wakes each job's caller as it ends. */
static void on_jobs(uv_async_t *h)
{
    loop_thread *t = h->data;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        job *j = t->head;
        if (j != NULL) {
            t->head = j->next;
            if (t->head == NULL)
                t->tail = NULL;
        }
        pthread_mutex_unlock(&t->lock);
        if (j == NULL)
            return;
        j->fn(j->arg);
        pthread_mutex_lock(&t->lock);
        j->done = true; /* the caller may return, and its stack go, once unlocked */
        pthread_cond_broadcast(&t->ran);
        pthread_mutex_unlock(&t->lock);
    }
}

static void run_on_loop(void *data, void (*fn)(void *arg), void *arg)
{
    loop_thread *t = data;
    if (on_loop_thread(t)) { /* queueing would wait for ourselves */
        fn(arg);
        return;
    }
    job j = {.fn = fn, .arg = arg};
    pthread_mutex_lock(&t->lock);
    if (t->tail != NULL)
        t->tail->next = &j;
    else
        t->head = &j;
    t->tail = &j;
    pthread_mutex_unlock(&t->lock);
    uv_async_send(&t->jobs_signal);
    pthread_mutex_lock(&t->lock);
    while (!j.done)
        pthread_cond_wait(&t->ran, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

/* ------------------------------------------------------------------------ */
/* The cql_loop the engine sees: the adapter's, with release made safe      */
/* ------------------------------------------------------------------------ */

static int fwd_watch(void *data, int fd, int events, cql_loop_ready_fn ready, void *arg)
{
    loop_thread *t = data;
    return t->inner.watch(t->inner.data, fd, events, ready, arg);
}

static int fwd_timer(void *data, uint64_t delay_ms, cql_loop_fire_fn fire, void *arg)
{
    loop_thread *t = data;
    return t->inner.timer(t->inner.data, delay_ms, fire, arg);
}

static int fwd_wakeup(void *data, cql_loop_fire_fn fire, void *arg)
{
    loop_thread *t = data;
    return t->inner.wakeup(t->inner.data, fire, arg);
}

static uint64_t fwd_now_ms(void *data)
{
    loop_thread *t = data;
    return t->inner.now_ms(t->inner.data);
}

static int fwd_resolve(void *data, const char *host, uint16_t port, cql_loop_resolved_fn done,
                       void *arg)
{
    loop_thread *t = data;
    return t->inner.resolve(t->inner.data, host, port, done, arg);
}

static void release_here(void *data)
{
    loop_thread *t = data;
    if (t->released)
        return;
    t->released = true;
    t->inner.release(t->inner.data);
}

/* libuv handles may only be closed on their loop's thread. */
static void fwd_release(void *data)
{
    run_on_loop(data, release_here, data);
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */
/* ------------------------------------------------------------------------ */

static void *thread_main(void *data)
{
    loop_thread *t = data;
    /* Returns once stop closed the jobs handle and the adapter's handles are
     * closed too: until then the jobs handle keeps the loop alive. */
    uv_run(&t->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void close_here(void *data)
{
    loop_thread *t = data;
    release_here(t);
    uv_close((uv_handle_t *)&t->jobs_signal, NULL);
}

static void stop(void *data)
{
    loop_thread *t = data;
    if (on_loop_thread(t)) {
        /* A thread cannot join itself; carrying on would deadlock or free
         * the loop under its own feet. cql_session_free documents it. */
        fprintf(stderr, "cqlio: a session with a private loop thread was freed on that "
                        "thread (from a callback); aborting\n");
        abort();
    }
    run_on_loop(t, close_here, t);
    pthread_join(t->tid, NULL);
    /* Cannot fail: uv_run returned, so every handle was closed. */
    (void)uv_loop_close(&t->loop);
    pthread_cond_destroy(&t->ran);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static cql_rc fail(char *err_buf, size_t cap, cql_rc rc, const char *what, int uv_err)
{
    if (err_buf != NULL && cap > 0)
        snprintf(err_buf, cap, "cannot start the session's loop thread: %s%s%s", what,
                 uv_err != 0 ? ": " : "", uv_err != 0 ? uv_strerror(uv_err) : "");
    return rc;
}

cql_rc cql_loop_thread_start(cql_loop *loop, cql_session_thread *thread, char *err_buf, size_t cap)
{
    loop_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return fail(err_buf, cap, CQL_E_NOMEM, "out of memory", 0);
    int rc = uv_loop_init(&t->loop);
    if (rc != 0) {
        free(t);
        return fail(err_buf, cap, CQL_E_NOMEM, "creating the event loop", rc);
    }
    cql_rc out_rc = CQL_E_NOMEM;
    const char *what = "out of memory";
    int uv_err = 0;
    if ((rc = pthread_mutex_init(&t->lock, NULL)) != 0) {
        uv_err = uv_translate_sys_error(rc);
        goto close_loop;
    }
    if ((rc = pthread_cond_init(&t->ran, NULL)) != 0) {
        uv_err = uv_translate_sys_error(rc);
        goto destroy_mutex;
    }
    if ((rc = uv_async_init(&t->loop, &t->jobs_signal, on_jobs)) != 0) {
        what = "creating its wakeup handle";
        uv_err = rc;
        goto destroy_cond;
    }
    t->jobs_signal.data = t;
    if ((out_rc = cql_loop_uv(&t->loop, &t->inner)) != CQL_OK) {
        what = "creating the loop adapter";
        goto close_async;
    }
    /* The thread starts with signals blocked: the application's handlers
     * run on its own threads, and a write to a dead socket gives EPIPE here
     * instead of killing the process with SIGPIPE. Faults stay deliverable
     * (blocked, they would kill the process without a handler's report). */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGTRAP);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t->tid, NULL, thread_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        out_rc = CQL_E_NOMEM; /* EAGAIN: out of threads or memory */
        what = "creating the thread";
        uv_err = uv_translate_sys_error(rc);
        t->inner.release(t->inner.data); /* no thread runs the loop: safe here */
        goto close_async;
    }
    *loop = (cql_loop){
        .data = t,
        .watch = fwd_watch,
        .timer = fwd_timer,
        .wakeup = fwd_wakeup,
        .now_ms = fwd_now_ms,
        .resolve = fwd_resolve,
        .release = fwd_release,
    };
    *thread = (cql_session_thread){.data = t, .run_on_loop = run_on_loop, .stop = stop};
    return CQL_OK;

close_async:
    uv_close((uv_handle_t *)&t->jobs_signal, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT); /* on this thread: runs the close callbacks */
destroy_cond:
    pthread_cond_destroy(&t->ran);
destroy_mutex:
    pthread_mutex_destroy(&t->lock);
close_loop:
    (void)uv_loop_close(&t->loop);
    free(t);
    return fail(err_buf, cap, out_rc, what, uv_err);
}

/* ------------------------------------------------------------------------ */
/* The public entry point                                                    */
/* ------------------------------------------------------------------------ */

cql_rc cql_session_new(const cql_session_config *config, const cql_loop *loop, cql_session **out,
                       char *err_buf, size_t cap)
{
    if (loop != NULL)
        return cql_session_create(config, loop, NULL, out, err_buf, cap);
    cql_loop own;
    cql_session_thread thread;
    cql_rc rc = cql_loop_thread_start(&own, &thread, err_buf, cap);
    if (rc != CQL_OK) {
        if (out != NULL)
            *out = NULL;
        return rc;
    }
    /* From here the session owns both: it stops the thread when it is freed,
     * or at once when creation fails. */
    return cql_session_create(config, &own, &thread, out, err_buf, cap);
}
