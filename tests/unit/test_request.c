/* Request encoders (v4/v5 §4.1): byte vectors written from the specs. */
#include "cqlio.h"
#include "harness.h"

#include <stdlib.h>

#define S(lit) ((cql_str){lit, sizeof lit - 1})

static bool bytes_are(const cql_buf *b, const uint8_t *expected, size_t n)
{
    if (b->len != n || memcmp(b->data, expected, n) != 0) {
        fprintf(stderr, "  got %zu bytes:", b->len);
        for (size_t i = 0; i < b->len; i++)
            fprintf(stderr, " %02x", b->data[i]);
        fprintf(stderr, "\n");
        return false;
    }
    return true;
}

TEST(options_is_a_bare_header)
{
    cql_buf b = {0};
    cql_request_opts o = {.version = 5, .stream = 1};
    const uint8_t want[] = {0x05, 0x00, 0x00, 0x01, 0x05, 0, 0, 0, 0};
    REQUIRE(cql_encode_options(&b, &o) == CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    cql_buf_free(&b);
}

TEST(startup_body_is_a_string_map)
{
    cql_buf b = {0};
    cql_request_opts o = {.version = 4, .stream = 0};
    cql_str keys[] = {S("CQL_VERSION")}, values[] = {S("3.0.0")};
    const uint8_t want[] = {0x04, 0, 0, 0, 0x01, 0, 0, 0, 22,  /* header, 22-byte body */
                            0, 1, 0, 11, 'C', 'Q', 'L', '_', 'V', 'E', 'R', 'S', 'I', 'O', 'N',
                            0, 5, '3', '.', '0', '.', '0'};
    REQUIRE(cql_encode_startup(&b, &o, keys, values, 1) == CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    cql_buf_free(&b);
}

TEST(query_v4_has_byte_flags_and_v5_int_flags)
{
    cql_buf b = {0};
    cql_request_opts v4 = {.version = 4, .stream = 3};
    cql_query_params p = {.consistency = CQL_CONSISTENCY_ONE, .page_size = 5000};
    const uint8_t want4[] = {0x04, 0, 0, 3, 0x07, 0, 0, 0, 16,
                             0, 0, 0, 5, 'S', 'E', 'L', 'E', 'C',   /* [long string] */
                             0, 1,                                  /* ONE */
                             0x04,                                  /* Page_size */
                             0, 0, 0x13, 0x88};                     /* 5000 */
    REQUIRE(cql_encode_query(&b, &v4, S("SELEC"), &p) == CQL_OK);
    CHECK(bytes_are(&b, want4, sizeof want4));
    cql_buf_free(&b);

    cql_request_opts v5 = {.version = 5, .stream = 3};
    const uint8_t want5[] = {0x05, 0, 0, 3, 0x07, 0, 0, 0, 19, 0, 0, 0, 5, 'S', 'E', 'L', 'E', 'C',
                             0, 1, 0, 0, 0, 0x04, 0, 0, 0x13, 0x88};
    REQUIRE(cql_encode_query(&b, &v5, S("SELEC"), &p) == CQL_OK);
    CHECK(bytes_are(&b, want5, sizeof want5));
    cql_buf_free(&b);
}

TEST(query_with_every_parameter_in_spec_order)
{
    cql_buf b = {0};
    cql_request_opts o = {.version = 5, .stream = 9, .tracing = true};
    const uint8_t one[] = {0x2A};
    cql_value values[] = {{one, 1}, {NULL, CQL_NULL}, {NULL, CQL_UNSET}};
    cql_str names[] = {S("a"), S("b"), S("c")};
    const uint8_t state[] = {0xAB, 0xCD};
    cql_query_params p = {.consistency = CQL_CONSISTENCY_LOCAL_QUORUM,
                          .values = values,
                          .value_count = 3,
                          .value_names = names,
                          .skip_metadata = true,
                          .page_size = 100,
                          .paging_state = {state, 2},
                          .has_serial_consistency = true,
                          .serial_consistency = CQL_CONSISTENCY_LOCAL_SERIAL,
                          .has_timestamp = true,
                          .timestamp = 0x0102030405060708,
                          .keyspace = S("ks"),
                          .has_now_in_seconds = true,
                          .now_in_seconds = 77};
    const uint8_t want[] = {
        0x05, CQL_FLAG_TRACING, 0, 9, 0x07, 0, 0, 0, 63,
        0, 0, 0, 1, 'Q',                  /* query */
        0, 6,                             /* LOCAL_QUORUM */
        0, 0, 0x01, 0xFF,                 /* every flag 0x01..0x100 */
        0, 3,                             /* 3 values */
        0, 1, 'a', 0, 0, 0, 1, 0x2A,      /* a = 0x2A */
        0, 1, 'b', 0xFF, 0xFF, 0xFF, 0xFF, /* b = null */
        0, 1, 'c', 0xFF, 0xFF, 0xFF, 0xFE, /* c = unset */
        0, 0, 0, 100,                     /* page size */
        0, 0, 0, 2, 0xAB, 0xCD,           /* paging state */
        0, 9,                             /* LOCAL_SERIAL */
        1, 2, 3, 4, 5, 6, 7, 8,           /* timestamp */
        0, 2, 'k', 's',                   /* keyspace */
        0, 0, 0, 77};                     /* now_in_seconds */
    REQUIRE(cql_encode_query(&b, &o, S("Q"), &p) == CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    cql_buf_free(&b);
}

TEST(prepare_v5_carries_flags_and_keyspace_v4_does_not)
{
    cql_buf b = {0};
    cql_request_opts v5 = {.version = 5};
    const uint8_t want5[] = {0x05, 0, 0, 0, 0x09, 0, 0, 0, 13, 0, 0, 0, 1, 'Q', 0, 0, 0, 1, 0, 2, 'k', 's'};
    REQUIRE(cql_encode_prepare(&b, &v5, S("Q"), S("ks")) == CQL_OK);
    CHECK(bytes_are(&b, want5, sizeof want5));
    cql_buf_free(&b);
    cql_request_opts v4 = {.version = 4};
    const uint8_t want4[] = {0x04, 0, 0, 0, 0x09, 0, 0, 0, 5, 0, 0, 0, 1, 'Q'};
    REQUIRE(cql_encode_prepare(&b, &v4, S("Q"), (cql_str){NULL, 0}) == CQL_OK);
    CHECK(bytes_are(&b, want4, sizeof want4));
    CHECK_EQ_INT(cql_encode_prepare(&b, &v4, S("Q"), S("ks")), CQL_E_ARG);
    CHECK_EQ_INT(b.len, sizeof want4); /* the failed encode left nothing behind */
    cql_buf_free(&b);
}

TEST(execute_v5_sends_result_metadata_id)
{
    cql_buf b = {0};
    cql_request_opts v5 = {.version = 5, .stream = 2};
    cql_query_params p = {.consistency = CQL_CONSISTENCY_QUORUM};
    const uint8_t want[] = {0x05, 0, 0, 2, 0x0A, 0, 0, 0, 13, 0, 2, 0xAA, 0xBB, 0, 1, 0xCC,
                            0, 4, 0, 0, 0, 0};
    REQUIRE(cql_encode_execute(&b, &v5, (cql_str){"\xAA\xBB", 2}, (cql_str){"\xCC", 1}, &p) ==
            CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    CHECK_EQ_INT(cql_encode_execute(&b, &v5, (cql_str){"\xAA", 1}, (cql_str){NULL, 0}, &p),
                 CQL_E_ARG);
    cql_buf_free(&b);
}

TEST(batch_mixes_query_text_and_prepared_ids)
{
    cql_buf b = {0};
    cql_request_opts v4 = {.version = 4, .stream = 1};
    const uint8_t v[] = {0, 0, 0, 7};
    cql_value vals[] = {{v, 4}};
    cql_batch_entry entries[] = {{false, S("Q"), NULL, 0}, {true, (cql_str){"\x01", 1}, vals, 1}};
    cql_batch_params batch = {.type = CQL_BATCH_UNLOGGED,
                              .entries = entries,
                              .entry_count = 2,
                              .consistency = CQL_CONSISTENCY_ONE,
                              .has_timestamp = true,
                              .timestamp = 1};
    const uint8_t want[] = {0x04, 0, 0, 1, 0x0D, 0, 0, 0, 36,
                            1,                       /* unlogged */
                            0, 2,                    /* 2 statements */
                            0, 0, 0, 0, 1, 'Q', 0, 0, /* kind 0, query, no values */
                            1, 0, 1, 0x01, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7, /* kind 1, id, 1 value */
                            0, 1,                    /* ONE */
                            0x20,                    /* default timestamp */
                            0, 0, 0, 0, 0, 0, 0, 1};
    REQUIRE(cql_encode_batch(&b, &v4, &batch) == CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    cql_buf_free(&b);
}

TEST(register_and_auth_response_bodies)
{
    cql_buf b = {0};
    cql_request_opts o = {.version = 4};
    cql_str events[] = {S("UP")};
    const uint8_t want_reg[] = {0x04, 0, 0, 0, 0x0B, 0, 0, 0, 6, 0, 1, 0, 2, 'U', 'P'};
    REQUIRE(cql_encode_register(&b, &o, events, 1) == CQL_OK);
    CHECK(bytes_are(&b, want_reg, sizeof want_reg));
    cql_buf_free(&b);
    const uint8_t token[] = {0, 'u', 0, 'p'};
    const uint8_t want_auth[] = {0x04, 0, 0, 0, 0x0F, 0, 0, 0, 8, 0, 0, 0, 4, 0, 'u', 0, 'p'};
    REQUIRE(cql_encode_auth_response(&b, &o, (cql_value){token, 4}) == CQL_OK);
    CHECK(bytes_are(&b, want_auth, sizeof want_auth));
    cql_buf_free(&b);
}

TEST(custom_payload_follows_the_header_as_a_bytes_map)
{
    cql_buf b = {0};
    cql_str keys[] = {S("k")};
    cql_value values[] = {{(const uint8_t *)"v", 1}};
    cql_request_opts o = {.version = 4, .payload_keys = keys, .payload_values = values,
                          .payload_count = 1};
    const uint8_t want[] = {0x04, CQL_FLAG_CUSTOM_PAYLOAD, 0, 0, 0x09, 0, 0, 0, 15,
                            0, 1, 0, 1, 'k', 0, 0, 0, 1, 'v', 0, 0, 0, 1, 'Q'};
    REQUIRE(cql_encode_prepare(&b, &o, S("Q"), (cql_str){NULL, 0}) == CQL_OK);
    CHECK(bytes_are(&b, want, sizeof want));
    cql_buf_free(&b);
}

TEST(requests_coalesce_into_one_buffer)
{
    cql_buf b = {0};
    for (int16_t s = 0; s < 100; s++) {
        cql_request_opts o = {.version = 5, .stream = s};
        REQUIRE(cql_encode_options(&b, &o) == CQL_OK);
    }
    CHECK_EQ_INT(b.len, 100 * CQL_ENVELOPE_HEADER_SIZE);
    cql_envelope_header h;
    REQUIRE(cql_envelope_header_decode(b.data + 99 * 9, 9, 0, &h, NULL) == CQL_OK);
    CHECK_EQ_INT(h.stream, 99);
    cql_buf_free(&b);
}

TEST(invalid_arguments_are_refused_and_leave_the_buffer_unchanged)
{
    cql_buf b = {0};
    cql_request_opts v4 = {.version = 4}, v3 = {.version = 3}, neg = {.version = 4, .stream = -1};
    cql_query_params ks = {.keyspace = S("ks")};
    cql_query_params ts = {.has_timestamp = true, .timestamp = -5};
    cql_value bad[] = {{NULL, -3}};
    cql_query_params badv = {.values = bad, .value_count = 1};
    cql_query_params nullv = {.values = NULL, .value_count = 2};
    REQUIRE(cql_encode_options(&b, &v4) == CQL_OK);
    size_t before = b.len;
    CHECK_EQ_INT(cql_encode_options(&b, &v3), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_options(&b, &neg), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_options(NULL, &v4), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_options(&b, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_query(&b, &v4, S("Q"), &ks), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_query(&b, &v4, S("Q"), &ts), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_query(&b, &v4, S("Q"), &badv), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_query(&b, &v4, S("Q"), &nullv), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_query(&b, &v4, (cql_str){NULL, 5}, NULL), CQL_E_ARG);
    char *huge = calloc(70000, 1);
    REQUIRE(huge != NULL);
    cql_str long_key[] = {{huge, 70000}}, value[] = {S("v")};
    CHECK_EQ_INT(cql_encode_startup(&b, &v4, long_key, value, 1), CQL_E_ARG);
    free(huge);
    CHECK_EQ_INT(b.len, before);
    cql_buf_free(&b);
}

TEST(buffer_limit_gives_limit_and_rolls_back)
{
    cql_buf b = {.limit = 20};
    cql_request_opts o = {.version = 4};
    REQUIRE(cql_encode_options(&b, &o) == CQL_OK);
    CHECK_EQ_INT(cql_encode_query(&b, &o, S("SELECT * FROM t"), NULL), CQL_E_LIMIT);
    CHECK_EQ_INT(b.len, 9);
    CHECK_EQ_INT(cql_encode_options(&b, &o), CQL_OK); /* the buffer is usable after a failure */
    cql_buf_free(&b);
}

/* Found in review: a payload value with bytes but no pointer crashed the encoders. */
TEST(payload_value_without_bytes_is_an_argument_error)
{
    cql_buf b = {0};
    cql_str keys[] = {S("k")};
    cql_value values[] = {{NULL, 5}};
    cql_request_opts o = {.version = 4, .payload_keys = keys, .payload_values = values,
                          .payload_count = 1};
    CHECK_EQ_INT(cql_encode_query(&b, &o, S("Q"), NULL), CQL_E_ARG);
    CHECK_EQ_INT(b.len, 0);
    cql_buf_free(&b);
    cql_buf_free(NULL);
}

/* Found in review: a limit set below what the buffer already holds wrapped around. */
TEST(limit_below_the_current_length_refuses_more)
{
    cql_buf b = {0};
    cql_request_opts o = {.version = 4};
    for (int i = 0; i < 20; i++)
        REQUIRE(cql_encode_options(&b, &o) == CQL_OK);
    b.limit = 100; /* 180 bytes held */
    CHECK_EQ_INT(cql_encode_options(&b, &o), CQL_E_LIMIT);
    CHECK_EQ_INT(b.len, 180);
    cql_buf_free(&b);
}

int main(void)
{
    RUN(options_is_a_bare_header);
    RUN(startup_body_is_a_string_map);
    RUN(query_v4_has_byte_flags_and_v5_int_flags);
    RUN(query_with_every_parameter_in_spec_order);
    RUN(prepare_v5_carries_flags_and_keyspace_v4_does_not);
    RUN(execute_v5_sends_result_metadata_id);
    RUN(batch_mixes_query_text_and_prepared_ids);
    RUN(register_and_auth_response_bodies);
    RUN(custom_payload_follows_the_header_as_a_bytes_map);
    RUN(requests_coalesce_into_one_buffer);
    RUN(invalid_arguments_are_refused_and_leave_the_buffer_unchanged);
    RUN(buffer_limit_gives_limit_and_rolls_back);
    RUN(payload_value_without_bytes_is_an_argument_error);
    RUN(limit_below_the_current_length_refuses_more);
    return harness_done();
}
