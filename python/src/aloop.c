/*
 * The asyncio adapter: a cql_loop over the running asyncio loop. Sockets are
 * watched with loop.add_reader / add_writer, the session's one timer is a
 * loop.call_at handle, and a wake-up is a loop.call_soon; everything runs on
 * the loop's thread (the engine's wakeup is only ever called from it here),
 * so no thread is started and no lock is taken. Works under uvloop too: it
 * uses only the asyncio loop API.
 *
 * The loop holds small "hook" objects as its callbacks; a hook holds a raw
 * pointer back to the adapter, cleared when the adapter is released, so a
 * hook the loop still holds then does nothing. The adapter holds no Python
 * object that points back at the session (no reference cycle).
 */
#include "aloop.h"

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

enum hook_kind { HOOK_READ, HOOK_WRITE, HOOK_TIMER, HOOK_WAKE };

typedef struct aloop aloop;

typedef struct hook {
    PyObject_HEAD
    aloop *owner; /* NULL once the adapter is released */
    int kind;
    cql_loop_ready_fn ready;
    cql_loop_fire_fn fire;
    void *arg;
} hook;

typedef struct watch {
    int fd;
    int events;
    hook *reader, *writer; /* strong refs, also held by the loop while armed */
} watch;

struct aloop {
    PyObject *loop;
    hook *timer;    /* armed timer's hook */
    PyObject *timer_handle;
    hook *wake;
    PyObject *wake_handle;
    watch *watches;
    size_t watch_count, watch_cap;
};

static void hook_dealloc(hook *h) { PyObject_Free(h); }

static PyObject *hook_call(hook *h, PyObject *args, PyObject *kw)
{
    (void)args, (void)kw;
    aloop *a = h->owner;
    if (a != NULL) {
        switch (h->kind) {
        case HOOK_READ: h->ready(h->arg, CQL_LOOP_READ); break;
        case HOOK_WRITE: h->ready(h->arg, CQL_LOOP_WRITE); break;
        case HOOK_TIMER:
            Py_CLEAR(a->timer_handle);
            h->fire(h->arg);
            break;
        case HOOK_WAKE:
            Py_CLEAR(a->wake_handle);
            h->fire(h->arg);
            break;
        }
    }
    if (PyErr_Occurred()) /* a user callback's error must not stop the loop */
        PyErr_WriteUnraisable((PyObject *)h);
    Py_RETURN_NONE;
}

static PyTypeObject hook_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core._LoopHook",
    .tp_basicsize = sizeof(hook),
    .tp_dealloc = (destructor)hook_dealloc,
    .tp_call = (ternaryfunc)hook_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

int cqlpy_aloop_ready(void) { return PyType_Ready(&hook_type); }

static hook *hook_new(aloop *a, int kind)
{
    hook *h = PyObject_New(hook, &hook_type);
    if (h != NULL) {
        h->owner = a;
        h->kind = kind;
        h->ready = NULL;
        h->fire = NULL;
        h->arg = NULL;
    }
    return h;
}

/* Calls loop.<name>(*args) and drops the result; -1 (error cleared) on failure. */
static int loop_call(aloop *a, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *args = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    if (args == NULL) {
        PyErr_Clear();
        return -1;
    }
    PyObject *fn = PyObject_GetAttrString(a->loop, name);
    PyObject *r = fn ? PyObject_Call(fn, args, NULL) : NULL;
    Py_XDECREF(fn);
    Py_DECREF(args);
    if (r == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

static watch *find_watch(aloop *a, int fd)
{
    for (size_t i = 0; i < a->watch_count; i++)
        if (a->watches[i].fd == fd)
            return &a->watches[i];
    return NULL;
}

static int aloop_watch(void *data, int fd, int events, cql_loop_ready_fn ready, void *arg)
{
    aloop *a = data;
    watch *w = find_watch(a, fd);
    if (w == NULL) {
        if (events == 0)
            return 0;
        if (a->watch_count == a->watch_cap) {
            size_t cap = a->watch_cap ? a->watch_cap * 2 : 8;
            watch *ws = PyMem_Realloc(a->watches, cap * sizeof *ws);
            if (ws == NULL)
                return -1;
            a->watches = ws;
            a->watch_cap = cap;
        }
        w = &a->watches[a->watch_count++];
        *w = (watch){.fd = fd};
    }
    int rc = 0;
    bool want_read = events & CQL_LOOP_READ, want_write = events & CQL_LOOP_WRITE;
    if (want_read && w->reader == NULL) {
        w->reader = hook_new(a, HOOK_READ);
        if (w->reader == NULL)
            return -1;
        w->reader->ready = ready;
        w->reader->arg = arg;
        rc |= loop_call(a, "add_reader", "(iO)", fd, (PyObject *)w->reader);
    } else if (!want_read && w->reader != NULL) {
        loop_call(a, "remove_reader", "(i)", fd);
        w->reader->owner = NULL;
        Py_CLEAR(w->reader);
    }
    if (want_write && w->writer == NULL) {
        w->writer = hook_new(a, HOOK_WRITE);
        if (w->writer == NULL)
            return -1;
        w->writer->ready = ready;
        w->writer->arg = arg;
        rc |= loop_call(a, "add_writer", "(iO)", fd, (PyObject *)w->writer);
    } else if (!want_write && w->writer != NULL) {
        loop_call(a, "remove_writer", "(i)", fd);
        w->writer->owner = NULL;
        Py_CLEAR(w->writer);
    }
    w->events = events;
    if (events == 0) /* forget the fd: its number may come back as another socket */
        *w = a->watches[--a->watch_count];
    return rc;
}

static void cancel_handle(PyObject **handle)
{
    if (*handle == NULL)
        return;
    PyObject *r = PyObject_CallMethod(*handle, "cancel", NULL);
    if (r == NULL)
        PyErr_Clear();
    Py_XDECREF(r);
    Py_CLEAR(*handle);
}

static int aloop_timer(void *data, uint64_t delay_ms, cql_loop_fire_fn fire, void *arg)
{
    aloop *a = data;
    cancel_handle(&a->timer_handle);
    if (delay_ms == UINT64_MAX)
        return 0;
    if (a->timer == NULL && (a->timer = hook_new(a, HOOK_TIMER)) == NULL)
        return -1;
    a->timer->fire = fire;
    a->timer->arg = arg;
    PyObject *now = PyObject_CallMethod(a->loop, "time", NULL);
    double when = now ? PyFloat_AsDouble(now) + (double)delay_ms / 1000.0 : -1;
    Py_XDECREF(now);
    a->timer_handle =
        now ? PyObject_CallMethod(a->loop, "call_at", "(dO)", when, (PyObject *)a->timer) : NULL;
    if (a->timer_handle == NULL) {
        PyErr_Clear();
        return -1;
    }
    return 0;
}

static int aloop_wakeup(void *data, cql_loop_fire_fn fire, void *arg)
{
    aloop *a = data;
    if (a->wake_handle != NULL)
        return 0; /* one pending wake-up serves every request for one */
    if (a->wake == NULL && (a->wake = hook_new(a, HOOK_WAKE)) == NULL)
        return -1;
    a->wake->fire = fire;
    a->wake->arg = arg;
    a->wake_handle = PyObject_CallMethod(a->loop, "call_soon", "(O)", (PyObject *)a->wake);
    if (a->wake_handle == NULL) {
        PyErr_Clear();
        return -1;
    }
    return 0;
}

static uint64_t aloop_now(void *data)
{
    (void)data;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void disarm(hook **h)
{
    if (*h != NULL) {
        (*h)->owner = NULL;
        Py_CLEAR(*h);
    }
}

static void aloop_release(void *data)
{
    aloop *a = data;
    /* An error being raised (a finaliser, a failed call) must survive this. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    while (a->watch_count > 0)
        aloop_watch(a, a->watches[0].fd, 0, NULL, NULL);
    PyMem_Free(a->watches);
    cancel_handle(&a->timer_handle);
    cancel_handle(&a->wake_handle);
    disarm(&a->timer);
    disarm(&a->wake);
    Py_CLEAR(a->loop);
    PyMem_Free(a);
    PyErr_Restore(type, value, tb);
}

int cqlpy_aloop_new(PyObject *loop, cql_loop *out)
{
    aloop *a = PyMem_Calloc(1, sizeof *a);
    if (a == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(loop);
    a->loop = loop;
    *out = (cql_loop){
        .data = a,
        .watch = aloop_watch,
        .timer = aloop_timer,
        .wakeup = aloop_wakeup,
        .now_ms = aloop_now,
        .resolve = NULL, /* the Python layer resolves names with loop.getaddrinfo */
        .release = aloop_release,
    };
    return 0;
}
