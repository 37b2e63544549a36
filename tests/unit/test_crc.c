/*
 * CRC24 and CRC32 of v5 framing (v5 spec §2.1, §2.2).
 *
 * The fixed vectors were computed independently of this code by a tiny Python script that
 * implements the spec's definition bit by bit:
 *
 *   def crc24(data, crc=0x875060):
 *       for b in data:
 *           crc ^= b << 16
 *           for _ in range(8):
 *               crc <<= 1
 *               if crc & 0x1000000: crc ^= 0x1974F0B
 *       return crc & 0xFFFFFF
 *
 * and, for CRC32, by Python's zlib.crc32 (the IEEE CRC-32 the spec's trailer uses), the v5
 * trailer being zlib.crc32(payload, zlib.crc32(b"\xfa\x2d\x55\xca")): Cassandra starts the
 * CRC32 as if those four bytes preceded the payload. The same vectors are checked against
 * bit-by-bit C versions of both definitions below, over many lengths and alignments.
 */
#include "harness.h"
#include "testdata.h"
#include "proto/crc.h"

#include <stdint.h>

/* The spec's CRC24, one bit at a time: the reference the table version must match. */
static uint32_t crc24_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 16;
        for (int b = 0; b < 8; b++) {
            crc <<= 1;
            if (crc & 0x1000000u)
                crc ^= 0x1974F0Bu;
        }
    }
    return crc & 0xFFFFFFu;
}

/* IEEE CRC-32 (reflected 0xEDB88320, inverted in and out), one bit at a time. */
static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void fill_pattern(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + 7);
}

TEST(crc24_matches_spec_vectors)
{
    static const uint8_t check[] = "123456789";
    static const uint8_t zeros[3] = {0, 0, 0};
    static const uint8_t ones[3] = {0xFF, 0xFF, 0xFF};
    uint8_t pat[1000];
    fill_pattern(pat, sizeof pat);
    CHECK_EQ_INT(cql_crc24_v5(NULL, 0), 0x875060);
    CHECK_EQ_INT(cql_crc24_v5(check, 9), 0x4B3F02);
    CHECK_EQ_INT(cql_crc24_v5(zeros, 3), 0x7DE777);
    CHECK_EQ_INT(cql_crc24_v5(ones, 3), 0x7A86FF);
    CHECK_EQ_INT(cql_crc24_v5(pat, 5), 0xC4C571);
    CHECK_EQ_INT(cql_crc24_v5(pat, sizeof pat), 0x4D2124);
}

TEST(crc24_of_a_frame_header_matches_the_python_vector)
{
    /* Uncompressed header: payload length 9, self-contained (bit 17), little-endian. */
    static const uint8_t plain[3] = {0x09, 0x00, 0x02};
    /* LZ4 header: compressed length 9, uncompressed 0, self-contained (bit 34). */
    static const uint8_t lz4[5] = {0x09, 0x00, 0x00, 0x00, 0x04};
    CHECK_EQ_INT(cql_crc24_v5(plain, 3), 0xC1C8A4);
    CHECK_EQ_INT(cql_crc24_v5(lz4, 5), 0x95B8C2);
}

TEST(crc24_table_matches_bitwise_definition_for_every_byte_and_chaining)
{
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        CHECK_EQ_INT(cql_crc24(CQL_CRC24_INIT, &byte, 1), crc24_bitwise(0x875060u, &byte, 1));
        CHECK_EQ_INT(cql_crc24(0, &byte, 1), crc24_bitwise(0, &byte, 1));
    }
    uint8_t buf[64];
    uint32_t state = 0x12345678u;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)next_random(&state);
    for (size_t n = 0; n <= sizeof buf; n++)
        for (size_t cut = 0; cut <= n; cut += 7) {
            uint32_t whole = cql_crc24_v5(buf, n);
            CHECK_EQ_INT(whole, crc24_bitwise(0x875060u, buf, n));
            CHECK_EQ_INT(cql_crc24(cql_crc24_v5(buf, cut), buf + cut, n - cut), whole);
        }
}

TEST(crc32_matches_zlib_vectors)
{
    static const uint8_t check[] = "123456789";
    static const uint8_t salt[4] = {0xFA, 0x2D, 0x55, 0xCA};
    uint8_t pat[1000];
    fill_pattern(pat, sizeof pat);
    CHECK_EQ_INT(cql_crc32(0, NULL, 0), 0);
    CHECK_EQ_INT(cql_crc32(0, check, 9), 0xCBF43926u);            /* zlib.crc32(b"123456789") */
    CHECK_EQ_INT(cql_crc32(0, pat, sizeof pat), 0x8902161Eu);
    CHECK_EQ_INT(cql_crc32(0, salt, 4), CQL_CRC32_V5_INIT);         /* 0x44777ED3 */
    CHECK_EQ_INT(cql_crc32_v5(NULL, 0), 0x44777ED3u);
    CHECK_EQ_INT(cql_crc32_v5(check, 9), 0xE2A261A7u);
    CHECK_EQ_INT(cql_crc32_v5(pat, sizeof pat), 0xEE326E37u);
}

TEST(crc32_v5_equals_crc32_of_the_salt_followed_by_the_payload)
{
    uint8_t buf[4 + 300] = {0xFA, 0x2D, 0x55, 0xCA};
    fill_pattern(buf + 4, 300);
    for (size_t n = 0; n <= 300; n += 13)
        CHECK_EQ_INT(cql_crc32_v5(buf + 4, n), cql_crc32(0, buf, 4 + n));
}

TEST(crc32_slicing_matches_bitwise_definition_at_every_length_alignment_and_cut)
{
    uint8_t buf[200];
    uint32_t state = 0xC0FFEEu;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)next_random(&state);
    for (size_t align = 0; align < 8; align++) {
        for (size_t n = 0; n + align <= sizeof buf; n++) {
            const uint8_t *p = buf + align;
            uint32_t whole = cql_crc32(0, p, n);
            CHECK_EQ_INT(whole, crc32_bitwise(0, p, n));
            size_t cut = n / 3;
            CHECK_EQ_INT(cql_crc32(cql_crc32(0, p, cut), p + cut, n - cut), whole);
        }
    }
}

int main(void)
{
    RUN(crc24_matches_spec_vectors);
    RUN(crc24_of_a_frame_header_matches_the_python_vector);
    RUN(crc24_table_matches_bitwise_definition_for_every_byte_and_chaining);
    RUN(crc32_matches_zlib_vectors);
    RUN(crc32_v5_equals_crc32_of_the_salt_followed_by_the_payload);
    RUN(crc32_slicing_matches_bitwise_definition_at_every_length_alignment_and_cut);
    return harness_done();
}
