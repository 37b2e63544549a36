/* _core.Session (session.c) and _core.Stream (stream.c). */
#ifndef CQLPY_SESSION_H
#define CQLPY_SESSION_H

#include "cqlpy.h"

typedef struct cqlpy_session {
    PyObject_HEAD
    cql_session *s; /* NULL once closed */
    PyObject *loop;
    PyObject *keyspace; /* str or None */
    PyObject *weakrefs;
} cqlpy_session;

extern PyTypeObject cqlpy_session_type;
extern PyTypeObject cqlpy_stream_type;

/* The statement for query (a str, or a _core.Prepared) with values bound
 * (None, a sequence, or a mapping by column name); NULL with an exception. */
cql_statement *cqlpy_statement(PyObject *query, PyObject *values);

/* A new _core.Stream over session (see session.c's stream method). */
PyObject *cqlpy_stream_new(cqlpy_session *session, cql_statement *st, cql_stream_config *cfg,
                           PyObject *page_callback);

/* Seconds (None: 0) as whole milliseconds; -1 with an exception. */
int cqlpy_ms_of(PyObject *seconds, uint32_t *out);

#endif
