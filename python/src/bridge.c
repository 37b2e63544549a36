/* C futures completing asyncio futures (bridge.h). */
#include "bridge.h"

typedef struct future_link {
    PyObject_HEAD
    cql_future *f;     /* the caller's reference */
    PyObject *pyfut;   /* the asyncio future */
    PyObject *ctx;
    cqlpy_result_fn result;
    cqlpy_unclaimed_fn unclaimed;
} future_link;

static void link_dealloc(future_link *l)
{
    cql_future_free(l->f); /* cancels it if still pending */
    Py_XDECREF(l->pyfut);
    Py_XDECREF(l->ctx);
    PyObject_Free(l);
}

static bool pyfut_done(PyObject *pyfut)
{
    PyObject *r = PyObject_CallMethod(pyfut, "done", NULL);
    bool done = r == NULL || PyObject_IsTrue(r);
    Py_XDECREF(r);
    PyErr_Clear();
    return done;
}

/* The asyncio future's done callback: a cancelled task cancels the request. */
static PyObject *link_call(future_link *l, PyObject *args, PyObject *kw)
{
    (void)args, (void)kw;
    PyObject *c = l->pyfut ? PyObject_CallMethod(l->pyfut, "cancelled", NULL) : NULL;
    bool cancelled = c != NULL && PyObject_IsTrue(c);
    Py_XDECREF(c);
    PyErr_Clear();
    if (cancelled && l->f != NULL)
        cql_future_cancel(l->f);
    Py_RETURN_NONE;
}

static PyTypeObject link_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core._FutureLink",
    .tp_basicsize = sizeof(future_link),
    .tp_dealloc = (destructor)link_dealloc,
    .tp_call = (ternaryfunc)link_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

int cqlpy_bridge_ready(void) { return PyType_Ready(&link_type); }

PyObject *cqlpy_raise_error(const cql_error *e)
{
    static const char *const categories[] = {"", "client", "server", "network", "timeout"};
    PyObject *info = PyDict_New();
    if (info == NULL)
        return NULL;
    const char *cat = (unsigned)e->category < 5 ? categories[e->category] : "client";
#define SET(key, expr)                                                                             \
    do {                                                                                           \
        PyObject *v_ = (expr);                                                                     \
        if (v_ == NULL || PyDict_SetItemString(info, key, v_) != 0) {                              \
            Py_XDECREF(v_);                                                                        \
            Py_DECREF(info);                                                                       \
            return NULL;                                                                           \
        }                                                                                          \
        Py_DECREF(v_);                                                                             \
    } while (0)
#define STR(s) PyUnicode_DecodeUTF8((s).ptr ? (s).ptr : "", (Py_ssize_t)(s).len, "replace")
    SET("category", PyUnicode_FromString(cat));
    SET("rc", PyLong_FromLong((long)e->rc));
    SET("message", PyUnicode_DecodeUTF8(e->message, (Py_ssize_t)strlen(e->message), "replace"));
    SET("host", PyUnicode_FromString(e->host ? e->host : ""));
    const cql_server_error *se = e->server;
    if (se != NULL) {
        SET("code", PyLong_FromLong((long)se->code));
        SET("server_message", STR(se->message));
        SET("consistency", PyLong_FromLong((long)se->consistency));
        SET("required", PyLong_FromLong((long)se->required));
        SET("alive", PyLong_FromLong((long)se->alive));
        SET("received", PyLong_FromLong((long)se->received));
        SET("block_for", PyLong_FromLong((long)se->block_for));
        SET("data_present", PyBool_FromLong(se->data_present));
        SET("write_type", STR(se->write_type));
        SET("contentions", PyLong_FromLong((long)se->contentions));
        SET("failures", PyLong_FromLong((long)se->failures));
        SET("keyspace", STR(se->keyspace));
        SET("table", STR(se->table));
        SET("function", STR(se->function));
        PyObject *args = PyList_New(0);
        for (uint32_t i = 0; args != NULL && i < se->arg_type_count; i++) {
            PyObject *a = STR(se->arg_types[i]);
            if (a == NULL || PyList_Append(args, a) != 0)
                Py_CLEAR(args);
            Py_XDECREF(a);
        }
        SET("arg_types", args);
        SET("unprepared_id",
            PyBytes_FromStringAndSize(se->unprepared_id.ptr, (Py_ssize_t)se->unprepared_id.len));
    }
#undef STR
#undef SET
    PyObject *exc = NULL;
    if (cqlpy_registry.error_factory != NULL)
        exc = PyObject_CallOneArg(cqlpy_registry.error_factory, info);
    else
        exc = PyObject_CallFunction(PyExc_RuntimeError, "s", e->message);
    Py_DECREF(info);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

/* Sets the future's outcome: result or exception. */
static void settle(future_link *l)
{
    PyObject *value = l->result(l->f, l->ctx);
    PyObject *r;
    if (value != NULL) {
        r = PyObject_CallMethod(l->pyfut, "set_result", "(O)", value);
        Py_DECREF(value);
    } else {
        PyObject *type, *exc, *tb;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        if (tb != NULL && exc != NULL)
            PyException_SetTraceback(exc, tb);
        r = exc ? PyObject_CallMethod(l->pyfut, "set_exception", "(O)", exc) : NULL;
        Py_XDECREF(type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
    }
    if (r == NULL)
        PyErr_WriteUnraisable(l->pyfut);
    Py_XDECREF(r);
}

/* The C future's callback, on the loop thread with the GIL held. */
static void on_done(cql_future *f, void *arg)
{
    (void)f;
    future_link *l = arg;
    if (!pyfut_done(l->pyfut))
        settle(l);
    else if (l->unclaimed != NULL && cql_future_error(f) == NULL)
        l->unclaimed(f, l->ctx);
    Py_DECREF(l); /* the reference the C side held */
}

PyObject *cqlpy_bridge(PyObject *loop, cql_future *f, cqlpy_result_fn result, PyObject *ctx)
{
    return cqlpy_bridge_keep(loop, f, result, NULL, ctx);
}

PyObject *cqlpy_bridge_keep(PyObject *loop, cql_future *f, cqlpy_result_fn result,
                            cqlpy_unclaimed_fn unclaimed, PyObject *ctx)
{
    if (f == NULL)
        return PyErr_NoMemory();
    PyObject *pyfut = PyObject_CallMethod(loop, "create_future", NULL);
    future_link *l = pyfut ? PyObject_New(future_link, &link_type) : NULL;
    if (l == NULL) {
        cql_future_free(f);
        Py_XDECREF(pyfut);
        return NULL;
    }
    l->f = f;
    l->pyfut = pyfut; /* the future_link's reference */
    Py_INCREF(pyfut); /* the caller's */
    l->ctx = ctx;
    Py_XINCREF(ctx);
    l->result = result;
    l->unclaimed = unclaimed;
    PyObject *r = PyObject_CallMethod(pyfut, "add_done_callback", "(O)", (PyObject *)l);
    Py_XDECREF(r);
    if (r == NULL) {
        Py_DECREF(l);
        Py_DECREF(pyfut);
        return NULL;
    }
    Py_INCREF(l); /* held by the C callback until it fires */
    if (cql_future_then(f, on_done, l) != CQL_OK)
        Py_DECREF(l);
    Py_DECREF(l); /* ours: the C callback and the asyncio future hold it now */
    return pyfut;
}
