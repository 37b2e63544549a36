/* The asyncio adapter (aloop.c): a cql_loop over an asyncio event loop. */
#ifndef CQLPY_ALOOP_H
#define CQLPY_ALOOP_H

#include "cqlpy.h"

/* Readies the adapter's hook type (module init). 0, or -1 with an exception. */
int cqlpy_aloop_ready(void);

/* Fills out with a cql_loop over `loop` (a reference is taken; the session
 * that receives it releases it). 0, or -1 with an exception set. */
int cqlpy_aloop_new(PyObject *loop, cql_loop *out);

#endif
