/*
 * _core.Stream: a cql_stream read a page at a time into Python (never an
 * asyncio future per row). It holds its session object (so the session is
 * not collected under it) and the page callback; the C stream holds only a
 * raw pointer to this object, valid because the C stream is freed first in
 * the dealloc. No reference cycle through C.
 */
#include "bridge.h"
#include "page.h"
#include "session.h"

typedef struct pystream {
    PyObject_HEAD
    cql_stream *st;
    cqlpy_session *session;
    PyObject *page_callback;
    cqlpy_page_shape shape; /* shape.prepared: a reference */
    bool unclaimed; /* the current page came after its waiter was cancelled */
} pystream;

static void on_page(void *arg, uint64_t page_number, size_t rows)
{
    pystream *self = arg;
    if (self->page_callback == NULL)
        return;
    PyObject *r = PyObject_CallFunction(self->page_callback, "Kn",
                                        (unsigned long long)page_number, (Py_ssize_t)rows);
    if (r == NULL) /* a callback's error must not break the stream */
        PyErr_WriteUnraisable(self->page_callback);
    Py_XDECREF(r);
}

static int stream_traverse(pystream *self, visitproc visit, void *arg)
{
    Py_VISIT(self->page_callback);
    Py_VISIT(self->session);
    Py_VISIT(self->shape.prepared);
    return 0;
}

static int stream_clear(pystream *self)
{
    Py_CLEAR(self->page_callback);
    Py_CLEAR(self->shape.prepared);
    return 0;
}

static void stream_dealloc(pystream *self)
{
    PyObject_GC_UnTrack(self);
    cql_stream_free(self->st); /* abandons a fetch in flight, frees its pages */
    self->st = NULL;
    stream_clear(self);
    Py_CLEAR(self->session);
    PyObject_GC_Del(self);
}

PyObject *cqlpy_stream_new(cqlpy_session *session, cql_statement *st, cql_stream_config *cfg,
                           PyObject *page_callback, cqlpy_page_shape shape)
{
    pystream *self = PyObject_GC_New(pystream, &cqlpy_stream_type);
    if (self == NULL)
        return NULL;
    self->st = NULL;
    self->shape = shape;
    Py_XINCREF(shape.prepared);
    self->unclaimed = false;
    self->session = session;
    Py_INCREF(session);
    self->page_callback = page_callback;
    Py_XINCREF(page_callback);
    cfg->on_page = on_page;
    cfg->on_page_arg = self;
    self->st = cql_session_stream(session->s, st, cfg);
    PyObject_GC_Track(self);
    if (self->st == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static PyObject *page_of(cql_future *f, PyObject *ctx)
{
    pystream *self = (pystream *)ctx;
    const cql_error *e = cql_future_error(f);
    if (e != NULL) {
        /* The stream's own error carries the server's fields (consistency,
         * replicas, keyspace...); the fetch's has the sentence only. */
        const cql_error *full = self->st ? cql_stream_error(self->st) : NULL;
        return cqlpy_raise_error(full != NULL && full->rc == e->rc ? full : e);
    }
    const cql_result *page = self->st ? cql_stream_page(self->st) : NULL;
    if (page == NULL)
        Py_RETURN_NONE; /* the end */
    return cqlpy_page_new(page, self->shape.prepared, self->shape.named);
}

/* A page that arrived for a waiter cancelled meanwhile: the next
 * next_page() hands it out instead of fetching past it. */
static void keep_page(cql_future *f, PyObject *ctx)
{
    (void)f;
    ((pystream *)ctx)->unclaimed = true;
}

static PyObject *stream_next_page(pystream *self, PyObject *unused)
{
    (void)unused;
    if (self->unclaimed) {
        self->unclaimed = false;
        PyObject *fut = cqlpy_future_new(self->session->loop);
        const cql_result *page = cql_stream_page(self->st);
        PyObject *value = page ? cqlpy_page_new(page, self->shape.prepared, self->shape.named) : (Py_INCREF(Py_None), Py_None);
        PyObject *r = fut && value ? PyObject_CallMethod(fut, "set_result", "(O)", value) : NULL;
        Py_XDECREF(value);
        Py_XDECREF(r);
        if (r == NULL)
            Py_CLEAR(fut);
        return fut;
    }
    return cqlpy_bridge_keep(self->session->loop, cql_stream_fetch(self->st), page_of, keep_page,
                             (PyObject *)self);
}

static PyObject *stream_close(pystream *self, PyObject *unused)
{
    (void)unused;
    cql_stream_close(self->st);
    Py_RETURN_NONE;
}

static PyObject *stream_get(pystream *self, void *which)
{
    switch ((intptr_t)which) {
    case 0: return PyLong_FromUnsignedLongLong(cql_stream_page_number(self->st));
    case 1: return PyLong_FromUnsignedLongLong(cql_stream_rows_fetched(self->st));
    case 2: {
        const cql_error *e = cql_stream_error(self->st);
        return PyBool_FromLong(e != NULL && e->rc == CQL_E_CLOSED);
    }
    case 3: {
        cql_str ps = cql_stream_paging_state(self->st);
        if (ps.len == 0)
            Py_RETURN_NONE;
        return PyBytes_FromStringAndSize(ps.ptr, (Py_ssize_t)ps.len);
    }
    }
    Py_RETURN_NONE;
}

static PyMethodDef stream_methods[] = {
    {"next_page", (PyCFunction)stream_next_page, METH_NOARGS, NULL},
    {"close", (PyCFunction)stream_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef stream_getset[] = {
    {"page_number", (getter)stream_get, NULL, NULL, (void *)0},
    {"rows_fetched", (getter)stream_get, NULL, NULL, (void *)1},
    {"closed", (getter)stream_get, NULL, NULL, (void *)2},
    {"paging_state", (getter)stream_get, NULL, NULL, (void *)3},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject cqlpy_stream_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core.Stream",
    .tp_basicsize = sizeof(pystream),
    .tp_dealloc = (destructor)stream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)stream_traverse,
    .tp_clear = (inquiry)stream_clear,
    .tp_methods = stream_methods,
    .tp_getset = stream_getset,
    .tp_doc = "A result streamed page by page in bounded memory.",
};
