/*
 * The cells of a Rows page, as views into the response's body.
 *
 * Walking a page is a chain of dependent loads (each cell's length says
 * where the next one starts), so the cost is the number of passes. The
 * cursor makes exactly one, checking every length as it goes; decoding
 * therefore checks only that the page's announced size is possible, and the
 * index that random access needs is built on first use, by one more pass.
 */
#include "proto/response.h"

#include <stdlib.h>

bool cql_rows_begin(cql_reader *r, cql_response *resp, const cql_limits *limits)
{
    size_t columns = resp->result_metadata->column_count;
    size_t at = r->off;
    size_t rows;
    if (!cql_read_count_i32(r, 0, &rows, "rows: row count"))
        return false;
    /* Every cell costs at least its 4-byte length; rows of no columns cost
     * nothing, so the element limit bounds them instead. */
    size_t max_rows = columns != 0 ? cql_reader_left(r) / (4 * columns)
                                   : ((limits && limits->max_elements) ? limits->max_elements
                                                                       : CQL_DEFAULT_MAX_ELEMENTS);
    if (rows > max_rows)
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, "rows: row count larger than the body");
    resp->row_count = rows;
    resp->rows_start = r->off;
    r->off = r->len;
    return true;
}

/* Reads one row at *off; on success *off moves past it. The one place that
 * checks cell lengths. */
static bool read_row(const cql_response *resp, size_t *off, cql_value *cells, cql_diag *diag)
{
    const uint8_t *buf = resp->body, *p = buf + *off, *end = buf + resp->header.length;
    size_t columns = resp->result_metadata->column_count;
    for (size_t c = 0; c < columns; c++) {
        if (end - p < 4) {
            *diag = (cql_diag){CQL_E_TRUNCATED, (size_t)(p - buf), "rows: cell length"};
            return false;
        }
        int32_t n = (int32_t)cql_load_be32(p);
        p += 4;
        if (n >= 0) {
            if (end - p < n) {
                *diag = (cql_diag){CQL_E_TRUNCATED, (size_t)(p - buf) - 4, "rows: cell value"};
                return false;
            }
            if (cells) {
                cells[c].ptr = p;
                cells[c].len = n;
            }
            p += n;
        } else if (n == CQL_NULL) {
            if (cells) {
                cells[c].ptr = NULL;
                cells[c].len = CQL_NULL;
            }
        } else {
            *diag = (cql_diag){CQL_E_MALFORMED, (size_t)(p - buf) - 4, "rows: negative cell length"};
            return false;
        }
    }
    *off = (size_t)(p - buf);
    return true;
}

void cql_rows_cursor_init(cql_rows_cursor *cur, const cql_response *resp)
{
    if (cur == NULL)
        return;
    cur->response = resp;
    cur->row = 0;
    cur->offset = resp ? resp->rows_start : 0;
    cur->diag = (cql_diag){CQL_OK, 0, NULL};
}

bool cql_rows_next(cql_rows_cursor *cur, cql_value *cells)
{
    if (cur == NULL)
        return false;
    const cql_response *resp = cur->response;
    if (cur->diag.rc != CQL_OK || cur->row >= cql_response_row_count(resp))
        return false;
    if (cells == NULL) {
        cur->diag = (cql_diag){CQL_E_ARG, cur->offset, "rows: NULL cell array"};
        return false;
    }
    if (!read_row(resp, &cur->offset, cells, &cur->diag))
        return false;
    cur->row++;
    return true;
}

/* Builds the row index on first use. The response is logically const: the
 * index is a cache of what its bytes already say. */
static cql_rc ensure_index(const cql_response *resp_const)
{
    cql_response *resp = (cql_response *)resp_const;
    if (resp->row_offsets != NULL || resp->index_rc != CQL_OK)
        return resp->index_rc;
    if (resp->row_count == 0)
        return CQL_OK;
    uint32_t *offsets = malloc(resp->row_count * sizeof *offsets);
    if (offsets == NULL)
        return CQL_E_NOMEM; /* not cached: a later call may succeed */
    size_t off = resp->rows_start;
    cql_diag diag;
    for (size_t i = 0; i < resp->row_count; i++) {
        offsets[i] = (uint32_t)off;
        if (!read_row(resp, &off, NULL, &diag)) {
            free(offsets);
            resp->index_rc = diag.rc;
            return diag.rc;
        }
    }
    resp->row_offsets = offsets;
    return CQL_OK;
}

cql_rc cql_response_row(const cql_response *resp, size_t row, cql_value *cells)
{
    if (resp == NULL || cells == NULL || row >= cql_response_row_count(resp))
        return CQL_E_ARG;
    cql_rc rc = ensure_index(resp);
    if (rc != CQL_OK)
        return rc;
    size_t off = resp->row_offsets[row];
    cql_diag diag;
    return read_row(resp, &off, cells, &diag) ? CQL_OK : diag.rc;
}

cql_rc cql_response_cell(const cql_response *resp, size_t row, size_t column, cql_value *out)
{
    if (resp == NULL || out == NULL || row >= cql_response_row_count(resp) ||
        column >= resp->result_metadata->column_count)
        return CQL_E_ARG;
    cql_rc rc = ensure_index(resp);
    if (rc != CQL_OK)
        return rc;
    /* The index pass proved every length of this row. */
    const uint8_t *p = resp->body + resp->row_offsets[row];
    for (size_t c = 0;; c++) {
        int32_t n = (int32_t)cql_load_be32(p);
        p += 4;
        if (c == column) {
            out->ptr = n >= 0 ? p : NULL;
            out->len = n;
            return CQL_OK;
        }
        if (n > 0)
            p += n;
    }
}
