/*
 * The byte stream to envelopes assembler: bare envelopes (v4, v5 before the handshake ends)
 * and v5 frames with and without LZ4 (v5 spec §2), fed in every way a socket can cut them.
 */
#include "harness.h"
#include "testdata.h"
#include "proto/frame.h"
#include "proto/inbound.h"

#include <stdlib.h>

/* Appends a response envelope. */
static void put_envelope(cql_buf *b, uint8_t version, uint8_t flags, int16_t stream,
                         uint8_t opcode, const uint8_t *body, uint32_t len)
{
    cql_envelope_header h = {version, true, flags, stream, opcode, len};
    uint8_t head[CQL_ENVELOPE_HEADER_SIZE];
    cql_envelope_header_encode(&h, head);
    cql_buf_put(b, head, sizeof head);
    if (len > 0)
        cql_buf_put(b, body, len);
}

/* Takes every envelope available, appending each (header re-encoded, then body) to got.
 * Returns the last code; *count gets the number of envelopes. */
static cql_rc drain(cql_inbound *in, cql_buf *got, int *count, cql_diag *d)
{
    for (;;) {
        cql_envelope *e = NULL;
        cql_rc rc = cql_inbound_next(in, &e, d);
        if (rc != CQL_OK || e == NULL)
            return rc;
        put_envelope(got, e->header.version, e->header.flags, e->header.stream,
                     e->header.opcode, e->body, e->header.length);
        if (count != NULL)
            (*count)++;
        cql_envelope_free(e);
    }
}

static bool same(const cql_buf *a, const cql_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Feeds bytes through the zero-copy path, in chunks of `chunk`, draining after each. */
static cql_rc feed_in_chunks(cql_inbound *in, const uint8_t *p, size_t n, size_t chunk,
                             cql_buf *got, int *count, cql_diag *d)
{
    for (size_t off = 0; off < n;) {
        size_t cap = 0;
        size_t take = n - off < chunk ? n - off : chunk;
        uint8_t *room = cql_inbound_space(in, take, &cap);
        if (room == NULL || cap < take)
            return CQL_E_NOMEM;
        memcpy(room, p + off, take);
        cql_inbound_commit(in, take);
        off += take;
        cql_rc rc = drain(in, got, count, d);
        if (rc != CQL_OK)
            return rc;
    }
    return CQL_OK;
}

/*
 * A small framed stream with every shape the reader must handle, and the envelopes it
 * carries: a self-contained frame of three envelopes (one with an empty body), an envelope
 * split over three frames with its header cut after 5 bytes, an empty self-contained frame,
 * then a frame of one envelope. With lz4, the text bodies make some payloads compress.
 */
static void build_shapes(bool lz4, cql_buf *stream, cql_buf *envelopes)
{
    uint8_t text[200];
    fill_text(text, sizeof text);
    cql_buf frame = {0};
    put_envelope(&frame, 5, 0, 1, CQL_OP_RESULT, text, 120);
    put_envelope(&frame, 5, CQL_FLAG_WARNING, 2, CQL_OP_READY, NULL, 0);
    put_envelope(&frame, 5, 0, -1, CQL_OP_EVENT, text + 7, 33);
    cql_frame_encode(stream, frame.data, frame.len, true, lz4);
    cql_buf_put(envelopes, frame.data, frame.len);
    frame.len = 0;
    put_envelope(&frame, 5, CQL_FLAG_TRACING, 3, CQL_OP_RESULT, text, 150);
    cql_frame_encode(stream, frame.data, 5, false, lz4);
    cql_frame_encode(stream, frame.data + 5, 20, false, lz4);
    cql_frame_encode(stream, frame.data + 25, frame.len - 25, false, lz4);
    cql_buf_put(envelopes, frame.data, frame.len);
    cql_frame_encode(stream, NULL, 0, true, lz4);
    frame.len = 0;
    put_envelope(&frame, 5, 0, 4, CQL_OP_SUPPORTED, text + 50, 60);
    cql_frame_encode(stream, frame.data, frame.len, true, lz4);
    cql_buf_put(envelopes, frame.data, frame.len);
    cql_buf_free(&frame);
}

TEST(bare_envelopes_come_out_one_per_call)
{
    uint8_t body[64];
    fill_random(body, sizeof body, 1);
    cql_buf stream = {0};
    put_envelope(&stream, 4, 0, 7, CQL_OP_RESULT, body, 64);
    put_envelope(&stream, 4, 0, 8, CQL_OP_READY, NULL, 0);
    put_envelope(&stream, 4, 0, 9, CQL_OP_RESULT, body, 3);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    const int16_t streams[] = {7, 8, 9};
    const uint32_t lens[] = {64, 0, 3};
    for (int i = 0; i < 3; i++) {
        cql_envelope *e = NULL;
        REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
        CHECK_EQ_INT(e->header.stream, streams[i]);
        CHECK_EQ_INT(e->header.length, lens[i]);
        CHECK(e->header.version == 4 && e->header.response);
        CHECK(lens[i] == 0 || memcmp(e->body, body, lens[i]) == 0);
        cql_envelope_free(e);
    }
    cql_envelope dummy;
    cql_envelope *e = &dummy; /* must be reset to NULL */
    CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), CQL_OK);
    CHECK(e == NULL);
    cql_inbound_free(in);
    cql_buf_free(&stream);
}

TEST(bare_envelopes_cut_at_every_byte_boundary_reassemble)
{
    uint8_t body[300];
    fill_random(body, sizeof body, 2);
    cql_buf stream = {0};
    put_envelope(&stream, 4, 0, 1, CQL_OP_RESULT, body, 300);
    put_envelope(&stream, 4, 0, 2, CQL_OP_RESULT, NULL, 0);
    put_envelope(&stream, 5, 0, 3, CQL_OP_SUPPORTED, body, 17);
    for (size_t cut = 0; cut <= stream.len; cut++) {
        cql_inbound *in = cql_inbound_new(NULL);
        cql_buf got = {0};
        REQUIRE(in != NULL);
        CHECK_EQ_INT(cql_inbound_feed(in, stream.data, cut), CQL_OK);
        CHECK_EQ_INT(drain(in, &got, NULL, NULL), CQL_OK);
        CHECK_EQ_INT(cql_inbound_feed(in, stream.data + cut, stream.len - cut), CQL_OK);
        CHECK_EQ_INT(drain(in, &got, NULL, NULL), CQL_OK);
        CHECK(same(&got, &stream));
        cql_buf_free(&got);
        cql_inbound_free(in);
    }
    cql_buf_free(&stream);
}

TEST(frames_cut_at_every_byte_boundary_reassemble_to_the_same_envelopes)
{
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf stream = {0}, expected = {0};
        build_shapes(lz4 != 0, &stream, &expected);
        for (size_t cut = 0; cut <= stream.len; cut++) {
            cql_inbound *in = cql_inbound_new(NULL);
            cql_buf got = {0};
            int count = 0;
            REQUIRE(in != NULL);
            cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
            CHECK_EQ_INT(cql_inbound_feed(in, stream.data, cut), CQL_OK);
            CHECK_EQ_INT(drain(in, &got, &count, NULL), CQL_OK);
            CHECK_EQ_INT(cql_inbound_feed(in, stream.data + cut, stream.len - cut), CQL_OK);
            CHECK_EQ_INT(drain(in, &got, &count, NULL), CQL_OK);
            CHECK_EQ_INT(count, 5);
            CHECK(same(&got, &expected));
            cql_buf_free(&got);
            cql_inbound_free(in);
        }
        cql_buf_free(&stream);
        cql_buf_free(&expected);
    }
}

TEST(frames_received_one_byte_at_a_time_reassemble)
{
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf stream = {0}, expected = {0}, got = {0};
        build_shapes(lz4 != 0, &stream, &expected);
        cql_inbound *in = cql_inbound_new(NULL);
        REQUIRE(in != NULL);
        cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
        CHECK_EQ_INT(feed_in_chunks(in, stream.data, stream.len, 1, &got, NULL, NULL), CQL_OK);
        CHECK(same(&got, &expected));
        cql_inbound_free(in);
        cql_buf_free(&stream);
        cql_buf_free(&expected);
        cql_buf_free(&got);
    }
}

TEST(lz4_stream_really_contains_compressed_frames)
{
    /* Guards the test above: its LZ4 variant must exercise decompression. */
    cql_buf stream = {0}, expected = {0};
    build_shapes(true, &stream, &expected);
    cql_frame_header h;
    REQUIRE(cql_frame_header_decode(stream.data, stream.len, true, &h, NULL) == CQL_OK);
    CHECK(h.uncompressed_len != 0 && h.payload_len < h.uncompressed_len);
    cql_buf_free(&stream);
    cql_buf_free(&expected);
}

TEST(envelopes_above_128k_are_split_and_reassembled_in_both_formats)
{
    const size_t big = 400 * 1024;
    uint8_t *body = malloc(big);
    REQUIRE(body != NULL);
    for (int variant = 0; variant < 4; variant++) {
        bool lz4 = variant & 1;
        if (variant & 2)
            fill_text(body, big);
        else
            fill_random(body, big, 77);
        cql_buf env = {0}, stream = {0};
        put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, body, 100);
        put_envelope(&env, 5, 0, 2, CQL_OP_RESULT, body, (uint32_t)big);
        put_envelope(&env, 5, 0, 3, CQL_OP_RESULT, body, CQL_FRAME_MAX_PAYLOAD);
        put_envelope(&env, 5, 0, 4, CQL_OP_RESULT, body, 5);
        REQUIRE(cql_frames_encode(&stream, env.data, env.len, lz4) == CQL_OK);
        const size_t chunks[] = {1000, 65536, SIZE_MAX};
        for (size_t c = 0; c < 3; c++) {
            cql_inbound *in = cql_inbound_new(NULL);
            cql_buf got = {0};
            int count = 0;
            REQUIRE(in != NULL);
            cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
            CHECK_EQ_INT(feed_in_chunks(in, stream.data, stream.len, chunks[c], &got, &count,
                                        NULL),
                         CQL_OK);
            CHECK_EQ_INT(count, 4);
            CHECK(same(&got, &env));
            cql_buf_free(&got);
            cql_inbound_free(in);
        }
        cql_buf_free(&env);
        cql_buf_free(&stream);
    }
    free(body);
}

TEST(self_contained_frame_in_the_middle_of_a_split_envelope_is_a_protocol_error)
{
    uint8_t text[100];
    fill_text(text, sizeof text);
    cql_buf env = {0}, stream = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 100);
    cql_frame_encode(&stream, env.data, 50, false, false);
    size_t second = stream.len;
    cql_frame_encode(&stream, env.data, env.len, true, false);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    cql_envelope *e = NULL;
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_PROTOCOL);
    CHECK(e == NULL);
    CHECK_EQ_INT(d.offset, second);
    CHECK(d.what != NULL && strstr(d.what, "split") != NULL);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&stream);
}

TEST(split_frame_carrying_bytes_past_its_envelope_is_a_protocol_error)
{
    uint8_t text[100];
    fill_text(text, sizeof text);
    cql_buf env = {0}, stream = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 30);
    put_envelope(&env, 5, 0, 2, CQL_OP_RESULT, text, 30); /* not allowed in a split frame */
    cql_frame_encode(&stream, env.data, 20, false, false);
    size_t second = stream.len;
    cql_frame_encode(&stream, env.data + 20, env.len - 20, false, false);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    cql_envelope *e = NULL;
    cql_diag d;
    CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_PROTOCOL);
    CHECK_EQ_INT(d.offset, second);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&stream);
}

TEST(self_contained_frame_ending_inside_an_envelope_is_a_protocol_error)
{
    uint8_t text[100];
    fill_text(text, sizeof text);
    cql_buf env = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 40);
    put_envelope(&env, 5, 0, 2, CQL_OP_RESULT, text, 40);
    /* Cut inside the second envelope's header, then inside its body. */
    const size_t cuts[] = {49 + 4, 49 + 20};
    for (size_t i = 0; i < 2; i++) {
        cql_buf stream = {0};
        cql_frame_encode(&stream, env.data, cuts[i], true, false);
        cql_inbound *in = cql_inbound_new(NULL);
        REQUIRE(in != NULL);
        cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
        REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
        cql_envelope *e = NULL;
        cql_diag d = {CQL_OK, 0, NULL};
        REQUIRE(cql_inbound_next(in, &e, &d) == CQL_OK && e != NULL); /* the whole first one */
        cql_envelope_free(e);
        CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_PROTOCOL);
        CHECK(d.what != NULL && strstr(d.what, i == 0 ? "header" : "body") != NULL);
        CHECK_EQ_INT(d.offset, CQL_FRAME_HEADER_SIZE + 49 + (i == 0 ? 4 : 0));
        cql_inbound_free(in);
        cql_buf_free(&stream);
    }
    cql_buf_free(&env);
}

/* Two valid frames, then a third whose byte `flip` (from the frame's start) is corrupted. */
static void corrupt_third_frame(bool lz4, size_t flip, cql_rc want, size_t want_at,
                                const char *want_what)
{
    uint8_t text[500];
    fill_text(text, sizeof text);
    cql_buf env = {0}, stream = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 300);
    cql_frame_encode(&stream, env.data, env.len, true, lz4);
    cql_frame_encode(&stream, env.data, env.len, true, lz4);
    size_t third = stream.len;
    cql_frame_encode(&stream, env.data, env.len, true, lz4);
    stream.data[third + flip] ^= 0x01;
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    int count = 0;
    cql_buf got = {0};
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(drain(in, &got, &count, &d), want);
    CHECK_EQ_INT(count, 2);
    CHECK_EQ_INT(d.offset, third + want_at);
    CHECK(d.what != NULL && strstr(d.what, want_what) != NULL);
    /* Final: the same answer again, and no more bytes taken. */
    cql_envelope *e = NULL;
    cql_diag again = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(cql_inbound_next(in, &e, &again), want);
    CHECK(e == NULL && again.offset == d.offset && again.what == d.what);
    CHECK_EQ_INT(cql_inbound_feed(in, stream.data, 10), want);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&stream);
    cql_buf_free(&got);
}

TEST(bad_crc24_is_final_and_names_crc24_at_its_stream_offset)
{
    corrupt_third_frame(false, 1, CQL_E_MALFORMED, 3, "CRC24");
    corrupt_third_frame(true, 4, CQL_E_MALFORMED, 5, "CRC24");
    corrupt_third_frame(false, 5, CQL_E_MALFORMED, 3, "CRC24");
}

TEST(bad_crc32_is_final_and_names_crc32_at_its_stream_offset)
{
    /* 309 bytes uncompressed: the trailer follows them. */
    corrupt_third_frame(false, 6 + 100, CQL_E_MALFORMED, 6 + 309, "CRC32");
    corrupt_third_frame(false, 6 + 309 + 2, CQL_E_MALFORMED, 6 + 309, "CRC32");
}

TEST(bad_crc32_of_an_lz4_frame_is_caught_before_decompression)
{
    uint8_t text[500];
    fill_text(text, sizeof text);
    cql_buf env = {0}, one = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 300);
    cql_frame_encode(&one, env.data, env.len, true, true);
    cql_frame_header h;
    REQUIRE(cql_frame_header_decode(one.data, one.len, true, &h, NULL) == CQL_OK);
    REQUIRE(h.uncompressed_len == 309);
    corrupt_third_frame(true, 8 + 3, CQL_E_MALFORMED, 8 + h.payload_len, "CRC32");
    cql_buf_free(&env);
    cql_buf_free(&one);
}

TEST(hostile_bare_length_is_refused_before_any_allocation)
{
    /* 2 GiB announced: above the protocol's ceiling, with or without a caller limit. */
    const uint8_t huge[9] = {0x84, 0, 0, 1, CQL_OP_RESULT, 0x80, 0x00, 0x00, 0x00};
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, (const uint8_t *)"\x84\0\0\0\x02\0\0\0\0", 9) == CQL_OK);
    REQUIRE(cql_inbound_feed(in, huge, sizeof huge) == CQL_OK);
    cql_envelope *e = NULL;
    cql_diag d = {CQL_OK, 0, NULL};
    REQUIRE(cql_inbound_next(in, &e, &d) == CQL_OK && e != NULL);
    cql_envelope_free(e);
    CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 9 + 5);
    cql_inbound_free(in);

    /* The caller's tighter limit holds too, to the byte. */
    cql_limits limits = {.max_body = 1024};
    uint8_t body[1025] = {0};
    for (uint32_t len = 1024; len <= 1025; len++) {
        cql_buf stream = {0};
        put_envelope(&stream, 4, 0, 1, CQL_OP_RESULT, body, len);
        in = cql_inbound_new(&limits);
        REQUIRE(in != NULL);
        REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
        CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), len == 1024 ? CQL_OK : CQL_E_LIMIT);
        cql_envelope_free(e);
        cql_inbound_free(in);
        cql_buf_free(&stream);
    }
}

TEST(hostile_length_inside_frames_is_refused_with_its_offset)
{
    cql_limits limits = {.max_body = 100};
    uint8_t body[200] = {0};
    cql_buf env = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, body, 101);
    for (int split = 0; split < 2; split++) {
        cql_buf stream = {0};
        cql_frame_encode(&stream, env.data, split ? 30 : env.len, !split, false);
        cql_inbound *in = cql_inbound_new(&limits);
        REQUIRE(in != NULL);
        cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
        REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
        cql_envelope *e = NULL;
        cql_diag d = {CQL_OK, 0, NULL};
        CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_LIMIT);
        CHECK_EQ_INT(d.offset, CQL_FRAME_HEADER_SIZE + 5);
        cql_inbound_free(in);
        cql_buf_free(&stream);
    }
    cql_buf_free(&env);
}

TEST(announced_but_unsent_body_is_just_waited_for)
{
    /* 200 MiB announced (under the default limit), 1000 bytes sent: more is needed. */
    uint8_t head[9] = {0x84, 0, 0, 1, CQL_OP_RESULT, 0x0C, 0x80, 0x00, 0x00};
    uint8_t some[1000] = {0};
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, head, sizeof head) == CQL_OK);
    REQUIRE(cql_inbound_feed(in, some, sizeof some) == CQL_OK);
    cql_envelope *e = NULL;
    CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), CQL_OK);
    CHECK(e == NULL);
    cql_inbound_free(in);
}

TEST(truncated_stream_at_every_prefix_only_needs_more)
{
    for (int lz4 = 0; lz4 < 2; lz4++) {
        cql_buf stream = {0}, expected = {0};
        build_shapes(lz4 != 0, &stream, &expected);
        for (size_t n = 0; n < stream.len; n++) {
            cql_inbound *in = cql_inbound_new(NULL);
            cql_buf got = {0};
            int count = 0;
            REQUIRE(in != NULL);
            cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
            CHECK_EQ_INT(cql_inbound_feed(in, stream.data, n), CQL_OK);
            CHECK_EQ_INT(drain(in, &got, &count, NULL), CQL_OK);
            CHECK(count < 5);
            CHECK(got.len <= expected.len &&
                  (got.len == 0 || memcmp(got.data, expected.data, got.len) == 0));
            cql_buf_free(&got);
            cql_inbound_free(in);
        }
        cql_buf_free(&stream);
        cql_buf_free(&expected);
    }
}

TEST(v4_compressed_body_is_decompressed_and_its_flag_cleared)
{
    uint8_t text[3000];
    fill_text(text, sizeof text);
    cql_buf packed = {0}, stream = {0};
    REQUIRE(cql_body_lz4_compress(&packed, text, sizeof text) == CQL_OK);
    put_envelope(&stream, 4, CQL_FLAG_COMPRESSION | CQL_FLAG_WARNING, 5, CQL_OP_RESULT,
                 packed.data, (uint32_t)packed.len);
    put_envelope(&stream, 4, 0, 6, CQL_OP_RESULT, text, 10); /* not flagged: left alone */
    for (int on = 0; on < 2; on++) {
        cql_inbound *in = cql_inbound_new(NULL);
        REQUIRE(in != NULL);
        cql_inbound_set_body_lz4(in, on != 0);
        REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
        cql_envelope *e = NULL;
        REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
        if (on) {
            CHECK_EQ_INT(e->header.flags, CQL_FLAG_WARNING);
            CHECK(e->header.length == sizeof text && memcmp(e->body, text, sizeof text) == 0);
        } else {
            CHECK_EQ_INT(e->header.flags, CQL_FLAG_COMPRESSION | CQL_FLAG_WARNING);
            CHECK(e->header.length == packed.len && memcmp(e->body, packed.data, packed.len) == 0);
        }
        cql_envelope_free(e);
        REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
        CHECK(e->header.stream == 6 && e->header.length == 10 && e->header.flags == 0);
        cql_envelope_free(e);
        cql_inbound_free(in);
    }
    cql_buf_free(&packed);
    cql_buf_free(&stream);
}

TEST(v4_compressed_body_that_lies_is_refused_with_its_offset)
{
    uint8_t text[3000];
    fill_text(text, sizeof text);
    cql_buf packed = {0};
    REQUIRE(cql_body_lz4_compress(&packed, text, sizeof text) == CQL_OK);
    struct {
        uint8_t prefix[4];
        cql_rc want;
        size_t at;
    } cases[] = {
        {{0x00, 0x00, 0x0B, 0xB9}, CQL_E_MALFORMED, 4}, /* 3001: one more than the block */
        {{0x00, 0x10, 0x00, 0x01}, CQL_E_LIMIT, 0},     /* above the caller's 1 MiB */
        {{0x00, 0x0F, 0xFF, 0xFF}, CQL_E_MALFORMED, 0}, /* more than LZ4 can expand to */
    };
    cql_limits limits = {.max_body = 1024 * 1024};
    for (size_t i = 0; i < 3; i++) {
        memcpy(packed.data, cases[i].prefix, 4);
        cql_buf stream = {0};
        put_envelope(&stream, 4, 0, 1, CQL_OP_READY, NULL, 0);
        put_envelope(&stream, 4, CQL_FLAG_COMPRESSION, 5, CQL_OP_RESULT, packed.data,
                     (uint32_t)packed.len);
        cql_inbound *in = cql_inbound_new(&limits);
        REQUIRE(in != NULL);
        cql_inbound_set_body_lz4(in, true);
        REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
        cql_buf got = {0};
        int count = 0;
        cql_diag d = {CQL_OK, 0, NULL};
        CHECK_EQ_INT(drain(in, &got, &count, &d), cases[i].want);
        CHECK_EQ_INT(count, 1);
        CHECK_EQ_INT(d.offset, 9 + 9 + cases[i].at);
        cql_inbound_free(in);
        cql_buf_free(&stream);
        cql_buf_free(&got);
    }
    cql_buf_free(&packed);
}

TEST(compression_flag_inside_frames_is_ignored_and_cleared)
{
    uint8_t text[50];
    fill_text(text, sizeof text);
    cql_buf env = {0}, stream = {0};
    put_envelope(&env, 5, CQL_FLAG_COMPRESSION | CQL_FLAG_TRACING, 1, CQL_OP_RESULT, text, 50);
    cql_frames_encode(&stream, env.data, env.len, false);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    cql_inbound_set_body_lz4(in, true); /* a v4 setting: no effect on frames */
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    cql_envelope *e = NULL;
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
    CHECK_EQ_INT(e->header.flags, CQL_FLAG_TRACING);
    CHECK(e->header.length == 50 && memcmp(e->body, text, 50) == 0);
    cql_envelope_free(e);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&stream);
}

TEST(wire_switches_to_frames_right_after_ready_in_the_same_read)
{
    /* v5 §2.3.1: SUPPORTED and READY unframed, everything after framed; the server's bytes
     * may arrive in one read, so the switch must happen between two envelopes. */
    for (int lz4 = 0; lz4 < 2; lz4++) {
        for (size_t chunk = 1; chunk <= 4096; chunk *= 8) {
            cql_buf stream = {0}, framed = {0}, expected = {0};
            put_envelope(&stream, 5, 0, 0, CQL_OP_SUPPORTED, (const uint8_t *)"\0\0", 2);
            put_envelope(&stream, 5, 0, 1, CQL_OP_READY, NULL, 0);
            build_shapes(lz4 != 0, &framed, &expected);
            cql_buf_put(&stream, framed.data, framed.len);
            cql_inbound *in = cql_inbound_new(NULL);
            REQUIRE(in != NULL);
            cql_buf got = {0};
            int count = 0;
            for (size_t off = 0; off < stream.len;) {
                size_t n = stream.len - off < chunk ? stream.len - off : chunk;
                REQUIRE(cql_inbound_feed(in, stream.data + off, n) == CQL_OK);
                off += n;
                for (;;) {
                    cql_envelope *e = NULL;
                    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK);
                    if (e == NULL)
                        break;
                    if (count >= 2)
                        put_envelope(&got, e->header.version, e->header.flags,
                                     e->header.stream, e->header.opcode, e->body,
                                     e->header.length);
                    else
                        CHECK_EQ_INT(e->header.opcode, count ? CQL_OP_READY : CQL_OP_SUPPORTED);
                    /* READY ends the handshake: the server's next byte is framed. */
                    if (count++ == 1)
                        cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
                    cql_envelope_free(e);
                }
            }
            CHECK_EQ_INT(count, 7);
            CHECK(same(&got, &expected));
            cql_inbound_free(in);
            cql_buf_free(&stream);
            cql_buf_free(&framed);
            cql_buf_free(&expected);
            cql_buf_free(&got);
        }
    }
}

TEST(envelopes_left_in_a_checked_frame_survive_a_wire_switch)
{
    uint8_t text[40];
    fill_text(text, sizeof text);
    cql_buf env = {0}, stream = {0};
    put_envelope(&env, 5, 0, 1, CQL_OP_RESULT, text, 10);
    put_envelope(&env, 5, 0, 2, CQL_OP_RESULT, text, 20);
    cql_frame_encode(&stream, env.data, env.len, true, false);
    put_envelope(&stream, 4, 0, 3, CQL_OP_RESULT, text, 30); /* bare, after the frame */
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    cql_envelope *e = NULL;
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
    CHECK_EQ_INT(e->header.stream, 1);
    cql_envelope_free(e);
    cql_inbound_set_wire(in, CQL_WIRE_ENVELOPES);
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
    CHECK_EQ_INT(e->header.stream, 2);
    cql_envelope_free(e);
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
    CHECK(e->header.stream == 3 && e->header.length == 30);
    cql_envelope_free(e);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&stream);
}

TEST(switching_wire_inside_an_envelope_is_a_caller_error)
{
    uint8_t body[100] = {0};
    cql_buf stream = {0};
    put_envelope(&stream, 4, 0, 1, CQL_OP_RESULT, body, 100);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, stream.data, 50) == CQL_OK);
    cql_envelope *e = NULL;
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e == NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    REQUIRE(cql_inbound_feed(in, stream.data + 50, stream.len - 50) == CQL_OK);
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(cql_inbound_next(in, &e, &d), CQL_E_ARG);
    CHECK(e == NULL && d.what != NULL && strstr(d.what, "wire") != NULL);
    cql_inbound_free(in);
    cql_buf_free(&stream);
}

TEST(bad_envelope_version_in_the_bare_stream_is_a_protocol_error_at_its_offset)
{
    cql_buf stream = {0};
    put_envelope(&stream, 4, 0, 1, CQL_OP_READY, NULL, 0);
    put_envelope(&stream, 2, 0, 1, CQL_OP_READY, NULL, 0);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, stream.data, stream.len) == CQL_OK);
    int count = 0;
    cql_buf got = {0};
    cql_diag d = {CQL_OK, 0, NULL};
    CHECK_EQ_INT(drain(in, &got, &count, &d), CQL_E_PROTOCOL);
    CHECK_EQ_INT(count, 1);
    CHECK_EQ_INT(d.offset, 9);
    cql_inbound_free(in);
    cql_buf_free(&stream);
    cql_buf_free(&got);
}

TEST(committing_more_than_the_space_offered_is_a_caller_error)
{
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    size_t cap = 0;
    REQUIRE(cql_inbound_space(in, 10, &cap) != NULL && cap >= 10);
    cql_inbound_commit(in, cap + 1);
    cql_envelope *e = NULL;
    CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), CQL_E_ARG);
    cql_inbound_free(in);
}

TEST(receive_buffer_stays_bounded_over_a_long_stream_and_after_a_burst)
{
    uint8_t text[1000];
    fill_text(text, sizeof text);
    cql_buf env = {0}, frame = {0};
    for (int16_t s = 0; s < 3; s++)
        put_envelope(&env, 5, 0, s, CQL_OP_RESULT, text, 300);
    cql_frame_encode(&frame, env.data, env.len, true, false);
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, CQL_WIRE_FRAMES);
    /* 20000 frames (about 18 MiB) through 700-byte receives. */
    int count = 0;
    cql_buf sink = {0};
    size_t most = 0;
    for (int i = 0; i < 20000; i++) {
        sink.len = 0;
        REQUIRE(feed_in_chunks(in, frame.data, frame.len, 700, &sink, &count, NULL) == CQL_OK);
        size_t cap = 0;
        cql_inbound_space(in, 700, &cap);
        most = cap > most ? cap : most;
    }
    CHECK_EQ_INT(count, 60000);
    CHECK(most <= 64 * 1024);
    /* A 4 MiB burst in one feed, drained: the buffer gives the memory back. */
    cql_buf burst = {0};
    while (burst.len < 4 * 1024 * 1024)
        cql_buf_put(&burst, frame.data, frame.len);
    REQUIRE(cql_inbound_feed(in, burst.data, burst.len) == CQL_OK);
    sink.len = 0;
    REQUIRE(drain(in, &sink, &count, NULL) == CQL_OK);
    size_t cap = 0;
    REQUIRE(cql_inbound_space(in, 0, &cap) != NULL);
    CHECK(cap <= 256 * 1024);
    cql_inbound_free(in);
    cql_buf_free(&env);
    cql_buf_free(&frame);
    cql_buf_free(&sink);
    cql_buf_free(&burst);
}

TEST(unknown_wire_mode_is_a_caller_error)
{
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_wire(in, (cql_wire)7);
    cql_envelope *e = NULL;
    CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_inbound_next(NULL, &e, NULL), CQL_E_ARG);
    cql_inbound_free(in);
    cql_inbound_free(NULL);
    cql_envelope_free(NULL);
}

TEST(bytes_received_after_an_error_are_dropped_not_hoarded)
{
    uint8_t garbage[9] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0}; /* version 1 */
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    REQUIRE(cql_inbound_feed(in, garbage, sizeof garbage) == CQL_OK);
    cql_envelope *e = NULL;
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_E_PROTOCOL);
    size_t first = 0;
    for (int i = 0; i < 1000; i++) {
        size_t cap = 0;
        uint8_t *room = cql_inbound_space(in, 4096, &cap);
        REQUIRE(room != NULL && cap >= 4096);
        memset(room, 0xAB, 4096);
        cql_inbound_commit(in, 4096);
        if (i == 0)
            first = cap;
        CHECK(cap == first);
    }
    CHECK_EQ_INT(cql_inbound_next(in, &e, NULL), CQL_E_PROTOCOL);
    cql_inbound_free(in);
}

TEST(v4_compressed_empty_body_is_empty)
{
    const uint8_t stream[] = {0x84, CQL_FLAG_COMPRESSION, 0, 1, CQL_OP_RESULT, 0, 0, 0, 4,
                              0,    0,                    0, 0};
    cql_inbound *in = cql_inbound_new(NULL);
    REQUIRE(in != NULL);
    cql_inbound_set_body_lz4(in, true);
    REQUIRE(cql_inbound_feed(in, stream, sizeof stream) == CQL_OK);
    cql_envelope *e = NULL;
    REQUIRE(cql_inbound_next(in, &e, NULL) == CQL_OK && e != NULL);
    CHECK(e->header.length == 0 && e->header.flags == 0);
    cql_envelope_free(e);
    cql_inbound_free(in);
}

int main(void)
{
    RUN(bare_envelopes_come_out_one_per_call);
    RUN(bare_envelopes_cut_at_every_byte_boundary_reassemble);
    RUN(frames_cut_at_every_byte_boundary_reassemble_to_the_same_envelopes);
    RUN(frames_received_one_byte_at_a_time_reassemble);
    RUN(lz4_stream_really_contains_compressed_frames);
    RUN(envelopes_above_128k_are_split_and_reassembled_in_both_formats);
    RUN(self_contained_frame_in_the_middle_of_a_split_envelope_is_a_protocol_error);
    RUN(split_frame_carrying_bytes_past_its_envelope_is_a_protocol_error);
    RUN(self_contained_frame_ending_inside_an_envelope_is_a_protocol_error);
    RUN(bad_crc24_is_final_and_names_crc24_at_its_stream_offset);
    RUN(bad_crc32_is_final_and_names_crc32_at_its_stream_offset);
    RUN(bad_crc32_of_an_lz4_frame_is_caught_before_decompression);
    RUN(hostile_bare_length_is_refused_before_any_allocation);
    RUN(hostile_length_inside_frames_is_refused_with_its_offset);
    RUN(announced_but_unsent_body_is_just_waited_for);
    RUN(truncated_stream_at_every_prefix_only_needs_more);
    RUN(v4_compressed_body_is_decompressed_and_its_flag_cleared);
    RUN(v4_compressed_body_that_lies_is_refused_with_its_offset);
    RUN(compression_flag_inside_frames_is_ignored_and_cleared);
    RUN(wire_switches_to_frames_right_after_ready_in_the_same_read);
    RUN(envelopes_left_in_a_checked_frame_survive_a_wire_switch);
    RUN(switching_wire_inside_an_envelope_is_a_caller_error);
    RUN(bad_envelope_version_in_the_bare_stream_is_a_protocol_error_at_its_offset);
    RUN(committing_more_than_the_space_offered_is_a_caller_error);
    RUN(receive_buffer_stays_bounded_over_a_long_stream_and_after_a_burst);
    RUN(unknown_wire_mode_is_a_caller_error);
    RUN(bytes_received_after_an_error_are_dropped_not_hoarded);
    RUN(v4_compressed_empty_body_is_empty);
    return harness_done();
}
