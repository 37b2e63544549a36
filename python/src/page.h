/* _core.Page and _core.Prepared (page.c). */
#ifndef CQLPY_PAGE_H
#define CQLPY_PAGE_H

#include "cqlpy.h"

typedef struct cqlpy_prepared {
    PyObject_HEAD
    cql_prepared *p;     /* a reference */
    PyObject *names;     /* its result columns' names and types as tuples, */
    PyObject *types;     /* made on first use; NULL before */
    PyObject *row_class; /* registry.row_class(names), made on first use */
    const cql_metadata *names_of; /* the result metadata they were made from (it
                                   * changes with the schema; old ones live as
                                   * long as the statement) */
} cqlpy_prepared;

extern PyTypeObject cqlpy_prepared_type;
extern PyTypeObject cqlpy_page_type;

/* A Page holding every row of result converted (the result's cursor is
 * moved to its end). `prepared` (a Prepared, or NULL) is the statement the
 * result answers: its cached column tuples serve pages sent without
 * metadata. Rows are tuples, or instances of registry.row_class(names) when
 * `named`. New reference, or NULL with an exception. */
PyObject *cqlpy_page_new(const cql_result *result, PyObject *prepared, bool named);
/* A Prepared taking the caller's reference to p. */
PyObject *cqlpy_prepared_new(cql_prepared *p);
/* Column names and types of metadata as tuples of str (new references). */
PyObject *cqlpy_names_of(const cql_metadata *m);
PyObject *cqlpy_types_of(const cql_metadata *m);

int cqlpy_page_ready(void);

#endif
