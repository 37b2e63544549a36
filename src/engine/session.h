/*
 * What the adapters layer needs of the engine's session: creating one over a
 * loop, optionally driven by a private loop thread (the blocking convenience
 * layer, src/adapters/thread.c, which also defines the public
 * cql_session_new on top of this).
 */
#ifndef CQLIO_ENGINE_SESSION_H
#define CQLIO_ENGINE_SESSION_H

#include "cqlio.h"

/* A private loop thread that runs the session's loop. */
typedef struct cql_session_thread {
    void *data;
    /* Runs fn(arg) on the loop thread and returns once it has run. */
    void (*run_on_loop)(void *data, void (*fn)(void *arg), void *arg);
    /* Called last by cql_session_free, on the caller's thread, after the
     * loop was released: stop the loop thread, join it, free data. */
    void (*stop)(void *data);
} cql_session_thread;

/* cql_session_new's work. thread NULL: the caller's loop (every call on its
 * thread); else the session is shared by threads and run by *thread (copied;
 * its stop is called by cql_session_free, or here when creation fails).
 * loop->release is called here when creation fails. */
cql_rc cql_session_create(const cql_session_config *config, const cql_loop *loop,
                          const cql_session_thread *thread, cql_session **out, char *err_buf,
                          size_t cap);

#endif
