/* _core.Page (one page of rows, converted) and _core.Prepared. */
#include "page.h"
#include "bridge.h"
#include "engine/prepared.h" /* the statement id: built into the extension */
#include "proto/types.h"     /* cql_type_equal */

#include <string.h>

#include <structmember.h>

typedef struct page {
    PyObject_HEAD
    PyObject *rows;          /* list of tuples */
    PyObject *column_names;  /* tuple of str */
    PyObject *column_types;  /* tuple of str */
    PyObject *paging_state;  /* bytes or None */
    PyObject *warnings;      /* list of str */
    PyObject *tracing_id;    /* bytes or None */
    PyObject *custom_payload;/* dict or None */
    int has_more_pages;
    int was_applied;
} page;

static void page_dealloc(page *p)
{
    Py_XDECREF(p->rows);
    Py_XDECREF(p->column_names);
    Py_XDECREF(p->column_types);
    Py_XDECREF(p->paging_state);
    Py_XDECREF(p->warnings);
    Py_XDECREF(p->tracing_id);
    Py_XDECREF(p->custom_payload);
    PyObject_Free(p);
}

static PyMemberDef page_members[] = {
    {"rows", T_OBJECT, offsetof(page, rows), READONLY, NULL},
    {"column_names", T_OBJECT, offsetof(page, column_names), READONLY, NULL},
    {"column_types", T_OBJECT, offsetof(page, column_types), READONLY, NULL},
    {"paging_state", T_OBJECT, offsetof(page, paging_state), READONLY, NULL},
    {"warnings", T_OBJECT, offsetof(page, warnings), READONLY, NULL},
    {"tracing_id", T_OBJECT, offsetof(page, tracing_id), READONLY, NULL},
    {"custom_payload", T_OBJECT, offsetof(page, custom_payload), READONLY, NULL},
    {"has_more_pages", T_BOOL, offsetof(page, has_more_pages), READONLY, NULL},
    {"was_applied", T_BOOL, offsetof(page, was_applied), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject cqlpy_page_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core.Page",
    .tp_basicsize = sizeof(page),
    .tp_dealloc = (destructor)page_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_members = page_members,
    .tp_doc = "One page of rows: tuples of converted values, with the page's metadata.",
};

static PyObject *str_of(cql_str s)
{
    return PyUnicode_DecodeUTF8(s.ptr ? s.ptr : "", (Py_ssize_t)s.len, "replace");
}

static PyObject *type_name(const cql_type *t)
{
    char buf[512];
    size_t n = t ? cql_type_format(t, buf, sizeof buf) : 0;
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    return PyUnicode_DecodeUTF8(buf, (Py_ssize_t)n, "replace");
}

PyObject *cqlpy_names_of(const cql_metadata *m)
{
    size_t n = cql_metadata_column_count(m);
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; t != NULL && i < n; i++) {
        PyObject *s = str_of(cql_metadata_column_name(m, i));
        if (s == NULL)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

PyObject *cqlpy_types_of(const cql_metadata *m)
{
    size_t n = cql_metadata_column_count(m);
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; t != NULL && i < n; i++) {
        PyObject *s = type_name(cql_metadata_column_type(m, i));
        if (s == NULL)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

static int columns_of_result(page *p, const cql_result *r)
{
    size_t n = cql_result_column_count(r);
    p->column_names = PyTuple_New((Py_ssize_t)n);
    p->column_types = PyTuple_New((Py_ssize_t)n);
    if (p->column_names == NULL || p->column_types == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        PyObject *name = str_of(cql_result_column_name(r, i));
        PyObject *type = type_name(cql_result_column_type(r, i));
        if (name == NULL || type == NULL) {
            Py_XDECREF(name);
            Py_XDECREF(type);
            return -1;
        }
        PyTuple_SET_ITEM(p->column_names, (Py_ssize_t)i, name);
        PyTuple_SET_ITEM(p->column_types, (Py_ssize_t)i, type);
    }
    return 0;
}

/* Whether r's columns are prepared's result columns: the same names and
 * types (comparing costs far less than making the strings; a schema change
 * since the prepare makes them differ). */
static bool uses_metadata_of(const cql_result *r, const cqlpy_prepared *prepared)
{
    const cql_metadata *m = cql_prepared_result_metadata(prepared->p);
    size_t n = cql_result_column_count(r);
    if (n == 0 || cql_metadata_column_count(m) != n)
        return false;
    if (cql_result_column_name(r, 0).ptr == cql_metadata_column_name(m, 0).ptr)
        return true; /* read with that very metadata (a page sent without its own) */
    for (size_t i = 0; i < n; i++) {
        cql_str a = cql_result_column_name(r, i), b = cql_metadata_column_name(m, i);
        if (a.len != b.len || (a.len > 0 && memcmp(a.ptr, b.ptr, a.len) != 0) ||
            !cql_type_equal(cql_result_column_type(r, i), cql_metadata_column_type(m, i)))
            return false;
    }
    return true;
}

/* The result's columns as tuples: a prepared statement's cached ones when
 * the page uses its metadata (no strings made per page), else from the
 * result's own accessors. */
static int page_columns(page *p, const cql_result *r, cqlpy_prepared *prepared)
{
    if (prepared == NULL || !uses_metadata_of(r, prepared))
        return columns_of_result(p, r);
    const cql_metadata *m = cql_prepared_result_metadata(prepared->p);
    if (prepared->names_of != m) { /* the schema changed since: made again */
        Py_CLEAR(prepared->names);
        Py_CLEAR(prepared->types);
        Py_CLEAR(prepared->row_class);
    }
    if (prepared->names == NULL) {
        prepared->names_of = m;
        prepared->names = cqlpy_names_of(m);
        prepared->types = prepared->names ? cqlpy_types_of(m) : NULL;
        if (prepared->types == NULL) {
            Py_CLEAR(prepared->names);
            return -1;
        }
    }
    p->column_names = Py_NewRef(prepared->names);
    p->column_types = Py_NewRef(prepared->types);
    return 0;
}

/* The class rows are made as: registry.row_class(names), which must have a
 * tuple's layout exactly; cached on the prepared statement for its names. */
static PyTypeObject *row_class_for(PyObject *names, cqlpy_prepared *prepared)
{
    if (prepared != NULL && prepared->row_class != NULL && prepared->names == names)
        return (PyTypeObject *)Py_NewRef(prepared->row_class);
    if (cqlpy_registry.row_class == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "named rows asked for before row_class was set");
        return NULL;
    }
    PyObject *cls = PyObject_CallOneArg(cqlpy_registry.row_class, names);
    if (cls == NULL)
        return NULL;
    PyTypeObject *t = (PyTypeObject *)cls;
    if (!PyType_Check(cls) || !PyType_IsSubtype(t, &PyTuple_Type) ||
        t->tp_basicsize != PyTuple_Type.tp_basicsize || t->tp_itemsize != PyTuple_Type.tp_itemsize ||
        t->tp_dictoffset != 0) {
        PyErr_Format(PyExc_TypeError, "row_class must return a tuple subclass without fields of "
                                      "its own (a namedtuple class), not %R", cls);
        Py_DECREF(cls);
        return NULL;
    }
    if (prepared != NULL && prepared->names == names)
        Py_XSETREF(prepared->row_class, Py_NewRef(cls));
    return t;
}

static int page_extras(page *p, const cql_result *r)
{
    const cql_response *resp = cql_result_response(r);
    cql_str ps = cql_result_paging_state(r);
    p->has_more_pages = cql_result_has_more_pages(r);
    p->was_applied = cql_result_was_applied(r);
    if (p->has_more_pages && ps.len > 0)
        p->paging_state = PyBytes_FromStringAndSize(ps.ptr, (Py_ssize_t)ps.len);
    else {
        p->paging_state = Py_None;
        Py_INCREF(Py_None);
    }
    p->warnings = PyList_New(0);
    if (p->paging_state == NULL || p->warnings == NULL)
        return -1;
    for (size_t i = 0; i < cql_response_warning_count(resp); i++) {
        PyObject *w = str_of(cql_response_warning(resp, i));
        if (w == NULL || PyList_Append(p->warnings, w) != 0) {
            Py_XDECREF(w);
            return -1;
        }
        Py_DECREF(w);
    }
    uint8_t id[16];
    if (cql_response_tracing_id(resp, id))
        p->tracing_id = PyBytes_FromStringAndSize((const char *)id, 16);
    else {
        p->tracing_id = Py_None;
        Py_INCREF(Py_None);
    }
    if (cql_response_payload_count(resp) == 0) {
        p->custom_payload = Py_None;
        Py_INCREF(Py_None);
        return p->tracing_id ? 0 : -1;
    }
    p->custom_payload = PyDict_New();
    for (size_t i = 0; p->custom_payload != NULL && i < cql_response_payload_count(resp); i++) {
        cql_value v = cql_response_payload_value(resp, i);
        PyObject *k = str_of(cql_response_payload_key(resp, i));
        PyObject *b = v.len >= 0 ? PyBytes_FromStringAndSize((const char *)v.ptr, v.len)
                                 : (Py_INCREF(Py_None), Py_None);
        if (k == NULL || b == NULL || PyDict_SetItem(p->custom_payload, k, b) != 0) {
            Py_XDECREF(k);
            Py_XDECREF(b);
            return -1;
        }
        Py_DECREF(k);
        Py_DECREF(b);
    }
    return p->tracing_id && p->custom_payload ? 0 : -1;
}

PyObject *cqlpy_page_new(const cql_result *r, PyObject *prepared, bool named)
{
    page *p = PyObject_New(page, &cqlpy_page_type);
    if (p == NULL)
        return NULL;
    p->rows = p->column_names = p->column_types = p->paging_state = NULL;
    p->warnings = p->tracing_id = p->custom_payload = NULL;
    cqlpy_prepared *ps = prepared != NULL && PyObject_TypeCheck(prepared, &cqlpy_prepared_type)
                             ? (cqlpy_prepared *)prepared
                             : NULL;
    size_t columns = cql_result_column_count(r), count = cql_result_row_count(r);
    p->rows = PyList_New((Py_ssize_t)(count < 65536 ? count : 0));
    if (p->rows == NULL || page_columns(p, r, ps) != 0 || page_extras(p, r) != 0) {
        Py_DECREF(p);
        return NULL;
    }
    PyTypeObject *cls = named && count > 0 ? row_class_for(p->column_names, ps) : NULL;
    if (named && count > 0 && cls == NULL) {
        Py_DECREF(p);
        return NULL;
    }
    /* Rows are read with the result's cursor, which moves: the result is
     * the page's own, read once. The list was sized from the row count the
     * page declares (up to 65536, a bound on what a hostile count costs);
     * a page with fewer rows than declared fails below in any case. */
    cql_result *cursor = (cql_result *)r;
    Py_ssize_t at = 0, sized = PyList_GET_SIZE(p->rows);
    while (cql_result_next(cursor)) {
        PyObject *row = cqlpy_row_to_tuple(cursor, columns, cls);
        if (row != NULL && at < sized)
            PyList_SET_ITEM(p->rows, at, row);
        else if (row == NULL || PyList_Append(p->rows, row) != 0) {
            Py_XDECREF(row);
            goto fail;
        } else
            Py_DECREF(row);
        at++;
    }
    const cql_error *bad = cql_result_error(cursor);
    if (bad != NULL) {
        cqlpy_raise_error(bad);
        goto fail;
    }
    if (at < sized && PyList_SetSlice(p->rows, at, sized, NULL) != 0)
        goto fail;
    Py_XDECREF(cls);
    return (PyObject *)p;
fail:
    Py_XDECREF(cls);
    Py_DECREF(p);
    return NULL;
}

/* ---- Prepared ----------------------------------------------------------- */

static void prepared_dealloc(cqlpy_prepared *p)
{
    Py_XDECREF(p->names);
    Py_XDECREF(p->types);
    Py_XDECREF(p->row_class);
    cql_prepared_free(p->p);
    PyObject_Free(p);
}

static PyObject *prepared_get(cqlpy_prepared *self, void *which)
{
    const cql_prepared *p = self->p;
    switch ((intptr_t)which) {
    case 0: return PyUnicode_FromString(cql_prepared_query(p));
    case 1: {
        size_t n = cql_prepared_param_count(p);
        PyObject *t = PyTuple_New((Py_ssize_t)n);
        for (size_t i = 0; t != NULL && i < n; i++) {
            PyObject *s = str_of(cql_prepared_param_name(p, i));
            if (s == NULL)
                Py_CLEAR(t);
            else
                PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
        }
        return t;
    }
    case 2: {
        size_t n = cql_prepared_param_count(p);
        PyObject *t = PyTuple_New((Py_ssize_t)n);
        for (size_t i = 0; t != NULL && i < n; i++) {
            PyObject *s = type_name(cql_prepared_param_type(p, i));
            if (s == NULL)
                Py_CLEAR(t);
            else
                PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
        }
        return t;
    }
    case 3: return cqlpy_names_of(cql_prepared_result_metadata(p));
    case 4: return cqlpy_types_of(cql_prepared_result_metadata(p));
    case 5: {
        cql_str id = cql_prepared_id(p);
        return PyBytes_FromStringAndSize(id.ptr, (Py_ssize_t)id.len);
    }
    case 6:
        if (p->keyspace[0] == '\0')
            Py_RETURN_NONE;
        return PyUnicode_FromString(p->keyspace);
    }
    Py_RETURN_NONE;
}

static PyGetSetDef prepared_getset[] = {
    {"query", (getter)prepared_get, NULL, NULL, (void *)0},
    {"param_names", (getter)prepared_get, NULL, NULL, (void *)1},
    {"param_types", (getter)prepared_get, NULL, NULL, (void *)2},
    {"column_names", (getter)prepared_get, NULL, NULL, (void *)3},
    {"column_types", (getter)prepared_get, NULL, NULL, (void *)4},
    {"id", (getter)prepared_get, NULL, NULL, (void *)5},
    {"keyspace", (getter)prepared_get, NULL, NULL, (void *)6},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject cqlpy_prepared_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cqlio._core.Prepared",
    .tp_basicsize = sizeof(cqlpy_prepared),
    .tp_dealloc = (destructor)prepared_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = prepared_getset,
    .tp_doc = "A statement prepared on the server, cached per session.",
};

PyObject *cqlpy_prepared_new(cql_prepared *p)
{
    cqlpy_prepared *o = PyObject_New(cqlpy_prepared, &cqlpy_prepared_type);
    if (o == NULL) {
        cql_prepared_free(p);
        return NULL;
    }
    o->p = p;
    o->names = o->types = o->row_class = NULL;
    o->names_of = NULL;
    return (PyObject *)o;
}

int cqlpy_page_ready(void)
{
    return PyType_Ready(&cqlpy_page_type) || PyType_Ready(&cqlpy_prepared_type) ? -1 : 0;
}
