/*
 * Python values to bound values (cqlpy.h, "conversions"): each value is
 * checked against the bind marker's CQL type here, so a wrong one raises a
 * TypeError or ValueError in Python's words ('column "age" is int; got
 * str') before the C binder sees it; the C binder's own checks (cqlio.h,
 * "Values given to statements") stay behind as the last word.
 *
 * One converter serves a whole value and every element inside one: it
 * writes to a sink, which is either the statement's slot (the
 * cql_statement_bind_* functions) or the collection being built (the
 * cql_collection_add_* functions, recursively for nested values).
 *
 * Python code runs in the middle of a conversion (__index__, __float__,
 * __iter__, items(), attribute lookups), so nothing borrowed from a Python
 * container is held across a conversion: elements come from iterators or
 * new references, and what a user object raises propagates unchanged.
 */
#include "cqlpy.h"

#include <datetime.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* How deep values may nest (a list of lists is 2). The CQL type bounds the
 * recursion already; this bounds it whatever the metadata says. */
#define MAX_DEPTH 32u

#define NS_PER_DAY INT64_C(86400000000000)

static int datetime_ready(void)
{
    if (PyDateTimeAPI == NULL)
        PyDateTime_IMPORT;
    return PyDateTimeAPI != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Where a value goes, and what to say when it does not fit                  */
/* ------------------------------------------------------------------------ */

/* The statement's slot (c NULL) or a collection being built. */
typedef struct sink {
    cql_statement *st;
    size_t index;
    cql_collection *c;
} sink;

/* The value being converted: the bind marker and its whole type. */
typedef struct ctx {
    const char *column;
    const cql_type *top;
} ctx;

/* Where an element sits, from the innermost up to the whole value (NULL). */
typedef struct where {
    const struct where *up;
    const char *label; /* "element", "key", "value"; NULL for a UDT field */
    size_t index;
    cql_str field; /* a UDT field's name */
} where;

/* "element 2, key 0: " into buf, from the outermost level in; "" at the top. */
static size_t path_text(const where *at, char *buf, size_t cap, size_t len)
{
    if (at == NULL)
        return len;
    len = path_text(at->up, buf, cap, len);
    if (len >= cap)
        return len;
    int n;
    const char *sep = at->up != NULL ? ", " : "";
    if (at->label != NULL)
        n = PyOS_snprintf(buf + len, cap - len, "%s%s %zu", sep, at->label, at->index);
    else
        n = PyOS_snprintf(buf + len, cap - len, "%sfield \"%.*s\"", sep,
                          (int)(at->field.len > 100 ? 100 : at->field.len),
                          at->field.ptr ? at->field.ptr : "");
    return n > 0 ? len + (size_t)n : len;
}

static int fail(const ctx *cx, const where *at, PyObject *exc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Raises exc with 'column "<name>" is <type>; [<path>: ]<what fmt says>'.
 * Returns -1 for the caller to return. */
static int fail(const ctx *cx, const where *at, PyObject *exc, const char *fmt, ...)
{
    char tail[400], path[300] = "", small[256];
    va_list ap;
    va_start(ap, fmt);
    PyOS_vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    size_t plen = path_text(at, path, sizeof path - 5, 0);
    if (plen >= sizeof path - 5) /* a deep path: its start, then "..." */
        memcpy(path + sizeof path - 6, "...: ", 6);
    else if (plen > 0)
        memcpy(path + plen, ": ", 3);
    /* A UDT nested in collections can spell long: size the buffer to it. */
    size_t need = cql_type_format(cx->top, small, sizeof small);
    char *type = small;
    if (need >= sizeof small) {
        type = PyMem_Malloc(need + 1);
        if (type != NULL)
            cql_type_format(cx->top, type, need + 1);
        else
            type = small; /* truncated, still a message */
    }
    PyErr_Format(exc, "column \"%s\" is %s; %s%s", cx->column, type, path, tail);
    if (type != small)
        PyMem_Free(type);
    return -1;
}

/* TypeError: the value's Python type does not fit the CQL type. */
static int wrong(const ctx *cx, const where *at, PyObject *v)
{
    return fail(cx, at, PyExc_TypeError, "got %s", Py_TYPE(v)->tp_name);
}

/* The outcome of a binder or adder. The C binder's message names the bind
 * marker, its type and what was given, and is raised as it is; an adder
 * says nothing, so its refusal is described here. */
static int done(const ctx *cx, const where *at, const sink *s, cql_rc rc)
{
    if (rc == CQL_OK)
        return 0;
    if (rc == CQL_E_NOMEM) {
        PyErr_NoMemory();
        return -1;
    }
    if (s->c == NULL) {
        const cql_error *e = cql_statement_error(s->st);
        PyErr_SetString(rc == CQL_E_TYPE ? PyExc_TypeError : PyExc_ValueError,
                        e != NULL ? e->message : cql_rc_str(rc));
        return -1;
    }
    return fail(cx, at, PyExc_ValueError, "the value was refused (%s)", cql_rc_str(rc));
}

/* ------------------------------------------------------------------------ */
/* Sinks                                                                     */
/* ------------------------------------------------------------------------ */

static cql_rc put_null(const sink *s)
{
    return s->c ? cql_collection_add_null(s->c) : cql_statement_bind_null(s->st, s->index);
}

static cql_rc put_bool(const sink *s, bool v)
{
    return s->c ? cql_collection_add_bool(s->c, v) : cql_statement_bind_bool(s->st, s->index, v);
}

static cql_rc put_int8(const sink *s, int8_t v)
{
    return s->c ? cql_collection_add_int8(s->c, v) : cql_statement_bind_int8(s->st, s->index, v);
}

static cql_rc put_int16(const sink *s, int16_t v)
{
    return s->c ? cql_collection_add_int16(s->c, v) : cql_statement_bind_int16(s->st, s->index, v);
}

static cql_rc put_int32(const sink *s, int32_t v)
{
    return s->c ? cql_collection_add_int32(s->c, v) : cql_statement_bind_int32(s->st, s->index, v);
}

static cql_rc put_int64(const sink *s, int64_t v)
{
    return s->c ? cql_collection_add_int64(s->c, v) : cql_statement_bind_int64(s->st, s->index, v);
}

static cql_rc put_float(const sink *s, float v)
{
    return s->c ? cql_collection_add_float(s->c, v) : cql_statement_bind_float(s->st, s->index, v);
}

static cql_rc put_double(const sink *s, double v)
{
    return s->c ? cql_collection_add_double(s->c, v)
                : cql_statement_bind_double(s->st, s->index, v);
}

static cql_rc put_string(const sink *s, const char *v, size_t n)
{
    return s->c ? cql_collection_add_string(s->c, v, n)
                : cql_statement_bind_string(s->st, s->index, v, n);
}

static cql_rc put_bytes(const sink *s, const uint8_t *v, size_t n)
{
    return s->c ? cql_collection_add_bytes(s->c, v, n)
                : cql_statement_bind_bytes(s->st, s->index, v, n);
}

static cql_rc put_uuid(const sink *s, const uint8_t v[16])
{
    return s->c ? cql_collection_add_uuid(s->c, v) : cql_statement_bind_uuid(s->st, s->index, v);
}

static cql_rc put_inet(const sink *s, const uint8_t *v, size_t n)
{
    return s->c ? cql_collection_add_inet(s->c, v, n)
                : cql_statement_bind_inet(s->st, s->index, v, n);
}

static cql_rc put_date(const sink *s, int64_t days)
{
    return s->c ? cql_collection_add_date(s->c, days)
                : cql_statement_bind_date(s->st, s->index, days);
}

static cql_rc put_time(const sink *s, int64_t ns)
{
    return s->c ? cql_collection_add_time(s->c, ns) : cql_statement_bind_time(s->st, s->index, ns);
}

static cql_rc put_timestamp(const sink *s, int64_t ms)
{
    return s->c ? cql_collection_add_timestamp(s->c, ms)
                : cql_statement_bind_timestamp(s->st, s->index, ms);
}

static cql_rc put_duration(const sink *s, int32_t months, int32_t days, int64_t ns)
{
    return s->c ? cql_collection_add_duration(s->c, months, days, ns)
                : cql_statement_bind_duration(s->st, s->index, months, days, ns);
}

static cql_rc put_varint(const sink *s, const uint8_t *v, size_t n)
{
    return s->c ? cql_collection_add_varint(s->c, v, n)
                : cql_statement_bind_varint(s->st, s->index, v, n);
}

static cql_rc put_decimal(const sink *s, cql_decimal_value v)
{
    return s->c ? cql_collection_add_decimal(s->c, v)
                : cql_statement_bind_decimal(s->st, s->index, v);
}

static cql_rc put_collection(const sink *s, const cql_collection *v)
{
    return s->c ? cql_collection_add_collection(s->c, v)
                : cql_statement_bind_collection(s->st, s->index, v);
}

/* ------------------------------------------------------------------------ */
/* Python helpers                                                            */
/* ------------------------------------------------------------------------ */

/* v is an instance of cls, a class the registry or the stdlib table holds
 * (NULL, or not a class, when it was never registered). */
static bool is_a(PyObject *v, PyObject *cls)
{
    return cls != NULL && PyType_Check(cls) && PyObject_TypeCheck(v, (PyTypeObject *)cls);
}

/* An integer: int and its subclasses, and objects with __index__ (numpy's
 * integers) — but not bool, which is an int to Python and not to CQL. */
static bool is_integer(PyObject *v)
{
    if (PyBool_Check(v))
        return false;
    return PyLong_Check(v) || PyIndex_Check(v);
}

/* getattr(v, name) into *out: 1 found, 0 missing (no exception), -1 error. */
static int lookup_attr(PyObject *v, PyObject *name, PyObject **out)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_GetOptionalAttr(v, name, out);
#else
    return _PyObject_LookupAttr(v, name, out);
#endif
}

static int lookup_attr_string(PyObject *v, const char *name, PyObject **out)
{
    PyObject *n = PyUnicode_FromString(name);
    if (n == NULL)
        return -1;
    int r = lookup_attr(v, n, out);
    Py_DECREF(n);
    return r;
}

/* The minimal big-endian two's complement bytes of an int (>= 1 byte):
 * what a varint is. */
static size_t int64_bytes(int64_t v, uint8_t out[8])
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[7 - i] = (uint8_t)((uint64_t)v >> (8 * i));
    size_t start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) ||
                         (b[start] == 0xFF && (b[start + 1] & 0x80))))
        start++;
    memcpy(out, b + start, 8 - start);
    return 8 - start;
}

/* The same for an int object of any size (n an exact int or subclass), in a
 * PyMem block the caller frees. -1 with an exception. */
static int long_bytes(PyObject *n, uint8_t **out, size_t *len)
{
    size_t size;
#if PY_VERSION_HEX >= 0x030D0000
    Py_ssize_t need = PyLong_AsNativeBytes(n, NULL, 0, Py_ASNATIVEBYTES_BIG_ENDIAN);
    if (need < 0)
        return -1;
    size = (size_t)need + 1; /* room for a sign byte; trimmed below */
#else
    size_t bits = _PyLong_NumBits(n);
    if (bits == (size_t)-1 && PyErr_Occurred())
        return -1;
    size = bits / 8 + 1;
#endif
    uint8_t *b = PyMem_Malloc(size);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
#if PY_VERSION_HEX >= 0x030D0000
    int failed = PyLong_AsNativeBytes(n, b, (Py_ssize_t)size, Py_ASNATIVEBYTES_BIG_ENDIAN) < 0;
#else
    int failed = _PyLong_AsByteArray((PyLongObject *)n, b, size, 0, 1) < 0;
#endif
    if (failed) {
        PyMem_Free(b);
        return -1;
    }
    size_t start = 0;
    while (start + 1 < size && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) ||
                                (b[start] == 0xFF && (b[start + 1] & 0x80))))
        start++;
    memmove(b, b + start, size - start);
    *out = b;
    *len = size - start;
    return 0;
}

/* An int in lo..hi into *out; TypeError for what is not an integer,
 * ValueError naming the range for one outside it. */
static int int_in(const ctx *cx, const where *at, PyObject *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!is_integer(v))
        return wrong(cx, at, v);
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow != 0)
        return fail(cx, at, PyExc_ValueError, "got an int outside %lld..%lld", (long long)lo,
                    (long long)hi);
    if (x < lo || x > hi)
        return fail(cx, at, PyExc_ValueError, "got %lld, outside %lld..%lld", x, (long long)lo,
                    (long long)hi);
    *out = (int64_t)x;
    return 0;
}

/* A number as a double: float, int, and other numbers with __float__ or
 * __index__ (numpy's scalars, Decimal, Fraction); not bool, not str. */
static int double_in(const ctx *cx, const where *at, PyObject *v, double *out)
{
    if (PyFloat_Check(v)) {
        *out = PyFloat_AS_DOUBLE(v);
        return 0;
    }
    if (PyBool_Check(v))
        return wrong(cx, at, v);
    PyNumberMethods *nb = Py_TYPE(v)->tp_as_number;
    if (PyLong_Check(v) || (nb != NULL && nb->nb_float == NULL && PyIndex_Check(v))) {
        PyObject *n = PyNumber_Index(v);
        double d = n != NULL ? PyLong_AsDouble(n) : -1.0;
        Py_XDECREF(n);
        if (d == -1.0 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            return fail(cx, at, PyExc_ValueError, "got an int too large for a double");
        }
        *out = d;
        return 0;
    }
    if (nb == NULL || nb->nb_float == NULL)
        return wrong(cx, at, v);
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    *out = d;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------ */

static int varint_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    if (!is_integer(v))
        return wrong(cx, at, v);
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow == 0) /* an int64 fits a varint column as its shortest bytes */
        return done(cx, at, s, put_int64(s, (int64_t)x));
    PyObject *n = PyNumber_Index(v);
    if (n == NULL)
        return -1;
    uint8_t *b;
    size_t len;
    int r = long_bytes(n, &b, &len);
    Py_DECREF(n);
    if (r < 0)
        return -1;
    r = done(cx, at, s, put_varint(s, b, len));
    PyMem_Free(b);
    return r;
}

/* An int's digits as a decimal of scale 0, or a Decimal's (sign, digits,
 * exponent) as unscaled digits and scale = -exponent: exact either way. */
static int decimal_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    uint8_t small[8];
    cql_decimal_value d = {small, 0, 0};
    if (is_integer(v)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (x == -1 && PyErr_Occurred())
            return -1;
        if (overflow == 0) {
            d.unscaled_len = int64_bytes((int64_t)x, small);
            return done(cx, at, s, put_decimal(s, d));
        }
        PyObject *n = PyNumber_Index(v);
        uint8_t *b;
        if (n == NULL || long_bytes(n, &b, &d.unscaled_len) < 0) {
            Py_XDECREF(n);
            return -1;
        }
        Py_DECREF(n);
        d.unscaled = b;
        int r = done(cx, at, s, put_decimal(s, d));
        PyMem_Free(b);
        return r;
    }
    if (!is_a(v, cqlpy_std.Decimal))
        return wrong(cx, at, v);

    PyObject *parts = PyObject_CallMethod(v, "as_tuple", NULL);
    if (parts == NULL)
        return -1;
    int r = -1;
    PyObject *whole = NULL, *n = NULL;
    if (!PyTuple_Check(parts) || PyTuple_GET_SIZE(parts) != 3 ||
        !PyTuple_Check(PyTuple_GET_ITEM(parts, 1))) {
        PyErr_SetString(PyExc_TypeError,
                        "Decimal.as_tuple() did not return (sign, digits, exponent)");
        goto out;
    }
    PyObject *sign = PyTuple_GET_ITEM(parts, 0), *digits = PyTuple_GET_ITEM(parts, 1),
             *exponent = PyTuple_GET_ITEM(parts, 2);
    if (!PyLong_Check(exponent)) { /* 'n', 'N' or 'F' */
        r = fail(cx, at, PyExc_ValueError, "got a Decimal that is NaN or infinite");
        goto out;
    }
    int overflow = 0;
    long long e = PyLong_AsLongLongAndOverflow(exponent, &overflow);
    if (e == -1 && PyErr_Occurred())
        goto out;
    if (overflow != 0 || e < -(long long)INT32_MAX || e > -(long long)INT32_MIN) {
        r = fail(cx, at, PyExc_ValueError,
                 "got a Decimal whose exponent is outside %lld..%lld (a decimal's scale is "
                 "an int32)",
                 -(long long)INT32_MAX, -(long long)INT32_MIN);
        goto out;
    }
    d.scale = (int32_t)-e;
    long neg = PyLong_AsLong(sign);
    if (neg == -1 && PyErr_Occurred())
        goto out;
    Py_ssize_t nd = PyTuple_GET_SIZE(digits);
    if (nd <= 18) { /* fits an int64: no Python arithmetic */
        int64_t u = 0;
        for (Py_ssize_t i = 0; i < nd; i++) {
            long dig = PyLong_AsLong(PyTuple_GET_ITEM(digits, i));
            if (dig == -1 && PyErr_Occurred())
                goto out;
            u = u * 10 + (dig % 10);
        }
        d.unscaled_len = int64_bytes(neg ? -u : u, small);
        r = done(cx, at, s, put_decimal(s, d));
        goto out;
    }
    /* Decimal((sign, digits, 0)) is exact; int() of it needs no context. */
    PyObject *t = Py_BuildValue("(OOi)", sign, digits, 0);
    whole = t ? PyObject_CallOneArg(cqlpy_std.Decimal, t) : NULL;
    Py_XDECREF(t);
    n = whole ? PyNumber_Long(whole) : NULL;
    uint8_t *b;
    if (n == NULL || long_bytes(n, &b, &d.unscaled_len) < 0)
        goto out;
    d.unscaled = b;
    r = done(cx, at, s, put_decimal(s, d));
    PyMem_Free(b);
out:
    Py_XDECREF(n);
    Py_XDECREF(whole);
    Py_DECREF(parts);
    return r;
}

static int text_in(const ctx *cx, const where *at, const sink *s, PyObject *v, bool ascii)
{
    if (!PyUnicode_Check(v))
        return wrong(cx, at, v);
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(v, &n);
    if (p == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return -1;
        PyErr_Clear();
        return fail(cx, at, PyExc_ValueError,
                    "got a str that is not valid Unicode text (a lone surrogate)");
    }
    if (ascii && !PyUnicode_IS_ASCII(v)) {
        Py_ssize_t i = 0, len = PyUnicode_GET_LENGTH(v);
        while (i < len && PyUnicode_READ_CHAR(v, i) < 0x80)
            i++;
        return fail(cx, at, PyExc_ValueError, "got a str that is not ASCII (character %zd)", i);
    }
    return done(cx, at, s, put_string(s, p, (size_t)n));
}

/* bytes, bytearray, memoryview (C-contiguous). The binder copies at once,
 * and no Python code runs between reading the buffer and the copy. */
static int blob_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    if (PyBytes_Check(v))
        return done(
            cx, at, s,
            put_bytes(s, (const uint8_t *)PyBytes_AS_STRING(v), (size_t)PyBytes_GET_SIZE(v)));
    if (PyByteArray_Check(v))
        return done(cx, at, s,
                    put_bytes(s, (const uint8_t *)PyByteArray_AS_STRING(v),
                              (size_t)PyByteArray_GET_SIZE(v)));
    if (!PyMemoryView_Check(v))
        return wrong(cx, at, v);
    Py_buffer view;
    if (PyObject_GetBuffer(v, &view, PyBUF_C_CONTIGUOUS) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_BufferError))
            return -1;
        PyErr_Clear();
        return fail(cx, at, PyExc_ValueError, "got a memoryview that is not C-contiguous");
    }
    int r = done(cx, at, s, put_bytes(s, view.buf, (size_t)view.len));
    PyBuffer_Release(&view);
    return r;
}

/* A uuid.UUID's 16 bytes, from its int (a slot: no property call). */
static int uuid_bytes(const ctx *cx, const where *at, PyObject *v, uint8_t out[16])
{
    PyObject *i = PyObject_GetAttrString(v, "int");
    if (i == NULL)
        return -1;
    if (!PyLong_Check(i)) {
        Py_DECREF(i);
        return fail(cx, at, PyExc_TypeError, "got a UUID whose int is not an int");
    }
#if PY_VERSION_HEX >= 0x030D0000
    Py_ssize_t r =
        PyLong_AsNativeBytes(i, out, 16,
                             Py_ASNATIVEBYTES_BIG_ENDIAN | Py_ASNATIVEBYTES_UNSIGNED_BUFFER |
                                 Py_ASNATIVEBYTES_REJECT_NEGATIVE);
    int bad = r < 0 || r > 16;
#else
    int bad = _PyLong_AsByteArray((PyLongObject *)i, out, 16, 0, 0) < 0;
#endif
    Py_DECREF(i);
    if (bad) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_OverflowError) &&
            !PyErr_ExceptionMatches(PyExc_ValueError))
            return -1;
        PyErr_Clear();
        return fail(cx, at, PyExc_ValueError, "got a UUID whose int is outside 0..2**128-1");
    }
    return 0;
}

static int uuid_in(const ctx *cx, const where *at, const sink *s, PyObject *v, bool timeuuid)
{
    if (!is_a(v, cqlpy_std.UUID))
        return wrong(cx, at, v);
    uint8_t u[16];
    if (uuid_bytes(cx, at, v, u) < 0)
        return -1;
    if (timeuuid && (u[6] & 0xF0) != 0x10)
        return fail(cx, at, PyExc_ValueError,
                    "got a version %d UUID; a timeuuid is a version 1 UUID", u[6] >> 4);
    return done(cx, at, s, put_uuid(s, u));
}

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2 ? 1 : 0;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* A timedelta in microseconds (|timedelta| < 10**9 days fits int64). */
static int64_t delta_us(PyObject *td)
{
    return ((int64_t)PyDateTime_DELTA_GET_DAYS(td) * 86400 + PyDateTime_DELTA_GET_SECONDS(td)) *
               1000000 +
           PyDateTime_DELTA_GET_MICROSECONDS(td);
}

/* datetime.datetime (naive means UTC; aware is moved to UTC) as milliseconds
 * since the epoch, microseconds floored as the driver does; an int is
 * already milliseconds. */
static int timestamp_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    int64_t ms;
    if (PyDateTime_Check(v)) {
        int64_t days =
            days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
        int64_t secs = days * 86400 + PyDateTime_DATE_GET_HOUR(v) * 3600 +
                       PyDateTime_DATE_GET_MINUTE(v) * 60 + PyDateTime_DATE_GET_SECOND(v);
        int64_t us = secs * 1000000 + PyDateTime_DATE_GET_MICROSECOND(v);
        PyObject *tz = PyDateTime_DATE_GET_TZINFO(v);
        if (tz != Py_None && tz != PyDateTime_TimeZone_UTC) {
            PyObject *off = PyObject_CallMethod(v, "utcoffset", NULL);
            if (off == NULL)
                return -1;
            if (PyDelta_Check(off))
                us -= delta_us(off);
            else if (off != Py_None) {
                Py_DECREF(off);
                return fail(cx, at, PyExc_TypeError, "got a datetime whose utcoffset() is %s",
                            Py_TYPE(off)->tp_name);
            }
            Py_DECREF(off);
        }
        ms = floor_div(us, 1000);
    } else if (int_in(cx, at, v, INT64_MIN, INT64_MAX, &ms) < 0) {
        return -1;
    }
    return done(cx, at, s, put_timestamp(s, ms));
}

/* The registry's Date (int(v) is its days), datetime.date (a datetime
 * gives its date), or int days; within what a date column holds. */
static int date_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    int64_t days;
    if (is_a(v, cqlpy_registry.Date)) {
        PyObject *n = PyNumber_Long(v);
        if (n == NULL)
            return -1;
        int r = int_in(cx, at, n, INT32_MIN, INT32_MAX, &days);
        Py_DECREF(n);
        if (r < 0)
            return -1;
    } else if (PyDate_Check(v)) {
        days =
            days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v), PyDateTime_GET_DAY(v));
    } else if (int_in(cx, at, v, INT32_MIN, INT32_MAX, &days) < 0) {
        return -1;
    }
    return done(cx, at, s, put_date(s, days));
}

/* The registry's Time (int(v) is its nanoseconds), datetime.time (its
 * tzinfo, if any, is ignored: a time column has none), or int nanoseconds. */
static int time_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    int64_t ns;
    if (is_a(v, cqlpy_registry.Time)) {
        PyObject *n = PyNumber_Long(v);
        if (n == NULL)
            return -1;
        int r = int_in(cx, at, n, 0, NS_PER_DAY - 1, &ns);
        Py_DECREF(n);
        if (r < 0)
            return -1;
    } else if (PyTime_Check(v)) {
        int64_t secs = PyDateTime_TIME_GET_HOUR(v) * 3600 + PyDateTime_TIME_GET_MINUTE(v) * 60 +
                       PyDateTime_TIME_GET_SECOND(v);
        ns = (secs * 1000000 + PyDateTime_TIME_GET_MICROSECOND(v)) * 1000;
    } else if (int_in(cx, at, v, 0, NS_PER_DAY - 1, &ns) < 0) {
        return -1;
    }
    return done(cx, at, s, put_time(s, ns));
}

/* ipaddress.IPv4Address / IPv6Address, or a str ip_address() parses. */
static int inet_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    PyObject *addr;
    if (is_a(v, cqlpy_std.IPv4Address) || is_a(v, cqlpy_std.IPv6Address)) {
        addr = Py_NewRef(v);
    } else if (PyUnicode_Check(v)) {
        if (cqlpy_std.ip_address == NULL)
            return wrong(cx, at, v);
        addr = PyObject_CallOneArg(cqlpy_std.ip_address, v);
        if (addr == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError))
                return -1;
            PyErr_Clear();
            return fail(cx, at, PyExc_ValueError, "got a str that is not an IP address");
        }
    } else {
        return wrong(cx, at, v);
    }
    PyObject *packed = PyObject_GetAttrString(addr, "packed");
    Py_DECREF(addr);
    if (packed == NULL)
        return -1;
    int r;
    Py_ssize_t n = PyBytes_Check(packed) ? PyBytes_GET_SIZE(packed) : -1;
    if (n != 4 && n != 16)
        r = fail(cx, at, PyExc_ValueError, "got an address whose packed form is not 4 or 16 bytes");
    else
        r = done(cx, at, s, put_inet(s, (const uint8_t *)PyBytes_AS_STRING(packed), (size_t)n));
    Py_DECREF(packed);
    return r;
}

/* Anything with months, days and nanoseconds attributes (the registry's
 * Duration, the driver's, a named tuple: by name), or the plain
 * (months, days, nanoseconds) tuple a duration reads as without a
 * registry. */
static int duration_in(const ctx *cx, const where *at, const sink *s, PyObject *v)
{
    static const char *const names[3] = {"months", "days", "nanoseconds"};
    static const int64_t lo[3] = {INT32_MIN, INT32_MIN, INT64_MIN};
    static const int64_t hi[3] = {INT32_MAX, INT32_MAX, INT64_MAX};
    PyObject *parts[3] = {NULL, NULL, NULL};
    int64_t x[3];
    int r = -1;
    bool as_tuple = PyTuple_CheckExact(v);
    if (as_tuple && PyTuple_GET_SIZE(v) != 3)
        return fail(cx, at, PyExc_ValueError,
                    "got a tuple of %zd elements; a duration is (months, days, nanoseconds)",
                    PyTuple_GET_SIZE(v));
    if (PyUnicode_Check(v) || PyLong_Check(v) || PyFloat_Check(v))
        return wrong(cx, at, v);
    for (int i = 0; i < 3; i++) {
        if (as_tuple) {
            parts[i] = Py_NewRef(PyTuple_GET_ITEM(v, i));
        } else {
            int found = lookup_attr_string(v, names[i], &parts[i]);
            if (found < 0)
                goto out;
            if (found == 0) {
                r = wrong(cx, at, v);
                goto out;
            }
        }
        where w = {at, NULL, 0, {names[i], strlen(names[i])}};
        if (int_in(cx, &w, parts[i], lo[i], hi[i], &x[i]) < 0)
            goto out;
    }
    if (!((x[0] >= 0 && x[1] >= 0 && x[2] >= 0) || (x[0] <= 0 && x[1] <= 0 && x[2] <= 0))) {
        r = fail(cx, at, PyExc_ValueError,
                 "got a duration whose months, days and nanoseconds differ in sign");
        goto out;
    }
    r = done(cx, at, s, put_duration(s, (int32_t)x[0], (int32_t)x[1], x[2]));
out:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(parts[i]);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Composites                                                                */
/* ------------------------------------------------------------------------ */

static int convert(const ctx *cx, const where *at, const sink *s, const cql_type *t, PyObject *v,
                   unsigned depth);

static const char *kind_word(cql_type_kind kind)
{
    switch (kind) {
    case CQL_TYPE_LIST: return "list";
    case CQL_TYPE_SET: return "set";
    case CQL_TYPE_MAP: return "map";
    case CQL_TYPE_VECTOR: return "vector";
    default: return "collection";
    }
}

/* One element of a list, set, map or vector, which cannot be null. */
static int element_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t,
                      PyObject *v, unsigned depth, cql_type_kind kind)
{
    if (v == Py_None)
        return fail(cx, at, PyExc_TypeError, "got None; a %s element cannot be null",
                    kind_word(kind));
    sink es = {NULL, 0, c};
    return convert(cx, at, &es, t, v, depth + 1);
}

/* Containers a list, set or vector column takes: any iterable but text,
 * bytes and mappings, whose iteration means something else. */
static bool iterable_kind(PyObject *v)
{
    return !(PyUnicode_Check(v) || PyBytes_Check(v) || PyByteArray_Check(v) ||
             PyMemoryView_Check(v) || PyDict_Check(v));
}

/* list, set, vector: the elements of an iterable; a vector takes exactly
 * its dimension of them (counted as they come, so an endless or too long
 * iterable stops at one past it). */
static int sequence_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t,
                       PyObject *v, unsigned depth)
{
    cql_type_kind kind = cql_type_kind_of(t);
    const cql_type *et = cql_type_child(t, 0);
    size_t dim = kind == CQL_TYPE_VECTOR ? cql_type_vector_dimension(t) : SIZE_MAX;
    if (!iterable_kind(v))
        return wrong(cx, at, v);
    PyObject *it = PyObject_GetIter(v);
    if (it == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return -1;
        PyErr_Clear();
        return wrong(cx, at, v);
    }
    size_t i = 0;
    int r = 0;
    PyObject *item;
    while (r == 0 && (item = PyIter_Next(it)) != NULL) {
        if (i >= dim) {
            r = fail(cx, at, PyExc_ValueError,
                     "got more than %zu elements; the vector has %zu dimensions", dim, dim);
        } else {
            where w = {at, "element", i, {NULL, 0}};
            r = element_in(cx, &w, c, et, item, depth, kind);
        }
        Py_DECREF(item);
        i++;
    }
    Py_DECREF(it);
    if (r < 0 || PyErr_Occurred())
        return -1;
    if (kind == CQL_TYPE_VECTOR && i != dim)
        return fail(cx, at, PyExc_ValueError, "got %zu elements; the vector has %zu dimensions", i,
                    dim);
    return 0;
}

/* map: a dict, or any object with items() giving (key, value) pairs. */
static int map_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t, PyObject *v,
                  unsigned depth)
{
    const cql_type *kt = cql_type_child(t, 0), *vt = cql_type_child(t, 1);
    PyObject *items;
    if (PyDict_Check(v)) {
        items = PyDict_Items(v); /* a new list: the dict may change while we convert */
    } else {
        if (PyUnicode_Check(v) || PyBytes_Check(v))
            return wrong(cx, at, v);
        PyObject *fn;
        int found = lookup_attr_string(v, "items", &fn);
        if (found <= 0)
            return found < 0 ? -1 : wrong(cx, at, v);
        items = PyObject_CallNoArgs(fn);
        Py_DECREF(fn);
    }
    if (items == NULL)
        return -1;
    PyObject *it = PyObject_GetIter(items);
    Py_DECREF(items);
    if (it == NULL)
        return -1;
    size_t i = 0;
    int r = 0;
    PyObject *pair;
    while (r == 0 && (pair = PyIter_Next(it)) != NULL) {
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            where w = {at, "element", i, {NULL, 0}};
            r = fail(cx, &w, PyExc_TypeError, "items() gave %s, not a (key, value) tuple",
                     Py_TYPE(pair)->tp_name);
        } else {
            where wk = {at, "key", i, {NULL, 0}}, wv = {at, "value", i, {NULL, 0}};
            r = element_in(cx, &wk, c, kt, PyTuple_GET_ITEM(pair, 0), depth, CQL_TYPE_MAP);
            if (r == 0)
                r = element_in(cx, &wv, c, vt, PyTuple_GET_ITEM(pair, 1), depth, CQL_TYPE_MAP);
        }
        Py_DECREF(pair); /* the tuple keeps its items alive while they convert */
        i++;
    }
    Py_DECREF(it);
    return r < 0 || PyErr_Occurred() ? -1 : 0;
}

/* A field or element of a tuple or UDT: None is null there. */
static int field_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t,
                    PyObject *v, unsigned depth)
{
    sink es = {NULL, 0, c};
    if (v == NULL || v == Py_None)
        return done(cx, at, &es, put_null(&es));
    return convert(cx, at, &es, t, v, depth + 1);
}

/* tuple: a tuple (or list) of exactly the type's element count. */
static int tuple_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t,
                    PyObject *v, unsigned depth)
{
    if (!PyTuple_Check(v) && !PyList_Check(v))
        return wrong(cx, at, v);
    size_t n = cql_type_child_count(t);
    Py_ssize_t got = PySequence_Size(v);
    if (got < 0)
        return -1;
    if ((size_t)got != n)
        return fail(cx, at, PyExc_ValueError, "got a %s of %zd elements; the type has %zu",
                    Py_TYPE(v)->tp_name, got, n);
    for (size_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(v, (Py_ssize_t)i); /* a list may shrink meanwhile */
        if (item == NULL)
            return -1;
        where w = {at, "element", i, {NULL, 0}};
        int r = field_in(cx, &w, c, cql_type_child(t, i), item, depth);
        Py_DECREF(item);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* How a UDT value gives its fields. */
typedef enum udt_shape {
    BY_DICT,      /* a dict: by key */
    BY_MAPPING,   /* another mapping (keys() and [] ): by key */
    BY_POSITION,  /* a plain tuple or list */
    BY_ATTRIBUTE, /* a named tuple, a registered class, any object */
} udt_shape;

static int shape_of(PyObject *v, udt_shape *shape)
{
    if (PyDict_Check(v)) {
        *shape = BY_DICT;
        return 0;
    }
    PyObject *attr = NULL;
    int found;
    if (PyTuple_Check(v) || PyList_Check(v)) {
        found = PyTuple_Check(v) ? lookup_attr_string(v, "_fields", &attr) : 0;
        *shape = found > 0 ? BY_ATTRIBUTE : BY_POSITION;
    } else {
        found = PyMapping_Check(v) ? lookup_attr_string(v, "keys", &attr) : 0;
        *shape = found > 0 ? BY_MAPPING : BY_ATTRIBUTE;
    }
    Py_XDECREF(attr);
    return found < 0 ? -1 : 0;
}

/* The value of the field called name (a new reference, or NULL when v has
 * none: null), counting those found in *hits. -1 with an exception. */
static int udt_field(PyObject *v, udt_shape shape, PyObject *name, PyObject **out, size_t *hits)
{
    *out = NULL;
    if (shape == BY_DICT) {
        PyObject *item = PyDict_GetItemWithError(v, name);
        if (item == NULL)
            return PyErr_Occurred() ? -1 : 0;
        *out = Py_NewRef(item);
    } else if (shape == BY_MAPPING) {
        *out = PyObject_GetItem(v, name);
        if (*out == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_KeyError))
                return -1;
            PyErr_Clear();
            return 0;
        }
    } else {
        int found = lookup_attr(v, name, out);
        if (found <= 0)
            return found;
    }
    (*hits)++;
    return 0;
}

/* A mapping with keys that are no field: for a dict, the first such key. */
static int unknown_key(const ctx *cx, const where *at, const cql_type *t, PyObject *v)
{
    size_t n = cql_type_child_count(t);
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Check(v) && PyDict_Next(v, &pos, &key, &value)) {
        bool known = false;
        Py_ssize_t klen = 0;
        const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &klen) : NULL;
        if (k == NULL)
            PyErr_Clear();
        for (size_t i = 0; k != NULL && i < n && !known; i++) {
            cql_str f = cql_type_field_name(t, i);
            known = f.len == (size_t)klen && memcmp(f.ptr, k, f.len) == 0;
        }
        if (!known) {
            if (k != NULL)
                return fail(cx, at, PyExc_ValueError, "got a dict with key \"%.100s\", not a field",
                            k);
            return fail(cx, at, PyExc_ValueError, "got a dict with a %s key, not a field name",
                        Py_TYPE(key)->tp_name);
        }
    }
    return fail(cx, at, PyExc_ValueError, "got a %s with keys that are no field",
                Py_TYPE(v)->tp_name);
}

/* After the fields: a mapping must have no other keys (a misspelt field
 * would otherwise be dropped silently), and an object by attribute must
 * have had one field at least (else it is no value of this UDT: 5, say). */
static int udt_check_rest(const ctx *cx, const where *at, const cql_type *t, PyObject *v,
                          udt_shape shape, size_t hits)
{
    size_t n = cql_type_child_count(t);
    if (shape == BY_DICT || shape == BY_MAPPING) {
        Py_ssize_t size = PyObject_Size(v);
        if (size < 0) {
            if (shape == BY_DICT)
                return -1;
            PyErr_Clear(); /* a mapping without len(): nothing to compare */
            return 0;
        }
        return (size_t)size != hits ? unknown_key(cx, at, t, v) : 0;
    }
    if (shape == BY_ATTRIBUTE && hits == 0 && n > 0)
        return wrong(cx, at, v);
    return 0;
}

/* UDT: a dict or mapping by field name (missing fields are null, unknown
 * keys an error), a plain tuple or list by position (fields past its end
 * are null), or any other object by attribute (a named tuple, a registered
 * class; missing attributes are null, but not all of them). */
static int udt_in(const ctx *cx, const where *at, cql_collection *c, const cql_type *t, PyObject *v,
                  unsigned depth)
{
    size_t n = cql_type_child_count(t);
    if (PyUnicode_Check(v) || PyBytes_Check(v) || PyByteArray_Check(v) || PyLong_Check(v) ||
        PyFloat_Check(v))
        return wrong(cx, at, v);
    udt_shape shape;
    if (shape_of(v, &shape) < 0)
        return -1;
    Py_ssize_t got = 0;
    if (shape == BY_POSITION) {
        got = PySequence_Size(v);
        if (got < 0)
            return -1;
        if ((size_t)got > n)
            return fail(cx, at, PyExc_ValueError,
                        "got a %s of %zd elements; the type has %zu fields", Py_TYPE(v)->tp_name,
                        got, n);
    }
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        cql_str fname = cql_type_field_name(t, i);
        where w = {at, NULL, 0, fname};
        PyObject *item = NULL;
        if (shape == BY_POSITION) {
            if ((Py_ssize_t)i < got) { /* a list that shrank meanwhile: IndexError */
                item = PySequence_GetItem(v, (Py_ssize_t)i);
                if (item == NULL)
                    return -1;
                hits++;
            }
        } else {
            PyObject *name =
                PyUnicode_DecodeUTF8(fname.len ? fname.ptr : "", (Py_ssize_t)fname.len, "replace");
            if (name == NULL)
                return -1;
            int r = udt_field(v, shape, name, &item, &hits);
            Py_DECREF(name);
            if (r < 0)
                return -1;
        }
        int r = field_in(cx, &w, c, cql_type_child(t, i), item, depth);
        Py_XDECREF(item);
        if (r < 0)
            return -1;
    }
    return udt_check_rest(cx, at, t, v, shape, hits);
}

/* A list, set, map, tuple, UDT or vector: built as a collection, then
 * bound (or added to its parent, which copies it). */
static int composite_in(const ctx *cx, const where *at, const sink *s, const cql_type *t,
                        PyObject *v, unsigned depth)
{
    if (depth >= MAX_DEPTH)
        return fail(cx, at, PyExc_ValueError, "got a value nested deeper than %u levels",
                    MAX_DEPTH);
    cql_type_kind kind = cql_type_kind_of(t);
    cql_collection *c = cql_collection_new((cql_collection_kind)kind);
    if (c == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int r;
    switch (kind) {
    case CQL_TYPE_MAP: r = map_in(cx, at, c, t, v, depth); break;
    case CQL_TYPE_TUPLE: r = tuple_in(cx, at, c, t, v, depth); break;
    case CQL_TYPE_UDT: r = udt_in(cx, at, c, t, v, depth); break;
    default: r = sequence_in(cx, at, c, t, v, depth); break;
    }
    if (r == 0)
        r = done(cx, at, s, put_collection(s, c));
    cql_collection_free(c);
    return r;
}

/* ------------------------------------------------------------------------ */
/* The switch                                                                */
/* ------------------------------------------------------------------------ */

static int convert(const ctx *cx, const where *at, const sink *s, const cql_type *t, PyObject *v,
                   unsigned depth)
{
    if (v == cqlpy_unset)
        return fail(cx, at, PyExc_TypeError, "got UNSET; only a whole value can be unset");
    int64_t x;
    double d;
    cql_type_kind kind = cql_type_kind_of(t);
    switch (kind) {
    case CQL_TYPE_INT:
        if (int_in(cx, at, v, INT32_MIN, INT32_MAX, &x) < 0)
            return -1;
        return done(cx, at, s, put_int32(s, (int32_t)x));
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER:
        if (int_in(cx, at, v, INT64_MIN, INT64_MAX, &x) < 0)
            return -1;
        return done(cx, at, s, put_int64(s, x));
    case CQL_TYPE_SMALLINT:
        if (int_in(cx, at, v, INT16_MIN, INT16_MAX, &x) < 0)
            return -1;
        return done(cx, at, s, put_int16(s, (int16_t)x));
    case CQL_TYPE_TINYINT:
        if (int_in(cx, at, v, INT8_MIN, INT8_MAX, &x) < 0)
            return -1;
        return done(cx, at, s, put_int8(s, (int8_t)x));
    case CQL_TYPE_VARCHAR: return text_in(cx, at, s, v, false);
    case CQL_TYPE_ASCII: return text_in(cx, at, s, v, true);
    case CQL_TYPE_DOUBLE:
        if (double_in(cx, at, v, &d) < 0)
            return -1;
        return done(cx, at, s, put_double(s, d));
    case CQL_TYPE_FLOAT:
        if (double_in(cx, at, v, &d) < 0)
            return -1;
        if (isfinite(d) && fabs(d) > FLT_MAX)
            return fail(cx, at, PyExc_ValueError, "got %g, outside a float's range (%g)", d,
                        (double)FLT_MAX);
        return done(cx, at, s, put_float(s, (float)d));
    case CQL_TYPE_BOOLEAN:
        if (!PyBool_Check(v))
            return wrong(cx, at, v);
        return done(cx, at, s, put_bool(s, v == Py_True));
    case CQL_TYPE_TIMESTAMP: return timestamp_in(cx, at, s, v);
    case CQL_TYPE_VARINT: return varint_in(cx, at, s, v);
    case CQL_TYPE_DECIMAL: return decimal_in(cx, at, s, v);
    case CQL_TYPE_BLOB:
    case CQL_TYPE_CUSTOM: return blob_in(cx, at, s, v); /* custom: its serialized bytes */
    case CQL_TYPE_UUID: return uuid_in(cx, at, s, v, false);
    case CQL_TYPE_TIMEUUID: return uuid_in(cx, at, s, v, true);
    case CQL_TYPE_DATE: return date_in(cx, at, s, v);
    case CQL_TYPE_TIME: return time_in(cx, at, s, v);
    case CQL_TYPE_INET: return inet_in(cx, at, s, v);
    case CQL_TYPE_DURATION: return duration_in(cx, at, s, v);
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT:
    case CQL_TYPE_VECTOR: return composite_in(cx, at, s, t, v, depth);
    }
    return fail(cx, at, PyExc_TypeError, "a type this version cannot bind (kind 0x%04x)",
                (unsigned)kind);
}

int cqlpy_bind(cql_statement *st, size_t index, const char *column, const cql_type *type,
               PyObject *value)
{
    ctx cx = {column != NULL ? column : "?", type};
    sink s = {st, index, NULL};
    if (value == Py_None)
        return done(&cx, NULL, &s, cql_statement_bind_null(st, index));
    if (value == cqlpy_unset)
        return done(&cx, NULL, &s, cql_statement_bind_unset(st, index));
    if (type == NULL) {
        PyErr_Format(PyExc_TypeError, "column \"%s\" has no type to bind a value for", cx.column);
        return -1;
    }
    if (datetime_ready() < 0)
        return -1;
    return convert(&cx, NULL, &s, type, value, 0);
}
