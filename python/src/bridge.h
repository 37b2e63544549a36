/*
 * C futures to asyncio futures (bridge.c). A link object owns the C future
 * (the caller's reference) and the asyncio future until both are done:
 *   - the C future's callback completes the asyncio future — unless it is
 *     done already (cancelled by its task): nothing calls into a finished
 *     future;
 *   - the asyncio future is a CoreFuture (an asyncio.Future subclass) whose
 *     cancel() cancels the C future too (the engine abandons the request).
 */
#ifndef CQLPY_BRIDGE_H
#define CQLPY_BRIDGE_H

#include "cqlpy.h"

/* Turns a completed C future into the asyncio future's result: a new
 * reference, or NULL with an exception set (the future's error, made by
 * cqlpy_error_from). ctx is what cqlpy_bridge was given. */
typedef PyObject *(*cqlpy_result_fn)(cql_future *f, PyObject *ctx);

/* A new asyncio future of `loop` that completes with result(f, ctx). Takes
 * the caller's reference to f in every case (NULL f: out of memory). New
 * reference, or NULL with an exception. */
PyObject *cqlpy_bridge(PyObject *loop, cql_future *f, cqlpy_result_fn result, PyObject *ctx);

/* As cqlpy_bridge; `unclaimed(f, ctx)` runs when f succeeds after the
 * asyncio future was already cancelled, so that what f delivered (a stream's
 * page) is not lost in that window. */
typedef void (*cqlpy_unclaimed_fn)(cql_future *f, PyObject *ctx);
PyObject *cqlpy_bridge_keep(PyObject *loop, cql_future *f, cqlpy_result_fn result,
                            cqlpy_unclaimed_fn unclaimed, PyObject *ctx);

/* A new pending CoreFuture of `loop` (not linked to any request). */
PyObject *cqlpy_future_new(PyObject *loop);

/* The exception for a cql_error (via the registered error factory; a
 * RuntimeError when none is registered). Sets it and returns NULL. */
PyObject *cqlpy_raise_error(const cql_error *e);
/* The same exception, returned (new reference; NULL with an exception when
 * it cannot be made). */
PyObject *cqlpy_error_object(const cql_error *e);

int cqlpy_bridge_ready(void);

#endif
