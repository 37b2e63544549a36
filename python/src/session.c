/*
 * _core.Session: one cql_session on the running asyncio loop. Every call
 * returns an asyncio future (bridge.c) or raises at once for the caller's
 * mistakes (a wrong value type, a closed session).
 */
#include "session.h"
#include "aloop.h"
#include "bridge.h"
#include "page.h"
#include "engine/session.h" /* cql_session_create: a loop of our own, no thread */

#include <structmember.h>

/* ---- helpers ----------------------------------------------------------- */

int cqlpy_ms_of(PyObject *seconds, uint32_t *out)
{
    *out = 0;
    if (seconds == NULL || seconds == Py_None)
        return 0;
    double s = PyFloat_AsDouble(seconds);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    if (!(s > 0) || s > 4e6) {
        PyErr_Format(PyExc_ValueError, "a timeout must be above 0 and at most 4e6 seconds, not %R",
                     seconds);
        return -1;
    }
    double ms = s * 1000.0;
    *out = ms < 1 ? 1 : (uint32_t)ms;
    return 0;
}

static const char *utf8_of(PyObject *o, const char *what, Py_ssize_t *len)
{
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s", what, Py_TYPE(o)->tp_name);
        return NULL;
    }
    return PyUnicode_AsUTF8AndSize(o, len);
}

static PyObject *closed_error(void)
{
    cql_error e = {.rc = CQL_E_CLOSED,
                   .category = CQL_ERRCAT_CLIENT,
                   .message = "the session is closed",
                   .host = ""};
    return cqlpy_raise_error(&e);
}

/* Binds values into a bound statement of prepared p. */
static int bind_values(cql_statement *st, const cql_prepared *p, PyObject *values)
{
    size_t n = cql_prepared_param_count(p);
    if (values == NULL || values == Py_None) {
        if (n == 0)
            return 0;
        PyErr_Format(PyExc_TypeError, "the statement has %zu bind markers and no values were given",
                     n);
        return -1;
    }
    bool by_name = PyMapping_Check(values) && !PySequence_Check(values);
    if (PyDict_Check(values))
        by_name = true;
    if (!by_name) {
        PyObject *seq = PySequence_Fast(values, "values must be a sequence or a mapping");
        if (seq == NULL)
            return -1;
        Py_ssize_t given = PySequence_Fast_GET_SIZE(seq);
        if ((size_t)given != n) {
            PyErr_Format(PyExc_TypeError, "the statement has %zu bind markers; %zd values given",
                         n, given);
            Py_DECREF(seq);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            cql_str name = cql_prepared_param_name(p, i);
            char column[128];
            snprintf(column, sizeof column, "%.*s", (int)(name.len < 127 ? name.len : 127),
                     name.ptr ? name.ptr : "");
            if (cqlpy_bind(st, i, column, cql_prepared_param_type(p, i),
                           PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i)) != 0) {
                Py_DECREF(seq);
                return -1;
            }
        }
        Py_DECREF(seq);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        cql_str name = cql_prepared_param_name(p, i);
        char column[128];
        snprintf(column, sizeof column, "%.*s", (int)(name.len < 127 ? name.len : 127),
                 name.ptr ? name.ptr : "");
        PyObject *v = PyMapping_GetItemString(values, column);
        if (v == NULL) {
            if (PyErr_ExceptionMatches(PyExc_KeyError)) {
                PyErr_Clear();
                PyErr_Format(PyExc_KeyError, "no value for bind marker \"%s\"", column);
            }
            return -1;
        }
        int rc = cqlpy_bind(st, i, column, cql_prepared_param_type(p, i), v);
        Py_DECREF(v);
        if (rc != 0)
            return -1;
    }
    return 0;
}

cql_statement *cqlpy_statement(PyObject *query, PyObject *values)
{
    if (PyObject_TypeCheck(query, &cqlpy_prepared_type)) {
        const cql_prepared *p = ((cqlpy_prepared *)query)->p;
        cql_statement *st = cql_prepared_bind(p);
        if (st == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        if (bind_values(st, p, values) != 0) {
            cql_statement_free(st);
            return NULL;
        }
        return st;
    }
    Py_ssize_t len;
    const char *q = utf8_of(query, "query", &len);
    if (q == NULL)
        return NULL;
    if (values != NULL && values != Py_None && PyObject_Length(values) != 0) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError,
                        "values go with a prepared statement (cqlio prepares statements with "
                        "values; it never puts values into the query text)");
        return NULL;
    }
    cql_statement *st = cql_statement_new_n(q, (size_t)len, 0);
    if (st == NULL)
        PyErr_NoMemory();
    return st;
}

/* Statement options shared by execute, batch and stream. */
typedef struct options {
    PyObject *consistency, *serial_consistency, *page_size, *paging_state, *timeout,
        *custom_payload, *timestamp;
    int trace, idempotent;
} options;

static int apply_options(cql_statement *st, const options *o)
{
    cql_rc rc = CQL_OK;
    if (o->consistency && o->consistency != Py_None) {
        long c = PyLong_AsLong(o->consistency);
        if (c == -1 && PyErr_Occurred())
            return -1;
        rc = cql_statement_set_consistency(st, (cql_consistency)c);
    }
    if (rc == CQL_OK && o->serial_consistency && o->serial_consistency != Py_None) {
        long c = PyLong_AsLong(o->serial_consistency);
        if (c == -1 && PyErr_Occurred())
            return -1;
        rc = cql_statement_set_serial_consistency(st, (cql_consistency)c);
    }
    if (rc == CQL_OK && o->page_size && o->page_size != Py_None) {
        long n = PyLong_AsLong(o->page_size);
        if (n == -1 && PyErr_Occurred())
            return -1;
        rc = cql_statement_set_page_size(st, n > INT32_MAX ? INT32_MAX : (int32_t)n);
    }
    if (rc == CQL_OK && o->paging_state && o->paging_state != Py_None) {
        char *b;
        Py_ssize_t n;
        if (PyBytes_AsStringAndSize(o->paging_state, &b, &n) != 0)
            return -1;
        rc = cql_statement_set_paging_state(st, (const uint8_t *)b, (size_t)n);
    }
    uint32_t ms;
    if (cqlpy_ms_of(o->timeout, &ms) != 0)
        return -1;
    if (rc == CQL_OK && ms != 0)
        rc = cql_statement_set_timeout(st, ms);
    if (rc == CQL_OK && o->timestamp && o->timestamp != Py_None) {
        long long t = PyLong_AsLongLong(o->timestamp);
        if (t == -1 && PyErr_Occurred())
            return -1;
        rc = cql_statement_set_timestamp(st, t);
    }
    if (rc == CQL_OK && o->trace)
        rc = cql_statement_set_tracing(st, true);
    if (rc == CQL_OK && o->idempotent)
        rc = cql_statement_set_idempotent(st, true);
    if (rc == CQL_OK && o->custom_payload && o->custom_payload != Py_None) {
        PyObject *items = PyMapping_Items(o->custom_payload);
        if (items == NULL)
            return -1;
        for (Py_ssize_t i = 0; rc == CQL_OK && i < PyList_GET_SIZE(items); i++) {
            PyObject *kv = PyList_GET_ITEM(items, i);
            PyObject *key = PyTuple_Check(kv) && PyTuple_GET_SIZE(kv) == 2
                                ? PyTuple_GET_ITEM(kv, 0) : Py_None;
            PyObject *value = key != Py_None ? PyTuple_GET_ITEM(kv, 1) : Py_None;
            const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
            char *v;
            Py_ssize_t n;
            if (k == NULL || !PyBytes_Check(value) ||
                PyBytes_AsStringAndSize(value, &v, &n) != 0) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "custom_payload maps str to bytes, not %.60s to %.60s",
                             Py_TYPE(key)->tp_name, Py_TYPE(value)->tp_name);
                Py_DECREF(items);
                return -1;
            }
            rc = cql_statement_add_payload(st, k, (const uint8_t *)v, (size_t)n);
        }
        Py_DECREF(items);
    }
    if (rc != CQL_OK) {
        PyErr_Format(PyExc_ValueError, "invalid statement option (%s)", cql_rc_str(rc));
        return -1;
    }
    return 0;
}

/* The statement for query and values with the options applied; NULL with
 * an exception. */
static cql_statement *statement_with(PyObject *query, PyObject *values, const options *o)
{
    cql_statement *st = cqlpy_statement(query, values);
    if (st != NULL && apply_options(st, o) != 0) {
        cql_statement_free(st);
        return NULL;
    }
    return st;
}

/* ---- results ----------------------------------------------------------- */

static PyObject *result_none(cql_future *f, PyObject *ctx)
{
    (void)ctx;
    const cql_error *e = cql_future_error(f);
    if (e != NULL)
        return cqlpy_raise_error(e);
    Py_RETURN_NONE;
}

/* ctx: the Prepared executed, or NULL (see cqlpy_page_new) */
static PyObject *page_of_future(cql_future *f, PyObject *ctx, bool named)
{
    const cql_error *e = cql_future_error(f);
    if (e != NULL)
        return cqlpy_raise_error(e);
    cql_result *r = cql_future_take_result(f);
    if (r == NULL)
        return PyErr_NoMemory();
    PyObject *page = cqlpy_page_new(r, ctx, named);
    cql_result_free(r);
    return page;
}

static PyObject *result_page(cql_future *f, PyObject *ctx)
{
    return page_of_future(f, ctx, false);
}

static PyObject *result_named_page(cql_future *f, PyObject *ctx)
{
    return page_of_future(f, ctx, true);
}

static PyObject *result_prepared(cql_future *f, PyObject *ctx)
{
    (void)ctx;
    const cql_error *e = cql_future_error(f);
    if (e != NULL)
        return cqlpy_raise_error(e);
    cql_prepared *p = cql_future_take_prepared(f);
    return p ? cqlpy_prepared_new(p) : PyErr_NoMemory();
}

/* ---- the type ---------------------------------------------------------- */

static int session_init(cqlpy_session *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"contact_points", "port", "keyspace", "username", "password",
                            "protocol_version", "compression", "connect_timeout",
                            "request_timeout", "heartbeat_interval", "application_name",
                            "page_size", "consistency", NULL};
    const char *contact_points, *keyspace = NULL, *username = NULL, *password = NULL,
                                *app = NULL;
    int port = 9042, version = 0, compression = 1, page_size = 5000, consistency = 0;
    PyObject *connect_timeout = NULL, *request_timeout = NULL, *heartbeat = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|$izzzipOOOzii", names, &contact_points, &port,
                                     &keyspace, &username, &password, &version, &compression,
                                     &connect_timeout, &request_timeout, &heartbeat, &app,
                                     &page_size, &consistency))
        return -1;
    if (self->s != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Session.__init__ called twice");
        return -1;
    }
    uint32_t connect_ms, request_ms, heartbeat_ms;
    if (cqlpy_ms_of(connect_timeout, &connect_ms) || cqlpy_ms_of(request_timeout, &request_ms) ||
        cqlpy_ms_of(heartbeat, &heartbeat_ms))
        return -1;
    if (port <= 0 || port > 65535 || version < 0 || version > 255 || consistency < 0 ||
        consistency > 0xffff) {
        PyErr_SetString(PyExc_ValueError, "port, protocol_version or consistency out of range");
        return -1;
    }
    PyObject *asyncio = PyImport_ImportModule("asyncio");
    PyObject *loop = asyncio ? PyObject_CallMethod(asyncio, "get_running_loop", NULL) : NULL;
    Py_XDECREF(asyncio);
    if (loop == NULL)
        return -1;
    cql_loop l;
    if (cqlpy_aloop_new(loop, &l) != 0) {
        Py_DECREF(loop);
        return -1;
    }
    cql_session_config cfg = {
        .contact_points = contact_points,
        .port = (uint16_t)port,
        .protocol_version = (uint8_t)version,
        .no_compression = !compression,
        .keyspace = keyspace,
        .username = username,
        .password = password,
        .application_name = app,
        .connect_timeout_ms = connect_ms,
        .request_timeout_ms = request_ms,
        .heartbeat_ms = heartbeat_ms,
        .page_size = page_size,
        .consistency = (uint16_t)consistency,
    };
    char err[256];
    if (cql_session_create(&cfg, &l, NULL, &self->s, err, sizeof err) != CQL_OK) {
        Py_DECREF(loop);
        PyErr_SetString(PyExc_ValueError, err);
        return -1;
    }
    self->loop = loop;
    self->keyspace = keyspace ? PyUnicode_FromString(keyspace) : (Py_INCREF(Py_None), Py_None);
    return self->keyspace ? 0 : -1;
}

static void session_dealloc(cqlpy_session *self)
{
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    cql_session_free(self->s);
    Py_XDECREF(self->loop);
    Py_XDECREF(self->keyspace);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *session_connect(cqlpy_session *self, PyObject *unused)
{
    (void)unused;
    if (self->s == NULL)
        return closed_error();
    return cqlpy_bridge(self->loop, cql_session_connect(self->s), result_none, NULL);
}

static PyObject *session_execute(cqlpy_session *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"query", "values", "timeout", "named_rows", "consistency",
                            "serial_consistency", "page_size", "paging_state", "trace",
                            "idempotent", "custom_payload", "timestamp", NULL};
    PyObject *query, *values = NULL;
    options o = {0};
    int named = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OOp$OOOOppOO", names, &query, &values,
                                     &o.timeout, &named, &o.consistency, &o.serial_consistency,
                                     &o.page_size, &o.paging_state, &o.trace, &o.idempotent,
                                     &o.custom_payload, &o.timestamp))
        return NULL;
    if (self->s == NULL)
        return closed_error();
    cql_statement *st = statement_with(query, values, &o);
    if (st == NULL)
        return NULL;
    cql_future *f = cql_session_execute(self->s, st);
    cql_statement_free(st);
    PyObject *prepared = PyObject_TypeCheck(query, &cqlpy_prepared_type) ? query : NULL;
    return cqlpy_bridge(self->loop, f, named ? result_named_page : result_page, prepared);
}

static PyObject *session_prepare(cqlpy_session *self, PyObject *query)
{
    if (self->s == NULL)
        return closed_error();
    Py_ssize_t len;
    const char *q = utf8_of(query, "query", &len);
    if (q == NULL)
        return NULL;
    return cqlpy_bridge(self->loop, cql_session_prepare(self->s, q), result_prepared, NULL);
}

static PyObject *session_batch(cqlpy_session *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"batch_type", "entries", "consistency", "serial_consistency",
                            "timeout", "trace", "idempotent", "custom_payload", "timestamp",
                            NULL};
    int type;
    PyObject *entries;
    options o = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO|$OOOppOO", names, &type, &entries,
                                     &o.consistency, &o.serial_consistency, &o.timeout, &o.trace,
                                     &o.idempotent, &o.custom_payload, &o.timestamp))
        return NULL;
    if (self->s == NULL)
        return closed_error();
    if (type < 0 || type > 2) {
        PyErr_SetString(PyExc_ValueError, "batch_type is 0 (logged), 1 (unlogged) or 2 (counter)");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(entries, "entries must be a sequence of (query, values)");
    if (seq == NULL)
        return NULL;
    cql_statement *batch = cql_batch_new((cql_batch_type)type);
    if (batch == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *entry = PySequence_Fast_GET_ITEM(seq, i);
        PyObject *q, *v = Py_None;
        if (!PyArg_ParseTuple(entry, "O|O", &q, &v)) {
            cql_statement_free(batch);
            Py_DECREF(seq);
            return NULL;
        }
        cql_statement *child = cqlpy_statement(q, v);
        cql_rc rc = child ? cql_batch_add(batch, child) : CQL_E_ARG;
        cql_statement_free(child);
        if (rc != CQL_OK) {
            if (!PyErr_Occurred()) {
                const cql_error *e = cql_statement_error(batch);
                PyErr_SetString(PyExc_ValueError, e ? e->message : cql_rc_str(rc));
            }
            cql_statement_free(batch);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    if (apply_options(batch, &o) != 0) {
        cql_statement_free(batch);
        return NULL;
    }
    cql_future *f = cql_session_execute(self->s, batch);
    cql_statement_free(batch);
    return cqlpy_bridge(self->loop, f, result_page, NULL);
}

static PyObject *session_stream(cqlpy_session *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"query", "values", "page_size", "prefetch", "max_pages",
                            "page_timeout", "deadline", "consistency", "paging_state",
                            "page_callback", "named_rows", "serial_consistency", "trace",
                            "idempotent", "custom_payload", NULL};
    PyObject *query, *values = NULL, *page_timeout = NULL, *deadline = NULL,
                     *page_callback = NULL;
    options o = {0};
    int prefetch = 1, named = 0;
    unsigned int max_pages = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O$OiIOOOOOpOppO", names, &query, &values,
                                     &o.page_size, &prefetch, &max_pages, &page_timeout,
                                     &deadline, &o.consistency, &o.paging_state, &page_callback,
                                     &named, &o.serial_consistency, &o.trace, &o.idempotent,
                                     &o.custom_payload))
        return NULL;
    if (self->s == NULL)
        return closed_error();
    if (page_callback == Py_None)
        page_callback = NULL;
    if (page_callback != NULL && !PyCallable_Check(page_callback)) {
        PyErr_SetString(PyExc_TypeError, "page_callback must be callable");
        return NULL;
    }
    cql_stream_config cfg = {
        .prefetch = prefetch <= 0 ? CQL_STREAM_ON_DEMAND : prefetch,
        .max_pages = max_pages,
    };
    if (cqlpy_ms_of(page_timeout, &cfg.page_timeout_ms) || cqlpy_ms_of(deadline, &cfg.deadline_ms))
        return NULL;
    cql_statement *st = statement_with(query, values, &o);
    if (st == NULL)
        return NULL;
    cqlpy_page_shape shape = {
        .prepared = PyObject_TypeCheck(query, &cqlpy_prepared_type) ? query : NULL,
        .named = named,
    };
    PyObject *stream = cqlpy_stream_new(self, st, &cfg, page_callback, shape);
    cql_statement_free(st);
    return stream;
}

static PyObject *session_resources(cqlpy_session *self, PyObject *unused)
{
    (void)unused;
    cql_resources r = {0};
    if (self->s != NULL)
        cql_session_resources(self->s, &r);
    return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "connections",
                         (Py_ssize_t)r.connections, "in_flight", (Py_ssize_t)r.in_flight,
                         "reserved_streams", (Py_ssize_t)r.reserved_streams, "queued",
                         (Py_ssize_t)r.queued, "pending_futures", (Py_ssize_t)r.pending_futures,
                         "prepared", (Py_ssize_t)r.prepared, "open_streams",
                         (Py_ssize_t)r.open_streams, "buffered_pages",
                         (Py_ssize_t)r.buffered_pages, "buffered_bytes",
                         (Py_ssize_t)r.buffered_bytes);
}

static PyObject *session_connect_failures(cqlpy_session *self, PyObject *unused)
{
    (void)unused;
    size_t n = self->s ? cql_session_connect_failure_count(self->s) : 0;
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list != NULL && i < n; i++) {
        PyObject *exc = cqlpy_error_object(cql_session_connect_failure(self->s, i));
        if (exc == NULL || PyList_Append(list, exc) != 0)
            Py_CLEAR(list);
        Py_XDECREF(exc);
    }
    return list;
}

static PyObject *session_close(cqlpy_session *self, PyObject *unused)
{
    (void)unused;
    cql_session *s = self->s;
    self->s = NULL; /* refused from now on, also from callbacks the close runs */
    cql_session_free(s);
    Py_RETURN_NONE;
}

static PyObject *session_get(cqlpy_session *self, void *which)
{
    switch ((intptr_t)which) {
    case 0: return PyLong_FromLong(self->s ? cql_session_protocol_version(self->s) : 0);
    case 1: Py_INCREF(self->keyspace); return self->keyspace;
    case 2: return PyBool_FromLong(self->s == NULL);
    }
    Py_RETURN_NONE;
}

static PyMethodDef session_methods[] = {
    {"connect", (PyCFunction)session_connect, METH_NOARGS, NULL},
    {"execute", (PyCFunction)(void (*)(void))session_execute, METH_VARARGS | METH_KEYWORDS, NULL},
    {"prepare", (PyCFunction)session_prepare, METH_O, NULL},
    {"batch", (PyCFunction)(void (*)(void))session_batch, METH_VARARGS | METH_KEYWORDS, NULL},
    {"stream", (PyCFunction)(void (*)(void))session_stream, METH_VARARGS | METH_KEYWORDS, NULL},
    {"resources", (PyCFunction)session_resources, METH_NOARGS, NULL},
    {"connect_failures", (PyCFunction)session_connect_failures, METH_NOARGS,
     "After a failed connect: an exception per host tried, in order (its host attribute "
     "names it)."},
    {"close", (PyCFunction)session_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef session_getset[] = {
    {"protocol_version", (getter)session_get, NULL, NULL, (void *)0},
    {"keyspace", (getter)session_get, NULL, NULL, (void *)1},
    {"closed", (getter)session_get, NULL, NULL, (void *)2},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject cqlpy_session_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core.Session",
    .tp_basicsize = sizeof(cqlpy_session),
    .tp_dealloc = (destructor)session_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = session_methods,
    .tp_getset = session_getset,
    .tp_init = (initproc)session_init,
    .tp_new = PyType_GenericNew,
    .tp_weaklistoffset = offsetof(cqlpy_session, weakrefs),
    .tp_doc = "A cql_session on the running asyncio loop.",
};
