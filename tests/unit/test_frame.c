/*
 * v5 frames (v5 spec §2.1-§2.3) and v4 LZ4 bodies (v4 spec §5). Byte vectors come from the
 * Python definitions documented in test_crc.c; the rest are round trips and corruptions.
 */
#include "harness.h"
#include "testdata.h"
#include "proto/crc.h"
#include "proto/frame.h"

#include <stdlib.h>

/* Appends one envelope (9-byte header + body) to b. */
static void put_envelope(cql_buf *b, int16_t stream, uint8_t opcode, const uint8_t *body,
                         uint32_t len)
{
    cql_envelope_header h = {5, false, 0, stream, opcode, len};
    uint8_t head[CQL_ENVELOPE_HEADER_SIZE];
    cql_envelope_header_encode(&h, head);
    cql_buf_put(b, head, sizeof head);
    if (len > 0)
        cql_buf_put(b, body, len);
}

/* Decodes every frame of buf[0..len) in order, appending payloads to `payloads` and each
 * frame's self-contained flag to flags[]; returns the number of frames, or -1 on error. */
static int decode_all(const uint8_t *buf, size_t len, bool lz4, cql_buf *payloads, bool *flags,
                      int max_frames)
{
    static uint8_t scratch[CQL_FRAME_MAX_PAYLOAD];
    int count = 0;
    size_t off = 0;
    while (off < len) {
        cql_frame_header h;
        const uint8_t *p;
        size_t n;
        if (count == max_frames || cql_frame_header_decode(buf + off, len - off, lz4, &h, NULL))
            return -1;
        if (cql_frame_payload(buf + off, len - off, lz4, &h, scratch, &p, &n, NULL) != CQL_OK)
            return -1;
        cql_buf_put(payloads, p, n);
        flags[count++] = h.self_contained;
        off += cql_frame_size(&h, lz4);
    }
    return count;
}

TEST(options_envelope_in_an_uncompressed_frame_matches_spec_bytes)
{
    /* v5 OPTIONS request on stream 1 in one self-contained frame: header 09 00 02 (length 9,
     * bit 17 set) + CRC24 A4 C8 C1, the envelope, then the CRC32 trailer, all little-endian. */
    static const uint8_t expected[] = {0x09, 0x00, 0x02, 0xA4, 0xC8, 0xC1, 0x05, 0x00,
                                       0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0xB5,
                                       0x55, 0x74, 0x86};
    cql_buf env = {0}, out = {0};
    put_envelope(&env, 1, CQL_OP_OPTIONS, NULL, 0);
    REQUIRE(cql_frames_encode(&out, env.data, env.len, false) == CQL_OK);
    CHECK_EQ_INT(out.len, sizeof expected);
    CHECK(out.len == sizeof expected && memcmp(out.data, expected, sizeof expected) == 0);
    cql_buf_free(&env);
    cql_buf_free(&out);
}

TEST(tiny_payload_in_an_lz4_frame_goes_uncompressed_with_uncompressed_length_zero)
{
    /* 9 bytes do not shrink under LZ4: compressed length 9, uncompressed length 0, bit 34. */
    static const uint8_t expected[] = {0x09, 0x00, 0x00, 0x00, 0x04, 0xC2, 0xB8, 0x95,
                                       0x05, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00,
                                       0x00, 0xB5, 0x55, 0x74, 0x86};
    cql_buf env = {0}, out = {0};
    put_envelope(&env, 1, CQL_OP_OPTIONS, NULL, 0);
    REQUIRE(cql_frames_encode(&out, env.data, env.len, true) == CQL_OK);
    CHECK(out.len == sizeof expected && memcmp(out.data, expected, sizeof expected) == 0);
    cql_buf_free(&env);
    cql_buf_free(&out);
}

TEST(frame_header_round_trips_in_both_formats)
{
    const uint32_t lens[] = {0, 1, 9, 0x10000, CQL_FRAME_MAX_PAYLOAD};
    for (int lz4 = 0; lz4 < 2; lz4++)
        for (size_t i = 0; i < 5; i++)
            for (size_t j = 0; j < 5; j++)
                for (int sc = 0; sc < 2; sc++) {
                    cql_frame_header in = {lens[i], lz4 ? lens[j] : 0, sc != 0}, out;
                    uint8_t bytes[8];
                    cql_frame_header_encode(&in, lz4 != 0, bytes);
                    REQUIRE(cql_frame_header_decode(bytes, cql_frame_header_size(lz4 != 0),
                                                    lz4 != 0, &out, NULL) == CQL_OK);
                    CHECK(out.payload_len == in.payload_len &&
                          out.uncompressed_len == in.uncompressed_len &&
                          out.self_contained == in.self_contained);
                }
}

TEST(every_single_bit_flip_in_a_header_is_a_crc24_mismatch)
{
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_frame_header h = {1234, lz4 ? 5678u : 0u, true}, out;
        size_t size = cql_frame_header_size(lz4 != 0);
        uint8_t good[8];
        cql_frame_header_encode(&h, lz4 != 0, good);
        for (size_t bit = 0; bit < size * 8; bit++) {
            uint8_t bad[8];
            memcpy(bad, good, sizeof bad);
            bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            cql_diag d = {CQL_OK, 0, NULL};
            CHECK_EQ_INT(cql_frame_header_decode(bad, size, lz4 != 0, &out, &d), CQL_E_MALFORMED);
            CHECK_EQ_INT(d.offset, size - 3);
            CHECK(d.what != NULL && strstr(d.what, "CRC24") != NULL);
        }
    }
}

TEST(padding_bits_are_ignored_when_the_crc24_covers_them)
{
    /* Uncompressed: 6 padding bits above bit 17; LZ4: 5 above bit 34. */
    uint8_t plain[8] = {0x09, 0x00, 0x02 | 0xFC};
    uint8_t lz4[8] = {0x09, 0x00, 0x00, 0x00, 0x04 | 0xF8};
    uint32_t c = cql_crc24_v5(plain, 3);
    plain[3] = (uint8_t)c, plain[4] = (uint8_t)(c >> 8), plain[5] = (uint8_t)(c >> 16);
    c = cql_crc24_v5(lz4, 5);
    lz4[5] = (uint8_t)c, lz4[6] = (uint8_t)(c >> 8), lz4[7] = (uint8_t)(c >> 16);
    cql_frame_header h;
    REQUIRE(cql_frame_header_decode(plain, 6, false, &h, NULL) == CQL_OK);
    CHECK(h.payload_len == 9 && h.self_contained);
    REQUIRE(cql_frame_header_decode(lz4, 8, true, &h, NULL) == CQL_OK);
    CHECK(h.payload_len == 9 && h.uncompressed_len == 0 && h.self_contained);
}

TEST(short_header_or_frame_is_truncated)
{
    uint8_t payload[100];
    fill_random(payload, sizeof payload, 7);
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf out = {0};
        REQUIRE(cql_frame_encode(&out, payload, sizeof payload, true, lz4 != 0) == CQL_OK);
        cql_frame_header h;
        for (size_t n = 0; n < cql_frame_header_size(lz4 != 0); n++)
            CHECK_EQ_INT(cql_frame_header_decode(out.data, n, lz4 != 0, &h, NULL),
                         CQL_E_TRUNCATED);
        REQUIRE(cql_frame_header_decode(out.data, out.len, lz4 != 0, &h, NULL) == CQL_OK);
        CHECK_EQ_INT(cql_frame_size(&h, lz4 != 0), out.len);
        const uint8_t *p;
        size_t n;
        cql_diag d;
        CHECK_EQ_INT(cql_frame_payload(out.data, out.len - 1, lz4 != 0, &h, NULL, &p, &n, &d),
                     CQL_E_TRUNCATED);
        cql_buf_free(&out);
    }
}

TEST(corrupted_payload_is_a_crc32_mismatch_at_the_trailer)
{
    uint8_t payload[300];
    static uint8_t scratch[CQL_FRAME_MAX_PAYLOAD];
    fill_text(payload, sizeof payload);
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf out = {0};
        REQUIRE(cql_frame_encode(&out, payload, sizeof payload, true, lz4 != 0) == CQL_OK);
        cql_frame_header h;
        REQUIRE(cql_frame_header_decode(out.data, out.len, lz4 != 0, &h, NULL) == CQL_OK);
        size_t head = cql_frame_header_size(lz4 != 0);
        for (size_t i = head; i < out.len; i++) {
            const uint8_t *p;
            size_t n;
            cql_diag d = {CQL_OK, 0, NULL};
            out.data[i] ^= 0x20;
            CHECK_EQ_INT(cql_frame_payload(out.data, out.len, lz4 != 0, &h, scratch, &p, &n, &d),
                         CQL_E_MALFORMED);
            CHECK_EQ_INT(d.offset, out.len - 4);
            CHECK(d.what != NULL && strstr(d.what, "CRC32") != NULL);
            out.data[i] ^= 0x20;
        }
        cql_buf_free(&out);
    }
}

TEST(compressible_payload_round_trips_through_an_lz4_frame_smaller_than_it)
{
    static uint8_t payload[CQL_FRAME_MAX_PAYLOAD];
    static uint8_t scratch[CQL_FRAME_MAX_PAYLOAD];
    fill_text(payload, sizeof payload);
    const size_t sizes[] = {1, 100, 5000, CQL_FRAME_MAX_PAYLOAD};
    for (size_t i = 0; i < 4; i++) {
        cql_buf out = {0};
        REQUIRE(cql_frame_encode(&out, payload, sizes[i], false, true) == CQL_OK);
        cql_frame_header h;
        const uint8_t *p;
        size_t n;
        REQUIRE(cql_frame_header_decode(out.data, out.len, true, &h, NULL) == CQL_OK);
        CHECK(!h.self_contained);
        if (sizes[i] >= 100) {
            CHECK_EQ_INT(h.uncompressed_len, sizes[i]);
            CHECK(h.payload_len < sizes[i]);
        }
        REQUIRE(cql_frame_payload(out.data, out.len, true, &h, scratch, &p, &n, NULL) == CQL_OK);
        CHECK(n == sizes[i] && memcmp(p, payload, n) == 0);
        cql_buf_free(&out);
    }
}

TEST(incompressible_payload_is_sent_as_is_with_uncompressed_length_zero)
{
    static uint8_t payload[CQL_FRAME_MAX_PAYLOAD];
    fill_random(payload, sizeof payload, 99);
    cql_buf out = {0};
    REQUIRE(cql_frame_encode(&out, payload, sizeof payload, true, true) == CQL_OK);
    cql_frame_header h;
    const uint8_t *p;
    size_t n;
    REQUIRE(cql_frame_header_decode(out.data, out.len, true, &h, NULL) == CQL_OK);
    CHECK_EQ_INT(h.uncompressed_len, 0);
    CHECK_EQ_INT(h.payload_len, sizeof payload);
    CHECK(memcmp(out.data + CQL_FRAME_LZ4_HEADER_SIZE, payload, sizeof payload) == 0);
    /* No scratch needed: the payload is read in place. */
    REQUIRE(cql_frame_payload(out.data, out.len, true, &h, NULL, &p, &n, NULL) == CQL_OK);
    CHECK(p == out.data + CQL_FRAME_LZ4_HEADER_SIZE && n == sizeof payload);
    cql_buf_free(&out);
}

TEST(lz4_payload_that_does_not_decompress_to_its_length_is_malformed)
{
    static uint8_t scratch[CQL_FRAME_MAX_PAYLOAD];
    uint8_t payload[2000];
    fill_text(payload, sizeof payload);
    cql_buf out = {0};
    REQUIRE(cql_frame_encode(&out, payload, sizeof payload, true, true) == CQL_OK);
    cql_frame_header h;
    REQUIRE(cql_frame_header_decode(out.data, out.len, true, &h, NULL) == CQL_OK);
    REQUIRE(h.uncompressed_len == sizeof payload);
    /* Re-announce a different uncompressed length, with a valid CRC24: the CRC32 still
     * matches, so only decompression can catch it. */
    const uint32_t lies[] = {1, sizeof payload - 1, sizeof payload + 1, CQL_FRAME_MAX_PAYLOAD};
    for (size_t i = 0; i < 4; i++) {
        cql_frame_header lie = h;
        lie.uncompressed_len = lies[i];
        cql_frame_header_encode(&lie, true, out.data);
        const uint8_t *p;
        size_t n;
        cql_diag d = {CQL_OK, 0, NULL};
        REQUIRE(cql_frame_header_decode(out.data, out.len, true, &lie, NULL) == CQL_OK);
        CHECK_EQ_INT(cql_frame_payload(out.data, out.len, true, &lie, scratch, &p, &n, &d),
                     CQL_E_MALFORMED);
        CHECK_EQ_INT(d.offset, CQL_FRAME_LZ4_HEADER_SIZE);
    }
    cql_buf_free(&out);
}

TEST(payload_above_the_maximum_is_refused_by_the_single_frame_encoder)
{
    static uint8_t payload[CQL_FRAME_MAX_PAYLOAD + 1];
    cql_buf out = {0};
    CHECK_EQ_INT(cql_frame_encode(&out, payload, sizeof payload, true, false), CQL_E_ARG);
    CHECK_EQ_INT(out.len, 0);
    cql_buf_free(&out);
}

TEST(several_envelopes_share_one_self_contained_frame)
{
    uint8_t body[1000];
    fill_text(body, sizeof body);
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf env = {0}, out = {0}, back = {0};
        for (int16_t s = 0; s < 10; s++)
            put_envelope(&env, s, CQL_OP_QUERY, body, (uint32_t)(s * 100));
        REQUIRE(cql_frames_encode(&out, env.data, env.len, lz4 != 0) == CQL_OK);
        bool flags[4];
        CHECK_EQ_INT(decode_all(out.data, out.len, lz4 != 0, &back, flags, 4), 1);
        CHECK(flags[0]);
        CHECK(back.len == env.len && memcmp(back.data, env.data, env.len) == 0);
        cql_buf_free(&env);
        cql_buf_free(&out);
        cql_buf_free(&back);
    }
}

TEST(envelopes_are_packed_greedily_and_never_straddle_self_contained_frames)
{
    /* Three envelopes of 50000 bytes: two fit in 131071, the third starts a new frame;
     * then one of exactly the maximum gets a frame to itself. */
    static uint8_t body[CQL_FRAME_MAX_PAYLOAD];
    fill_random(body, sizeof body, 3);
    cql_buf env = {0}, out = {0}, back = {0};
    for (int16_t s = 0; s < 3; s++)
        put_envelope(&env, s, CQL_OP_QUERY, body, 50000 - CQL_ENVELOPE_HEADER_SIZE);
    put_envelope(&env, 3, CQL_OP_QUERY, body, CQL_FRAME_MAX_PAYLOAD - CQL_ENVELOPE_HEADER_SIZE);
    REQUIRE(cql_frames_encode(&out, env.data, env.len, false) == CQL_OK);
    bool flags[8];
    REQUIRE(decode_all(out.data, out.len, false, &back, flags, 8) == 3);
    CHECK(flags[0] && flags[1] && flags[2]);
    cql_frame_header h;
    REQUIRE(cql_frame_header_decode(out.data, out.len, false, &h, NULL) == CQL_OK);
    CHECK_EQ_INT(h.payload_len, 100000);
    CHECK(back.len == env.len && memcmp(back.data, env.data, env.len) == 0);
    cql_buf_free(&env);
    cql_buf_free(&out);
    cql_buf_free(&back);
}

TEST(envelope_above_the_maximum_is_split_over_non_self_contained_frames)
{
    /* small, 300 KiB, small: the big one takes frames of 131071, 131071 and the rest, and
     * the small ones around it get self-contained frames of their own. */
    const size_t big = 300 * 1024;
    uint8_t *body = malloc(big);
    REQUIRE(body != NULL);
    for (int lz4 = 0; lz4 < 2; lz4++) {
        if (lz4)
            fill_text(body, big);
        else
            fill_random(body, big, 11);
        cql_buf env = {0}, out = {0}, back = {0};
        put_envelope(&env, 1, CQL_OP_QUERY, body, 10);
        put_envelope(&env, 2, CQL_OP_QUERY, body, (uint32_t)big);
        put_envelope(&env, 3, CQL_OP_QUERY, body, 20);
        REQUIRE(cql_frames_encode(&out, env.data, env.len, lz4 != 0) == CQL_OK);
        bool flags[8];
        REQUIRE(decode_all(out.data, out.len, lz4 != 0, &back, flags, 8) == 5);
        CHECK(flags[0] && !flags[1] && !flags[2] && !flags[3] && flags[4]);
        CHECK(back.len == env.len && memcmp(back.data, env.data, env.len) == 0);
        if (!lz4) {
            cql_frame_header h;
            size_t off = cql_frame_size(&(cql_frame_header){19, 0, true}, false);
            REQUIRE(cql_frame_header_decode(out.data + off, out.len - off, false, &h, NULL) == 0);
            CHECK_EQ_INT(h.payload_len, CQL_FRAME_MAX_PAYLOAD);
        } else {
            CHECK(out.len < env.len / 10);
        }
        cql_buf_free(&env);
        cql_buf_free(&out);
        cql_buf_free(&back);
    }
    free(body);
}

TEST(envelope_one_byte_above_the_maximum_splits_into_two_frames)
{
    static uint8_t body[CQL_FRAME_MAX_PAYLOAD];
    fill_random(body, sizeof body, 5);
    cql_buf env = {0}, out = {0}, back = {0};
    put_envelope(&env, 0, CQL_OP_RESULT, body,
                 CQL_FRAME_MAX_PAYLOAD + 1 - CQL_ENVELOPE_HEADER_SIZE);
    REQUIRE(cql_frames_encode(&out, env.data, env.len, true) == CQL_OK);
    bool flags[4];
    REQUIRE(decode_all(out.data, out.len, true, &back, flags, 4) == 2);
    CHECK(!flags[0] && !flags[1]);
    CHECK(back.len == env.len && memcmp(back.data, env.data, env.len) == 0);
    cql_buf_free(&env);
    cql_buf_free(&out);
    cql_buf_free(&back);
}

TEST(frames_encoder_appends_nothing_for_bad_or_truncated_envelopes)
{
    uint8_t body[50] = {0};
    cql_buf env = {0}, out = {0};
    put_envelope(&env, 1, CQL_OP_QUERY, body, sizeof body);
    cql_buf_put_u8(&out, 0xAB); /* something already there stays */
    CHECK_EQ_INT(cql_frames_encode(&out, env.data, env.len - 1, false), CQL_E_TRUNCATED);
    CHECK_EQ_INT(cql_frames_encode(&out, env.data, 5, false), CQL_E_TRUNCATED);
    CHECK_EQ_INT(out.len, 1);
    /* A good envelope then a bad version: the good one's frame is not left behind either. */
    put_envelope(&env, 2, CQL_OP_QUERY, body, 0);
    env.data[env.len - CQL_ENVELOPE_HEADER_SIZE] = 0x02;
    CHECK_EQ_INT(cql_frames_encode(&out, env.data, env.len, true), CQL_E_PROTOCOL);
    CHECK_EQ_INT(out.len, 1);
    CHECK_EQ_INT(cql_frames_encode(&out, NULL, 0, false), CQL_OK);
    CHECK_EQ_INT(out.len, 1);
    cql_buf_free(&env);
    cql_buf_free(&out);
}

TEST(output_buffer_that_cannot_grow_is_left_as_it_was)
{
    uint8_t text[3000];
    fill_text(text, sizeof text);
    cql_buf env = {0};
    put_envelope(&env, 1, CQL_OP_QUERY, text, sizeof text);
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf out = {0};
        out.limit = 100;
        cql_buf_put(&out, "abc", 3);
        CHECK_EQ_INT(cql_frame_encode(&out, text, sizeof text, true, lz4 != 0), CQL_E_LIMIT);
        CHECK(out.len == 3 && out.failed == CQL_OK);
        CHECK_EQ_INT(cql_frames_encode(&out, env.data, env.len, lz4 != 0), CQL_E_LIMIT);
        CHECK(out.len == 3 && out.failed == CQL_OK);
        CHECK_EQ_INT(cql_body_lz4_compress(&out, text, sizeof text), CQL_E_LIMIT);
        CHECK(out.len == 3 && out.failed == CQL_OK);
        /* and it still works for what fits */
        CHECK_EQ_INT(cql_frame_encode(&out, text, 10, true, lz4 != 0), CQL_OK);
        CHECK_EQ_INT(out.len, 3 + cql_frame_header_size(lz4 != 0) + 10 + 4);
        cql_buf_free(&out);
    }
    cql_buf_free(&env);
}

TEST(v4_body_lz4_round_trips_with_a_big_endian_length_prefix)
{
    const size_t sizes[] = {0, 1, 100, 70000};
    static uint8_t body[70000];
    static uint8_t back[70000];
    for (int kind = 0; kind < 2; kind++) {
        if (kind)
            fill_random(body, sizeof body, 42);
        else
            fill_text(body, sizeof body);
        for (size_t i = 0; i < 4; i++) {
            cql_buf out = {0};
            uint32_t size = 12345;
            REQUIRE(cql_body_lz4_compress(&out, sizes[i] ? body : NULL, sizes[i]) == CQL_OK);
            REQUIRE(out.len >= 4);
            CHECK_EQ_INT(out.data[0] << 24 | out.data[1] << 16 | out.data[2] << 8 | out.data[3],
                         sizes[i]);
            REQUIRE(cql_body_lz4_size(out.data, out.len, 0, &size, NULL) == CQL_OK);
            CHECK_EQ_INT(size, sizes[i]);
            REQUIRE(cql_body_lz4_decompress(out.data, out.len, back, size, NULL) == CQL_OK);
            CHECK(memcmp(back, body, sizes[i]) == 0);
            if (!kind && sizes[i] == 70000)
                CHECK(out.len < 5000);
            cql_buf_free(&out);
        }
    }
}

TEST(v4_body_lz4_length_is_vetted_before_any_allocation)
{
    uint8_t tiny[8] = {0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}; /* claims 256 MiB */
    uint32_t size = 0;
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(cql_body_lz4_size(tiny, 3, 0, &size, &d), CQL_E_TRUNCATED);
    CHECK_EQ_INT(cql_body_lz4_size(tiny, sizeof tiny, 0, &size, &d), CQL_E_MALFORMED);
    CHECK(d.what != NULL && strstr(d.what, "LZ4") != NULL);
    /* Above the caller's limit. */
    uint8_t kb[2000] = {0x00, 0x00, 0x04, 0x01};
    CHECK_EQ_INT(cql_body_lz4_size(kb, sizeof kb, 1024, &size, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 0);
    CHECK_EQ_INT(cql_body_lz4_size(kb, sizeof kb, 1025, &size, NULL), CQL_OK);
    /* Above the protocol's own ceiling, whatever the caller says. */
    uint8_t huge[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    CHECK_EQ_INT(cql_body_lz4_size(huge, 4, 0, &size, NULL), CQL_E_LIMIT);
}

TEST(v4_body_with_corrupted_or_trailing_lz4_data_is_malformed)
{
    uint8_t body[5000], back[5100]; /* room past 5000: a lying prefix asks for more */
    fill_text(body, sizeof body);
    cql_buf out = {0};
    REQUIRE(cql_body_lz4_compress(&out, body, sizeof body) == CQL_OK);
    cql_diag d = {CQL_OK, 0, NULL};
    /* Cut short. */
    CHECK_EQ_INT(cql_body_lz4_decompress(out.data, out.len - 1, back, sizeof body, &d),
                 CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 4);
    /* Trailing garbage after a complete block. */
    cql_buf_put_u8(&out, 0x00);
    CHECK_EQ_INT(cql_body_lz4_decompress(out.data, out.len, back, sizeof body, NULL),
                 CQL_E_MALFORMED);
    out.len--;
    /* The prefix promising more than the block holds. */
    out.data[3] = (uint8_t)(out.data[3] + 1);
    CHECK_EQ_INT(cql_body_lz4_decompress(out.data, out.len, back, sizeof body + 1, NULL),
                 CQL_E_MALFORMED);
    cql_buf_free(&out);
}

TEST(v4_body_of_only_a_zero_length_prefix_is_empty)
{
    const uint8_t prefix[4] = {0, 0, 0, 0};
    uint32_t size = 99;
    REQUIRE(cql_body_lz4_size(prefix, 4, 0, &size, NULL) == CQL_OK);
    CHECK_EQ_INT(size, 0);
    CHECK_EQ_INT(cql_body_lz4_decompress(prefix, 4, NULL, 0, NULL), CQL_OK);
}

TEST(caller_errors_are_arg_errors_not_crashes)
{
    uint8_t buf[64] = {0};
    cql_frame_header h = {10, 20, true};
    const uint8_t *p;
    size_t n;
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(cql_frame_header_decode(NULL, 8, false, &h, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_frame_header_decode(buf, 8, false, NULL, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_frame_payload(buf, sizeof buf, true, &h, NULL, &p, &n, &d), CQL_E_ARG);
    h.payload_len = CQL_FRAME_MAX_PAYLOAD + 1;
    CHECK_EQ_INT(cql_frame_payload(buf, sizeof buf, false, &h, NULL, &p, &n, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_frame_encode(NULL, buf, 1, true, false), CQL_E_ARG);
    CHECK_EQ_INT(cql_frames_encode(NULL, buf, 1, false), CQL_E_ARG);
    CHECK_EQ_INT(cql_body_lz4_compress(NULL, buf, 1), CQL_E_ARG);
    uint32_t size;
    CHECK_EQ_INT(cql_body_lz4_size(NULL, 4, 0, &size, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_body_lz4_decompress(buf, 8, NULL, 5, &d), CQL_E_ARG);
    /* The size must be the one the prefix announced. */
    buf[3] = 3;
    CHECK_EQ_INT(cql_body_lz4_decompress(buf, 8, buf + 32, 4, &d), CQL_E_ARG);
}

int main(void)
{
    RUN(options_envelope_in_an_uncompressed_frame_matches_spec_bytes);
    RUN(tiny_payload_in_an_lz4_frame_goes_uncompressed_with_uncompressed_length_zero);
    RUN(frame_header_round_trips_in_both_formats);
    RUN(every_single_bit_flip_in_a_header_is_a_crc24_mismatch);
    RUN(padding_bits_are_ignored_when_the_crc24_covers_them);
    RUN(short_header_or_frame_is_truncated);
    RUN(corrupted_payload_is_a_crc32_mismatch_at_the_trailer);
    RUN(compressible_payload_round_trips_through_an_lz4_frame_smaller_than_it);
    RUN(incompressible_payload_is_sent_as_is_with_uncompressed_length_zero);
    RUN(lz4_payload_that_does_not_decompress_to_its_length_is_malformed);
    RUN(payload_above_the_maximum_is_refused_by_the_single_frame_encoder);
    RUN(several_envelopes_share_one_self_contained_frame);
    RUN(envelopes_are_packed_greedily_and_never_straddle_self_contained_frames);
    RUN(envelope_above_the_maximum_is_split_over_non_self_contained_frames);
    RUN(envelope_one_byte_above_the_maximum_splits_into_two_frames);
    RUN(frames_encoder_appends_nothing_for_bad_or_truncated_envelopes);
    RUN(output_buffer_that_cannot_grow_is_left_as_it_was);
    RUN(v4_body_lz4_round_trips_with_a_big_endian_length_prefix);
    RUN(v4_body_lz4_length_is_vetted_before_any_allocation);
    RUN(v4_body_with_corrupted_or_trailing_lz4_data_is_malformed);
    RUN(v4_body_of_only_a_zero_length_prefix_is_empty);
    RUN(caller_errors_are_arg_errors_not_crashes);
    return harness_done();
}
