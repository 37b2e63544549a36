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

/* How a stream's pages are made (cqlpy_page_new): the Prepared streamed
 * (borrowed here; the stream keeps a reference) or NULL, and named rows. */
typedef struct cqlpy_page_shape {
    PyObject *prepared;
    bool named;
} cqlpy_page_shape;

/* A new _core.Stream over session (see session.c's stream method). */
PyObject *cqlpy_stream_new(cqlpy_session *session, cql_statement *st, cql_stream_config *cfg,
                           PyObject *page_callback, cqlpy_page_shape shape);

/* Seconds (None: 0) as whole milliseconds; -1 with an exception. */
int cqlpy_ms_of(PyObject *seconds, uint32_t *out);

#endif
