/* The v4/v5 envelope header (v4 spec §2, v5 spec §2): byte vectors written from the spec. */
#include "cqlio.h"
#include "harness.h"

TEST(options_request_header_matches_spec_bytes)
{
    /* v4 OPTIONS on stream 0: version 0x04 (request), no flags, stream 0, opcode 0x05, length 0. */
    const uint8_t expected[9] = {0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00};
    cql_envelope_header h = {.version = 4, .opcode = CQL_OP_OPTIONS};
    uint8_t out[9];
    cql_envelope_header_encode(&h, out);
    CHECK(memcmp(out, expected, 9) == 0);
}

TEST(response_header_decodes_direction_stream_and_length)
{
    /* v5 response, tracing + warning flags, stream -2 (0xFFFE), RESULT, 0x01020304 bytes. */
    const uint8_t bytes[9] = {0x85, 0x0A, 0xFF, 0xFE, 0x08, 0x01, 0x02, 0x03, 0x04};
    cql_envelope_header h;
    cql_diag d;
    REQUIRE(cql_envelope_header_decode(bytes, 9, 0, &h, &d) == CQL_OK);
    CHECK_EQ_INT(h.version, 5);
    CHECK(h.response);
    CHECK_EQ_INT(h.flags, CQL_FLAG_TRACING | CQL_FLAG_WARNING);
    CHECK_EQ_INT(h.stream, -2);
    CHECK_EQ_INT(h.opcode, CQL_OP_RESULT);
    CHECK_EQ_INT(h.length, 0x01020304);
}

TEST(header_round_trips_for_every_version_and_stream_extreme)
{
    const int16_t streams[] = {0, 1, -1, 32767, -32768};
    for (uint8_t v = 3; v <= 5; v++) {
        for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
            cql_envelope_header in = {v, (i & 1) != 0, 0x1F, streams[i], CQL_OP_EXECUTE, 12345};
            cql_envelope_header out;
            uint8_t bytes[9];
            cql_envelope_header_encode(&in, bytes);
            REQUIRE(cql_envelope_header_decode(bytes, 9, 0, &out, NULL) == CQL_OK);
            CHECK(in.version == out.version && in.response == out.response &&
                  in.flags == out.flags && in.stream == out.stream && in.opcode == out.opcode &&
                  in.length == out.length);
        }
    }
}

TEST(short_header_is_truncated_at_the_missing_field)
{
    const uint8_t bytes[9] = {0x84, 0x00, 0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x10};
    for (size_t len = 0; len < 9; len++) {
        cql_envelope_header h;
        cql_diag d = {CQL_OK, 0, NULL};
        CHECK_EQ_INT(cql_envelope_header_decode(bytes, len, 0, &h, &d), CQL_E_TRUNCATED);
        CHECK_EQ_INT(d.rc, CQL_E_TRUNCATED);
        CHECK(d.what != NULL && strstr(d.what, "envelope header") != NULL);
        CHECK(d.offset <= len);
    }
}

TEST(unknown_protocol_version_is_a_protocol_error)
{
    const uint8_t v2[9] = {0x82, 0, 0, 0, 0x06, 0, 0, 0, 0};
    const uint8_t v6[9] = {0x86, 0, 0, 0, 0x06, 0, 0, 0, 0};
    cql_envelope_header h;
    CHECK_EQ_INT(cql_envelope_header_decode(v2, 9, 0, &h, NULL), CQL_E_PROTOCOL);
    CHECK_EQ_INT(cql_envelope_header_decode(v6, 9, 0, &h, NULL), CQL_E_PROTOCOL);
}

TEST(absurd_body_length_is_refused_before_any_allocation)
{
    /* 2 GiB announced: above the protocol's 256 MiB ceiling. */
    const uint8_t bytes[9] = {0x84, 0, 0, 0, 0x08, 0x80, 0x00, 0x00, 0x00};
    cql_envelope_header h;
    cql_diag d;
    CHECK_EQ_INT(cql_envelope_header_decode(bytes, 9, 0, &h, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 5);
    /* A caller's tighter limit holds too. */
    const uint8_t kb[9] = {0x84, 0, 0, 0, 0x08, 0x00, 0x00, 0x04, 0x01};
    CHECK_EQ_INT(cql_envelope_header_decode(kb, 9, 1024, &h, NULL), CQL_E_LIMIT);
    CHECK_EQ_INT(cql_envelope_header_decode(kb, 9, 1025, &h, NULL), CQL_OK);
}

TEST(diag_format_names_code_offset_and_field)
{
    cql_diag d = {CQL_E_TRUNCATED, 17, "string multimap: value"};
    char buf[128];
    cql_diag_format(&d, buf, sizeof buf);
    CHECK(strcmp(buf, "truncated at byte 17: string multimap: value") == 0);
    CHECK(strcmp(cql_version(), CQLIO_VERSION_STRING) == 0);
}

int main(void)
{
    RUN(options_request_header_matches_spec_bytes);
    RUN(response_header_decodes_direction_stream_and_length);
    RUN(header_round_trips_for_every_version_and_stream_extreme);
    RUN(short_header_is_truncated_at_the_missing_field);
    RUN(unknown_protocol_version_is_a_protocol_error);
    RUN(absurd_body_length_is_refused_before_any_allocation);
    RUN(diag_format_names_code_offset_and_field);
    return harness_done();
}
