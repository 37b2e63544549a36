/* Response decoding on arbitrary bodies: the first two bytes choose the
 * version, opcode and envelope flags, the rest is the body. Whatever decodes
 * is walked through every accessor (cells, metadata, types, errors), so a
 * view that points outside the body shows up under ASan. */
#include "cqlio.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t opcodes[] = {CQL_OP_ERROR,  CQL_OP_READY,          CQL_OP_AUTHENTICATE,
                                  CQL_OP_SUPPORTED, CQL_OP_RESULT,      CQL_OP_EVENT,
                                  CQL_OP_AUTH_CHALLENGE, CQL_OP_AUTH_SUCCESS};

static size_t touch(cql_str s)
{
    size_t sum = 0;
    for (size_t i = 0; i < s.len; i++)
        sum += (unsigned char)s.ptr[i];
    return sum;
}

static size_t walk_type(const cql_type *t, int depth)
{
    if (t == NULL || depth > 64)
        return 0;
    char text[64];
    size_t sum = cql_type_format(t, text, sizeof text) + touch(cql_type_custom_class(t)) +
                 touch(cql_type_udt_name(t)) + cql_type_vector_dimension(t);
    for (size_t i = 0; i < cql_type_child_count(t); i++)
        sum += walk_type(cql_type_child(t, i), depth + 1) + touch(cql_type_field_name(t, i));
    return sum;
}

static size_t walk_metadata(const cql_metadata *m)
{
    size_t sum = 0;
    for (size_t i = 0; i < cql_metadata_column_count(m); i++)
        sum += touch(cql_metadata_column_name(m, i)) + touch(cql_metadata_keyspace(m, i)) +
               walk_type(cql_metadata_column_type(m, i), 0);
    cql_value ps = cql_metadata_paging_state(m);
    for (int32_t i = 0; i < ps.len; i++)
        sum += ps.ptr[i];
    return sum + touch(cql_metadata_new_id(m)) + cql_metadata_pk_count(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    cql_envelope_header h = {(uint8_t)(4 + (data[0] & 1)), true,
                             (uint8_t)(data[1] & (CQL_FLAG_TRACING | CQL_FLAG_WARNING |
                                                  CQL_FLAG_CUSTOM_PAYLOAD)),
                             0, opcodes[(data[0] >> 1) % sizeof opcodes], (uint32_t)(size - 2)};
    uint8_t *body = size > 2 ? malloc(size - 2) : NULL;
    if (size > 2) {
        if (body == NULL)
            return 0;
        memcpy(body, data + 2, size - 2);
    }
    cql_limits limits = {0, 16, 4096};
    cql_response *r = NULL;
    cql_diag d;
    if (cql_response_decode(&h, body, &limits, &r, &d) != CQL_OK) {
        if (r != NULL || d.what == NULL || d.offset > size - 2)
            abort();
        return 0;
    }
    volatile size_t sum = 0;
    for (size_t i = 0; i < cql_response_warning_count(r); i++)
        sum += touch(cql_response_warning(r, i));
    const cql_server_error *e = cql_response_error(r);
    if (e != NULL) {
        sum += touch(e->message) + touch(e->write_type) + touch(e->unprepared_id);
        for (uint32_t i = 0; i < e->arg_type_count; i++)
            sum += touch(e->arg_types[i]);
        for (uint32_t i = 0; i < e->reason_count; i++)
            sum += e->reasons[i].code;
    }
    sum += walk_metadata(cql_response_bind_metadata(r)) +
           walk_metadata(cql_response_result_metadata(r));
    /* The cursor and random access must agree on every cell, and on whether
     * the page is malformed (random access indexes the whole page first). */
    size_t columns = cql_response_column_count(r);
    cql_value *cells = calloc(columns ? columns : 1, sizeof *cells);
    cql_rows_cursor cur;
    cql_rows_cursor_init(&cur, r);
    size_t rows = 0;
    while (cells && cql_rows_next(&cur, cells))
        rows++;
    bool valid = cells && cur.diag.rc == CQL_OK;
    if (valid && rows != cql_response_row_count(r))
        abort();
    if (cells && !valid && (cur.diag.offset > size - 2 ||
                            (columns && cql_response_cell(r, 0, 0, cells) == CQL_OK)))
        abort();
    cql_rows_cursor_init(&cur, r);
    for (size_t row = 0; valid && cql_rows_next(&cur, cells); row++) {
        for (size_t col = 0; col < columns; col++) {
            cql_value v;
            if (cql_response_cell(r, row, col, &v) != CQL_OK || v.ptr != cells[col].ptr ||
                v.len != cells[col].len)
                abort();
            for (int32_t i = 0; i < v.len; i++)
                sum += v.ptr[i];
        }
    }
    free(cells);
    const cql_event *ev = cql_response_event(r);
    if (ev != NULL)
        sum += touch(ev->type) + touch(ev->schema.name);
    cql_metadata *clone = cql_metadata_clone(cql_response_result_metadata(r));
    cql_response_free(r);
    sum += walk_metadata(clone);
    cql_metadata_free(clone);
    (void)sum;
    return 0;
}
