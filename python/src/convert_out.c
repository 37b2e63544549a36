/*
 * Cells to Python values (cqlpy.h, "conversions"): one switch on the
 * column's kind, then the C getter of that kind and the cheapest exact way
 * to the Python object.
 *
 * Rows are converted here one cell at a time on the streaming hot path, so
 * the common kinds (the integers, text, double, boolean, timestamp) make no
 * Python-level call: ints and floats come from their C constructors, text
 * from the UTF-8 decoder, timestamps from datetime's C API. The rarer kinds
 * call the class they convert to (uuid.UUID, decimal.Decimal, ipaddress,
 * the registry's classes), each looked up once at import by module.c.
 *
 * Empty cells: Cassandra lets a value of the older fixed-size types be zero
 * bytes long (not null, but no value either); like the DataStax driver they
 * read as None, except for the types where zero bytes is a value ('' for
 * text and ascii, b'' for blob and custom types).
 */
#include "cqlpy.h"

#include <datetime.h>
#include <string.h>

/* Composite cells nest as deep as their type; the decoder bounds type depth
 * (32 by default), and this bounds the recursion whatever limits a session
 * was configured with. */
#define MAX_DEPTH 64u

/* datetime's C API: PyDateTime_IMPORT fills a pointer private to this file.
 * The datetime module stays loaded once imported, so keeping it is safe. */
static int datetime_ready(void)
{
    if (PyDateTimeAPI == NULL)
        PyDateTime_IMPORT;
    return PyDateTimeAPI != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/* The cell's CQL type as text, in buf. */
static const char *type_text(const cql_type *t, char *buf, size_t cap)
{
    if (t == NULL)
        return "untyped";
    cql_type_format(t, buf, cap);
    return buf;
}

/* ValueError "malformed <type> value (<n> bytes)[: <why>]"; MemoryError
 * when the library ran out of memory. Returns NULL for the caller to return. */
static PyObject *malformed_why(cql_cell cell, const char *why)
{
    char type[160];
    PyErr_Format(PyExc_ValueError, "malformed %s value (%d bytes)%s%s",
                 type_text(cell.type, type, sizeof type), (int)cell.len, why ? ": " : "",
                 why ? why : "");
    return NULL;
}

static PyObject *malformed(cql_cell cell, cql_rc rc)
{
    if (rc == CQL_E_NOMEM)
        return PyErr_NoMemory();
    return malformed_why(cell, rc == CQL_E_MALFORMED ? NULL : cql_rc_str(rc));
}

/* ------------------------------------------------------------------------ */
/* Calendar                                                                  */
/* ------------------------------------------------------------------------ */

/* datetime.date's range as days from 1970-01-01: 0001-01-01 .. 9999-12-31. */
#define DAYS_MIN   INT64_C(-719162)
#define DAYS_MAX   INT64_C(2932896)
#define MS_PER_DAY INT64_C(86400000)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The proleptic Gregorian date of a day number (H. Hinnant's algorithm);
 * only called within datetime's range, where every part fits an int. */
static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2 ? 1 : 0));
    *month = (int)m;
    *day = (int)d;
}

/* A timestamp as an aware UTC datetime, what epoch + timedelta(milliseconds=ms)
 * gives; outside datetime's years 1..9999 the int milliseconds themselves,
 * since no datetime can hold it and raising would make the row unreadable. */
static PyObject *timestamp_out(int64_t ms)
{
    if (ms < DAYS_MIN * MS_PER_DAY || ms >= (DAYS_MAX + 1) * MS_PER_DAY)
        return PyLong_FromLongLong(ms);
    int64_t days = floor_div(ms, MS_PER_DAY);
    int64_t rem = ms - days * MS_PER_DAY; /* 0 .. MS_PER_DAY - 1 */
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    int msec = (int)(rem % 1000);
    int sec = (int)(rem / 1000 % 60);
    int min = (int)(rem / 60000 % 60);
    int hour = (int)(rem / 3600000);
    return PyDateTimeAPI->DateTime_FromDateAndTime(
        y, m, d, hour, min, sec, msec * 1000, PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
}

/* date: the registry's Date(days); else datetime.date within its range, else
 * the int days (a date column spans about ±5.8 million years). */
static PyObject *date_out(int64_t days)
{
    if (cqlpy_registry.Date != NULL) {
        PyObject *n = PyLong_FromLongLong(days);
        if (n == NULL)
            return NULL;
        PyObject *v = PyObject_CallOneArg(cqlpy_registry.Date, n);
        Py_DECREF(n);
        return v;
    }
    if (days < DAYS_MIN || days > DAYS_MAX)
        return PyLong_FromLongLong(days);
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    return PyDateTimeAPI->Date_FromDate(y, m, d, PyDateTimeAPI->DateType);
}

/* time: the registry's Time(nanoseconds); else datetime.time, which holds
 * microseconds only (the nanoseconds below are dropped). */
static PyObject *time_out(int64_t ns)
{
    if (cqlpy_registry.Time != NULL) {
        PyObject *n = PyLong_FromLongLong(ns);
        if (n == NULL)
            return NULL;
        PyObject *v = PyObject_CallOneArg(cqlpy_registry.Time, n);
        Py_DECREF(n);
        return v;
    }
    int64_t us = ns / 1000;
    return PyDateTimeAPI->Time_FromTime((int)(us / 3600000000), (int)(us / 60000000 % 60),
                                        (int)(us / 1000000 % 60), (int)(us % 1000000), Py_None,
                                        PyDateTimeAPI->TimeType);
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                   */
/* ------------------------------------------------------------------------ */

/* An int from big-endian two's complement bytes (n >= 1), of any size. */
static PyObject *int_from_bytes(const uint8_t *p, size_t n)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyLong_FromNativeBytes(p, n, Py_ASNATIVEBYTES_BIG_ENDIAN);
#else
    return _PyLong_FromByteArray(p, n, 0, 1);
#endif
}

static PyObject *varint_out(cql_cell cell)
{
    int64_t v;
    cql_rc rc = cql_cell_int64(cell, &v);
    if (rc == CQL_OK)
        return PyLong_FromLongLong(v);
    if (rc != CQL_E_LIMIT) /* beyond 64 bits: the bytes themselves */
        return malformed(cell, rc);
    cql_str s;
    rc = cql_cell_varint(cell, &s);
    if (rc != CQL_OK)
        return malformed(cell, rc);
    return int_from_bytes((const uint8_t *)s.ptr, s.len);
}

/* decimal.Decimal of unscaled * 10**-scale, exactly: a Decimal built from a
 * string or from a (sign, digits, exponent) tuple is never rounded (the
 * context applies to arithmetic only). An unscaled value that fits 64 bits
 * goes through a short string; a larger one through the digits of
 * Decimal(int), so no int <-> str conversion (and its digit limit) is
 * involved. */
static PyObject *decimal_out(cql_cell cell)
{
    cql_decimal_value d;
    cql_rc rc = cql_cell_decimal(cell, &d);
    if (rc != CQL_OK)
        return malformed(cell, rc);
    int64_t exponent = -(int64_t)d.scale;
    if (d.unscaled_len <= 8) {
        int64_t v = (d.unscaled[0] & 0x80) ? -1 : 0;
        for (size_t i = 0; i < d.unscaled_len; i++)
            v = (int64_t)(((uint64_t)v << 8) | d.unscaled[i]);
        char text[48];
        PyOS_snprintf(text, sizeof text, "%lldE%lld", (long long)v, (long long)exponent);
        return PyObject_CallFunction(cqlpy_std.Decimal, "s", text);
    }
    PyObject *n = int_from_bytes(d.unscaled, d.unscaled_len);
    PyObject *whole = n ? PyObject_CallOneArg(cqlpy_std.Decimal, n) : NULL;
    Py_XDECREF(n);
    PyObject *parts = whole ? PyObject_CallMethod(whole, "as_tuple", NULL) : NULL;
    Py_XDECREF(whole);
    if (parts == NULL)
        return NULL;
    PyObject *v = NULL;
    if (PyTuple_Check(parts) && PyTuple_GET_SIZE(parts) == 3) {
        PyObject *t = Py_BuildValue("(OOL)", PyTuple_GET_ITEM(parts, 0), PyTuple_GET_ITEM(parts, 1),
                                    (long long)exponent);
        if (t != NULL)
            v = PyObject_CallOneArg(cqlpy_std.Decimal, t);
        Py_XDECREF(t);
    } else {
        PyErr_SetString(PyExc_TypeError, "Decimal.as_tuple() did not return 3 parts");
    }
    Py_DECREF(parts);
    return v;
}

/* ------------------------------------------------------------------------ */
/* Strings, bytes and the small fixed types                                  */
/* ------------------------------------------------------------------------ */

/* text/varchar and ascii, decoded strictly; a decoding error becomes the
 * ValueError every malformed cell raises. The cell's bytes are read raw: the
 * Python decoder checks them anyway, so cql_cell_string's own check would
 * be a second pass. */
static PyObject *text_out(cql_cell cell, cql_type_kind kind)
{
    const char *p = cell.len > 0 ? (const char *)cell.ptr : "";
    /* Most text is ASCII: checked a word at a time and copied into a
     * compact ASCII str, it skips the decoder's set-up (about 90 of the 300
     * instructions a short string costs, measured with callgrind). */
    size_t n = (size_t)cell.len, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
    }
    while (i < n && !(p[i] & 0x80))
        i++;
    if (i == n) {
        PyObject *s = PyUnicode_New((Py_ssize_t)n, 127);
        if (s != NULL)
            memcpy(PyUnicode_DATA(s), p, n);
        return s;
    }
    PyObject *s = kind == CQL_TYPE_ASCII ? PyUnicode_DecodeASCII(p, cell.len, NULL)
                                         : PyUnicode_DecodeUTF8(p, cell.len, NULL);
    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        return malformed_why(cell, kind == CQL_TYPE_ASCII ? "not ASCII" : "not valid UTF-8");
    }
    return s;
}

static PyObject *bytes_out(cql_cell cell)
{
    return PyBytes_FromStringAndSize(cell.len > 0 ? (const char *)cell.ptr : "", cell.len);
}

static PyObject *uuid_out(cql_cell cell)
{
    uint8_t u[16];
    cql_rc rc = cql_cell_uuid(cell, u);
    if (rc != CQL_OK)
        return malformed(cell, rc);
    PyObject *b = PyBytes_FromStringAndSize((const char *)u, 16);
    if (b == NULL)
        return NULL;
    /* UUID(hex=None, bytes=b): positional, so no keyword dict is built. */
    PyObject *args[2] = {Py_None, b};
    PyObject *v = PyObject_Vectorcall(cqlpy_std.UUID, args, 2, NULL);
    Py_DECREF(b);
    return v;
}

static PyObject *inet_out(cql_cell cell)
{
    uint8_t a[16];
    size_t n = 0;
    cql_rc rc = cql_cell_inet(cell, a, &n);
    if (rc != CQL_OK)
        return malformed(cell, rc);
    PyObject *b = PyBytes_FromStringAndSize((const char *)a, (Py_ssize_t)n);
    if (b == NULL)
        return NULL;
    PyObject *v = PyObject_CallOneArg(n == 4 ? cqlpy_std.IPv4Address : cqlpy_std.IPv6Address, b);
    Py_DECREF(b);
    return v;
}

static PyObject *duration_out(cql_cell cell)
{
    int32_t months, days;
    int64_t ns;
    cql_rc rc = cql_cell_duration(cell, &months, &days, &ns);
    if (rc != CQL_OK)
        return malformed(cell, rc);
    if (cqlpy_registry.Duration != NULL)
        return PyObject_CallFunction(cqlpy_registry.Duration, "iiL", (int)months, (int)days,
                                     (long long)ns);
    return Py_BuildValue("(iiL)", (int)months, (int)days, (long long)ns);
}

/* ------------------------------------------------------------------------ */
/* Composites                                                                */
/* ------------------------------------------------------------------------ */

static PyObject *convert(cql_cell cell, unsigned depth);

/* The next element of it, converted, into *out; -1 with an exception when
 * the composite ends early or is malformed. A tuple may stop before its
 * last fields (older Cassandra writes them so): those read as None, as the
 * driver reads them (the iterator already does this for UDTs). */
static int next_element(cql_iter *it, cql_cell parent, unsigned depth, PyObject **out)
{
    cql_cell c;
    if (!cql_iter_next(it, &c)) {
        cql_rc rc = cql_iter_rc(it);
        if (rc == CQL_OK && cql_type_kind_of(parent.type) == CQL_TYPE_TUPLE) {
            *out = Py_NewRef(Py_None);
            return 0;
        }
        malformed(parent, rc != CQL_OK ? rc : CQL_E_MALFORMED);
        return -1;
    }
    *out = convert(c, depth + 1);
    return *out != NULL ? 0 : -1;
}

/* After the announced elements, nothing may be left. */
static int check_end(cql_iter *it, cql_cell parent)
{
    cql_cell c;
    if (cql_iter_next(it, &c)) {
        malformed_why(parent, "more elements than announced");
        return -1;
    }
    if (cql_iter_rc(it) != CQL_OK) {
        malformed(parent, cql_iter_rc(it));
        return -1;
    }
    return 0;
}

/* Starts iterating cell; *n is the element count (pairs for a map). */
static int begin(cql_cell cell, cql_iter *it, size_t *n)
{
    cql_rc rc = cql_cell_iterate(cell, it);
    if (rc != CQL_OK) {
        malformed(cell, rc);
        return -1;
    }
    *n = cql_iter_count(it);
    if (*n > (size_t)PY_SSIZE_T_MAX / 2) {
        malformed_why(cell, "too many elements");
        return -1;
    }
    return 0;
}

/* A tuple (or a tuple subclass without fields, such as a named row) whose
 * items the collector does not track (numbers, text, dates, such tuples)
 * can never be part of a cycle, and it cannot change: untracked, a page of
 * thousands of rows costs the collector nothing. CPython untracks plain
 * tuples itself, but lazily, and never tuple subclasses. */
static void untrack_if_acyclic(PyObject *t)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *v = PyTuple_GET_ITEM(t, i);
        if (PyObject_IS_GC(v) && PyObject_GC_IsTracked(v))
            return;
    }
    PyObject_GC_UnTrack(t);
}

/* list, set, vector: the elements as a list; tuple and UDT: as a tuple.
 * The container is sized from the count begin() checked against the cell's
 * bytes, so a hostile count cannot make it large. */
static PyObject *sequence_out(cql_cell cell, unsigned depth, bool as_tuple)
{
    cql_iter it;
    size_t n;
    if (begin(cell, &it, &n) < 0)
        return NULL;
    PyObject *seq = as_tuple ? PyTuple_New((Py_ssize_t)n) : PyList_New((Py_ssize_t)n);
    if (seq == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *v;
        if (next_element(&it, cell, depth, &v) < 0) {
            Py_DECREF(seq); /* unfilled slots are NULL, which dealloc skips */
            return NULL;
        }
        if (as_tuple)
            PyTuple_SET_ITEM(seq, (Py_ssize_t)i, v);
        else
            PyList_SET_ITEM(seq, (Py_ssize_t)i, v);
    }
    if (check_end(&it, cell) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    if (as_tuple)
        untrack_if_acyclic(seq);
    return seq;
}

/* When a fallback container cannot hold the elements (a set of lists, a
 * dict keyed by lists: unhashable), the list already built is returned. */
static PyObject *or_list(PyObject *made, PyObject *list)
{
    if (made != NULL || !PyErr_ExceptionMatches(PyExc_TypeError)) {
        Py_DECREF(list);
        return made;
    }
    PyErr_Clear();
    return list;
}

static PyObject *set_out(cql_cell cell, unsigned depth)
{
    PyObject *list = sequence_out(cell, depth, false);
    if (list == NULL)
        return NULL;
    if (cqlpy_registry.SortedSet != NULL) {
        PyObject *v = PyObject_CallOneArg(cqlpy_registry.SortedSet, list);
        Py_DECREF(list);
        return v;
    }
    return or_list(PySet_New(list), list);
}

static PyObject *map_out(cql_cell cell, unsigned depth)
{
    cql_iter it;
    size_t n;
    if (begin(cell, &it, &n) < 0)
        return NULL;
    PyObject *pairs = PyList_New((Py_ssize_t)n);
    if (pairs == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *k, *v, *pair;
        if (next_element(&it, cell, depth, &k) < 0)
            goto fail;
        if (next_element(&it, cell, depth, &v) < 0) {
            Py_DECREF(k);
            goto fail;
        }
        pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(k);
            Py_DECREF(v);
            goto fail;
        }
        PyTuple_SET_ITEM(pair, 0, k);
        PyTuple_SET_ITEM(pair, 1, v);
        PyList_SET_ITEM(pairs, (Py_ssize_t)i, pair);
    }
    if (check_end(&it, cell) < 0)
        goto fail;
    if (cqlpy_registry.OrderedMapSerializedKey != NULL) {
        PyObject *m = PyObject_CallOneArg(cqlpy_registry.OrderedMapSerializedKey, pairs);
        Py_DECREF(pairs);
        return m;
    }
    PyObject *d = PyDict_New();
    for (size_t i = 0; d != NULL && i < n; i++) {
        PyObject *pair = PyList_GET_ITEM(pairs, (Py_ssize_t)i);
        if (PyDict_SetItem(d, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0)
            Py_CLEAR(d);
    }
    return or_list(d, pairs);
fail:
    Py_DECREF(pairs);
    return NULL;
}

static PyObject *str_of(cql_str s)
{
    return PyUnicode_DecodeUTF8(s.len > 0 ? s.ptr : "", (Py_ssize_t)s.len, "replace");
}

/* A UDT: udt_factory(keyspace, name, field_names, values); a plain tuple of
 * the values without one. */
static PyObject *udt_out(cql_cell cell, unsigned depth)
{
    PyObject *values = sequence_out(cell, depth, true);
    if (values == NULL || cqlpy_registry.udt_factory == NULL)
        return values;
    size_t n = cql_type_child_count(cell.type);
    PyObject *names = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; names != NULL && i < n; i++) {
        PyObject *name = str_of(cql_type_field_name(cell.type, i));
        if (name == NULL)
            Py_CLEAR(names);
        else
            PyTuple_SET_ITEM(names, (Py_ssize_t)i, name);
    }
    PyObject *ks = names ? str_of(cql_type_udt_keyspace(cell.type)) : NULL;
    PyObject *type_name = ks ? str_of(cql_type_udt_name(cell.type)) : NULL;
    PyObject *v = NULL;
    if (type_name != NULL) {
        PyObject *args[4] = {ks, type_name, names, values};
        v = PyObject_Vectorcall(cqlpy_registry.udt_factory, args, 4, NULL);
    }
    Py_XDECREF(type_name);
    Py_XDECREF(ks);
    Py_XDECREF(names);
    Py_DECREF(values);
    return v;
}

/* ------------------------------------------------------------------------ */
/* The switch                                                                */
/* ------------------------------------------------------------------------ */

/* Kinds for which a zero-length cell is a value of its own. */
static bool empty_is_value(cql_type_kind kind)
{
    return kind == CQL_TYPE_VARCHAR || kind == CQL_TYPE_ASCII || kind == CQL_TYPE_BLOB ||
           kind == CQL_TYPE_CUSTOM;
}

static PyObject *convert(cql_cell cell, unsigned depth)
{
    if (cell.len < 0)
        Py_RETURN_NONE;
    if (cell.type == NULL) /* a page read without any metadata: raw bytes */
        return bytes_out(cell);
    cql_type_kind kind = cql_type_kind_of(cell.type);
    if (cell.len == 0 && !empty_is_value(kind))
        Py_RETURN_NONE;
    cql_rc rc;
    switch (kind) {
    case CQL_TYPE_INT:
    case CQL_TYPE_SMALLINT:
    case CQL_TYPE_TINYINT: {
        int32_t v;
        rc = cql_cell_int32(cell, &v);
        return rc == CQL_OK ? PyLong_FromLong(v) : malformed(cell, rc);
    }
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER: {
        int64_t v;
        rc = cql_cell_int64(cell, &v);
        return rc == CQL_OK ? PyLong_FromLongLong(v) : malformed(cell, rc);
    }
    case CQL_TYPE_VARCHAR:
    case CQL_TYPE_ASCII: return text_out(cell, kind);
    case CQL_TYPE_DOUBLE:
    case CQL_TYPE_FLOAT: {
        double v;
        rc = cql_cell_double(cell, &v);
        return rc == CQL_OK ? PyFloat_FromDouble(v) : malformed(cell, rc);
    }
    case CQL_TYPE_BOOLEAN: {
        bool v;
        rc = cql_cell_bool(cell, &v);
        return rc == CQL_OK ? PyBool_FromLong(v) : malformed(cell, rc);
    }
    case CQL_TYPE_TIMESTAMP: {
        int64_t v;
        rc = cql_cell_timestamp(cell, &v);
        if (rc != CQL_OK)
            return malformed(cell, rc);
        return datetime_ready() < 0 ? NULL : timestamp_out(v);
    }
    case CQL_TYPE_DATE: {
        int64_t v;
        rc = cql_cell_date(cell, &v);
        if (rc != CQL_OK)
            return malformed(cell, rc);
        return datetime_ready() < 0 ? NULL : date_out(v);
    }
    case CQL_TYPE_TIME: {
        int64_t v;
        rc = cql_cell_time(cell, &v);
        if (rc != CQL_OK)
            return malformed(cell, rc);
        return datetime_ready() < 0 ? NULL : time_out(v);
    }
    case CQL_TYPE_VARINT: return varint_out(cell);
    case CQL_TYPE_DECIMAL: return decimal_out(cell);
    case CQL_TYPE_BLOB:
    case CQL_TYPE_CUSTOM: return bytes_out(cell);
    case CQL_TYPE_UUID:
    case CQL_TYPE_TIMEUUID: return uuid_out(cell);
    case CQL_TYPE_INET: return inet_out(cell);
    case CQL_TYPE_DURATION: return duration_out(cell);
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT:
    case CQL_TYPE_VECTOR: break;
    default: return bytes_out(cell); /* a kind newer than this file */
    }
    if (depth >= MAX_DEPTH)
        return malformed_why(cell, "nested too deeply");
    switch (kind) {
    case CQL_TYPE_SET: return set_out(cell, depth);
    case CQL_TYPE_MAP: return map_out(cell, depth);
    case CQL_TYPE_TUPLE: return sequence_out(cell, depth, true);
    case CQL_TYPE_UDT: return udt_out(cell, depth);
    default: return sequence_out(cell, depth, false); /* list, vector */
    }
}

PyObject *cqlpy_cell_to_python(cql_cell cell)
{
    return convert(cell, 0);
}

/* A malformed cell's ValueError (exactly ValueError: anything else a
 * registered class raised is left alone) is raised again naming the column,
 * which only the row knows. */
static void name_column(const cql_result *page, size_t i)
{
    if (PyErr_Occurred() != PyExc_ValueError)
        return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *name = str_of(cql_result_column_name(page, i));
    if (name == NULL) {
        PyErr_Restore(type, value, tb);
        return;
    }
    PyErr_Format(PyExc_ValueError, "column \"%U\": %S", name, value);
    Py_DECREF(name);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

PyObject *cqlpy_row_to_tuple(const cql_result *page, size_t column_count, PyTypeObject *cls)
{
    if (column_count > (size_t)PY_SSIZE_T_MAX) {
        PyErr_SetString(PyExc_OverflowError, "too many columns");
        return NULL;
    }
    /* cls has a tuple's layout exactly (checked by the caller): its items
     * are set as a tuple's; the allocation starts them NULL */
    PyObject *row = cls ? cls->tp_alloc(cls, (Py_ssize_t)column_count)
                        : PyTuple_New((Py_ssize_t)column_count);
    if (row == NULL)
        return NULL;
    for (size_t i = 0; i < column_count; i++) {
        PyObject *v = convert(cql_result_cell(page, i), 0);
        if (v == NULL) {
            name_column(page, i);
            Py_DECREF(row);
            return NULL;
        }
        PyTuple_SET_ITEM(row, (Py_ssize_t)i, v);
    }
    untrack_if_acyclic(row);
    return row;
}
