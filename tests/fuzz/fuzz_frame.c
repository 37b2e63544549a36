/*
 * The inbound assembler (bare envelopes, v5 frames, LZ4 frames, v4 LZ4 bodies) on arbitrary
 * bytes: never a crash, an over-read or a leak; every envelope's body is readable to its
 * announced length and within the limit; every error names a field at an offset inside the
 * stream, and stays. When the input happens to be a valid run of envelopes, framing it and
 * reading the frames back gives the same envelopes.
 *
 * Input: two control bytes, then the stream.
 *   ctl[0] bits 0-1: wire mode (value % 3); bit 2: v4 body LZ4; bit 3: receive through
 *     space/commit instead of feed; bit 4: start bare and switch to the wire mode after
 *     READY or AUTHENTICATE, as a v5 connection does; bit 5: max_body 4096;
 *     bit 6: instead, frame the stream as envelopes (bit 7: with LZ4) and read it back.
 *   ctl[1] bits 0-2: the receive size (1, 2, 3, 7, 64, 512, 4096 or everything).
 */
#include "proto/frame.h"
#include "proto/inbound.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t chunk_sizes[8] = {1, 2, 3, 7, 64, 512, 4096, SIZE_MAX};

/* Touches every body byte, so a body shorter than announced is an ASan report. */
static unsigned touch(const cql_envelope *e)
{
    unsigned sum = 0;
    for (uint32_t i = 0; i < e->header.length; i++)
        sum += e->body[i];
    return sum;
}

static bool put(cql_inbound *in, const uint8_t *p, size_t n, bool zero_copy)
{
    if (!zero_copy)
        return cql_inbound_feed(in, p, n) == CQL_OK;
    size_t cap = 0;
    uint8_t *room = cql_inbound_space(in, n, &cap);
    if (room == NULL || cap < n)
        return false;
    memcpy(room, p, n);
    cql_inbound_commit(in, n);
    return true;
}

static void read_stream(const uint8_t ctl[2], const uint8_t *data, size_t size)
{
    cql_wire wire = (cql_wire)(ctl[0] % 4 % 3);
    bool zero_copy = ctl[0] & 0x08, handshake = ctl[0] & 0x10;
    cql_limits limits = {.max_body = (ctl[0] & 0x20) ? 4096u : 0u};
    uint32_t max_body = limits.max_body ? limits.max_body : CQL_ENVELOPE_MAX_BODY;
    size_t chunk = chunk_sizes[ctl[1] & 7];
    cql_inbound *in = cql_inbound_new(&limits);
    if (in == NULL)
        return;
    cql_inbound_set_body_lz4(in, ctl[0] & 0x04);
    cql_inbound_set_wire(in, handshake ? CQL_WIRE_ENVELOPES : wire);
    volatile unsigned sink = 0;
    size_t fed = 0;
    cql_rc rc = CQL_OK;
    while (rc == CQL_OK && fed < size) {
        size_t n = size - fed < chunk ? size - fed : chunk;
        if (!put(in, data + fed, n, zero_copy))
            break;
        fed += n;
        for (;;) {
            cql_envelope *e = NULL;
            cql_diag d = {CQL_OK, 0, NULL};
            rc = cql_inbound_next(in, &e, &d);
            if (rc != CQL_OK) {
                cql_envelope *again = NULL;
                cql_diag d2 = {CQL_OK, 0, NULL};
                if (e != NULL || d.what == NULL || d.offset > fed || d.rc != rc ||
                    cql_inbound_next(in, &again, &d2) != rc || again != NULL ||
                    d2.offset != d.offset || d2.what != d.what)
                    abort();
                break;
            }
            if (e == NULL)
                break;
            if (e->header.length > max_body)
                abort();
            sink += touch(e);
            if (handshake && (e->header.opcode == CQL_OP_READY ||
                              e->header.opcode == CQL_OP_AUTHENTICATE))
                cql_inbound_set_wire(in, wire);
            cql_envelope_free(e);
        }
    }
    (void)sink;
    cql_inbound_free(in);
}

/* Frames the input as envelopes and checks that reading the frames gives them back. */
static void round_trip(bool lz4, const uint8_t *data, size_t size, size_t chunk)
{
    cql_buf framed = {0};
    if (cql_frames_encode(&framed, data, size, lz4) != CQL_OK) {
        if (framed.len != 0)
            abort(); /* all or nothing */
        cql_buf_free(&framed);
        return;
    }
    cql_inbound *in = cql_inbound_new(NULL);
    if (in == NULL) {
        cql_buf_free(&framed);
        return;
    }
    cql_inbound_set_wire(in, lz4 ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
    size_t off = 0; /* where the next expected envelope starts in data */
    for (size_t fed = 0; fed < framed.len;) {
        size_t n = framed.len - fed < chunk ? framed.len - fed : chunk;
        if (cql_inbound_feed(in, framed.data + fed, n) != CQL_OK)
            abort();
        fed += n;
        for (;;) {
            cql_envelope *e = NULL;
            if (cql_inbound_next(in, &e, NULL) != CQL_OK)
                abort();
            if (e == NULL)
                break;
            cql_envelope_header h;
            if (cql_envelope_header_decode(data + off, size - off, 0, &h, NULL) != CQL_OK)
                abort();
            h.flags &= (uint8_t)~CQL_FLAG_COMPRESSION; /* ignored, hence cleared, in v5 */
            if (h.version != e->header.version || h.response != e->header.response ||
                h.flags != e->header.flags || h.stream != e->header.stream ||
                h.opcode != e->header.opcode || h.length != e->header.length)
                abort();
            off += CQL_ENVELOPE_HEADER_SIZE;
            if (h.length > 0 && memcmp(e->body, data + off, h.length) != 0)
                abort();
            off += h.length;
            cql_envelope_free(e);
        }
    }
    if (off != size)
        abort();
    cql_inbound_free(in);
    cql_buf_free(&framed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (data[0] & 0x40)
        round_trip(data[0] & 0x80, data + 2, size - 2, chunk_sizes[data[1] & 7]);
    else
        read_stream(data, data + 2, size - 2);
    return 0;
}
