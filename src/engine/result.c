/*
 * Results: one RESULT response read row by row with the one-pass cursor.
 *
 * The current row lives in an array of cell views that the cursor refills on
 * each cql_result_next, beside a dense array of the columns' types, so
 * reading a page allocates nothing per row and cql_result_cell is two loads.
 * Both arrays are allocated once, and only for a page that has rows (their
 * size is then bounded by the body, which holds at least four bytes per
 * cell, whereas a hostile column count with no rows costs nothing).
 *
 * Names and types come from the response's column specs, or, for a page sent
 * without them (Skip_metadata), from the prepared statement's result
 * metadata, which the result keeps alive through a reference.
 */
#include "engine/error.h"
#include "engine/prepared.h"
#include "engine/result.h"
#include "proto/response.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct cql_result {
    cql_response *response; /* owned */
    cql_prepared *prepared; /* a reference, or NULL */
    bool rows;              /* a Rows result: the only kind with cells */
    size_t column_count;
    const cql_column *columns; /* names and types; NULL when nobody sent any */
    cql_rows_cursor cursor;
    bool has_row;      /* values hold the current row */
    cql_value *values; /* column_count entries the cursor fills; NULL without rows */
    const cql_type **types; /* column_count entries: each column's type, or NULL */
    bool failed;
    cql_error_box error;
};

static const cql_str empty_str = {"", 0};

/* The column specs to read this response with, or NULL. A prepared
 * statement's specs describe the page only when they have as many columns;
 * otherwise the schema changed under it, and guessing would misread cells. */
static const cql_column *columns_for(const cql_response *response, const cql_prepared *prepared,
                                     const cql_metadata *sent)
{
    const cql_metadata *m = cql_response_result_metadata(response);
    if (m == NULL)
        return NULL;
    if (m->columns != NULL || m->column_count == 0)
        return m->columns;
    const cql_metadata *pm = sent != NULL ? sent : cql_prepared_result_metadata(prepared);
    if (pm != NULL && pm->columns != NULL && pm->column_count == m->column_count)
        return pm->columns;
    return NULL;
}

cql_result *cql_result_new(cql_response *response, const cql_prepared *prepared,
                           const cql_metadata *columns)
{
    if (response == NULL)
        return NULL;
    cql_result *r = cql_alloc_with_error_box(sizeof *r, offsetof(cql_result, error));
    if (r == NULL) {
        cql_response_free(response);
        return NULL;
    }
    r->response = response;
    r->rows = cql_response_result_kind(response) == CQL_RESULT_ROWS;
    if (r->rows) {
        r->column_count = cql_response_column_count(response);
        r->columns = columns_for(response, prepared, columns);
        if (cql_response_row_count(response) > 0 && r->column_count > 0) {
            r->values = malloc(r->column_count * sizeof *r->values);
            r->types = malloc(r->column_count * sizeof *r->types);
            if (r->values == NULL || r->types == NULL) {
                cql_result_free(r);
                return NULL;
            }
            /* a dense copy: columns[] holds names too, 56 bytes apart */
            for (size_t c = 0; c < r->column_count; c++)
                r->types[c] = r->columns ? r->columns[c].type : NULL;
        }
    }
    /* Taken last, so a failure above has no reference to drop. */
    r->prepared = prepared != NULL ? cql_prepared_ref(prepared) : NULL;
    cql_rows_cursor_init(&r->cursor, response);
    return r;
}

void cql_result_free(cql_result *result)
{
    if (result == NULL)
        return;
    cql_error_clear(&result->error);
    free(result->values);
    free(result->types);
    cql_response_free(result->response);
    cql_prepared_free(result->prepared);
    free(result);
}

const cql_response *cql_result_response(const cql_result *result)
{
    return result ? result->response : NULL;
}

cql_result_kind cql_result_kind_of(const cql_result *result)
{
    return result ? (cql_result_kind)cql_response_result_kind(result->response) : 0;
}

size_t cql_result_row_count(const cql_result *result)
{
    return result && result->rows ? cql_response_row_count(result->response) : 0;
}

size_t cql_result_column_count(const cql_result *result)
{
    return result ? result->column_count : 0;
}

cql_str cql_result_column_name(const cql_result *result, size_t column)
{
    if (result == NULL || result->columns == NULL || column >= result->column_count)
        return empty_str;
    return result->columns[column].name;
}

const cql_type *cql_result_column_type(const cql_result *result, size_t column)
{
    if (result == NULL || result->columns == NULL || column >= result->column_count)
        return NULL;
    return result->columns[column].type;
}

ptrdiff_t cql_result_column_index(const cql_result *result, const char *name)
{
    if (result == NULL || result->columns == NULL || name == NULL)
        return -1;
    size_t n = strlen(name);
    for (size_t i = 0; i < result->column_count; i++) {
        cql_str c = result->columns[i].name;
        if (c.len == n && (n == 0 || memcmp(c.ptr, name, n) == 0))
            return (ptrdiff_t)i;
    }
    return -1;
}

bool cql_result_has_more_pages(const cql_result *result)
{
    return result && result->rows &&
           cql_metadata_has_more_pages(cql_response_result_metadata(result->response));
}

cql_str cql_result_paging_state(const cql_result *result)
{
    if (!cql_result_has_more_pages(result))
        return empty_str;
    cql_value v = cql_metadata_paging_state(cql_response_result_metadata(result->response));
    if (v.ptr == NULL || v.len <= 0)
        return empty_str;
    return (cql_str){(const char *)v.ptr, (size_t)v.len};
}

/* The first row is read through the response's random access, not the
 * cursor, so asking does not move the caller's iteration. LWT results have
 * one row; on a long page this indexes the page once. */
bool cql_result_was_applied(const cql_result *result)
{
    ptrdiff_t col = cql_result_column_index(result, "[applied]");
    if (col < 0 || cql_result_row_count(result) == 0)
        return true;
    cql_value v;
    bool applied = false;
    cql_cell cell = {result->columns[col].type, NULL, CQL_NULL};
    if (cql_response_cell(result->response, 0, (size_t)col, &v) != CQL_OK)
        return false; /* a page that cannot be read confirms nothing */
    cell.ptr = v.ptr;
    cell.len = v.len;
    return cql_cell_bool(cell, &applied) == CQL_OK && applied;
}

static void fail_page(cql_result *r)
{
    char where[256];
    cql_diag_format(&r->cursor.diag, where, sizeof where);
    cql_error_set(&r->error, r->cursor.diag.rc, CQL_ERRCAT_NETWORK, NULL,
                  "malformed rows page (row %zu of %zu): %s", r->cursor.row + 1,
                  cql_response_row_count(r->response), where);
    r->failed = true;
}

/* A cell as one 16-byte store (type, ptr) and one 8-byte store (len with
 * the padding after it). cql_cell is returned through memory, and callers
 * copy it on in 16- and 8-byte pieces; a load wider than the store it reads
 * from cannot be forwarded from the store buffer and stalls for a dozen
 * cycles, which cost more than the getter that follows. Field by field,
 * compilers store 8, 8 and 4 bytes. */
#if defined(__GNUC__) && UINTPTR_MAX == UINT64_MAX
typedef uint64_t pair_u64 __attribute__((vector_size(16), aligned(8)));
typedef union cell_bits {
    cql_cell cell;
    struct {
        pair_u64 type_ptr;
        uint64_t len_word;
    } raw;
} cell_bits;
_Static_assert(sizeof(cell_bits) == sizeof(cql_cell) && offsetof(cql_cell, len) == 16,
               "cql_cell is (type, ptr, len + padding)");

static inline cql_cell make_cell(const cql_type *type, const uint8_t *ptr, int32_t len)
{
    cell_bits b;
    b.raw.type_ptr = (pair_u64){(uintptr_t)type, (uintptr_t)ptr};
    /* cell.len is the word's first four bytes in memory; arithmetic, not
     * memcpy, or the compiler goes through the stack with a 4-byte store */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    b.raw.len_word = (uint32_t)len;
#else
    b.raw.len_word = (uint64_t)(uint32_t)len << 32;
#endif
    return b.cell;
}
#else
static inline cql_cell make_cell(const cql_type *type, const uint8_t *ptr, int32_t len)
{
    return (cql_cell){type, ptr, len};
}
#endif

bool cql_result_next(cql_result *result)
{
    if (result == NULL)
        return false;
    /* A page of rows without columns has no cells to read into; the rows
     * still count, and iterate as rows of nothing. */
    cql_value none;
    cql_value *values = result->values != NULL ? result->values : &none;
    if (result->rows && !result->failed && cql_rows_next(&result->cursor, values)) {
        result->has_row = true;
        return true;
    }
    result->has_row = false;
    if (result->rows && !result->failed && result->cursor.diag.rc != CQL_OK)
        fail_page(result);
    return false;
}

cql_cell cql_result_cell(const cql_result *result, size_t column)
{
    if (result == NULL || !result->has_row || column >= result->column_count)
        return make_cell(NULL, NULL, CQL_NULL);
    const cql_value *v = &result->values[column];
    return make_cell(result->types[column], v->ptr, v->len);
}

cql_cell cql_result_cell_by_name(const cql_result *result, const char *name)
{
    ptrdiff_t col = cql_result_column_index(result, name);
    return col < 0 ? (cql_cell){NULL, NULL, CQL_NULL} : cql_result_cell(result, (size_t)col);
}

const cql_error *cql_result_error(const cql_result *result)
{
    return result && result->failed ? &result->error.pub : NULL;
}
