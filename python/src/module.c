/* cqlio._core: the module, the registry the Python layer fills, UNSET. */
#include "aloop.h"
#include "bridge.h"
#include "page.h"
#include "session.h"

cqlpy_types cqlpy_registry;
cqlpy_stdlib cqlpy_std;
PyObject *cqlpy_unset;

static PyObject *set_types(PyObject *module, PyObject *args, PyObject *kw)
{
    (void)module;
    static char *names[] = {"Date", "Time", "Duration", "SortedSet", "OrderedMapSerializedKey",
                            "udt_factory", "error_factory", "row_class", NULL};
    PyObject *v[8] = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOOOOOO", names, &v[0], &v[1], &v[2], &v[3],
                                     &v[4], &v[5], &v[6], &v[7]))
        return NULL;
    PyObject **slots[8] = {&cqlpy_registry.Date,      &cqlpy_registry.Time,
                           &cqlpy_registry.Duration,  &cqlpy_registry.SortedSet,
                           &cqlpy_registry.OrderedMapSerializedKey, &cqlpy_registry.udt_factory,
                           &cqlpy_registry.error_factory, &cqlpy_registry.row_class};
    for (int i = 0; i < 8; i++) {
        if (v[i] == NULL)
            continue;
        PyObject *old = *slots[i];
        *slots[i] = v[i] == Py_None ? NULL : v[i];
        Py_XINCREF(*slots[i]);
        Py_XDECREF(old);
    }
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_types", (PyCFunction)(void (*)(void))set_types, METH_VARARGS | METH_KEYWORDS,
     "Registers the Python classes values convert to, and the error factory."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, .m_name = "cqlio._core",
    .m_doc = "The C core of cqlio: sessions, statements and streams on the asyncio loop.",
    .m_size = -1, .m_methods = module_methods,
};

static PyObject *attr_of(const char *module, const char *name)
{
    PyObject *m = PyImport_ImportModule(module);
    PyObject *a = m ? PyObject_GetAttrString(m, name) : NULL;
    Py_XDECREF(m);
    return a;
}

static int load_stdlib(void)
{
    cqlpy_std.Decimal = attr_of("decimal", "Decimal");
    cqlpy_std.UUID = attr_of("uuid", "UUID");
    cqlpy_std.datetime = attr_of("datetime", "datetime");
    cqlpy_std.date = attr_of("datetime", "date");
    cqlpy_std.time = attr_of("datetime", "time");
    PyObject *tz = attr_of("datetime", "timezone");
    cqlpy_std.timezone_utc = tz ? PyObject_GetAttrString(tz, "utc") : NULL;
    Py_XDECREF(tz);
    cqlpy_std.ip_address = attr_of("ipaddress", "ip_address");
    cqlpy_std.IPv4Address = attr_of("ipaddress", "IPv4Address");
    cqlpy_std.IPv6Address = attr_of("ipaddress", "IPv6Address");
    cqlpy_std.epoch = cqlpy_std.datetime && cqlpy_std.timezone_utc
                          ? PyObject_CallFunction(cqlpy_std.datetime, "iiiiiiiO", 1970, 1, 1, 0,
                                                  0, 0, 0, cqlpy_std.timezone_utc)
                          : NULL;
    return cqlpy_std.epoch && cqlpy_std.ip_address && cqlpy_std.IPv6Address &&
                   cqlpy_std.IPv4Address && cqlpy_std.UUID && cqlpy_std.Decimal &&
                   cqlpy_std.date && cqlpy_std.time
               ? 0
               : -1;
}

PyMODINIT_FUNC PyInit__core(void);
PyMODINIT_FUNC PyInit__core(void)
{
    if (cqlpy_aloop_ready() || cqlpy_bridge_ready() || cqlpy_page_ready() ||
        PyType_Ready(&cqlpy_session_type) || PyType_Ready(&cqlpy_stream_type) ||
        load_stdlib())
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL)
        return NULL;
    if (cqlpy_unset == NULL)
        cqlpy_unset = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    if (cqlpy_unset == NULL || PyModule_AddObjectRef(m, "UNSET", cqlpy_unset) ||
        PyModule_AddObjectRef(m, "Session", (PyObject *)&cqlpy_session_type) ||
        PyModule_AddObjectRef(m, "Stream", (PyObject *)&cqlpy_stream_type) ||
        PyModule_AddObjectRef(m, "Page", (PyObject *)&cqlpy_page_type) ||
        PyModule_AddObjectRef(m, "Prepared", (PyObject *)&cqlpy_prepared_type) ||
        PyModule_AddStringConstant(m, "LIBRARY_VERSION", cql_version())) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
