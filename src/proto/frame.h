/*
 * Protocol v5 framing (v5 spec §2.1-§2.3) and v4 body compression (v4 spec §5): pure
 * functions over caller-owned buffers. No state survives a call; decoders allocate nothing
 * (they decompress into a scratch buffer the caller provides), encoders append to a cql_buf.
 *
 * A v5 frame is a header, a payload of at most 128 KiB - 1 bytes and a CRC32 trailer:
 *   uncompressed: 3 bytes (LE) payload length:17 | self-contained:1 | padding:6, CRC24 (3, LE)
 *   LZ4:          5 bytes (LE) compressed length:17 | uncompressed length:17 |
 *                 self-contained:1 | padding:5, CRC24 (3, LE)
 * The CRC24 covers the 3 or 5 bytes before it; the CRC32 covers the payload as sent
 * (compressed, if it is). An LZ4 frame whose uncompressed length is 0 carries its payload
 * as is: that is how a sender ships a payload LZ4 would not shrink.
 */
#ifndef CQLIO_PROTO_FRAME_H
#define CQLIO_PROTO_FRAME_H

#include "proto/buf.h"

/* The largest payload the 17-bit length fields can describe. */
#define CQL_FRAME_MAX_PAYLOAD ((128u * 1024u) - 1u)
#define CQL_FRAME_HEADER_SIZE 6
#define CQL_FRAME_LZ4_HEADER_SIZE 8
#define CQL_FRAME_TRAILER_SIZE 4

/* A decoded frame header, as a plain value. */
typedef struct cql_frame_header {
    uint32_t payload_len;      /* bytes between header and trailer (the compressed length) */
    uint32_t uncompressed_len; /* LZ4 format only: 0 when the payload is not compressed */
    bool self_contained;       /* whole envelopes only; else one part of a split envelope */
} cql_frame_header;

static inline size_t cql_frame_header_size(bool lz4)
{
    return lz4 ? CQL_FRAME_LZ4_HEADER_SIZE : CQL_FRAME_HEADER_SIZE;
}

/* The frame's size on the wire: header, payload and trailer. */
static inline size_t cql_frame_size(const cql_frame_header *h, bool lz4)
{
    return cql_frame_header_size(lz4) + h->payload_len + CQL_FRAME_TRAILER_SIZE;
}

/* Writes the 6-byte (lz4 false) or 8-byte header, CRC24 included, into out (the caller's).
 * Lengths must be at most CQL_FRAME_MAX_PAYLOAD; larger ones are cut to 17 bits. */
void cql_frame_header_encode(const cql_frame_header *h, bool lz4, uint8_t out[8]);

/* Reads a header from buf and checks its CRC24. CQL_E_TRUNCATED when len is shorter than
 * the header, CQL_E_MALFORMED (offset of the CRC24 field) when the CRC24 does not match.
 * Padding bits are ignored, as the spec allows. Nothing allocated; diag may be NULL. */
cql_rc cql_frame_header_decode(const uint8_t *buf, size_t len, bool lz4, cql_frame_header *out,
                               cql_diag *diag);

/* Checks the CRC32 of the complete frame at frame[0..len) whose header h was decoded from
 * it, and yields its payload: *payload points into `frame`, or, for a compressed LZ4 payload,
 * into `scratch`, which the caller provides with CQL_FRAME_MAX_PAYLOAD bytes (it may be NULL
 * when lz4 is false or h->uncompressed_len is 0). The view lives as long as the buffer it
 * points into. CQL_E_TRUNCATED when len < cql_frame_size, CQL_E_MALFORMED for a CRC32
 * mismatch (offset of the trailer) or LZ4 data that does not decompress to exactly
 * h->uncompressed_len bytes. Offsets are relative to `frame`; diag may be NULL. */
cql_rc cql_frame_payload(const uint8_t *frame, size_t len, bool lz4, const cql_frame_header *h,
                         uint8_t *scratch, const uint8_t **payload, size_t *payload_len,
                         cql_diag *diag);

/* Appends one frame carrying payload[0..len) (len <= CQL_FRAME_MAX_PAYLOAD, else
 * CQL_E_ARG) to out. With lz4 the payload is LZ4-compressed, or sent as is with an
 * uncompressed length of 0 when compression would not make it smaller. CQL_E_NOMEM or
 * CQL_E_LIMIT (out->limit) when out cannot grow. As for every encoder appending to a
 * cql_buf, a failure leaves out as it was. The payload is borrowed. */
cql_rc cql_frame_encode(cql_buf *out, const uint8_t *payload, size_t len, bool self_contained,
                        bool lz4);

/* Appends to out the frames that carry envelopes[0..len), a concatenation of complete
 * envelopes (9-byte header + body each). Consecutive envelopes are packed greedily into
 * self-contained frames of at most CQL_FRAME_MAX_PAYLOAD bytes; an envelope larger than
 * that is split over a sequence of non-self-contained frames of its own. Empty input
 * appends nothing. On any failure nothing is appended: an envelope header that does not
 * decode (its code), a body running past len (CQL_E_TRUNCATED), or out unable to grow.
 * The input is borrowed. */
cql_rc cql_frames_encode(cql_buf *out, const uint8_t *envelopes, size_t len, bool lz4);

/* v4 body compression: appends the compressed form of body[0..len) to out, a 4-byte
 * big-endian uncompressed length followed by an LZ4 block. CQL_E_LIMIT when len is beyond
 * what LZ4 can carry; on any failure out is left as it was. The body is borrowed. */
cql_rc cql_body_lz4_compress(cql_buf *out, const uint8_t *body, size_t len);

/* Reads the uncompressed length from the prefix of a v4 compressed body and vets it before
 * anything is allocated: CQL_E_TRUNCATED without the 4-byte prefix, CQL_E_LIMIT above
 * max_body (0 means CQL_ENVELOPE_MAX_BODY), CQL_E_MALFORMED when it is more than LZ4 can
 * expand the remaining bytes to (about 255 times). diag may be NULL. */
cql_rc cql_body_lz4_size(const uint8_t *body, size_t len, uint32_t max_body, uint32_t *size,
                         cql_diag *diag);

/* Decompresses the v4 compressed body[0..len) into dst, which the caller provides with
 * `size` bytes as cql_body_lz4_size reported. CQL_E_MALFORMED (offset 4, where the LZ4
 * block starts) unless the block decodes to exactly `size` bytes. diag may be NULL. */
cql_rc cql_body_lz4_decompress(const uint8_t *body, size_t len, uint8_t *dst, uint32_t size,
                               cql_diag *diag);

#endif
