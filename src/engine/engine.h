/*
 * The engine's internal objects and how its files share them:
 *
 *   session.c   the session: creation, connect, close, the ledger, the one
 *               timer and the wake-up through which every piece of work
 *               reaches the loop thread
 *   contact.c   contact points: parsing "host:port,[v6]:port", resolution
 *   link.c      one connection's socket: non-blocking connect, reads,
 *               coalesced writes, events of its cql_conn
 *   dispatch.c  requests: the query plan, the queue of requests waiting for
 *               a connection, answers, re-prepare, retries, cancellation
 *   prepare_cache.c  prepared statements by (keyspace, query text)
 *   future.c    futures: exactly-once completion, wait, callbacks
 *   stream.c    streams: page by page with prefetch, closed on every path
 *
 * Threads (cqlio.h, "Threads"): with a private loop thread, every public
 * entry point takes the session's lock (recursive, so a callback may call
 * back in) and leaves all I/O to the loop thread, waking it up. Everything
 * below runs with the lock held; without a private thread the lock is a
 * no-op.
 */
#ifndef CQLIO_ENGINE_ENGINE_H
#define CQLIO_ENGINE_ENGINE_H

#include "conn/conn.h"
#include "engine/error.h"
#include "engine/prepared.h"
#include "engine/session.h"
#include "engine/statement.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

typedef struct cql_link cql_link;
typedef struct cql_host cql_host;
typedef struct cql_request cql_request;

/* ---- futures (future.c) ------------------------------------------------ */

typedef enum future_kind { FUTURE_CONNECT, FUTURE_EXECUTE, FUTURE_PREPARE } future_kind;

struct cql_future {
    size_t refs;   /* the caller's, and the engine's while pending; under mu */
    pthread_mutex_t mu;
    pthread_cond_t done_cond;
    bool done;
    bool fired;    /* the callback ran or will run: never twice */
    future_kind kind;
    cql_future_fn fn;
    void *fn_arg;
    cql_error_box error;
    cql_result *result;     /* EXECUTE: until taken */
    cql_prepared *prepared; /* PREPARE: a reference, handed out on take */
    /* While pending: the session and the request behind it (for cancel). */
    cql_session *session;
    cql_request *request;
    cql_future *notify_next; /* on the session's list of callbacks to fire */
    /* A future that no request stands behind (a stream's waiting fetch):
     * told when it is cancelled, so its owner forgets it. */
    void (*on_cancel)(cql_future *f, void *arg);
    void *on_cancel_arg;
};

/* A pending future with two references (caller, engine). NULL on NOMEM. */
cql_future *cql_future_new(cql_session *s, future_kind kind);
/* Completes it (error box rc CQL_OK: success), fires the callback, drops the
 * engine's reference. The session lock is held; called once per future. */
void cql_future_complete(cql_future *f);
/* Fires the callbacks of futures completed off the loop thread (a private
 * loop thread's caller cancelled them): callbacks run on the loop thread. */
void cql_future_notify(cql_session *s);
/* Drops the callback (even one waiting on the notify list): the engine's
 * own futures do this before their owner goes away. */
void cql_future_forget_callback(cql_future *f);
/* Completes a pending future with an error (the message from fmt). */
void cql_future_fail(cql_future *f, cql_rc rc, cql_error_category cat, const char *host,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- requests (dispatch.c) --------------------------------------------- */

typedef enum request_kind { REQUEST_EXECUTE, REQUEST_PREPARE } request_kind;

struct cql_request {
    request_kind kind;
    cql_future *future;
    cql_statement *statement; /* EXECUTE: a private copy */
    char *query;              /* PREPARE: the text (NUL-terminated) */
    size_t query_len;
    cql_prepared *prepared;   /* EXECUTE of a bound statement: a reference */
    const struct cql_metadata_version *columns; /* the version of its result columns the
                                                 * last EXECUTE carried (v5), or NULL */
    const cql_prepared *reprepare; /* what is being prepared again (the statement's) */
    bool repreparing;         /* the PREPARE of a re-prepare is in flight */
    bool reprepared;          /* re-prepared once already */
    unsigned attempts;        /* sends so far (retries on a dead connection) */
    uint32_t timeout_ms;
    uint64_t deadline;        /* absolute, the loop's clock */
    int64_t timestamp;        /* default timestamp, fixed at submission */
    /* Where it is: in the queue, or in flight on link under stream. */
    cql_request *next, *prev; /* queue links */
    bool queued;
    cql_link *link;
    int16_t stream;
};

/* Takes a new request (the future's engine reference rides with it) into
 * the queue and wakes the loop. */
void cql_dispatch_submit(cql_session *s, cql_request *r);
/* Sends what waits in the queue while connections have room. */
void cql_dispatch_drain(cql_session *s);
/* A conn event for one of our requests. */
void cql_dispatch_response(cql_session *s, cql_link *l, cql_request *r, cql_response *resp);
void cql_dispatch_timeout(cql_session *s, cql_link *l, cql_request *r);
void cql_dispatch_failed(cql_session *s, cql_link *l, cql_request *r);
/* Fails queued requests whose deadline passed; the earliest deadline left. */
uint64_t cql_dispatch_expire(cql_session *s, uint64_t now);
/* Cancels the request behind a pending future. */
void cql_dispatch_cancel(cql_session *s, cql_request *r);
/* Fails every request (queued or in flight) with rc and the message. */
void cql_dispatch_fail_all(cql_session *s, cql_rc rc, cql_error_category cat, const char *why);
void cql_request_free(cql_request *r);

/* ---- connections (link.c) ---------------------------------------------- */

typedef enum link_state { LINK_TCP, LINK_HANDSHAKE, LINK_READY, LINK_DEAD } link_state;

struct cql_link {
    cql_session *session;
    cql_host *host;
    cql_conn *conn;
    int fd;
    int watched;  /* the events asked of the loop */
    link_state state;
    bool was_ready;    /* it reached LINK_READY (a lost connection, not a failed attempt) */
    bool queued_flush; /* on the session's flush list */
    cql_link *next_flush;
};

/* Opens a connection to host with the session's version; NULL when the
 * socket cannot even be created (the error in err). */
cql_link *cql_link_open(cql_session *s, cql_host *h, cql_error_box *err);
/* Readiness from the loop. */
void cql_link_on_ready(void *arg, int events);
/* Writes what the conn has to write (as much as the socket takes). */
void cql_link_flush(cql_link *l);
/* Marks the link as having output, flushed at the end of this loop turn. */
void cql_link_want_flush(cql_link *l);
/* Handles the conn's queued events (READY, answers, CLOSED...). */
void cql_link_events(cql_link *l);
/* Stops watching, closes the socket, frees the conn (no events). */
void cql_link_free(cql_link *l);

/* ---- hosts and the session (session.c, contact.c) ---------------------- */

struct cql_host {
    char name[64]; /* "127.0.0.1:9042", "[::1]:9042" */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    cql_link **links;
    size_t link_count, link_cap;
    uint64_t retry_at;   /* no new connection before this (backoff) */
    uint32_t backoff_ms;
    bool tried;          /* the connect sequence tried it */
    bool down;           /* its last connection attempt failed (cleared by the next success) */
    char down_why[160];  /* why its last connection died or failed to open ("" if none did) */
};

typedef struct cql_contact {
    cql_session *session;
    char *host;
    uint16_t port;
    bool resolving;
} cql_contact;

typedef struct cql_prepare_cache cql_prepare_cache;

struct cql_session {
    atomic_size_t refs; /* the owner's, and a canceller's on another thread */
    cql_session_config config; /* strings owned */
    cql_conn_config conn_config;
    cql_loop loop;
    bool threaded;
    cql_session_thread thread;
    pthread_mutex_t mu; /* recursive; used when threaded */

    cql_contact *contacts;
    size_t contact_count;
    size_t resolving;   /* contact points still being resolved */
    cql_host **hosts;
    size_t host_count, host_cap;
    size_t next_host;   /* round robin */

    uint8_t version;    /* the version new connections ask for */
    bool version_fixed; /* a connection agreed on it, or the config forces it */
    bool connect_requested, connect_started, connected, connect_failed, closing;
    bool free_deferred; /* cql_session_free ran inside a callback: free on leaving */
    cql_future *connect_future;
    cql_error_box connect_error;
    cql_error_box **host_failures; /* why each host tried by the connect failed, in order
                                    * (boxes apart: their strings point into themselves) */
    size_t host_failure_count, host_failure_cap;

    cql_request *queue_head, *queue_tail;
    size_t queued;
    size_t pending_futures;
    cql_link *flush_list;
    cql_future *notify_head, *notify_tail;
    unsigned depth;     /* nesting of cql_session_enter */
    bool wakeup_pending;
    uint64_t timer_at;  /* the armed timer, UINT64_MAX when none */
    int64_t last_timestamp;
    cql_prepare_cache *prepared;
    cql_stream *streams; /* open streams, linked through stream.c */
    size_t open_streams, buffered_pages, buffered_bytes;
    char *keyspace;     /* the keyspace prepared statements are cached under */
};

/* The session's memory lives while a reference is held (cql_session_free
 * drops the owner's). */
void cql_session_ref(cql_session *s);
void cql_session_unref(cql_session *s);
void cql_session_lock(cql_session *s);
void cql_session_unlock(cql_session *s);
/* Around every callback from the loop: takes the lock and marks the thread
 * as the loop thread; leaving the outermost one flushes what was written
 * and re-arms the timer. */
void cql_session_enter(cql_session *s);
void cql_session_leave(cql_session *s);
uint64_t cql_session_now(cql_session *s);
/* Asks the loop thread to run the session's pending work (flushes, queue,
 * new connections, the timer) soon. */
void cql_session_wake(cql_session *s);
/* A link finished its handshake, or died (before or after READY). */
void cql_session_link_ready(cql_session *s, cql_link *l);
void cql_session_link_dead(cql_session *s, cql_link *l, const cql_conn_error *why);
/* Opens another connection to h if its pool may grow (false when not). */
bool cql_session_grow_pool(cql_session *s, cql_host *h);
/* The next default timestamp (microseconds, strictly increasing). */
int64_t cql_session_timestamp(cql_session *s);

/* Contact points (contact.c): parses config->contact_points into
 * s->contacts; CQL_E_ARG with a message in err. */
cql_rc cql_contacts_parse(cql_session *s, const char *spec, uint16_t default_port, char *err,
                          size_t cap);
/* Starts resolving every contact point; cql_session_host_found is called per
 * address and cql_session_contact_done per contact point. */
void cql_contacts_resolve(cql_session *s);
void cql_session_host_found(cql_session *s, const struct sockaddr *sa, uint16_t port);
void cql_session_contact_done(cql_session *s, cql_contact *c, cql_rc rc, const char *what);

/* ---- streams (stream.c) ------------------------------------------------ */

/* Closes every open stream of a closing session (their waiting fetches fail
 * with CQL_E_CLOSED) and detaches them: the caller still frees each. */
void cql_streams_close_all(cql_session *s);

/* ---- the prepared cache (prepare_cache.c) ------------------------------ */

cql_prepare_cache *cql_prepare_cache_new(size_t capacity);
void cql_prepare_cache_free(cql_prepare_cache *c);
/* A borrowed entry, or NULL. */
cql_prepared *cql_prepare_cache_get(cql_prepare_cache *c, const char *keyspace, const char *query,
                                    size_t query_len);
/* Adds p (the cache takes a reference), replacing an entry with the same
 * key and evicting the oldest beyond capacity. */
void cql_prepare_cache_put(cql_prepare_cache *c, cql_prepared *p);
size_t cql_prepare_cache_count(const cql_prepare_cache *c);

#endif
