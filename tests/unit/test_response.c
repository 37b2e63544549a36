/* Response decoding (v4/v5 §4.2, §8): bodies written field by field from the specs. */
#include "cqlio.h"
#include "harness.h"
#include "proto/buf.h"

#include <stdlib.h>

static void put_str(cql_buf *b, const char *s) { cql_buf_put_string(b, s, strlen(s)); }

/* Decodes b's bytes as the body of a response with this opcode; b is consumed. */
static cql_rc decode(cql_buf *b, uint8_t version, uint8_t opcode, uint8_t flags,
                     cql_response **out, cql_diag *d)
{
    size_t len;
    uint8_t *body = cql_buf_take(b, &len);
    cql_envelope_header h = {version, true, flags, 1, opcode, (uint32_t)len};
    return cql_response_decode(&h, body, NULL, out, d);
}

#define STR_EQ(view, lit) ((view).len == strlen(lit) && memcmp((view).ptr, lit, (view).len) == 0)

TEST(ready_and_authenticate)
{
    cql_buf b = {0};
    cql_response *r;
    REQUIRE(decode(&b, 5, CQL_OP_READY, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_header(r)->opcode, CQL_OP_READY);
    CHECK(cql_response_error(r) == NULL);
    cql_response_free(r);
    put_str(&b, "org.apache.cassandra.auth.PasswordAuthenticator");
    REQUIRE(decode(&b, 4, CQL_OP_AUTHENTICATE, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_authenticator(r), "org.apache.cassandra.auth.PasswordAuthenticator"));
    cql_response_free(r);
}

TEST(auth_success_with_null_token_and_challenge_with_bytes)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, UINT32_MAX);
    REQUIRE(decode(&b, 4, CQL_OP_AUTH_SUCCESS, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_auth_token(r).len, CQL_NULL);
    cql_response_free(r);
    cql_buf_put_bytes(&b, "abc", 3);
    REQUIRE(decode(&b, 4, CQL_OP_AUTH_CHALLENGE, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_auth_token(r).len, 3);
    CHECK(memcmp(cql_response_auth_token(r).ptr, "abc", 3) == 0);
    cql_response_free(r);
}

TEST(supported_response_exposes_the_options)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u16(&b, 1);
    put_str(&b, "COMPRESSION");
    cql_buf_put_u16(&b, 1);
    put_str(&b, "lz4");
    REQUIRE(decode(&b, 4, CQL_OP_SUPPORTED, 0, &r, NULL) == CQL_OK);
    CHECK(cql_supported_has(cql_response_supported(r), "COMPRESSION", "lz4"));
    cql_response_free(r);
}

/* Found by fuzz_response: an empty SUPPORTED body has no buffer at all. */
TEST(empty_supported_body_is_truncated_not_undefined)
{
    cql_envelope_header h = {5, true, 0, 0, CQL_OP_SUPPORTED, 0};
    cql_response *r;
    cql_diag d;
    CHECK_EQ_INT(cql_response_decode(&h, NULL, NULL, &r, &d), CQL_E_TRUNCATED);
    CHECK(r == NULL);
}

TEST(unavailable_error_keeps_consistency_required_and_alive)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_UNAVAILABLE);
    put_str(&b, "Cannot achieve consistency level QUORUM");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_QUORUM);
    cql_buf_put_u32(&b, 2);
    cql_buf_put_u32(&b, 1);
    REQUIRE(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    const cql_server_error *e = cql_response_error(r);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->code, CQL_ERROR_UNAVAILABLE);
    CHECK(STR_EQ(e->message, "Cannot achieve consistency level QUORUM"));
    CHECK_EQ_INT(e->consistency, CQL_CONSISTENCY_QUORUM);
    CHECK_EQ_INT(e->required, 2);
    CHECK_EQ_INT(e->alive, 1);
    CHECK(strcmp(cql_error_code_str(e->code), "UNAVAILABLE") == 0);
    CHECK(strcmp(cql_consistency_str(e->consistency), "QUORUM") == 0);
    cql_response_free(r);
}

TEST(write_timeout_with_cas_carries_contentions)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_WRITE_TIMEOUT);
    put_str(&b, "timeout");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_SERIAL);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 2);
    put_str(&b, "CAS");
    cql_buf_put_u16(&b, 3);
    REQUIRE(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    const cql_server_error *e = cql_response_error(r);
    CHECK_EQ_INT(e->received, 1);
    CHECK_EQ_INT(e->block_for, 2);
    CHECK(STR_EQ(e->write_type, "CAS"));
    CHECK_EQ_INT(e->contentions, 3);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_ERROR_WRITE_TIMEOUT);
    put_str(&b, "timeout");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_ONE);
    cql_buf_put_u32(&b, 0);
    cql_buf_put_u32(&b, 1);
    put_str(&b, "SIMPLE");
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->contentions, -1);
    cql_response_free(r);
}

TEST(read_timeout_keeps_data_present)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_READ_TIMEOUT);
    put_str(&b, "rt");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_ALL);
    cql_buf_put_u32(&b, 2);
    cql_buf_put_u32(&b, 3);
    cql_buf_put_u8(&b, 1);
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK(cql_response_error(r)->data_present);
    CHECK_EQ_INT(cql_response_error(r)->received, 2);
    cql_response_free(r);
}

TEST(read_failure_v5_reason_map_and_v4_failure_count)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_READ_FAILURE);
    put_str(&b, "rf");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_ONE);
    cql_buf_put_u32(&b, 0);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 2); /* two reasons */
    cql_buf_put_u8(&b, 4);
    cql_buf_put(&b, "\x7f\x00\x00\x02", 4);
    cql_buf_put_u16(&b, 1);
    cql_buf_put_u8(&b, 16);
    cql_buf_put(&b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    cql_buf_put_u16(&b, 2);
    cql_buf_put_u8(&b, 0);
    REQUIRE(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    const cql_server_error *e = cql_response_error(r);
    CHECK_EQ_INT(e->reason_count, 2);
    CHECK_EQ_INT(e->failures, 2);
    CHECK_EQ_INT(e->reasons[0].address_len, 4);
    CHECK_EQ_INT(e->reasons[0].address[3], 2);
    CHECK_EQ_INT(e->reasons[1].address_len, 16);
    CHECK_EQ_INT(e->reasons[1].code, 2);
    CHECK(!e->data_present);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_ERROR_WRITE_FAILURE);
    put_str(&b, "wf");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_ONE);
    cql_buf_put_u32(&b, 0);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 5); /* v4 <numfailures> */
    put_str(&b, "BATCH_LOG");
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->failures, 5);
    CHECK(STR_EQ(cql_response_error(r)->write_type, "BATCH_LOG"));
    cql_response_free(r);
}

TEST(function_failure_already_exists_unprepared_and_cas_unknown)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_FUNCTION_FAILURE);
    put_str(&b, "ff");
    put_str(&b, "ks");
    put_str(&b, "fn");
    cql_buf_put_u16(&b, 2);
    put_str(&b, "int");
    put_str(&b, "text");
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_error(r)->function, "fn"));
    CHECK_EQ_INT(cql_response_error(r)->arg_type_count, 2);
    CHECK(STR_EQ(cql_response_error(r)->arg_types[1], "text"));
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_ERROR_ALREADY_EXISTS);
    put_str(&b, "exists");
    put_str(&b, "ks");
    put_str(&b, "");
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_error(r)->keyspace, "ks"));
    CHECK_EQ_INT(cql_response_error(r)->table.len, 0);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_ERROR_UNPREPARED);
    put_str(&b, "unknown id");
    cql_buf_put_short_bytes(&b, "\xde\xad", 2);
    REQUIRE(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->unprepared_id.len, 2);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_ERROR_CAS_WRITE_UNKNOWN);
    put_str(&b, "cas");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_SERIAL);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 2);
    REQUIRE(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->block_for, 2);
    cql_response_free(r);
}

TEST(every_error_code_of_both_specs_decodes_with_its_fields)
{
    const int32_t codes[] = {0x0000, 0x000A, 0x0100, 0x1000, 0x1001, 0x1002, 0x1003,
                             0x1100, 0x1200, 0x1300, 0x1400, 0x1500, 0x1600, 0x1700,
                             0x2000, 0x2100, 0x2200, 0x2300, 0x2400, 0x2500};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        cql_buf b = {0};
        cql_response *r = NULL;
        cql_buf_put_u32(&b, (uint32_t)codes[i]);
        put_str(&b, "m");
        /* Enough zero bytes for the longest per-code tail; the rest is ignored trailing data. */
        for (int k = 0; k < 32; k++)
            cql_buf_put_u8(&b, 0);
        CHECK_EQ_INT(decode(&b, 5, CQL_OP_ERROR, 0, &r, NULL), CQL_OK);
        CHECK(strcmp(cql_error_code_str(codes[i]), "UNKNOWN_ERROR") != 0);
        cql_response_free(r);
    }
}

TEST(result_void_set_keyspace_and_schema_changes)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_RESULT_VOID);
    REQUIRE(decode(&b, 4, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_result_kind(r), CQL_RESULT_VOID);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_RESULT_SET_KEYSPACE);
    put_str(&b, "ks1");
    REQUIRE(decode(&b, 4, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_keyspace(r), "ks1"));
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_RESULT_SCHEMA_CHANGE);
    put_str(&b, "CREATED");
    put_str(&b, "FUNCTION");
    put_str(&b, "ks");
    put_str(&b, "f");
    cql_buf_put_u16(&b, 1);
    put_str(&b, "int");
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    const cql_schema_change *s = cql_response_schema_change(r);
    REQUIRE(s != NULL);
    CHECK(STR_EQ(s->target, "FUNCTION"));
    CHECK(STR_EQ(s->name, "f"));
    CHECK_EQ_INT(s->arg_type_count, 1);
    cql_response_free(r);

    cql_buf_put_u32(&b, CQL_RESULT_SCHEMA_CHANGE);
    put_str(&b, "DROPPED");
    put_str(&b, "KEYSPACE");
    put_str(&b, "gone");
    REQUIRE(decode(&b, 4, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_schema_change(r)->keyspace, "gone"));
    CHECK_EQ_INT(cql_response_schema_change(r)->name.len, 0);
    cql_response_free(r);
}

/* A Rows body: global table spec, columns (k int, v text), paging state, and
 * rows (1, "a"), (2, null). */
static void put_rows(cql_buf *b, bool more)
{
    cql_buf_put_u32(b, CQL_RESULT_ROWS);
    cql_buf_put_u32(b, 0x0001 | (more ? 0x0002u : 0u));
    cql_buf_put_u32(b, 2);
    if (more)
        cql_buf_put_bytes(b, "\x01\x02\x03", 3);
    put_str(b, "ks");
    put_str(b, "t");
    put_str(b, "k");
    cql_buf_put_u16(b, CQL_TYPE_INT);
    put_str(b, "v");
    cql_buf_put_u16(b, CQL_TYPE_VARCHAR);
    cql_buf_put_u32(b, 2);
    cql_buf_put_bytes(b, "\0\0\0\x01", 4);
    cql_buf_put_bytes(b, "a", 1);
    cql_buf_put_bytes(b, "\0\0\0\x02", 4);
    cql_buf_put_bytes(b, NULL, 0);
}

TEST(rows_page_gives_metadata_paging_state_and_cells)
{
    cql_buf b = {0};
    cql_response *r;
    put_rows(&b, true);
    REQUIRE(decode(&b, 4, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    const cql_metadata *m = cql_response_result_metadata(r);
    CHECK_EQ_INT(cql_response_row_count(r), 2);
    CHECK_EQ_INT(cql_response_column_count(r), 2);
    CHECK(STR_EQ(cql_metadata_keyspace(m, 1), "ks"));
    CHECK(STR_EQ(cql_metadata_table(m, 0), "t"));
    CHECK(STR_EQ(cql_metadata_column_name(m, 1), "v"));
    CHECK_EQ_INT(cql_type_kind_of(cql_metadata_column_type(m, 0)), CQL_TYPE_INT);
    CHECK_EQ_INT(cql_type_kind_of(cql_metadata_column_type(m, 1)), CQL_TYPE_VARCHAR);
    CHECK(cql_metadata_has_more_pages(m));
    CHECK_EQ_INT(cql_metadata_paging_state(m).len, 3);
    cql_value cell;
    REQUIRE(cql_response_cell(r, 0, 1, &cell) == CQL_OK);
    CHECK(cell.len == 1 && cell.ptr[0] == 'a');
    REQUIRE(cql_response_cell(r, 1, 0, &cell) == CQL_OK);
    CHECK(cell.len == 4 && cell.ptr[3] == 2);
    REQUIRE(cql_response_cell(r, 1, 1, &cell) == CQL_OK);
    CHECK(cell.len == CQL_NULL && cell.ptr == NULL);
    CHECK_EQ_INT(cql_response_cell(r, 2, 0, &cell), CQL_E_ARG);
    CHECK_EQ_INT(cql_response_cell(r, 0, 2, &cell), CQL_E_ARG);

    /* A clone outlives the response. */
    cql_metadata *clone = cql_metadata_clone(m);
    cql_response_free(r);
    REQUIRE(clone != NULL);
    CHECK(STR_EQ(cql_metadata_column_name(clone, 0), "k"));
    CHECK_EQ_INT(cql_metadata_paging_state(clone).ptr[2], 3);
    cql_metadata_free(clone);
}

/* Decoding checks everything up to the rows; the cursor and the index check
 * the cells. Either way, a truncated page never yields its last row. */
TEST(every_truncation_of_a_rows_page_fails_inside_the_buffer)
{
    cql_buf full = {0};
    put_rows(&full, true);
    for (size_t len = 0; len < full.len; len++) {
        uint8_t *body = malloc(len ? len : 1);
        REQUIRE(body != NULL);
        memcpy(body, full.data, len);
        cql_envelope_header h = {4, true, 0, 0, CQL_OP_RESULT, (uint32_t)len};
        cql_response *r = (cql_response *)&h;
        cql_diag d = {CQL_OK, 0, NULL};
        if (cql_response_decode(&h, body, NULL, &r, &d) != CQL_OK) {
            CHECK(r == NULL);
            CHECK(d.offset <= len && d.what != NULL);
            continue;
        }
        cql_rows_cursor cur;
        cql_value cells[2];
        cql_rows_cursor_init(&cur, r);
        size_t rows = 0;
        while (cql_rows_next(&cur, cells))
            rows++;
        CHECK(rows < 2);
        CHECK(cur.diag.rc == CQL_E_TRUNCATED);
        CHECK(cur.diag.offset <= len);
        CHECK(cql_response_cell(r, 1, 1, cells) == CQL_E_TRUNCATED);
        CHECK(cql_response_row(r, 0, cells) == CQL_E_TRUNCATED); /* the index failed once, for good */
        cql_response_free(r);
    }
    cql_buf_free(&full);
}

TEST(cursor_reads_rows_in_order_then_stops)
{
    cql_buf b = {0};
    cql_response *r;
    put_rows(&b, false);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    cql_rows_cursor cur;
    cql_value cells[2];
    cql_rows_cursor_init(&cur, r);
    REQUIRE(cql_rows_next(&cur, cells));
    CHECK(cells[0].len == 4 && cells[0].ptr[3] == 1);
    CHECK(cells[1].len == 1 && cells[1].ptr[0] == 'a');
    REQUIRE(cql_rows_next(&cur, cells));
    CHECK(cells[1].len == CQL_NULL && cells[1].ptr == NULL);
    CHECK(!cql_rows_next(&cur, cells));
    CHECK_EQ_INT(cur.diag.rc, CQL_OK); /* the end, not an error */
    CHECK_EQ_INT(cur.row, 2);
    CHECK(!cql_rows_next(&cur, cells));
    cql_response_free(r);
}

TEST(negative_cell_length_other_than_null_is_malformed)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0004);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, (uint32_t)-2);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    cql_rows_cursor cur;
    cql_value cell;
    cql_rows_cursor_init(&cur, r);
    CHECK(!cql_rows_next(&cur, &cell));
    CHECK_EQ_INT(cur.diag.rc, CQL_E_MALFORMED);
    CHECK(strstr(cur.diag.what, "negative") != NULL);
    cql_response_free(r);
}

TEST(hostile_row_count_is_refused_before_allocating_an_index)
{
    cql_buf b = {0};
    cql_response *r;
    cql_diag d;
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0004); /* No_metadata */
    cql_buf_put_u32(&b, 3);
    cql_buf_put_u32(&b, 0x7FFFFFFF); /* 2^31 - 1 rows in a few bytes */
    CHECK_EQ_INT(decode(&b, 4, CQL_OP_RESULT, 0, &r, &d), CQL_E_TRUNCATED);
    CHECK(strstr(d.what, "row count") != NULL);
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0);
    cql_buf_put_u32(&b, 0x7FFFFFFF); /* 2^31 - 1 columns */
    CHECK_EQ_INT(decode(&b, 4, CQL_OP_RESULT, 0, &r, &d), CQL_E_TRUNCATED);
    CHECK(strstr(d.what, "column count") != NULL);
}

TEST(no_metadata_rows_still_index_cells)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0004);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_u32(&b, 3);
    for (int i = 0; i < 3; i++)
        cql_buf_put_bytes(&b, "xy", 2);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    const cql_metadata *m = cql_response_result_metadata(r);
    CHECK(cql_metadata_no_metadata(m));
    CHECK(cql_metadata_column_type(m, 0) == NULL);
    CHECK_EQ_INT(cql_response_row_count(r), 3);
    cql_value cell;
    CHECK(cql_response_cell(r, 2, 0, &cell) == CQL_OK && cell.len == 2);
    cql_response_free(r);
}

TEST(metadata_changed_is_read_in_v5_only)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0008 | 0x0004);
    cql_buf_put_u32(&b, 1);
    cql_buf_put_short_bytes(&b, "\x0a\x0b", 2);
    cql_buf_put_u32(&b, 0);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
    CHECK(cql_metadata_changed(cql_response_result_metadata(r)));
    CHECK_EQ_INT(cql_metadata_new_id(cql_response_result_metadata(r)).len, 2);
    cql_response_free(r);
}

static void put_prepared(cql_buf *b, uint8_t version)
{
    cql_buf_put_u32(b, CQL_RESULT_PREPARED);
    cql_buf_put_short_bytes(b, "\x11\x22", 2);
    if (version >= 5)
        cql_buf_put_short_bytes(b, "\x33", 1);
    cql_buf_put_u32(b, 0x0001); /* bind metadata: global spec */
    cql_buf_put_u32(b, 2);
    cql_buf_put_u32(b, 1); /* one pk index */
    cql_buf_put_u16(b, 1);
    put_str(b, "ks");
    put_str(b, "t");
    put_str(b, "v");
    cql_buf_put_u16(b, CQL_TYPE_VARCHAR);
    put_str(b, "k");
    cql_buf_put_u16(b, CQL_TYPE_LIST);
    cql_buf_put_u16(b, CQL_TYPE_INT);
    cql_buf_put_u32(b, 0x0004); /* result metadata: none */
    cql_buf_put_u32(b, 0);
}

TEST(prepared_v4_and_v5_with_pk_indexes)
{
    for (uint8_t v = 4; v <= 5; v++) {
        cql_buf b = {0};
        cql_response *r;
        put_prepared(&b, v);
        REQUIRE(decode(&b, v, CQL_OP_RESULT, 0, &r, NULL) == CQL_OK);
        CHECK_EQ_INT(cql_response_prepared_id(r).len, 2);
        CHECK_EQ_INT(cql_response_result_metadata_id(r).len, v >= 5 ? 1 : 0);
        const cql_metadata *bind = cql_response_bind_metadata(r);
        CHECK_EQ_INT(cql_metadata_column_count(bind), 2);
        CHECK_EQ_INT(cql_metadata_pk_count(bind), 1);
        CHECK_EQ_INT(cql_metadata_pk_index(bind, 0), 1);
        const cql_type *list = cql_metadata_column_type(bind, 1);
        CHECK_EQ_INT(cql_type_kind_of(list), CQL_TYPE_LIST);
        CHECK_EQ_INT(cql_type_kind_of(cql_type_child(list, 0)), CQL_TYPE_INT);
        char text[32];
        cql_type_format(list, text, sizeof text);
        CHECK(strcmp(text, "list<int>") == 0);
        CHECK_EQ_INT(cql_metadata_column_count(cql_response_result_metadata(r)), 0);
        cql_response_free(r);
    }
}

TEST(events_topology_status_and_schema)
{
    cql_buf b = {0};
    cql_response *r;
    put_str(&b, "STATUS_CHANGE");
    put_str(&b, "DOWN");
    cql_buf_put_u8(&b, 4);
    cql_buf_put(&b, "\x7f\x00\x00\x03", 4);
    cql_buf_put_u32(&b, 9042);
    REQUIRE(decode(&b, 4, CQL_OP_EVENT, 0, &r, NULL) == CQL_OK);
    const cql_event *ev = cql_response_event(r);
    REQUIRE(ev != NULL);
    CHECK(STR_EQ(ev->change, "DOWN"));
    CHECK_EQ_INT(ev->address[3], 3);
    CHECK_EQ_INT(ev->port, 9042);
    cql_response_free(r);

    put_str(&b, "SCHEMA_CHANGE");
    put_str(&b, "UPDATED");
    put_str(&b, "TABLE");
    put_str(&b, "ks");
    put_str(&b, "t");
    REQUIRE(decode(&b, 5, CQL_OP_EVENT, 0, &r, NULL) == CQL_OK);
    CHECK(STR_EQ(cql_response_event(r)->schema.name, "t"));
    cql_response_free(r);
}

TEST(tracing_id_warnings_and_custom_payload_precede_the_message)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put(&b, "0123456789abcdef", 16);
    cql_buf_put_u16(&b, 1);
    put_str(&b, "Aggregation query used without partition key");
    cql_buf_put_u16(&b, 1);
    put_str(&b, "p");
    cql_buf_put_bytes(&b, "v", 1);
    cql_buf_put_u32(&b, CQL_RESULT_VOID);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT,
                   CQL_FLAG_TRACING | CQL_FLAG_WARNING | CQL_FLAG_CUSTOM_PAYLOAD, &r, NULL) ==
            CQL_OK);
    uint8_t id[16];
    CHECK(cql_response_tracing_id(r, id) && id[15] == 'f');
    CHECK_EQ_INT(cql_response_warning_count(r), 1);
    CHECK(STR_EQ(cql_response_payload_key(r, 0), "p"));
    CHECK_EQ_INT(cql_response_payload_value(r, 0).len, 1);
    CHECK_EQ_INT(cql_response_result_kind(r), CQL_RESULT_VOID);
    cql_response_free(r);
}

TEST(requests_compressed_bodies_and_unknown_kinds_are_refused)
{
    cql_buf b = {0};
    cql_response *r;
    cql_diag d;
    size_t len;
    uint8_t *body;
    cql_envelope_header req = {4, false, 0, 0, CQL_OP_READY, 0};
    CHECK_EQ_INT(cql_response_decode(&req, NULL, NULL, &r, &d), CQL_E_PROTOCOL);
    cql_buf_put_u32(&b, 9);
    body = cql_buf_take(&b, &len);
    cql_envelope_header compressed = {4, true, CQL_FLAG_COMPRESSION, 0, CQL_OP_RESULT, (uint32_t)len};
    CHECK_EQ_INT(cql_response_decode(&compressed, body, NULL, &r, &d), CQL_E_PROTOCOL);
    cql_buf_put_u32(&b, 9);
    CHECK_EQ_INT(decode(&b, 4, CQL_OP_RESULT, 0, &r, &d), CQL_E_PROTOCOL);
    CHECK(strstr(d.what, "unknown kind") != NULL);
    CHECK_EQ_INT(decode(&b, 4, CQL_OP_QUERY, 0, &r, &d), CQL_E_PROTOCOL);
    CHECK_EQ_INT(cql_response_decode(NULL, NULL, NULL, &r, &d), CQL_E_ARG);
}

/* Found in review: v4 has no <contentions>, whatever follows a CAS write type. */
TEST(v4_write_timeout_has_no_contentions_even_with_trailing_bytes)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u32(&b, CQL_ERROR_WRITE_TIMEOUT);
    put_str(&b, "timeout");
    cql_buf_put_u16(&b, CQL_CONSISTENCY_SERIAL);
    cql_buf_put_u32(&b, 0);
    cql_buf_put_u32(&b, 1);
    put_str(&b, "CAS");
    cql_buf_put_u16(&b, 0x1234);
    REQUIRE(decode(&b, 4, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->contentions, -1);
    cql_response_free(r);
}

/* Found in review: trailing bytes are future extensions in every response. */
TEST(supported_response_ignores_trailing_bytes)
{
    cql_buf b = {0};
    cql_response *r;
    cql_buf_put_u16(&b, 0);
    cql_buf_put_u32(&b, 0xDEADBEEF);
    REQUIRE(decode(&b, 5, CQL_OP_SUPPORTED, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_supported_count(cql_response_supported(r)), 0);
    cql_response_free(r);
}

/* Found in review: v5 ignores the compression flag; v3 is decoded only while negotiating. */
TEST(v5_ignores_the_compression_flag_and_v3_is_refused_past_negotiation)
{
    cql_buf b = {0};
    cql_response *r;
    cql_diag d;
    cql_buf_put_u32(&b, CQL_RESULT_VOID);
    REQUIRE(decode(&b, 5, CQL_OP_RESULT, CQL_FLAG_COMPRESSION, &r, NULL) == CQL_OK);
    cql_response_free(r);
    cql_buf_put_u32(&b, CQL_RESULT_VOID);
    CHECK_EQ_INT(decode(&b, 3, CQL_OP_RESULT, 0, &r, &d), CQL_E_PROTOCOL);
    cql_buf_put_u32(&b, CQL_ERROR_PROTOCOL);
    put_str(&b, "Invalid or unsupported protocol version (6)");
    REQUIRE(decode(&b, 3, CQL_OP_ERROR, 0, &r, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_response_error(r)->code, CQL_ERROR_PROTOCOL);
    uint8_t id[16];
    CHECK(!cql_response_tracing_id(r, NULL) && !cql_response_tracing_id(r, id));
    cql_response_free(r);
    cql_rows_cursor_init(NULL, NULL);
    CHECK(!cql_rows_next(NULL, NULL));
}

int main(void)
{
    RUN(ready_and_authenticate);
    RUN(auth_success_with_null_token_and_challenge_with_bytes);
    RUN(supported_response_exposes_the_options);
    RUN(empty_supported_body_is_truncated_not_undefined);
    RUN(unavailable_error_keeps_consistency_required_and_alive);
    RUN(write_timeout_with_cas_carries_contentions);
    RUN(read_timeout_keeps_data_present);
    RUN(read_failure_v5_reason_map_and_v4_failure_count);
    RUN(function_failure_already_exists_unprepared_and_cas_unknown);
    RUN(every_error_code_of_both_specs_decodes_with_its_fields);
    RUN(result_void_set_keyspace_and_schema_changes);
    RUN(rows_page_gives_metadata_paging_state_and_cells);
    RUN(every_truncation_of_a_rows_page_fails_inside_the_buffer);
    RUN(cursor_reads_rows_in_order_then_stops);
    RUN(negative_cell_length_other_than_null_is_malformed);
    RUN(hostile_row_count_is_refused_before_allocating_an_index);
    RUN(no_metadata_rows_still_index_cells);
    RUN(metadata_changed_is_read_in_v5_only);
    RUN(prepared_v4_and_v5_with_pk_indexes);
    RUN(events_topology_status_and_schema);
    RUN(tracing_id_warnings_and_custom_payload_precede_the_message);
    RUN(requests_compressed_bodies_and_unknown_kinds_are_refused);
    RUN(v4_write_timeout_has_no_contentions_even_with_trailing_bytes);
    RUN(supported_response_ignores_trailing_bytes);
    RUN(v5_ignores_the_compression_flag_and_v3_is_refused_past_negotiation);
    return harness_done();
}
