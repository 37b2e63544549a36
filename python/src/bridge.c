/* C futures completing asyncio futures (bridge.h). */
#include "bridge.h"

#include <structmember.h> /* PyMemberDescrObject: where a slot lives */

typedef struct future_link {
    PyObject_HEAD
    cql_future *f;     /* the caller's reference */
    PyObject *pyfut;   /* the asyncio future (a CoreFuture) */
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

static PyTypeObject link_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core._FutureLink",
    .tp_basicsize = sizeof(future_link),
    .tp_dealloc = (destructor)link_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

/*
 * CoreFuture: asyncio.Future whose cancel() also cancels the C request. A
 * subclass rather than a done callback on a plain future: a done callback
 * costs a loop.call_soon for every request that completes normally, only to
 * learn that it was not cancelled. Made at import with type(), as a Python
 * class with one slot, `_cql_link`, which holds the link while the request
 * is pending (future -> link -> future: the cycle ends when the C future
 * completes, which it always does — answer, error, timeout, cancel or
 * session close).
 */
static PyObject *core_future_type;      /* the class */
static Py_ssize_t link_slot_offset;     /* where `_cql_link` lives in an instance */
static PyObject *future_cancel;         /* asyncio.Future.cancel */
static PyObject *str_done, *str_set_result, *str_set_exception, *kw_loop;

static PyObject **link_slot(PyObject *fut) { return (PyObject **)((char *)fut + link_slot_offset); }

static PyObject *core_future_cancel(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames)
{
    /* args[0] is the future (bound through instancemethod); the rest as
     * Future.cancel takes them (msg=None). */
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "cancel() needs the future");
        return NULL;
    }
    (void)self;
    PyObject *fut = args[0];
    PyObject *r = PyObject_Vectorcall(future_cancel, args, (size_t)nargs, kwnames);
    if (r == Py_True && PyObject_TypeCheck(fut, (PyTypeObject *)core_future_type)) {
        PyObject *link = *link_slot(fut);
        if (link != NULL && Py_IS_TYPE(link, &link_type) && ((future_link *)link)->f != NULL) {
            /* the callback runs inside cql_future_cancel and drops the
             * link's references: keep it (and its C future) until after */
            Py_INCREF(link);
            cql_future_cancel(((future_link *)link)->f); /* the engine abandons the request */
            Py_DECREF(link);
        }
    }
    return r;
}

static PyMethodDef core_future_cancel_def = {
    "cancel", (PyCFunction)(void (*)(void))core_future_cancel, METH_FASTCALL | METH_KEYWORDS,
    "Cancels the future and abandons its request in the core."};

static int core_future_ready(void)
{
    PyObject *asyncio = PyImport_ImportModule("asyncio");
    PyObject *base = asyncio ? PyObject_GetAttrString(asyncio, "Future") : NULL;
    Py_XDECREF(asyncio);
    future_cancel = base ? PyObject_GetAttrString(base, "cancel") : NULL;
    PyObject *fn = future_cancel ? PyCFunction_New(&core_future_cancel_def, NULL) : NULL;
    PyObject *method = fn ? PyInstanceMethod_New(fn) : NULL;
    Py_XDECREF(fn);
    if (method != NULL)
        core_future_type =
            PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){s:(s),s:O,s:s,s:s}",
                                  "CoreFuture", base, "__slots__", "_cql_link", "cancel", method,
                                  "__module__", "cqlio._core", "__doc__",
                                  "An asyncio future whose cancel() abandons its request.");
    Py_XDECREF(method);
    Py_XDECREF(base);
    PyObject *descr =
        core_future_type ? PyObject_GetAttrString(core_future_type, "_cql_link") : NULL;
    if (descr == NULL)
        return -1;
    int ok = Py_IS_TYPE(descr, &PyMemberDescr_Type);
    if (ok)
        link_slot_offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    if (!ok) {
        PyErr_SetString(PyExc_RuntimeError, "CoreFuture._cql_link is not a slot");
        return -1;
    }
    str_done = PyUnicode_InternFromString("done");
    str_set_result = PyUnicode_InternFromString("set_result");
    str_set_exception = PyUnicode_InternFromString("set_exception");
    kw_loop = Py_BuildValue("(s)", "loop");
    return str_done && str_set_result && str_set_exception && kw_loop ? 0 : -1;
}

int cqlpy_bridge_ready(void) { return PyType_Ready(&link_type) || core_future_ready(); }

PyObject *cqlpy_future_new(PyObject *loop)
{
    return PyObject_Vectorcall(core_future_type, &loop, 0, kw_loop);
}

static bool pyfut_done(PyObject *pyfut)
{
    PyObject *r = PyObject_CallMethodNoArgs(pyfut, str_done);
    bool done = r == NULL || r == Py_True;
    Py_XDECREF(r);
    PyErr_Clear();
    return done;
}

PyObject *cqlpy_raise_error(const cql_error *e)
{
    PyObject *exc = cqlpy_error_object(e);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *cqlpy_error_object(const cql_error *e)
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
    return exc;
}

/* Sets the future's outcome: result or exception. */
static void settle(future_link *l)
{
    PyObject *value = l->result(l->f, l->ctx);
    PyObject *r;
    if (value != NULL) {
        r = PyObject_CallMethodOneArg(l->pyfut, str_set_result, value);
        Py_DECREF(value);
    } else {
        PyObject *type, *exc, *tb;
        PyErr_Fetch(&type, &exc, &tb);
        PyErr_NormalizeException(&type, &exc, &tb);
        if (tb != NULL && exc != NULL)
            PyException_SetTraceback(exc, tb);
        r = exc ? PyObject_CallMethodOneArg(l->pyfut, str_set_exception, exc) : NULL;
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
    future_link *l = arg;
    if (!pyfut_done(l->pyfut))
        settle(l);
    else if (l->unclaimed != NULL && cql_future_error(f) == NULL)
        l->unclaimed(f, l->ctx);
    Py_CLEAR(*link_slot(l->pyfut)); /* the future's reference: the cycle ends */
    Py_DECREF(l);                   /* the C callback's */
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
    PyObject *pyfut = cqlpy_future_new(loop);
    future_link *l = pyfut ? PyObject_New(future_link, &link_type) : NULL;
    if (l == NULL) {
        cql_future_free(f);
        Py_XDECREF(pyfut);
        return NULL;
    }
    l->f = f;
    l->pyfut = pyfut; /* the link's reference */
    Py_INCREF(pyfut); /* the caller's */
    l->ctx = ctx;
    Py_XINCREF(ctx);
    l->result = result;
    l->unclaimed = unclaimed;
    /* The future holds the link (for cancel) and the C callback holds it,
     * until the C future completes; then the callback drops both. */
    Py_INCREF(l);
    *link_slot(pyfut) = (PyObject *)l;
    if (cql_future_then(f, on_done, l) != CQL_OK) {
        Py_CLEAR(*link_slot(pyfut));
        Py_DECREF(l);
        Py_DECREF(pyfut);
        PyErr_SetString(PyExc_RuntimeError, "could not wait for the request");
        return NULL;
    }
    return pyfut;
}
