/*
 * The connection state machine (conn/conn.h) driven by hand, with no socket
 * and no clock. The server's bytes are written here field by field from the
 * specs (v4 §2, §4.2, §5; v5 §2.1-§2.3, §4.2) and fed in through
 * cql_conn_input_space / cql_conn_received; what the connection writes is
 * read back with cql_conn_output / cql_conn_written and decoded (bare
 * envelopes with cql_envelope_header_decode, v5 frames with the inbound
 * assembler) to be checked. Time is whatever number a test passes.
 */
#include "conn/conn.h"
#include "cqlio.h"
#include "harness.h"
#include "proto/buf.h"
#include "proto/frame.h"
#include "proto/inbound.h"
#include "testdata.h"

#include <stdint.h>
#include <stdlib.h>

#define STR_EQ(view, lit) ((view).len == strlen(lit) && memcmp((view).ptr, lit, (view).len) == 0)

/* ------------------------------------------------------------------------ */
/* The server's side: response bodies and envelopes, bare or framed          */
/* ------------------------------------------------------------------------ */

static void put_str(cql_buf *b, const char *s) { cql_buf_put_string(b, s, strlen(s)); }

/* A response envelope (v4 §2, v5 §2.4): version with the response bit 0x80,
 * flags, stream, opcode, then the body's length and the body. */
static void put_envelope(cql_buf *b, uint8_t version, uint8_t flags, int16_t stream,
                         uint8_t opcode, const cql_buf *body)
{
    cql_buf_put_u8(b, (uint8_t)(0x80u | version));
    cql_buf_put_u8(b, flags);
    cql_buf_put_u16(b, (uint16_t)stream);
    cql_buf_put_u8(b, opcode);
    cql_buf_put_u32(b, (uint32_t)body->len);
    cql_buf_put(b, body->data, body->len);
}

/* How the server puts a response on the wire. */
enum wire {
    BARE,       /* bare envelopes: v4, and v5 until READY/AUTHENTICATE */
    BARE_LZ4,   /* v4 with LZ4 agreed: the body compressed (§5), the flag set */
    FRAMES,     /* v5 uncompressed frames (§2.1) */
    FRAMES_LZ4, /* v5 LZ4 frames (§2.2) */
};

/* Appends one response to `out` as the server sends it in mode w; the body
 * buffer is released. */
static void respond(cql_buf *out, enum wire w, uint8_t version, int16_t stream, uint8_t opcode,
                    cql_buf *body)
{
    cql_buf env = {0};
    if (w == BARE_LZ4) {
        cql_buf z = {0};
        CHECK(cql_body_lz4_compress(&z, body->data, body->len) == CQL_OK);
        put_envelope(&env, version, CQL_FLAG_COMPRESSION, stream, opcode, &z);
        cql_buf_free(&z);
    } else {
        put_envelope(&env, version, 0, stream, opcode, body);
    }
    if (w == FRAMES || w == FRAMES_LZ4)
        CHECK(cql_frames_encode(out, env.data, env.len, w == FRAMES_LZ4) == CQL_OK);
    else
        cql_buf_put(out, env.data, env.len);
    cql_buf_free(&env);
    cql_buf_free(body);
}

/* SUPPORTED (§4.2.4): a [string multimap]; LZ4 listed or not. */
static void body_supported(cql_buf *b, bool lz4)
{
    cql_buf_put_u16(b, 3);
    put_str(b, "CQL_VERSION");
    cql_buf_put_u16(b, 1);
    put_str(b, "3.4.7");
    put_str(b, "COMPRESSION");
    cql_buf_put_u16(b, lz4 ? 2 : 1);
    put_str(b, "snappy");
    if (lz4)
        put_str(b, "lz4");
    put_str(b, "PROTOCOL_VERSIONS");
    cql_buf_put_u16(b, 3);
    put_str(b, "3/v3");
    put_str(b, "4/v4");
    put_str(b, "5/v5");
}

/* ERROR (§4.2.1) with a code that carries nothing but the message. */
static void body_error(cql_buf *b, int32_t code, const char *message)
{
    cql_buf_put_u32(b, (uint32_t)code);
    put_str(b, message);
}

static void body_authenticate(cql_buf *b)
{
    put_str(b, "org.apache.cassandra.auth.PasswordAuthenticator");
}

/* AUTH_SUCCESS with a null token. */
static void body_auth_success(cql_buf *b) { cql_buf_put_u32(b, UINT32_MAX); }

static void body_void(cql_buf *b) { cql_buf_put_u32(b, CQL_RESULT_VOID); }

static void body_set_keyspace(cql_buf *b, const char *keyspace)
{
    cql_buf_put_u32(b, CQL_RESULT_SET_KEYSPACE);
    put_str(b, keyspace);
}

/* RESULT Rows (§4.2.5.2): one varchar column ks.t.v (Global_tables_spec),
 * one row per value. */
static void body_rows(cql_buf *b, const char *const *values, size_t n)
{
    cql_buf_put_u32(b, CQL_RESULT_ROWS);
    cql_buf_put_u32(b, 0x0001);
    cql_buf_put_u32(b, 1);
    put_str(b, "ks");
    put_str(b, "t");
    put_str(b, "v");
    cql_buf_put_u16(b, CQL_TYPE_VARCHAR);
    cql_buf_put_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        cql_buf_put_bytes(b, values[i], strlen(values[i]));
}

/* EVENT STATUS_CHANGE UP 127.0.0.2:9042 (§4.2.6). */
static void body_status_event(cql_buf *b)
{
    static const uint8_t addr[4] = {127, 0, 0, 2};
    put_str(b, "STATUS_CHANGE");
    put_str(b, "UP");
    cql_buf_put_u8(b, 4);
    cql_buf_put(b, addr, sizeof addr);
    cql_buf_put_u32(b, 9042);
}

/* Long enough, and repetitive enough, that LZ4 really shrinks a frame holding it. */
static const char *const long_rows[] = {
    "row one: abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh",
    "row two: abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh abcdefgh",
};

/* ------------------------------------------------------------------------ */
/* Moving bytes                                                              */
/* ------------------------------------------------------------------------ */

/* Delivers p[0..n) in pieces of at most `chunk` bytes (0: as much as the
 * connection has room for), each received at now. Stops once the connection
 * has no room (closed). */
static void feed_chunks(cql_conn *c, const uint8_t *p, size_t n, size_t chunk, uint64_t now)
{
    while (n > 0) {
        size_t cap = 0;
        uint8_t *room = cql_conn_input_space(c, &cap);
        if (room == NULL)
            return;
        CHECK(cap >= 1);
        size_t k = n < cap ? n : cap;
        if (chunk != 0 && k > chunk)
            k = chunk;
        memcpy(room, p, k);
        cql_conn_received(c, k, now);
        p += k;
        n -= k;
    }
}

/* Delivers the bytes in `wire` at once and releases them. */
static void deliver(cql_conn *c, cql_buf *wire, uint64_t now)
{
    feed_chunks(c, wire->data, wire->len, 0, now);
    cql_buf_free(wire);
}

/* One response from the server, delivered at now; the body is released. */
static void send(cql_conn *c, enum wire w, uint8_t version, int16_t stream, uint8_t opcode,
                 cql_buf *body, uint64_t now)
{
    cql_buf wire = {0};
    respond(&wire, w, version, stream, opcode, body);
    deliver(c, &wire, now);
}

/* Appends everything the connection has to write to raw (raw may be NULL to
 * throw it away) and says it all went out at now. Returns how many bytes. */
static size_t pull(cql_conn *c, cql_buf *raw, uint64_t now)
{
    size_t len = 0;
    const uint8_t *p = cql_conn_output(c, &len);
    if (len == 0)
        return 0;
    CHECK(p != NULL);
    if (raw != NULL)
        cql_buf_put(raw, p, len);
    cql_conn_written(c, len, now);
    return len;
}

/* Takes what the connection has to write (written at now) and reads it as
 * exactly one bare envelope: the header with cql_envelope_header_decode, the
 * body copied into *body. False when nothing, or not exactly one envelope,
 * was written. */
static bool read_bare(cql_conn *c, cql_envelope_header *h, cql_buf *body, uint64_t now)
{
    cql_buf raw = {0};
    bool ok = pull(c, &raw, now) >= CQL_ENVELOPE_HEADER_SIZE &&
              cql_envelope_header_decode(raw.data, raw.len, 0, h, NULL) == CQL_OK &&
              raw.len == CQL_ENVELOPE_HEADER_SIZE + (size_t)h->length;
    cql_buf_free(body);
    if (ok)
        cql_buf_put(body, raw.data + CQL_ENVELOPE_HEADER_SIZE, h->length);
    cql_buf_free(&raw);
    return ok;
}

/* Reads the connection's output the way the server does once it frames
 * (v5 after READY/AUTHENTICATE): into `up`, an assembler in a framed mode.
 * Returns the next envelope the connection sent (the caller frees it), or
 * NULL. */
static cql_envelope *read_framed(cql_conn *c, cql_inbound *up, uint64_t now)
{
    cql_buf raw = {0};
    if (pull(c, &raw, now) > 0)
        CHECK(cql_inbound_feed(up, raw.data, raw.len) == CQL_OK);
    cql_buf_free(&raw);
    cql_envelope *e = NULL;
    cql_diag d;
    CHECK(cql_inbound_next(up, &e, &d) == CQL_OK);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Reading what the connection wrote: [short], [int], [string], maps         */
/* ------------------------------------------------------------------------ */

typedef struct cursor {
    const uint8_t *p;
    size_t len, pos;
    bool ok;
} cursor;

static cursor cursor_of(const uint8_t *p, size_t len) { return (cursor){p, len, 0, true}; }

static bool has(cursor *r, size_t n)
{
    if (!r->ok || r->len - r->pos < n)
        r->ok = false;
    return r->ok;
}

static uint16_t rd16(cursor *r)
{
    if (!has(r, 2))
        return 0;
    uint16_t v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return v;
}

static uint32_t rd32(cursor *r)
{
    if (!has(r, 4))
        return 0;
    uint32_t v = (uint32_t)r->p[r->pos] << 24 | (uint32_t)r->p[r->pos + 1] << 16 |
                 (uint32_t)r->p[r->pos + 2] << 8 | r->p[r->pos + 3];
    r->pos += 4;
    return v;
}

static cql_str rd_bytes_of(cursor *r, size_t n)
{
    cql_str s = {"", 0};
    if (has(r, n)) {
        s.ptr = (const char *)r->p + r->pos;
        s.len = n;
        r->pos += n;
    }
    return s;
}

/* [string] */
static cql_str rd_string(cursor *r) { return rd_bytes_of(r, rd16(r)); }
/* [long string], and [bytes] when not null */
static cql_str rd_long_string(cursor *r) { return rd_bytes_of(r, rd32(r)); }

/* The value of `key` in the [string map] body (STARTUP); *count gets the
 * number of entries. False when absent or the map does not read. */
static bool map_find(const cql_buf *body, const char *key, cql_str *value, size_t *count)
{
    cursor r = cursor_of(body->data, body->len);
    size_t n = rd16(&r);
    bool found = false;
    for (size_t i = 0; i < n && r.ok; i++) {
        cql_str k = rd_string(&r), v = rd_string(&r);
        if (r.ok && STR_EQ(k, key)) {
            *value = v;
            found = true;
        }
    }
    if (count != NULL)
        *count = n;
    return found && r.ok && r.pos == r.len;
}

/* Checks a STARTUP map entry. */
static bool map_has(const cql_buf *body, const char *key, const char *value)
{
    cql_str v;
    return map_find(body, key, &v, NULL) && STR_EQ(v, value);
}

/* ------------------------------------------------------------------------ */
/* Requests, events, connections                                             */
/* ------------------------------------------------------------------------ */

/* An encoder for cql_conn_request: a QUERY of the NUL-terminated text arg. */
static cql_rc enc_query(cql_buf *out, const cql_request_opts *opts, void *arg)
{
    const char *q = arg;
    cql_query_params params = {.consistency = CQL_CONSISTENCY_LOCAL_ONE};
    return cql_encode_query(out, opts, (cql_str){q, strlen(q)}, &params);
}

static cql_rc enc_options(cql_buf *out, const cql_request_opts *opts, void *arg)
{
    (void)arg;
    return cql_encode_options(out, opts);
}

static cql_rc enc_refuse(cql_buf *out, const cql_request_opts *opts, void *arg)
{
    (void)out;
    (void)opts;
    (void)arg;
    return CQL_E_ARG;
}

/* The plain encoding of the same QUERY, to compare with what went out. */
static void plain_query(cql_buf *out, uint8_t version, int16_t stream, const char *q)
{
    cql_request_opts opts = {.version = version, .stream = stream};
    CHECK(enc_query(out, &opts, (void *)(uintptr_t)q) == CQL_OK);
}

/* A query LZ4 shrinks, so its frame is really compressed. */
static const char long_query[] =
    "SELECT v FROM ks.t WHERE k IN ('aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', "
    "'aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa', 'aaaaaaaa')";

static const char *kind_name(int kind)
{
    static const char *const names[] = {"READY",  "RESPONSE",     "TIMEOUT",
                                        "FAILED", "SERVER_EVENT", "CLOSED"};
    return kind >= 0 && kind <= CQL_CONN_CLOSED ? names[kind] : "?";
}

/* Takes the next event and checks its kind. False (and the event's response
 * freed) when none is queued or it is of another kind. */
static bool take_event(cql_conn *c, cql_conn_event_kind kind, cql_conn_event *ev)
{
    cql_conn_event e;
    if (!cql_conn_next_event(c, &e)) {
        fprintf(stderr, "  expected a %s event, none queued\n", kind_name((int)kind));
        return false;
    }
    if (e.kind != kind) {
        fprintf(stderr, "  expected a %s event, got %s\n", kind_name((int)kind),
                kind_name((int)e.kind));
        cql_response_free(e.response);
        return false;
    }
    *ev = e;
    return true;
}

/* Takes every queued event (freeing responses); returns how many there were. */
static size_t drop_events(cql_conn *c)
{
    size_t n = 0;
    cql_conn_event e;
    while (cql_conn_next_event(c, &e)) {
        fprintf(stderr, "  unexpected %s event\n", kind_name((int)e.kind));
        cql_response_free(e.response);
        n++;
    }
    return n;
}

/* A new connection taken through OPTIONS -> SUPPORTED -> STARTUP -> READY by
 * a server speaking cfg->version (LZ4 offered when offer_lz4; the READY is
 * always bare, as v5 §2.3.1 says). No keyspace or credentials. Returns it
 * with its READY event taken and its output written, or NULL. */
static cql_conn *open_ready(const cql_conn_config *cfg, bool offer_lz4, uint64_t now)
{
    cql_conn *c = cql_conn_new(cfg, now);
    if (c == NULL)
        return NULL;
    cql_envelope_header h;
    cql_buf body = {0}, b = {0};
    cql_conn_event ev;
    bool ok = read_bare(c, &h, &body, now) && h.opcode == CQL_OP_OPTIONS;
    if (ok) {
        body_supported(&b, offer_lz4);
        send(c, BARE, cfg->version, h.stream, CQL_OP_SUPPORTED, &b, now);
        ok = read_bare(c, &h, &body, now) && h.opcode == CQL_OP_STARTUP;
    }
    if (ok) {
        send(c, BARE, cfg->version, h.stream, CQL_OP_READY, &b, now);
        ok = take_event(c, CQL_CONN_READY, &ev) && cql_conn_ready(c);
    }
    cql_buf_free(&body);
    if (!ok) {
        fprintf(stderr, "  the handshake did not complete\n");
        cql_conn_free(c);
        return NULL;
    }
    return c;
}

/* ------------------------------------------------------------------------ */
/* 1. v4 handshake                                                           */
/* ------------------------------------------------------------------------ */

TEST(v4_handshake_sends_options_then_startup_without_compression_then_is_ready)
{
    cql_conn_config cfg = {.version = 4, .compression = false};
    cql_conn *c = cql_conn_new(&cfg, 1000);
    REQUIRE(c != NULL);
    CHECK(!cql_conn_ready(c));
    CHECK(!cql_conn_closed(c));
    CHECK_EQ_INT(cql_conn_version(c), 4);
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_OK);

    /* v4 §2: version 0x04 (a request), flags 0, stream 0, OPTIONS, length 0. */
    static const uint8_t options[9] = {0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00};
    size_t len = 0;
    const uint8_t *out = cql_conn_output(c, &len);
    REQUIRE(out != NULL && len == sizeof options);
    CHECK(memcmp(out, options, sizeof options) == 0);
    cql_envelope_header h;
    CHECK(cql_envelope_header_decode(out, len, 0, &h, NULL) == CQL_OK);
    CHECK(!h.response);
    CHECK_EQ_INT(h.stream, 0);
    /* Written in two pieces: the rest stays until it goes out. */
    cql_conn_written(c, 4, 1000);
    out = cql_conn_output(c, &len);
    REQUIRE(len == 5);
    CHECK(memcmp(out, options + 4, 5) == 0);
    cql_conn_written(c, 5, 1000);
    CHECK(cql_conn_output(c, &len) == NULL && len == 0);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev));

    /* The server offers LZ4, but it is not wanted. */
    cql_buf b = {0}, body = {0};
    body_supported(&b, true);
    send(c, BARE, 4, 0, CQL_OP_SUPPORTED, &b, 1001);
    CHECK(!cql_conn_next_event(c, &ev));
    REQUIRE(read_bare(c, &h, &body, 1001));
    CHECK_EQ_INT(h.version, 4);
    CHECK(!h.response);
    CHECK_EQ_INT(h.flags, 0);
    CHECK_EQ_INT(h.opcode, CQL_OP_STARTUP);
    CHECK(h.stream >= 0);
    size_t entries = 0;
    cql_str v;
    CHECK(map_find(&body, "CQL_VERSION", &v, &entries) && STR_EQ(v, "3.0.0"));
    CHECK_EQ_INT(entries, 3);
    CHECK(map_has(&body, "DRIVER_NAME", "cqlio"));
    CHECK(map_has(&body, "DRIVER_VERSION", cql_version()));
    CHECK(!map_find(&body, "COMPRESSION", &v, NULL));
    CHECK(!map_find(&body, "APPLICATION_NAME", &v, NULL));
    CHECK(!cql_conn_compressed(c));
    CHECK(!cql_conn_ready(c));
    CHECK(!cql_conn_next_event(c, &ev));

    send(c, BARE, 4, h.stream, CQL_OP_READY, &b, 1002);
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(ev.response == NULL);
    CHECK(ev.user == NULL);
    CHECK(cql_conn_ready(c));
    CHECK(!cql_conn_closed(c));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(pull(c, NULL, 1002), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 2. v5 with LZ4                                                            */
/* ------------------------------------------------------------------------ */

TEST(v5_lz4_handshake_is_unframed_then_requests_and_rows_travel_in_lz4_frames)
{
    cql_conn_config cfg = {.version = 5,
                           .compression = true,
                           .driver_name = "conn-test",
                           .driver_version = "9.9.9",
                           .app_name = "unit tests"};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 0));
    CHECK_EQ_INT(h.version, 5);
    CHECK_EQ_INT(h.opcode, CQL_OP_OPTIONS);
    CHECK_EQ_INT(h.length, 0);

    body_supported(&b, true);
    send(c, BARE, 5, h.stream, CQL_OP_SUPPORTED, &b, 1);
    /* STARTUP goes out bare (v5 §2.3.1): read_bare sees exactly one envelope. */
    REQUIRE(read_bare(c, &h, &body, 1));
    CHECK_EQ_INT(h.version, 5);
    CHECK_EQ_INT(h.flags, 0);
    CHECK_EQ_INT(h.opcode, CQL_OP_STARTUP);
    size_t entries = 0;
    cql_str v;
    CHECK(map_find(&body, "COMPRESSION", &v, &entries) && STR_EQ(v, "lz4"));
    CHECK_EQ_INT(entries, 5);
    CHECK(map_has(&body, "CQL_VERSION", "3.0.0"));
    CHECK(map_has(&body, "DRIVER_NAME", "conn-test"));
    CHECK(map_has(&body, "DRIVER_VERSION", "9.9.9"));
    CHECK(map_has(&body, "APPLICATION_NAME", "unit tests"));
    CHECK(cql_conn_compressed(c));

    /* READY is bare too; everything after it is in LZ4 frames. */
    send(c, BARE, 5, h.stream, CQL_OP_READY, &b, 2);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_version(c), 5);

    static int marker;
    int16_t stream = -1;
    REQUIRE(cql_conn_request(c, enc_query, (void *)(uintptr_t)long_query, &marker, UINT64_MAX,
                             &stream) == CQL_OK);
    CHECK(stream >= 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);

    /* One self-contained LZ4 frame (§2.2) whose payload really is compressed
     * and holds exactly the plain QUERY envelope. */
    cql_buf raw = {0}, plain = {0};
    REQUIRE(pull(c, &raw, 3) > 0);
    plain_query(&plain, 5, stream, long_query);
    cql_frame_header fh;
    REQUIRE(cql_frame_header_decode(raw.data, raw.len, true, &fh, NULL) == CQL_OK);
    CHECK(fh.self_contained);
    CHECK_EQ_INT(cql_frame_size(&fh, true), raw.len);
    CHECK_EQ_INT(fh.uncompressed_len, plain.len);
    CHECK(fh.payload_len < plain.len);
    cql_inbound *up = cql_inbound_new(NULL);
    REQUIRE(up != NULL);
    cql_inbound_set_wire(up, CQL_WIRE_FRAMES_LZ4);
    CHECK(cql_inbound_feed(up, raw.data, raw.len) == CQL_OK);
    cql_envelope *e = NULL;
    CHECK(cql_inbound_next(up, &e, NULL) == CQL_OK);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.version, 5);
    CHECK(!e->header.response);
    CHECK_EQ_INT(e->header.stream, stream);
    CHECK_EQ_INT(e->header.opcode, CQL_OP_QUERY);
    REQUIRE(e->header.length + CQL_ENVELOPE_HEADER_SIZE == plain.len);
    CHECK(memcmp(e->body, plain.data + CQL_ENVELOPE_HEADER_SIZE, e->header.length) == 0);
    cql_envelope_free(e);
    cql_inbound_free(up);

    /* The answer: Rows in an LZ4 frame that really is compressed. */
    cql_buf wire = {0};
    body_rows(&b, long_rows, 2);
    respond(&wire, FRAMES_LZ4, 5, stream, CQL_OP_RESULT, &b);
    REQUIRE(cql_frame_header_decode(wire.data, wire.len, true, &fh, NULL) == CQL_OK);
    CHECK(fh.uncompressed_len != 0 && fh.payload_len < fh.uncompressed_len);
    deliver(c, &wire, 4);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &marker);
    CHECK_EQ_INT(ev.stream, stream);
    REQUIRE(ev.response != NULL);
    CHECK_EQ_INT(cql_response_header(ev.response)->opcode, CQL_OP_RESULT);
    CHECK_EQ_INT(cql_response_result_kind(ev.response), CQL_RESULT_ROWS);
    CHECK_EQ_INT(cql_response_row_count(ev.response), 2);
    CHECK_EQ_INT(cql_response_column_count(ev.response), 1);
    cql_value cell;
    CHECK(cql_response_cell(ev.response, 1, 0, &cell) == CQL_OK);
    CHECK(cell.len == (int32_t)strlen(long_rows[1]) &&
          memcmp(cell.ptr, long_rows[1], strlen(long_rows[1])) == 0);
    cql_response_free(ev.response);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(!cql_conn_closed(c));

    cql_buf_free(&raw);
    cql_buf_free(&plain);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 3. v4 with LZ4 (v4 §5)                                                    */
/* ------------------------------------------------------------------------ */

TEST(v4_lz4_compresses_request_bodies_and_decompresses_answers)
{
    cql_conn_config cfg = {.version = 4, .compression = true};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 0));
    body_supported(&b, true);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 0);

    /* STARTUP is never compressed (v4 §5) and asks for lz4. */
    REQUIRE(read_bare(c, &h, &body, 0));
    CHECK_EQ_INT(h.opcode, CQL_OP_STARTUP);
    CHECK_EQ_INT(h.flags, 0);
    CHECK(map_has(&body, "COMPRESSION", "lz4"));
    CHECK(cql_conn_compressed(c));

    /* "messages can be compressed (including the response to the STARTUP
     * request)": READY comes back with the flag set. */
    send(c, BARE_LZ4, 4, h.stream, CQL_OP_READY, &b, 0);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(cql_conn_ready(c));

    static int marker;
    int16_t stream = -1;
    REQUIRE(cql_conn_request(c, enc_query, (void *)(uintptr_t)long_query, &marker, UINT64_MAX,
                             &stream) == CQL_OK);
    REQUIRE(read_bare(c, &h, &body, 1));
    CHECK_EQ_INT(h.version, 4);
    CHECK(!h.response);
    CHECK_EQ_INT(h.stream, stream);
    CHECK_EQ_INT(h.opcode, CQL_OP_QUERY);
    CHECK(h.flags & CQL_FLAG_COMPRESSION);
    cql_buf plain = {0};
    plain_query(&plain, 4, stream, long_query);
    uint32_t size = 0;
    REQUIRE(cql_body_lz4_size(body.data, body.len, 0, &size, NULL) == CQL_OK);
    REQUIRE(size + CQL_ENVELOPE_HEADER_SIZE == plain.len);
    uint8_t *unpacked = malloc(size);
    REQUIRE(unpacked != NULL);
    CHECK(cql_body_lz4_decompress(body.data, body.len, unpacked, size, NULL) == CQL_OK);
    CHECK(memcmp(unpacked, plain.data + CQL_ENVELOPE_HEADER_SIZE, size) == 0);
    CHECK(body.len < size); /* the text repeats: it did shrink */
    free(unpacked);

    /* A compressed Rows answer is decoded. */
    body_rows(&b, long_rows, 2);
    send(c, BARE_LZ4, 4, stream, CQL_OP_RESULT, &b, 2);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &marker);
    REQUIRE(ev.response != NULL);
    CHECK_EQ_INT(cql_response_result_kind(ev.response), CQL_RESULT_ROWS);
    CHECK_EQ_INT(cql_response_row_count(ev.response), 2);
    cql_value cell;
    CHECK(cql_response_cell(ev.response, 0, 0, &cell) == CQL_OK);
    CHECK(cell.len == (int32_t)strlen(long_rows[0]) &&
          memcmp(cell.ptr, long_rows[0], strlen(long_rows[0])) == 0);
    cql_response_free(ev.response);

    /* "Frames do not have to be compressed": an uncompressed answer is fine. */
    REQUIRE(cql_conn_request(c, enc_options, NULL, &marker, UINT64_MAX, &stream) == CQL_OK);
    REQUIRE(read_bare(c, &h, &body, 3));
    CHECK(h.flags & CQL_FLAG_COMPRESSION); /* even an empty body goes compressed */
    CHECK(cql_body_lz4_size(body.data, body.len, 0, &size, NULL) == CQL_OK && size == 0);
    body_void(&b);
    send(c, BARE, 4, stream, CQL_OP_RESULT, &b, 4);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK_EQ_INT(cql_response_result_kind(ev.response), CQL_RESULT_VOID);
    cql_response_free(ev.response);
    CHECK(!cql_conn_closed(c));
    CHECK_EQ_INT(drop_events(c), 0);

    cql_buf_free(&plain);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 4. PLAIN authentication                                                   */
/* ------------------------------------------------------------------------ */

/* Checks a QUERY body (§4.1.4): the text, consistency ONE, and the flags
 * field's width ([byte] in v4, [int] in v5) with no flag set. */
static void check_use_query(const uint8_t *body, size_t len, uint8_t version, const char *text)
{
    cursor r = cursor_of(body, len);
    cql_str q = rd_long_string(&r);
    CHECK(r.ok && STR_EQ(q, text));
    CHECK_EQ_INT(rd16(&r), CQL_CONSISTENCY_ONE);
    if (version >= 5) {
        CHECK_EQ_INT(rd32(&r), 0);
    } else {
        CHECK(has(&r, 1) && r.p[r.pos] == 0);
        r.pos++;
    }
    CHECK(r.ok && r.pos == len);
}

/* A connection brought to the point where the server answered STARTUP with
 * AUTHENTICATE (bare, as v5 §2.3.1 says for v5 too). */
static cql_conn *open_until_authenticate(const cql_conn_config *cfg, bool lz4)
{
    cql_conn *c = cql_conn_new(cfg, 0);
    if (c == NULL)
        return NULL;
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    bool ok = read_bare(c, &h, &body, 0) && h.opcode == CQL_OP_OPTIONS;
    if (ok) {
        body_supported(&b, lz4);
        send(c, BARE, cfg->version, h.stream, CQL_OP_SUPPORTED, &b, 0);
        ok = read_bare(c, &h, &body, 0) && h.opcode == CQL_OP_STARTUP;
    }
    if (ok) {
        body_authenticate(&b);
        send(c, BARE, cfg->version, h.stream, CQL_OP_AUTHENTICATE, &b, 0);
    }
    cql_buf_free(&body);
    if (!ok) {
        cql_conn_free(c);
        return NULL;
    }
    return c;
}

/* The [bytes] token of an AUTH_RESPONSE body is "\0user\0pass". */
static bool is_plain_token(const uint8_t *body, size_t len)
{
    static const char token[] = "\0user\0pass";
    cursor r = cursor_of(body, len);
    cql_str t = rd_long_string(&r);
    return r.ok && r.pos == len && t.len == sizeof token - 1 && memcmp(t.ptr, token, t.len) == 0;
}

TEST(plain_authentication_sends_user_and_password_then_is_ready)
{
    cql_conn_config cfg = {.version = 4, .username = "user", .password = "pass"};
    cql_conn *c = open_until_authenticate(&cfg, false);
    REQUIRE(c != NULL);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev));
    CHECK(!cql_conn_ready(c));
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 1));
    CHECK_EQ_INT(h.opcode, CQL_OP_AUTH_RESPONSE);
    CHECK_EQ_INT(h.version, 4);
    CHECK(is_plain_token(body.data, body.len));

    body_auth_success(&b);
    send(c, BARE, 4, h.stream, CQL_OP_AUTH_SUCCESS, &b, 2);
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(drop_events(c), 0);
    cql_buf_free(&body);
    cql_conn_free(c);
}

TEST(v5_auth_response_and_auth_success_are_framed_after_authenticate)
{
    cql_conn_config cfg = {.version = 5,
                           .compression = true,
                           .username = "user",
                           .password = "pass",
                           .keyspace = "ks"};
    cql_conn *c = open_until_authenticate(&cfg, true);
    REQUIRE(c != NULL);
    cql_inbound *up = cql_inbound_new(NULL);
    REQUIRE(up != NULL);
    cql_inbound_set_wire(up, CQL_WIRE_FRAMES_LZ4);
    cql_envelope *e = read_framed(c, up, 1);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.version, 5);
    CHECK_EQ_INT(e->header.opcode, CQL_OP_AUTH_RESPONSE);
    CHECK(is_plain_token(e->body, e->header.length));
    int16_t stream = e->header.stream;
    cql_envelope_free(e);

    cql_buf b = {0};
    body_auth_success(&b);
    send(c, FRAMES_LZ4, 5, stream, CQL_OP_AUTH_SUCCESS, &b, 2);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev)); /* the keyspace first */

    /* Then the USE, framed too, and its Set_keyspace. */
    e = read_framed(c, up, 2);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.opcode, CQL_OP_QUERY);
    check_use_query(e->body, e->header.length, 5, "USE \"ks\"");
    stream = e->header.stream;
    cql_envelope_free(e);
    body_set_keyspace(&b, "ks");
    send(c, FRAMES_LZ4, 5, stream, CQL_OP_RESULT, &b, 3);
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(cql_conn_ready(c));
    CHECK(!cql_conn_closed(c));
    cql_inbound_free(up);
    cql_conn_free(c);
}

TEST(authenticate_without_credentials_closes_with_a_clear_error)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_until_authenticate(&cfg, false);
    REQUIRE(c != NULL);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_closed(c));
    CHECK(!cql_conn_ready(c));
    const cql_conn_error *err = cql_conn_error_of(c);
    CHECK(err->rc != CQL_OK);
    REQUIRE(err->what != NULL);
    CHECK(strstr(err->what, "authentication") != NULL);
    CHECK(strstr(err->what, "credentials") != NULL);
    CHECK(!err->version_refused);
    CHECK_EQ_INT(pull(c, NULL, 1), 0); /* no AUTH_RESPONSE went out */
    cql_conn_free(c);

    /* A username without a password is no credentials either. */
    cql_conn_config half = {.version = 4, .username = "user"};
    c = open_until_authenticate(&half, false);
    REQUIRE(c != NULL);
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK(cql_conn_closed(c));
    cql_conn_free(c);
}

TEST(bad_credentials_close_with_the_server_error_kept)
{
    cql_conn_config cfg = {.version = 4, .username = "user", .password = "wrong"};
    cql_conn *c = open_until_authenticate(&cfg, false);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 1));
    CHECK_EQ_INT(h.opcode, CQL_OP_AUTH_RESPONSE);
    static const char msg[] = "Provided username user and/or password are incorrect";
    body_error(&b, CQL_ERROR_BAD_CREDENTIALS, msg);
    send(c, BARE, 4, h.stream, CQL_OP_ERROR, &b, 2);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK(ev.response == NULL);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(!cql_conn_ready(c));
    const cql_conn_error *err = cql_conn_error_of(c);
    CHECK_EQ_INT(err->rc, CQL_E_SERVER);
    CHECK_EQ_INT(err->server_code, CQL_ERROR_BAD_CREDENTIALS);
    CHECK(strcmp(err->server_message, msg) == 0);
    CHECK(err->what != NULL);
    CHECK(!err->version_refused);
    cql_buf_free(&body);
    cql_conn_free(c);
}

TEST(auth_challenge_beyond_plain_closes)
{
    cql_conn_config cfg = {.version = 4, .username = "user", .password = "pass"};
    cql_conn *c = open_until_authenticate(&cfg, false);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 1));
    cql_buf_put_bytes(&b, "more?", 5);
    send(c, BARE, 4, h.stream, CQL_OP_AUTH_CHALLENGE, &b, 2);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_PROTOCOL);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 5. Keyspace at connect                                                    */
/* ------------------------------------------------------------------------ */

TEST(keyspace_at_connect_is_used_before_ready)
{
    /* v5 without compression: the USE goes out in an uncompressed frame. */
    cql_conn_config cfg = {.version = 5, .keyspace = "ks"};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 0));
    body_supported(&b, false);
    send(c, BARE, 5, h.stream, CQL_OP_SUPPORTED, &b, 0);
    REQUIRE(read_bare(c, &h, &body, 0));
    CHECK(!map_has(&body, "COMPRESSION", "lz4"));
    send(c, BARE, 5, h.stream, CQL_OP_READY, &b, 1);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev)); /* not yet: the keyspace first */
    CHECK(!cql_conn_ready(c));
    CHECK(cql_conn_request(c, enc_options, NULL, NULL, UINT64_MAX, NULL) == CQL_E_CLOSED);

    cql_buf raw = {0};
    REQUIRE(pull(c, &raw, 1) > 0);
    cql_frame_header fh;
    REQUIRE(cql_frame_header_decode(raw.data, raw.len, false, &fh, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_frame_size(&fh, false), raw.len);
    cql_inbound *up = cql_inbound_new(NULL);
    REQUIRE(up != NULL);
    cql_inbound_set_wire(up, CQL_WIRE_FRAMES);
    CHECK(cql_inbound_feed(up, raw.data, raw.len) == CQL_OK);
    cql_buf_free(&raw);
    cql_envelope *e = read_framed(c, up, 1);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.opcode, CQL_OP_QUERY);
    CHECK_EQ_INT(e->header.version, 5);
    check_use_query(e->body, e->header.length, 5, "USE \"ks\"");
    int16_t stream = e->header.stream;
    cql_envelope_free(e);

    body_set_keyspace(&b, "ks");
    send(c, FRAMES, 5, stream, CQL_OP_RESULT, &b, 2);
    REQUIRE(take_event(c, CQL_CONN_READY, &ev));
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    cql_inbound_free(up);
    cql_buf_free(&body);
    cql_conn_free(c);
}

TEST(keyspace_refused_at_connect_closes)
{
    /* v4, with a name that needs its quote doubled. */
    cql_conn_config cfg = {.version = 4, .keyspace = "no\"such"};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 0));
    body_supported(&b, false);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 0);
    REQUIRE(read_bare(c, &h, &body, 0));
    send(c, BARE, 4, h.stream, CQL_OP_READY, &b, 1);
    REQUIRE(read_bare(c, &h, &body, 1));
    CHECK_EQ_INT(h.opcode, CQL_OP_QUERY);
    check_use_query(body.data, body.len, 4, "USE \"no\"\"such\"");

    static const char msg[] = "Keyspace 'no\"such' does not exist";
    body_error(&b, CQL_ERROR_INVALID, msg);
    send(c, BARE, 4, h.stream, CQL_OP_ERROR, &b, 2);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0); /* and never a READY */
    CHECK(!cql_conn_ready(c));
    const cql_conn_error *err = cql_conn_error_of(c);
    CHECK_EQ_INT(err->rc, CQL_E_SERVER);
    CHECK_EQ_INT(err->server_code, CQL_ERROR_INVALID);
    CHECK(strcmp(err->server_message, msg) == 0);
    CHECK(!err->version_refused);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 6. Version refused                                                        */
/* ------------------------------------------------------------------------ */

TEST(refused_protocol_version_closes_with_version_refused)
{
    static const char msg[] =
        "Invalid or unsupported protocol version (5); supported versions are (3/v3, 4/v4)";
    /* The server answers in a version it speaks (here 4), or in the one asked. */
    for (uint8_t answer_version = 4; answer_version <= 5; answer_version++) {
        cql_conn_config cfg = {.version = 5, .compression = true};
        cql_conn *c = cql_conn_new(&cfg, 0);
        REQUIRE(c != NULL);
        cql_envelope_header h;
        cql_buf b = {0}, body = {0};
        REQUIRE(read_bare(c, &h, &body, 0));
        CHECK_EQ_INT(h.opcode, CQL_OP_OPTIONS);
        body_error(&b, CQL_ERROR_PROTOCOL, msg);
        send(c, BARE, answer_version, h.stream, CQL_OP_ERROR, &b, 1);
        cql_conn_event ev;
        REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
        CHECK_EQ_INT(drop_events(c), 0);
        const cql_conn_error *err = cql_conn_error_of(c);
        CHECK(err->version_refused);
        CHECK_EQ_INT(err->rc, CQL_E_SERVER);
        CHECK_EQ_INT(err->server_code, CQL_ERROR_PROTOCOL);
        CHECK(strcmp(err->server_message, msg) == 0);
        CHECK(err->what != NULL);
        CHECK(cql_conn_closed(c));
        cql_buf_free(&body);
        cql_conn_free(c);
    }

    /* Another PROTOCOL_ERROR (here to STARTUP) is not a refused version. */
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 0));
    body_supported(&b, false);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 0);
    REQUIRE(read_bare(c, &h, &body, 0));
    body_error(&b, CQL_ERROR_PROTOCOL, "Unknown compression algorithm: zstd");
    send(c, BARE, 4, h.stream, CQL_OP_ERROR, &b, 1);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK(!cql_conn_error_of(c)->version_refused);
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_SERVER);
    cql_buf_free(&body);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 7. Exactly once                                                           */
/* ------------------------------------------------------------------------ */

/* A RESULT Void on `stream` from a v4 server, delivered at now. */
static void answer_void(cql_conn *c, int16_t stream, uint64_t now)
{
    cql_buf b = {0};
    body_void(&b);
    send(c, BARE, 4, stream, CQL_OP_RESULT, &b, now);
}

/* Two answers in one read: the first one's receiver abandons the second,
 * whose RESPONSE is queued already; it is taken back, never handed out. */
TEST(abandoning_a_request_whose_answer_is_queued_takes_the_answer_back)
{
    cql_conn_config cfg = {.version = 4, .heartbeat_ms = 1000000, .idle_timeout_ms = 1000000};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int ua, ub, uc;
    int16_t sa, sb, sc;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &ua, 1000, &sa) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &ub, 1000, &sb) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 3", &uc, 1000, &sc) == CQL_OK);
    pull(c, NULL, 1);
    cql_buf wire = {0};
    cql_buf body = {0};
    body_void(&body);
    put_envelope(&wire, 4, 0, sa, CQL_OP_RESULT, &body);
    put_envelope(&wire, 4, 0, sb, CQL_OP_RESULT, &body);
    deliver(c, &wire, 10);
    cql_buf_free(&body);
    cql_conn_event ev;
    REQUIRE(cql_conn_next_event(c, &ev));
    CHECK(ev.kind == CQL_CONN_RESPONSE && ev.user == &ua);
    cql_response_free(ev.response);
    CHECK(cql_conn_abandon(c, sb, &ub));   /* its answer is queued: taken back */
    CHECK(!cql_conn_abandon(c, sb, &ub));  /* once */
    CHECK(!cql_conn_abandon(c, sc, &ub));  /* the pair must match */
    CHECK(cql_conn_abandon(c, sc, &uc));   /* still waiting: abandoned as before */
    CHECK_EQ_INT(drop_events(c), 0);       /* nothing carries ub or uc */
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 1); /* sc, until its late answer */
    cql_conn_free(c);
}

TEST(every_request_ends_in_exactly_one_event_or_none_when_abandoned)
{
    cql_conn_config cfg = {.version = 4, .heartbeat_ms = 1000000, .idle_timeout_ms = 1000000};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int ua, ub, uc, ud;
    cql_conn_event ev;

    /* Answered: one RESPONSE, and its deadline later passes in silence. */
    int16_t sa, sb, sc, sd;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &ua, 1000, &sa) == CQL_OK);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);
    pull(c, NULL, 1);
    answer_void(c, sa, 10);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &ua);
    CHECK_EQ_INT(ev.stream, sa);
    cql_response_free(ev.response);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 1000010); /* the heartbeat, not 1000 */
    cql_conn_tick(c, 1000);
    cql_conn_tick(c, 5000);
    CHECK_EQ_INT(drop_events(c), 0);

    /* Timed out: one TIMEOUT; the id stays reserved until the late answer. */
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &ub, 7000, &sb) == CQL_OK);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);
    pull(c, NULL, 5001);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 7000);
    cql_conn_tick(c, 6999);
    CHECK(!cql_conn_next_event(c, &ev));
    cql_conn_tick(c, 7000);
    REQUIRE(take_event(c, CQL_CONN_TIMEOUT, &ev));
    CHECK(ev.user == &ub);
    CHECK_EQ_INT(ev.stream, sb);
    CHECK(ev.response == NULL);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 1);
    cql_conn_tick(c, 7001);
    cql_conn_tick(c, 9000);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(!cql_conn_abandon(c, sb, &ub)); /* no longer waiting */

    /* While reserved, the id is not handed out again. */
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 3", &uc, UINT64_MAX, &sc) == CQL_OK);
    CHECK(sc != sb);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);
    pull(c, NULL, 9000);

    /* The late answer: dropped, no event, the id freed. */
    answer_void(c, sb, 9001);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);
    CHECK(cql_conn_ready(c));

    /* Abandoned: no event at all, not even when its answer comes. */
    CHECK(!cql_conn_abandon(c, sc, &ub)); /* the id, but not this request's pointer */
    CHECK(cql_conn_abandon(c, sc, &uc));
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 1);
    CHECK(!cql_conn_abandon(c, sc, &uc));
    CHECK(!cql_conn_abandon(c, -1, NULL));
    CHECK(!cql_conn_abandon(c, 32767, NULL));
    answer_void(c, sc, 9002);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);

    /* Abandoned before its deadline: the deadline passes without a TIMEOUT. */
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 4", &ud, 10000, &sd) == CQL_OK);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 10000);
    CHECK(cql_conn_abandon(c, sd, &ud));
    CHECK(cql_conn_next_deadline(c) > 10000); /* no TIMEOUT is coming */
    cql_conn_tick(c, 10000);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 1);
    answer_void(c, sd, 10001);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);

    /* Both freed ids are in use again without complaint. */
    int16_t s1, s2;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 5", &ua, UINT64_MAX, &s1) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 6", &ub, UINT64_MAX, &s2) == CQL_OK);
    answer_void(c, s2, 10002);
    answer_void(c, s1, 10003);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &ub);
    cql_response_free(ev.response);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &ua);
    cql_response_free(ev.response);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(!cql_conn_closed(c));
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 8. Failure                                                                */
/* ------------------------------------------------------------------------ */

/* After a failure with requests u1 and u2 waiting: FAILED for each (in any
 * order), then CLOSED, then nothing; the ledger empty and requests refused. */
static void check_failed_then_closed(cql_conn *c, void *u1, void *u2)
{
    cql_conn_event ev;
    bool seen1 = false, seen2 = false;
    for (int i = 0; i < 2; i++) {
        if (!take_event(c, CQL_CONN_FAILED, &ev))
            break;
        CHECK(ev.response == NULL);
        seen1 = seen1 || ev.user == u1;
        seen2 = seen2 || ev.user == u2;
    }
    CHECK(seen1 && seen2);
    CHECK(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_closed(c));
    CHECK(!cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    int16_t s = -1;
    CHECK(cql_conn_request(c, enc_options, NULL, u1, UINT64_MAX, &s) == CQL_E_CLOSED);
    size_t len = 1, cap = 1;
    CHECK(cql_conn_output(c, &len) == NULL && len == 0);
    CHECK(cql_conn_input_space(c, &cap) == NULL && cap == 0);
    CHECK_EQ_INT(cql_conn_next_deadline(c), UINT64_MAX);
    /* Nothing more happens, whatever is done to it. */
    cql_conn_fail(c, CQL_E_NETWORK, "again");
    cql_conn_tick(c, UINT64_MAX - 1);
    cql_conn_received(c, 0, 1);
    CHECK_EQ_INT(drop_events(c), 0);
}

TEST(failure_fails_every_waiting_request_then_closes_once)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int u1, u2, u3, u4;
    int16_t s3, s4;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u1, 500, NULL) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &u2, UINT64_MAX, NULL) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 3", &u3, UINT64_MAX, &s3) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 4", &u4, 100, &s4) == CQL_OK);
    CHECK(cql_conn_abandon(c, s3, &u3));
    cql_conn_tick(c, 100);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_TIMEOUT, &ev));
    CHECK(ev.user == &u4);
    CHECK_EQ_INT(cql_conn_in_flight(c), 2);
    CHECK_EQ_INT(cql_conn_reserved(c), 2);

    cql_conn_fail(c, CQL_E_NETWORK, "connection reset by peer");
    check_failed_then_closed(c, &u1, &u2);
    const cql_conn_error *err = cql_conn_error_of(c);
    CHECK_EQ_INT(err->rc, CQL_E_NETWORK);
    CHECK(err->what != NULL && strcmp(err->what, "connection reset by peer") == 0);
    cql_conn_tick(c, 500); /* u1's deadline: no TIMEOUT after FAILED */
    CHECK_EQ_INT(drop_events(c), 0);
    cql_conn_free(c);
}

TEST(malformed_bytes_from_the_server_fail_waiting_requests_then_close)
{
    /* v5 framed: a frame whose header CRC24 is wrong. */
    cql_conn_config cfg = {.version = 5};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int u1, u2;
    int16_t s1;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u1, UINT64_MAX, &s1) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &u2, UINT64_MAX, NULL) == CQL_OK);
    pull(c, NULL, 1);
    cql_buf wire = {0}, b = {0};
    body_void(&b);
    respond(&wire, FRAMES, 5, s1, CQL_OP_RESULT, &b);
    wire.data[3] ^= 0x01;
    deliver(c, &wire, 2);
    check_failed_then_closed(c, &u1, &u2);
    const cql_conn_error *err = cql_conn_error_of(c);
    CHECK_EQ_INT(err->rc, CQL_E_MALFORMED);
    CHECK_EQ_INT(err->diag.rc, CQL_E_MALFORMED);
    CHECK(err->diag.what != NULL);
    CHECK(err->what != NULL);
    cql_conn_free(c);

    /* v4 bare: an envelope whose version byte is no protocol version. */
    cql_conn_config cfg4 = {.version = 4};
    c = open_ready(&cfg4, false, 0);
    REQUIRE(c != NULL);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u1, UINT64_MAX, &s1) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &u2, UINT64_MAX, NULL) == CQL_OK);
    static const uint8_t junk[] = {0x8a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x04};
    feed_chunks(c, junk, sizeof junk, 0, 3);
    check_failed_then_closed(c, &u1, &u2);
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_PROTOCOL);
    cql_conn_free(c);

    /* A well-framed response whose body does not decode (a truncated Rows). */
    c = open_ready(&cfg4, false, 0);
    REQUIRE(c != NULL);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u1, UINT64_MAX, &s1) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &u2, UINT64_MAX, NULL) == CQL_OK);
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0001);
    send(c, BARE, 4, s1, CQL_OP_RESULT, &b, 4);
    check_failed_then_closed(c, &u1, &u2);
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_TRUNCATED);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 9. Stream ids                                                             */
/* ------------------------------------------------------------------------ */

TEST(all_32768_ids_in_flight_gives_busy_until_an_answer_frees_one)
{
    cql_conn_config cfg = {.version = 4, .heartbeat_ms = 1000, .idle_timeout_ms = 5000};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    uintptr_t *user_of = calloc(CQL_CONN_MAX_STREAMS, sizeof *user_of);
    REQUIRE(user_of != NULL);
    bool distinct = true, in_range = true;
    for (uintptr_t i = 0; i < CQL_CONN_MAX_STREAMS; i++) {
        int16_t s = -1;
        cql_rc rc = cql_conn_request(c, enc_options, NULL, (void *)(i + 1), UINT64_MAX, &s);
        if (rc != CQL_OK) {
            fprintf(stderr, "  request %zu: %s\n", (size_t)i, cql_rc_str(rc));
            CHECK(rc == CQL_OK);
            break;
        }
        if (s < 0) {
            in_range = false;
            continue;
        }
        if (user_of[s] != 0)
            distinct = false;
        user_of[s] = i + 1;
        if (i % 4096 == 0)
            pull(c, NULL, 1);
    }
    CHECK(distinct);
    CHECK(in_range);
    pull(c, NULL, 1);
    CHECK_EQ_INT(cql_conn_in_flight(c), CQL_CONN_MAX_STREAMS);

    int16_t s = -1;
    CHECK(cql_conn_request(c, enc_options, NULL, NULL, UINT64_MAX, &s) == CQL_E_BUSY);
    CHECK_EQ_INT(pull(c, NULL, 2), 0); /* nothing was sent */
    CHECK_EQ_INT(cql_conn_in_flight(c), CQL_CONN_MAX_STREAMS);

    cql_buf b = {0};
    body_supported(&b, false);
    send(c, BARE, 4, 12345, CQL_OP_SUPPORTED, &b, 3);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK_EQ_INT(ev.stream, 12345);
    CHECK(ev.user == (void *)user_of[12345]);
    CHECK(cql_response_supported(ev.response) != NULL);
    cql_response_free(ev.response);
    CHECK_EQ_INT(cql_conn_in_flight(c), CQL_CONN_MAX_STREAMS - 1);

    static int again;
    CHECK(cql_conn_request(c, enc_options, NULL, &again, UINT64_MAX, &s) == CQL_OK);
    CHECK_EQ_INT(s, 12345);
    CHECK(cql_conn_request(c, enc_options, NULL, NULL, UINT64_MAX, &s) == CQL_E_BUSY);
    body_supported(&b, false);
    send(c, BARE, 4, 12345, CQL_OP_SUPPORTED, &b, 4);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &again);
    cql_response_free(ev.response);
    CHECK_EQ_INT(drop_events(c), 0);

    /* Every id held again, and then a whole heartbeat period of silence
     * from the server: no heartbeat can be sent, so the connection is
     * declared dead (rather than answering BUSY forever), failing every
     * waiting request once. */
    CHECK(cql_conn_request(c, enc_options, NULL, &again, UINT64_MAX, &s) == CQL_OK);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 1004); /* last heard at 4 */
    cql_conn_tick(c, 1003);
    CHECK(!cql_conn_closed(c));
    cql_conn_tick(c, 1004);
    CHECK(cql_conn_closed(c));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_TIMEOUT);
    size_t failed = 0, closed = 0;
    cql_conn_event e;
    while (cql_conn_next_event(c, &e)) {
        failed += e.kind == CQL_CONN_FAILED;
        closed += e.kind == CQL_CONN_CLOSED;
    }
    CHECK_EQ_INT(failed, CQL_CONN_MAX_STREAMS); /* FAILED each, then CLOSED */
    CHECK_EQ_INT(closed, 1);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    free(user_of);
    cql_conn_free(c);
}

TEST(requests_are_refused_before_ready_and_an_encoder_error_sends_nothing)
{
    CHECK(cql_conn_new(NULL, 0) == NULL);
    CHECK(cql_conn_new(&(cql_conn_config){.version = 3}, 0) == NULL);
    CHECK(cql_conn_new(&(cql_conn_config){.version = 6}, 0) == NULL);

    cql_conn_config cfg = {.version = 4};
    cql_conn *c = cql_conn_new(&cfg, 0);
    REQUIRE(c != NULL);
    int16_t s = -1;
    CHECK(cql_conn_request(c, enc_options, NULL, NULL, UINT64_MAX, &s) == CQL_E_CLOSED);
    CHECK(cql_conn_request(c, NULL, NULL, NULL, UINT64_MAX, &s) == CQL_E_ARG);
    cql_conn_free(c);

    c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    CHECK(cql_conn_request(c, enc_refuse, NULL, NULL, UINT64_MAX, &s) == CQL_E_ARG);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(pull(c, NULL, 1), 0);
    /* The id it would have taken stays free for the next request. */
    int16_t s2 = -1;
    CHECK(cql_conn_request(c, enc_options, NULL, NULL, UINT64_MAX, &s2) == CQL_OK);
    CHECK(s2 >= 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 1);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev));
    cql_conn_free(c);
}

TEST(v5_without_compression_uses_plain_frames_even_when_lz4_is_offered)
{
    cql_conn_config cfg = {.version = 5, .compression = false};
    cql_conn *c = open_ready(&cfg, true, 0);
    REQUIRE(c != NULL);
    CHECK(!cql_conn_compressed(c));
    int u;
    int16_t s;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u, UINT64_MAX, &s) == CQL_OK);
    cql_buf raw = {0};
    REQUIRE(pull(c, &raw, 1) > 0);
    cql_frame_header fh;
    REQUIRE(cql_frame_header_decode(raw.data, raw.len, false, &fh, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_frame_size(&fh, false), raw.len);
    CHECK(fh.self_contained);
    cql_buf plain = {0};
    plain_query(&plain, 5, s, "SELECT 1");
    CHECK_EQ_INT(fh.payload_len, plain.len);
    CHECK(fh.payload_len == plain.len &&
          memcmp(raw.data + CQL_FRAME_HEADER_SIZE, plain.data, plain.len) == 0);
    cql_buf b = {0};
    body_void(&b);
    send(c, FRAMES, 5, s, CQL_OP_RESULT, &b, 2);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &u);
    cql_response_free(ev.response);
    cql_buf_free(&raw);
    cql_buf_free(&plain);
    cql_conn_free(c);
}

/* A NUL-terminated text of n bytes that LZ4 shrinks. */
static char *big_text(size_t n)
{
    char *t = malloc(n + 1);
    if (t != NULL) {
        fill_text((uint8_t *)t, n);
        t[n] = '\0';
    }
    return t;
}

TEST(v5_requests_share_frames_and_ones_larger_than_a_frame_are_split_both_ways)
{
    cql_conn_config cfg = {.version = 5, .compression = true};
    cql_conn *c = open_ready(&cfg, true, 0);
    REQUIRE(c != NULL);
    cql_inbound *up = cql_inbound_new(NULL);
    REQUIRE(up != NULL);
    cql_inbound_set_wire(up, CQL_WIRE_FRAMES_LZ4);

    /* Two requests queued before a write share one self-contained frame. */
    int u1, u2, u3;
    int16_t s1, s2, s3;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u1, UINT64_MAX, &s1) == CQL_OK);
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 2", &u2, UINT64_MAX, &s2) == CQL_OK);
    cql_buf raw = {0};
    REQUIRE(pull(c, &raw, 1) > 0);
    cql_frame_header fh;
    REQUIRE(cql_frame_header_decode(raw.data, raw.len, true, &fh, NULL) == CQL_OK);
    CHECK_EQ_INT(cql_frame_size(&fh, true), raw.len);
    CHECK(fh.self_contained);
    CHECK(cql_inbound_feed(up, raw.data, raw.len) == CQL_OK);
    cql_buf_free(&raw);
    cql_envelope *e = read_framed(c, up, 1);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.stream, s1);
    cql_envelope_free(e);
    e = read_framed(c, up, 1);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.stream, s2);
    cql_envelope_free(e);

    /* A 300 kB query: split over several frames, written 1000 bytes at a
     * time, with another request queued after the first piece went out. */
    enum { BIG = 300000 };
    char *q = big_text(BIG);
    REQUIRE(q != NULL);
    int ubig;
    int16_t sbig;
    REQUIRE(cql_conn_request(c, enc_query, q, &ubig, UINT64_MAX, &sbig) == CQL_OK);
    bool queued = false;
    for (;;) {
        size_t len = 0;
        const uint8_t *p = cql_conn_output(c, &len);
        if (len == 0)
            break;
        size_t k = len < 1000 ? len : 1000;
        cql_buf_put(&raw, p, k);
        cql_conn_written(c, k, 2);
        if (!queued) {
            REQUIRE(cql_conn_request(c, enc_query, "SELECT 3", &u3, UINT64_MAX, &s3) == CQL_OK);
            queued = true;
        }
    }
    REQUIRE(cql_frame_header_decode(raw.data, raw.len, true, &fh, NULL) == CQL_OK);
    CHECK(!fh.self_contained); /* the big envelope's first part */
    CHECK(cql_inbound_feed(up, raw.data, raw.len) == CQL_OK);
    cql_buf_free(&raw);
    cql_buf plain = {0};
    plain_query(&plain, 5, sbig, q);
    e = read_framed(c, up, 2);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.stream, sbig);
    CHECK(e->header.length + CQL_ENVELOPE_HEADER_SIZE == plain.len &&
          memcmp(e->body, plain.data + CQL_ENVELOPE_HEADER_SIZE, e->header.length) == 0);
    cql_envelope_free(e);
    e = read_framed(c, up, 2);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.stream, s3);
    cql_envelope_free(e);
    CHECK(read_framed(c, up, 2) == NULL);
    cql_buf_free(&plain);

    /* A 200 kB Rows answer split over frames, delivered 7000 bytes at a time;
     * the small answers come around it. */
    cql_buf b = {0}, wire = {0};
    body_void(&b);
    respond(&wire, FRAMES_LZ4, 5, s2, CQL_OP_RESULT, &b);
    q[200000] = '\0';
    const char *rows[1] = {q};
    body_rows(&b, rows, 1);
    respond(&wire, FRAMES_LZ4, 5, sbig, CQL_OP_RESULT, &b);
    body_void(&b);
    respond(&wire, FRAMES_LZ4, 5, s1, CQL_OP_RESULT, &b);
    body_void(&b);
    respond(&wire, FRAMES_LZ4, 5, s3, CQL_OP_RESULT, &b);
    feed_chunks(c, wire.data, wire.len, 7000, 3);
    cql_buf_free(&wire);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &u2);
    cql_response_free(ev.response);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &ubig);
    cql_value cell;
    CHECK(cql_response_cell(ev.response, 0, 0, &cell) == CQL_OK);
    CHECK(cell.len == 200000 && memcmp(cell.ptr, q, 200000) == 0);
    cql_response_free(ev.response);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &u1);
    cql_response_free(ev.response);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    CHECK(ev.user == &u3);
    cql_response_free(ev.response);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    free(q);
    cql_inbound_free(up);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 10. Heartbeat                                                             */
/* ------------------------------------------------------------------------ */

TEST(heartbeat_is_sent_when_idle_and_an_unanswered_one_kills_the_connection)
{
    cql_conn_config cfg = {.version = 4, .heartbeat_ms = 1000, .idle_timeout_ms = 3000};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    cql_conn_event ev;

    CHECK_EQ_INT(cql_conn_next_deadline(c), 1000);
    cql_conn_tick(c, 999);
    CHECK_EQ_INT(pull(c, NULL, 999), 0);
    cql_conn_tick(c, 1000);
    REQUIRE(read_bare(c, &h, &body, 1000));
    CHECK_EQ_INT(h.opcode, CQL_OP_OPTIONS);
    CHECK_EQ_INT(h.version, 4);
    CHECK_EQ_INT(h.length, 0);
    CHECK(h.stream >= 0);
    CHECK(!cql_conn_next_event(c, &ev));
    CHECK_EQ_INT(cql_conn_in_flight(c), 0); /* not a user request */
    CHECK_EQ_INT(cql_conn_next_deadline(c), 4000);
    cql_conn_tick(c, 1500); /* one heartbeat at a time */
    CHECK_EQ_INT(pull(c, NULL, 1500), 0);

    /* Answered: nothing else happens; the next one is due a period later. */
    body_supported(&b, false);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 1600);
    CHECK(!cql_conn_next_event(c, &ev));
    CHECK_EQ_INT(pull(c, NULL, 1600), 0);
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_next_deadline(c), 2600);
    cql_conn_tick(c, 4000); /* past the first beat's idle death: it was answered */
    CHECK(cql_conn_ready(c));
    CHECK(read_bare(c, &h, &body, 4000)); /* the second beat, due since 2600 */
    CHECK_EQ_INT(h.opcode, CQL_OP_OPTIONS);
    body_supported(&b, false);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 4100);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 5100);

    /* Traffic puts the heartbeat off; a request deadline comes first when
     * it is earlier. */
    int u;
    int16_t s;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u, 5050, &s) == CQL_OK);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 5050);
    pull(c, NULL, 4500); /* written at 4500 */
    answer_void(c, s, 4600);
    REQUIRE(take_event(c, CQL_CONN_RESPONSE, &ev));
    cql_response_free(ev.response);
    /* Answered, its deadline is nothing to wake up for. */
    CHECK_EQ_INT(cql_conn_next_deadline(c), 5600);
    cql_conn_tick(c, 5050);
    CHECK(!cql_conn_next_event(c, &ev));
    CHECK_EQ_INT(cql_conn_next_deadline(c), 5600);
    cql_conn_tick(c, 5599);
    CHECK_EQ_INT(pull(c, NULL, 5599), 0);

    /* Unanswered past idle_timeout_ms: CLOSED with CQL_E_TIMEOUT. */
    cql_conn_tick(c, 5600);
    REQUIRE(read_bare(c, &h, &body, 5600));
    CHECK_EQ_INT(h.opcode, CQL_OP_OPTIONS);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 8600);
    cql_conn_tick(c, 8599);
    CHECK(!cql_conn_closed(c));
    CHECK(!cql_conn_next_event(c, &ev));
    cql_conn_tick(c, 8600);
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_closed(c));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_TIMEOUT);
    CHECK(cql_conn_error_of(c)->what != NULL);
    CHECK_EQ_INT(cql_conn_next_deadline(c), UINT64_MAX);
    cql_buf_free(&body);
    cql_conn_free(c);
}

TEST(v5_heartbeat_goes_out_framed)
{
    cql_conn_config cfg = {.version = 5, .compression = true, .heartbeat_ms = 100};
    cql_conn *c = open_ready(&cfg, true, 0);
    REQUIRE(c != NULL);
    cql_conn_tick(c, 100);
    cql_inbound *up = cql_inbound_new(NULL);
    REQUIRE(up != NULL);
    cql_inbound_set_wire(up, CQL_WIRE_FRAMES_LZ4);
    cql_envelope *e = read_framed(c, up, 100);
    REQUIRE(e != NULL);
    CHECK_EQ_INT(e->header.opcode, CQL_OP_OPTIONS);
    CHECK_EQ_INT(e->header.version, 5);
    cql_buf b = {0};
    body_supported(&b, true);
    send(c, FRAMES_LZ4, 5, e->header.stream, CQL_OP_SUPPORTED, &b, 150);
    cql_envelope_free(e);
    cql_inbound_free(up);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_next_deadline(c), 250);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 11. Connect timeout                                                       */
/* ------------------------------------------------------------------------ */

TEST(connect_timeout_fails_a_handshake_that_does_not_finish)
{
    cql_conn_config cfg = {.version = 4, .connect_timeout_ms = 2000};
    cql_conn *c = cql_conn_new(&cfg, 100);
    REQUIRE(c != NULL);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 2100);
    cql_envelope_header h;
    cql_buf b = {0}, body = {0};
    REQUIRE(read_bare(c, &h, &body, 100));
    body_supported(&b, false);
    send(c, BARE, 4, h.stream, CQL_OP_SUPPORTED, &b, 500);
    REQUIRE(read_bare(c, &h, &body, 500));
    CHECK_EQ_INT(h.opcode, CQL_OP_STARTUP);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 2100); /* traffic does not extend it */
    cql_conn_tick(c, 2099);
    cql_conn_event ev;
    CHECK(!cql_conn_next_event(c, &ev));
    CHECK(!cql_conn_closed(c));
    cql_conn_tick(c, 2100);
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_closed(c));
    CHECK(!cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_TIMEOUT);
    CHECK(cql_conn_error_of(c)->what != NULL);
    size_t cap = 0;
    CHECK(cql_conn_input_space(c, &cap) == NULL); /* a late READY has nowhere to go */
    cql_buf_free(&body);
    cql_conn_free(c);

    /* 0 means 5000 ms; and a handshake that finished never times out. */
    cql_conn_config dflt = {.version = 5};
    c = cql_conn_new(&dflt, 10);
    REQUIRE(c != NULL);
    CHECK_EQ_INT(cql_conn_next_deadline(c), 5010);
    cql_conn_free(c);
    c = open_ready(&dflt, false, 10);
    REQUIRE(c != NULL);
    cql_conn_tick(c, 5010);
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_next_deadline(c), 30010); /* the default heartbeat */
    CHECK_EQ_INT(drop_events(c), 0);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 12. Unknown streams and server events                                     */
/* ------------------------------------------------------------------------ */

TEST(answer_on_a_stream_no_request_uses_is_a_protocol_error)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int u;
    int16_t s;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u, UINT64_MAX, &s) == CQL_OK);
    answer_void(c, (int16_t)(s + 7), 1);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_FAILED, &ev));
    CHECK(ev.user == &u);
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_PROTOCOL);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    cql_conn_free(c);

    /* Far beyond any id ever handed out, too. */
    c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    answer_void(c, 30000, 1);
    REQUIRE(take_event(c, CQL_CONN_CLOSED, &ev));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_PROTOCOL);
    cql_conn_free(c);
}

TEST(event_on_stream_minus_one_is_a_server_event)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int u;
    int16_t s;
    REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &u, UINT64_MAX, &s) == CQL_OK);
    cql_buf b = {0};
    body_status_event(&b);
    send(c, BARE, 4, -1, CQL_OP_EVENT, &b, 1);
    cql_conn_event ev;
    REQUIRE(take_event(c, CQL_CONN_SERVER_EVENT, &ev));
    CHECK_EQ_INT(ev.stream, -1);
    CHECK(ev.user == NULL);
    REQUIRE(ev.response != NULL);
    const cql_event *event = cql_response_event(ev.response);
    REQUIRE(event != NULL);
    CHECK(STR_EQ(event->type, "STATUS_CHANGE"));
    CHECK(STR_EQ(event->change, "UP"));
    CHECK_EQ_INT(event->address_len, 4);
    CHECK_EQ_INT(event->address[3], 2);
    CHECK_EQ_INT(event->port, 9042);
    cql_response_free(ev.response);
    CHECK_EQ_INT(drop_events(c), 0);
    CHECK(cql_conn_ready(c));
    CHECK_EQ_INT(cql_conn_in_flight(c), 1); /* the request is still waiting */

    /* A queued event's response is freed with the connection. */
    body_status_event(&b);
    send(c, BARE, 4, -1, CQL_OP_EVENT, &b, 2);
    cql_conn_free(c);
}

/* ------------------------------------------------------------------------ */
/* 13. Byte at a time                                                        */
/* ------------------------------------------------------------------------ */

typedef struct seen {
    cql_conn_event_kind kind;
    int16_t stream;
    void *user;
    uint8_t opcode;
    int32_t result_kind;
    size_t rows;
} seen;

enum { MAX_SEEN = 16 };

static size_t record_events(cql_conn *c, seen *log, size_t n)
{
    cql_conn_event ev;
    while (cql_conn_next_event(c, &ev)) {
        if (n < MAX_SEEN) {
            seen s = {ev.kind, ev.stream, ev.user, 0, 0, 0};
            if (ev.response != NULL) {
                s.opcode = cql_response_header(ev.response)->opcode;
                s.result_kind = cql_response_result_kind(ev.response);
                s.rows = cql_response_row_count(ev.response);
            }
            log[n] = s;
        }
        n++;
        cql_response_free(ev.response);
    }
    return n;
}

static int script_user;

/* The whole v5 LZ4 exchange, the server's bytes delivered `chunk` at a time
 * (0: all at once): SUPPORTED, READY and a framed EVENT in one go (so the
 * wire changes in the middle of a delivery), then a request, then one LZ4
 * frame holding its Rows and another EVENT. Returns the events logged;
 * everything the connection wrote is appended to `written`. */
static size_t run_v5_lz4_script(size_t chunk, seen *log, cql_buf *written)
{
    cql_conn_config cfg = {.version = 5, .compression = true};
    cql_conn *c = cql_conn_new(&cfg, 0);
    if (c == NULL)
        return 0;
    size_t n = 0;
    cql_buf wire = {0}, b = {0}, envs = {0};
    pull(c, written, 0);

    /* The handshake's answers all use stream 0: each request of the handshake
     * is sent once the previous one was answered, so the id is free again. */
    body_supported(&b, true);
    respond(&wire, BARE, 5, 0, CQL_OP_SUPPORTED, &b);
    respond(&wire, BARE, 5, 0, CQL_OP_READY, &b);
    body_status_event(&b);
    respond(&wire, FRAMES_LZ4, 5, -1, CQL_OP_EVENT, &b);
    feed_chunks(c, wire.data, wire.len, chunk, 1);
    cql_buf_free(&wire);
    pull(c, written, 1);
    n = record_events(c, log, n);

    int16_t stream = -1;
    if (cql_conn_request(c, enc_query, (void *)(uintptr_t)long_query, &script_user, UINT64_MAX,
                         &stream) == CQL_OK) {
        pull(c, written, 2);
        body_rows(&b, long_rows, 2);
        put_envelope(&envs, 5, 0, stream, CQL_OP_RESULT, &b);
        cql_buf_free(&b);
        body_status_event(&b);
        put_envelope(&envs, 5, 0, -1, CQL_OP_EVENT, &b);
        cql_buf_free(&b);
        CHECK(cql_frames_encode(&wire, envs.data, envs.len, true) == CQL_OK);
        feed_chunks(c, wire.data, wire.len, chunk, 3);
        n = record_events(c, log, n);
    }
    if (cql_conn_closed(c))
        fprintf(stderr, "  closed: %s\n", cql_conn_error_of(c)->what);
    cql_buf_free(&wire);
    cql_buf_free(&envs);
    cql_conn_free(c);
    return n;
}

TEST(byte_at_a_time_v5_lz4_gives_the_same_events_as_one_delivery)
{
    seen whole[MAX_SEEN], bytes[MAX_SEEN];
    memset(whole, 0, sizeof whole);
    memset(bytes, 0, sizeof bytes);
    cql_buf wrote_whole = {0}, wrote_bytes = {0};
    size_t n_whole = run_v5_lz4_script(0, whole, &wrote_whole);
    size_t n_bytes = run_v5_lz4_script(1, bytes, &wrote_bytes);

    REQUIRE(n_whole == 4);
    CHECK_EQ_INT(whole[0].kind, CQL_CONN_READY);
    CHECK_EQ_INT(whole[1].kind, CQL_CONN_SERVER_EVENT);
    CHECK_EQ_INT(whole[1].opcode, CQL_OP_EVENT);
    CHECK_EQ_INT(whole[2].kind, CQL_CONN_RESPONSE);
    CHECK(whole[2].user == &script_user);
    CHECK_EQ_INT(whole[2].result_kind, CQL_RESULT_ROWS);
    CHECK_EQ_INT(whole[2].rows, 2);
    CHECK_EQ_INT(whole[3].kind, CQL_CONN_SERVER_EVENT);

    CHECK_EQ_INT(n_bytes, n_whole);
    for (size_t i = 0; i < n_whole && i < n_bytes; i++) {
        CHECK_EQ_INT(bytes[i].kind, whole[i].kind);
        CHECK_EQ_INT(bytes[i].stream, whole[i].stream);
        CHECK(bytes[i].user == whole[i].user);
        CHECK_EQ_INT(bytes[i].opcode, whole[i].opcode);
        CHECK_EQ_INT(bytes[i].result_kind, whole[i].result_kind);
        CHECK_EQ_INT(bytes[i].rows, whole[i].rows);
    }
    /* And the connection wrote the same bytes both times. */
    CHECK(wrote_whole.len > 0 && wrote_whole.len == wrote_bytes.len &&
          memcmp(wrote_whole.data, wrote_bytes.data, wrote_whole.len) == 0);
    cql_buf_free(&wrote_whole);
    cql_buf_free(&wrote_bytes);
}

/* Every chunk size from 1 to 40 bytes, for the v4 LZ4 handshake and an answer. */
TEST(v4_lz4_answers_cut_anywhere_are_still_decoded)
{
    for (size_t chunk = 1; chunk <= 40; chunk++) {
        cql_conn_config cfg = {.version = 4, .compression = true};
        cql_conn *c = cql_conn_new(&cfg, 0);
        REQUIRE(c != NULL);
        cql_buf wire = {0}, b = {0};
        pull(c, NULL, 0);
        body_supported(&b, true);
        respond(&wire, BARE, 4, 0, CQL_OP_SUPPORTED, &b);
        respond(&wire, BARE_LZ4, 4, 0, CQL_OP_READY, &b);
        feed_chunks(c, wire.data, wire.len, chunk, 1);
        cql_buf_free(&wire);
        cql_conn_event ev;
        CHECK(take_event(c, CQL_CONN_READY, &ev));
        int16_t s = -1;
        REQUIRE(cql_conn_request(c, enc_query, "SELECT 1", &script_user, UINT64_MAX, &s) ==
                CQL_OK);
        body_rows(&b, long_rows, 2);
        respond(&wire, BARE_LZ4, 4, s, CQL_OP_RESULT, &b);
        feed_chunks(c, wire.data, wire.len, chunk, 2);
        cql_buf_free(&wire);
        if (take_event(c, CQL_CONN_RESPONSE, &ev)) {
            CHECK_EQ_INT(cql_response_row_count(ev.response), 2);
            cql_response_free(ev.response);
        } else {
            fprintf(stderr, "  chunk %zu\n", chunk);
            CHECK(false);
        }
        CHECK_EQ_INT(drop_events(c), 0);
        cql_conn_free(c);
    }
}

/* Found in review: a failing encoder's bytes never reach the wire. */
static cql_rc enc_half_then_fail(cql_buf *out, const cql_request_opts *o, void *arg)
{
    (void)o;
    (void)arg;
    cql_buf_put(out, "garbage", 7);
    return CQL_E_ARG;
}

TEST(failing_encoder_leaves_nothing_to_send_and_frees_its_id)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    int16_t s = -1;
    int u;
    CHECK_EQ_INT(cql_conn_request(c, enc_half_then_fail, NULL, &u, UINT64_MAX, &s), CQL_E_ARG);
    CHECK_EQ_INT(pull(c, NULL, 1), 0);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    REQUIRE(cql_conn_request(c, enc_options, NULL, &u, UINT64_MAX, &s) == CQL_OK);
    CHECK_EQ_INT(s, 0); /* the failed request's id came back */
    cql_conn_free(c);
}

/* Found in review: a clock that steps back neither sends a heartbeat nor kills. */
TEST(clock_going_backwards_is_not_silence)
{
    cql_conn_config cfg = {.version = 4, .heartbeat_ms = 1000, .idle_timeout_ms = 3000};
    cql_conn *c = open_ready(&cfg, false, 100000);
    REQUIRE(c != NULL);
    cql_conn_tick(c, 99999);
    CHECK_EQ_INT(pull(c, NULL, 99999), 0);
    cql_conn_tick(c, 101000); /* a real second of silence: heartbeat */
    CHECK(pull(c, NULL, 101000) > 0);
    cql_conn_tick(c, 100999);
    CHECK(!cql_conn_closed(c));
    cql_conn_free(c);
}

/* Found in review: an ERROR on no request's stream is the server's reason to quit. */
TEST(error_outside_any_request_closes_with_the_server_error)
{
    cql_conn_config cfg = {.version = 4};
    cql_conn *c = open_ready(&cfg, false, 0);
    REQUIRE(c != NULL);
    cql_buf b = {0};
    cql_buf_put_u32(&b, CQL_ERROR_PROTOCOL);
    cql_buf_put_string(&b, "frame too large", 15);
    send(c, BARE, 4, -1, CQL_OP_ERROR, &b, 1);
    CHECK(cql_conn_closed(c));
    CHECK_EQ_INT(cql_conn_error_of(c)->rc, CQL_E_SERVER);
    CHECK(strstr(cql_conn_error_of(c)->server_message, "frame too large") != NULL);
    cql_conn_free(c);
}

int main(void)
{
    RUN(v4_handshake_sends_options_then_startup_without_compression_then_is_ready);
    RUN(v5_lz4_handshake_is_unframed_then_requests_and_rows_travel_in_lz4_frames);
    RUN(v4_lz4_compresses_request_bodies_and_decompresses_answers);
    RUN(plain_authentication_sends_user_and_password_then_is_ready);
    RUN(v5_auth_response_and_auth_success_are_framed_after_authenticate);
    RUN(authenticate_without_credentials_closes_with_a_clear_error);
    RUN(bad_credentials_close_with_the_server_error_kept);
    RUN(auth_challenge_beyond_plain_closes);
    RUN(keyspace_at_connect_is_used_before_ready);
    RUN(keyspace_refused_at_connect_closes);
    RUN(refused_protocol_version_closes_with_version_refused);
    RUN(every_request_ends_in_exactly_one_event_or_none_when_abandoned);
    RUN(abandoning_a_request_whose_answer_is_queued_takes_the_answer_back);
    RUN(failure_fails_every_waiting_request_then_closes_once);
    RUN(malformed_bytes_from_the_server_fail_waiting_requests_then_close);
    RUN(all_32768_ids_in_flight_gives_busy_until_an_answer_frees_one);
    RUN(requests_are_refused_before_ready_and_an_encoder_error_sends_nothing);
    RUN(v5_without_compression_uses_plain_frames_even_when_lz4_is_offered);
    RUN(v5_requests_share_frames_and_ones_larger_than_a_frame_are_split_both_ways);
    RUN(heartbeat_is_sent_when_idle_and_an_unanswered_one_kills_the_connection);
    RUN(v5_heartbeat_goes_out_framed);
    RUN(connect_timeout_fails_a_handshake_that_does_not_finish);
    RUN(answer_on_a_stream_no_request_uses_is_a_protocol_error);
    RUN(event_on_stream_minus_one_is_a_server_event);
    RUN(byte_at_a_time_v5_lz4_gives_the_same_events_as_one_delivery);
    RUN(v4_lz4_answers_cut_anywhere_are_still_decoded);
    RUN(failing_encoder_leaves_nothing_to_send_and_frees_its_id);
    RUN(clock_going_backwards_is_not_silence);
    RUN(error_outside_any_request_closes_with_the_server_error);
    return harness_done();
}
