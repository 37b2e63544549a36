/*
 * The receiving side of a connection as a sans-I/O assembler: bytes from the socket go in
 * (copied with cql_inbound_feed, or received straight into its buffer with
 * cql_inbound_space + cql_inbound_commit), whole envelopes come out, one per
 * cql_inbound_next call. No sockets, clocks or globals.
 *
 * One envelope per call lets the caller change the wire format between two envelopes:
 * in v5 the server frames everything after its READY or AUTHENTICATE (v5 spec §2.3.1), so
 * the connection switches to CQL_WIRE_FRAMES[_LZ4] as soon as next() returns one of them.
 *
 * Memory stays bounded by what the protocol allows, never by what a peer announces:
 *   - the receive buffer holds at most one frame (128 KiB + 12) beyond what the caller
 *     receives in one go, and is compacted, then shrunk, as it drains;
 *   - an envelope body is refused above limits->max_body, and grows with the bytes that
 *     actually arrive rather than being allocated at its announced length;
 *   - a compressed v4 body's announced size is vetted before its buffer is allocated.
 *
 * Errors are final: after one, next() returns the same code and diagnostic forever. The
 * diagnostic's offset counts bytes from the start of the stream (the first byte ever fed),
 * pointing at the field at fault; inside an LZ4-compressed frame, whose payload bytes are
 * not on the wire as such, it points at the frame's first byte.
 */
#ifndef CQLIO_PROTO_INBOUND_H
#define CQLIO_PROTO_INBOUND_H

#include "cqlio.h"

typedef enum cql_wire {
    CQL_WIRE_ENVELOPES,  /* bare envelopes: v3, v4, and v5 until the handshake ends */
    CQL_WIRE_FRAMES,     /* v5 uncompressed frames (§2.1) */
    CQL_WIRE_FRAMES_LZ4, /* v5 LZ4 frames (§2.2) */
} cql_wire;

/* One received envelope in a single allocation: body points just past the struct and holds
 * header.length bytes. header.flags has CQL_FLAG_COMPRESSION cleared once the body has been
 * decompressed, and in framed modes, where v5 says the flag means nothing; so a set flag
 * always means the body is still compressed. */
typedef struct cql_envelope {
    cql_envelope_header header;
    uint8_t *body;
} cql_envelope;

typedef struct cql_inbound cql_inbound;

/* Frees an envelope returned by cql_inbound_next, body included. NULL is a no-op. */
void cql_envelope_free(cql_envelope *e);

/* A new assembler in CQL_WIRE_ENVELOPES mode without body decompression. limits is copied
 * (NULL or a zero max_body means CQL_ENVELOPE_MAX_BODY). NULL when out of memory. The caller
 * owns the result and frees it with cql_inbound_free. */
cql_inbound *cql_inbound_new(const cql_limits *limits);

/* Frees the assembler, its buffers and any envelope half assembled. NULL is a no-op.
 * Envelopes already returned by next() are the caller's and stay valid. */
void cql_inbound_free(cql_inbound *in);

/* Sets how the bytes not yet parsed are to be read. Call it between envelopes: envelopes
 * left in an already-checked frame are still delivered first, but switching while an
 * envelope is half assembled makes the next call to next() fail with CQL_E_ARG. */
void cql_inbound_set_wire(cql_inbound *in, cql_wire wire);

/* v4 (§5): decompress, in CQL_WIRE_ENVELOPES mode, every body whose envelope has
 * CQL_FLAG_COMPRESSION set (a 4-byte length + LZ4 block). Off by default. */
void cql_inbound_set_body_lz4(cql_inbound *in, bool on);

/* Room to receive into: returns a pointer to at least `min` writable bytes (some default
 * amount when min is 0) and their number in *cap. The pointer is borrowed and valid until
 * the next call on `in` other than commit. NULL (and *cap 0) when out of memory. */
uint8_t *cql_inbound_space(cql_inbound *in, size_t min, size_t *cap);

/* Says that n bytes were written at the pointer the last cql_inbound_space returned.
 * n larger than the room given is a caller bug and makes next() fail with CQL_E_ARG. */
void cql_inbound_commit(cql_inbound *in, size_t n);

/* Copies data[0..len) in (the data stays the caller's). CQL_E_NOMEM leaves the assembler as
 * it was, so the caller may retry; after an error of next(), returns that error and drops
 * the bytes. */
cql_rc cql_inbound_feed(cql_inbound *in, const uint8_t *data, size_t len);

/* The next whole envelope: CQL_OK with *out set (the caller owns it: cql_envelope_free), or
 * CQL_OK with *out NULL when more bytes are needed (a stream cut anywhere is just that).
 * Any other code is final for this assembler, and diag (may be NULL) says what and where. */
cql_rc cql_inbound_next(cql_inbound *in, cql_envelope **out, cql_diag *diag);

#endif
