/*
 * The private loop thread behind cql_session_new(config, NULL, ...): a libuv
 * loop running on a thread of its own, presented to the engine as a cql_loop
 * plus the cql_session_thread that drives it. Internal; declared here so the
 * unit tests can drive it without a session.
 */
#ifndef CQLIO_ADAPTERS_THREAD_H
#define CQLIO_ADAPTERS_THREAD_H

#include "engine/session.h"

/* Starts the thread and fills *loop and *thread. Every loop entry may be
 * called from any thread with this loop: watch, timer and resolve must run on
 * the loop thread as for any cql_loop, wakeup and now_ms anywhere, and
 * release marshals itself onto the loop thread when called elsewhere.
 * thread->stop releases the loop first if nobody did, then closes the
 * thread's own handle, joins the thread and frees everything; it must not be
 * called on the loop thread itself (it would join itself) and nothing may
 * use the loop or the thread once it started. On failure nothing is left
 * running and err_buf (cap bytes, may be NULL) says why. */
cql_rc cql_loop_thread_start(cql_loop *loop, cql_session_thread *thread, char *err_buf, size_t cap);

#endif
