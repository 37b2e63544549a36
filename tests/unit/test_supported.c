/* SUPPORTED bodies ([string multimap], v4 spec §3 and §4.2.4). */
#include "cqlio.h"
#include "harness.h"

/* {"COMPRESSION": ["lz4", "snappy"], "CQL_VERSION": ["3.4.7"]} as the spec encodes it. */
static const uint8_t two_options[] = {
    0x00, 0x02,                                                       /* 2 keys */
    0x00, 0x0B, 'C', 'O', 'M', 'P', 'R', 'E', 'S', 'S', 'I', 'O', 'N', /* key */
    0x00, 0x02,                                                       /* 2 values */
    0x00, 0x03, 'l', 'z', '4',                                        /* */
    0x00, 0x06, 's', 'n', 'a', 'p', 'p', 'y',                         /* */
    0x00, 0x0B, 'C', 'Q', 'L', '_', 'V', 'E', 'R', 'S', 'I', 'O', 'N', /* key */
    0x00, 0x01,                                                       /* 1 value */
    0x00, 0x05, '3', '.', '4', '.', '7',
};

TEST(two_option_map_decodes_keys_and_values)
{
    cql_supported *s = NULL;
    REQUIRE(cql_supported_decode(two_options, sizeof two_options, &s, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_supported_count(s), 2);
    CHECK_STR(cql_supported_key(s, 0), "COMPRESSION");
    CHECK_EQ_INT(cql_supported_value_count(s, 0), 2);
    CHECK_STR(cql_supported_value(s, 0, 0), "lz4");
    CHECK_STR(cql_supported_value(s, 0, 1), "snappy");
    CHECK_STR(cql_supported_key(s, 1), "CQL_VERSION");
    CHECK_STR(cql_supported_value(s, 1, 0), "3.4.7");
    CHECK(cql_supported_has(s, "COMPRESSION", "lz4"));
    CHECK(!cql_supported_has(s, "COMPRESSION", "zstd"));
    CHECK(!cql_supported_has(s, "PROTOCOL_VERSIONS", "5/v5"));
    cql_supported_free(s);
}

TEST(out_of_range_accessors_return_empty_not_garbage)
{
    CQL_SCOPED(cql_supported) s = NULL;
    REQUIRE(cql_supported_decode(two_options, sizeof two_options, &s, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_supported_key(s, 2).len, 0);
    CHECK_EQ_INT(cql_supported_value_count(s, 7), 0);
    CHECK_EQ_INT(cql_supported_value(s, 1, 1).len, 0);
    CHECK_EQ_INT(cql_supported_value(s, 9, 0).len, 0);
}

TEST(empty_map_is_valid)
{
    const uint8_t empty[] = {0x00, 0x00};
    CQL_SCOPED(cql_supported) s = NULL;
    REQUIRE(cql_supported_decode(empty, sizeof empty, &s, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_supported_count(s), 0);
}

TEST(every_truncation_fails_cleanly_with_an_offset_inside_the_buffer)
{
    for (size_t len = 0; len < sizeof two_options; len++) {
        cql_supported *s = (cql_supported *)&len; /* must be reset to NULL on failure */
        cql_diag d = {CQL_OK, 0, NULL};
        CHECK_EQ_INT(cql_supported_decode(two_options, len, &s, &d), CQL_E_TRUNCATED);
        CHECK(s == NULL);
        CHECK(d.offset <= len);
        CHECK(d.what != NULL && strstr(d.what, "string multimap") != NULL);
    }
}

TEST(huge_announced_counts_in_a_tiny_buffer_are_truncation_not_allocation)
{
    const uint8_t hostile[] = {0xFF, 0xFF, 0x00, 0x01, 'K', 0xFF, 0xFF, 0xFF, 0xFF};
    cql_supported *s = NULL;
    cql_diag d;
    CHECK_EQ_INT(cql_supported_decode(hostile, sizeof hostile, &s, &d), CQL_E_TRUNCATED);
    CHECK(s == NULL);
    CHECK_EQ_INT(d.offset, 7); /* the value string whose length runs past the end */
}

TEST(trailing_bytes_are_malformed)
{
    const uint8_t trailing[] = {0x00, 0x00, 0x42};
    cql_supported *s = NULL;
    cql_diag d;
    CHECK_EQ_INT(cql_supported_decode(trailing, sizeof trailing, &s, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 2);
    CHECK(s == NULL);
}

TEST(null_arguments_are_refused)
{
    cql_supported *s = (cql_supported *)&s; /* found in review: must come back NULL */
    CHECK_EQ_INT(cql_supported_decode(NULL, 4, &s, NULL), CQL_E_ARG);
    CHECK(s == NULL);
    CHECK_EQ_INT(cql_supported_decode(two_options, sizeof two_options, NULL, NULL), CQL_E_ARG);
    CHECK(!cql_supported_has(NULL, "a", "b"));
    CHECK_EQ_INT(cql_supported_count(NULL), 0);
    cql_supported_free(NULL);
}

int main(void)
{
    RUN(two_option_map_decodes_keys_and_values);
    RUN(out_of_range_accessors_return_empty_not_garbage);
    RUN(empty_map_is_valid);
    RUN(every_truncation_fails_cleanly_with_an_offset_inside_the_buffer);
    RUN(huge_announced_counts_in_a_tiny_buffer_are_truncation_not_allocation);
    RUN(trailing_bytes_are_malformed);
    RUN(null_arguments_are_refused);
    return harness_done();
}
