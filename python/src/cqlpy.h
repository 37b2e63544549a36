/*
 * The inside of cqlio._core, the CPython extension over libcqlio. One
 * header for its files:
 *
 *   module.c   the module: types, the registry of Python classes the Python
 *              layer hands over (set_types), the error factory
 *   aloop.c    the asyncio adapter: a cql_loop over the running asyncio loop
 *              (add_reader/add_writer, call_at, call_soon); no threads
 *   session.c  _core.Session: connect, execute, prepare, batch, stream,
 *              resources, close; C futures bridged to asyncio futures
 *   page.c     _core.Page (one page of rows as tuples, with its metadata)
 *              and _core.Prepared
 *   stream.c   _core.Stream: pages one at a time, prefetch, close
 *   convert_out.c  cell -> Python value, for every CQL type
 *   convert_in.c   Python value -> bound value, checked against the type
 *
 * Everything runs on the thread of the asyncio loop with the GIL held. The
 * C core holds no Python object that points back at the object owning the
 * core (no reference cycles): asyncio futures are held by C only until
 * they are completed.
 */
#ifndef CQLPY_H
#define CQLPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cqlio.h"

/* ---- the registry (module.c) --------------------------------------------- */

/* Python classes and callables the Python layer registers at import with
 * _core.set_types(**kw); borrowed references kept alive by the module. Any
 * may be NULL before set_types runs (the conversions then fall back to
 * plain types: date -> datetime.date...). */
typedef struct cqlpy_types {
    PyObject *Date;      /* cqlio.util.Date(days: int): days since 1970-01-01 */
    PyObject *Time;      /* cqlio.util.Time(nanoseconds: int): since midnight */
    PyObject *Duration;  /* cqlio.util.Duration(months, days, nanoseconds) */
    PyObject *SortedSet; /* cqlio.util.SortedSet(iterable) */
    PyObject *OrderedMapSerializedKey; /* cqlio.util.OrderedMapSerializedKey(items: list of (k, v)) */
    PyObject *udt_factory; /* udt_factory(keyspace: str, name: str, field_names: tuple,
                              values: tuple) -> object (a named tuple, or a registered class) */
    PyObject *error_factory; /* error_factory(info: dict) -> exception instance; see session.c */
    PyObject *row_class; /* row_class(column_names: tuple) -> a tuple subclass without
                          * fields of its own (a namedtuple class): rows asked for
                          * as named are built as its instances */
} cqlpy_types;

extern cqlpy_types cqlpy_registry;

/* Standard-library objects looked up once at import (module.c): */
typedef struct cqlpy_stdlib {
    PyObject *Decimal;        /* decimal.Decimal */
    PyObject *UUID;           /* uuid.UUID */
    PyObject *datetime;       /* datetime.datetime */
    PyObject *date;           /* datetime.date */
    PyObject *time;           /* datetime.time */
    PyObject *timezone_utc;   /* datetime.timezone.utc */
    PyObject *ip_address;     /* ipaddress.ip_address */
    PyObject *IPv4Address, *IPv6Address;
    PyObject *epoch;          /* datetime.datetime(1970, 1, 1, tzinfo=utc) */
} cqlpy_stdlib;

extern cqlpy_stdlib cqlpy_std;

/* ---- conversions (convert_out.c, convert_in.c) ----------------------------- */

/* A cell as a Python object (new reference): NULL cells -> None; ints for
 * tinyint..bigint, counter, varint; float; decimal.Decimal; str; bytes;
 * bool; uuid.UUID; datetime.datetime (timezone-aware UTC) for timestamp;
 * cqlpy_registry.Date/Time (else datetime.date/time when in range) for
 * date/time; ipaddress.IPv4Address/IPv6Address; Duration; list; SortedSet
 * (else set) for set; OrderedMapSerializedKey (else dict) for map; tuple;
 * udt_factory(...) for UDTs (else a tuple); list for vectors. NULL with a
 * Python exception (ValueError naming the type) for malformed bytes. */
PyObject *cqlpy_cell_to_python(cql_cell cell);

/* A whole row of a page: a tuple of column_count values (new reference),
 * reading the result's current row; an instance of cls when cls is not NULL
 * (a tuple subclass with a tuple's layout). NULL with an exception. */
PyObject *cqlpy_row_to_tuple(const cql_result *page, size_t column_count, PyTypeObject *cls);

/* Binds value into slot index of st, converted for `type` (the prepared
 * statement's bind-marker type). None binds null; cqlpy_unset (the
 * singleton _core.UNSET) binds unset. A value of a type that does not fit
 * raises TypeError naming the column, the CQL type (cql_type_format) and
 * the Python type: 'column "age" is int; got str'. A value of a fitting type
 * but out of range (2**40 for an int column) raises ValueError naming the
 * column, the CQL type and the range. Returns 0, or -1 with the exception
 * set. */
int cqlpy_bind(cql_statement *st, size_t index, const char *column, const cql_type *type,
               PyObject *value);

extern PyObject *cqlpy_unset; /* _core.UNSET: a unique object; bound as unset */

#endif
