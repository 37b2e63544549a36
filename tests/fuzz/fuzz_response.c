/* Response decoding on arbitrary bodies: the first two bytes choose the
 * version, opcode and envelope flags, the rest is the body. Whatever decodes
 * is walked through every accessor (cells, metadata, types, errors), then
 * read once more as a cql_result through every typed getter, the iterators
 * and the formatter, so a view that points outside the body shows up under
 * ASan. */
#include "cqlio.h"
#include "engine/result.h"

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

/* Every getter on one cell, the formatter, and the elements of a composite. */
static size_t walk_cell(cql_cell c, int depth)
{
    size_t sum = 0;
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32, months, days;
    int64_t i64, ns;
    float f;
    double d;
    cql_str str;
    uint8_t uuid[16];
    size_t len;
    cql_decimal_value dec;
    sum += cql_cell_bool(c, &b) + cql_cell_int8(c, &i8) + cql_cell_int16(c, &i16) +
           cql_cell_int32(c, &i32) + cql_cell_int64(c, &i64) + cql_cell_float(c, &f) +
           cql_cell_double(c, &d) + cql_cell_uuid(c, uuid) + cql_cell_inet(c, uuid, &len) +
           cql_cell_date(c, &i64) + cql_cell_time(c, &i64) + cql_cell_timestamp(c, &i64) +
           cql_cell_duration(c, &months, &days, &ns);
    if (cql_cell_string(c, &str) == CQL_OK || cql_cell_bytes(c, &str) == CQL_OK ||
        cql_cell_varint(c, &str) == CQL_OK)
        sum += touch(str);
    if (cql_cell_decimal(c, &dec) == CQL_OK)
        for (size_t k = 0; k < dec.unscaled_len; k++)
            sum += dec.unscaled[k];
    char text[256];
    int n = cql_cell_format(c, text, sizeof text);
    if (n >= 0 && (size_t)n < sizeof text && text[n] != '\0')
        abort(); /* the length said is the length written (text may hold NULs) */
    cql_iter it;
    if (depth < 8 && cql_cell_iterate(c, &it) == CQL_OK) {
        cql_cell e;
        sum += cql_iter_count(&it);
        while (cql_iter_next(&it, &e))
            sum += walk_cell(e, depth + 1) + touch(cql_iter_field_name(&it));
    }
    return sum;
}

static size_t walk_result(cql_response *response)
{
    cql_result *res = cql_result_new(response, NULL, NULL);
    if (res == NULL)
        return 0;
    size_t sum = cql_result_was_applied(res) + cql_result_has_more_pages(res) +
                 touch(cql_result_paging_state(res));
    size_t columns = cql_result_column_count(res);
    for (size_t col = 0; col < columns; col++)
        sum += touch(cql_result_column_name(res, col));
    while (cql_result_next(res))
        for (size_t col = 0; col <= columns; col++) /* one past the end too */
            sum += walk_cell(cql_result_cell(res, col), 0);
    const cql_error *e = cql_result_error(res);
    if (e != NULL)
        sum += strlen(e->message);
    cql_result_free(res);
    return sum;
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
    sum += walk_result(r); /* frees r */
    sum += walk_metadata(clone);
    cql_metadata_free(clone);
    (void)sum;
    return 0;
}
