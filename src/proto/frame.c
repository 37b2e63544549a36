/* v5 frames (header, CRC24, CRC32, LZ4 payloads) and v4 LZ4 bodies; see frame.h. */
#include "proto/frame.h"

#include "proto/crc.h"
#include "proto/reader.h"

#include <limits.h>
#include <lz4.h>
#include <string.h>

#define LEN17_MASK 0x1FFFFu

/* v5 framing is little-endian throughout, unlike everything inside an envelope. */
static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = v << 8 | p[i - 1];
    return v;
}

static void store_le(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static size_t header_bits_size(bool lz4) { return lz4 ? 5 : 3; }

/* cql_buf's convention: a failed encode leaves the buffer as it was, `failed` cleared. */
static cql_rc reserve_failed(cql_buf *out)
{
    cql_rc rc = out->failed;
    out->failed = CQL_OK;
    return rc;
}

void cql_frame_header_encode(const cql_frame_header *h, bool lz4, uint8_t out[8])
{
    uint64_t bits = h->payload_len & LEN17_MASK;
    if (lz4)
        bits |= (uint64_t)(h->uncompressed_len & LEN17_MASK) << 17 |
                (uint64_t)(h->self_contained ? 1 : 0) << 34;
    else
        bits |= (uint64_t)(h->self_contained ? 1 : 0) << 17;
    size_t n = header_bits_size(lz4);
    store_le(out, bits, n);
    store_le(out + n, cql_crc24_v5(out, n), 3);
}

cql_rc cql_frame_header_decode(const uint8_t *buf, size_t len, bool lz4, cql_frame_header *out,
                               cql_diag *diag)
{
    cql_reader r = cql_reader_make(buf, len);
    size_t n = header_bits_size(lz4);
    const uint8_t *bits_at = NULL, *crc_at = NULL;
    if (buf == NULL || out == NULL) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "frame header: NULL buffer or output");
        return cql_reader_report(&r, diag);
    }
    cql_read_raw(&r, n, &bits_at, "frame header: lengths and self-contained flag");
    cql_read_raw(&r, 3, &crc_at, "frame header: CRC24");
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);
    if (load_le(crc_at, 3) != cql_crc24_v5(bits_at, n)) {
        cql_reader_fail(&r, CQL_E_MALFORMED, n, "frame header: CRC24 mismatch");
        return cql_reader_report(&r, diag);
    }
    uint64_t bits = load_le(bits_at, n);
    out->payload_len = (uint32_t)(bits & LEN17_MASK);
    if (lz4) {
        out->uncompressed_len = (uint32_t)(bits >> 17 & LEN17_MASK);
        out->self_contained = (bits >> 34 & 1) != 0;
    } else {
        out->uncompressed_len = 0;
        out->self_contained = (bits >> 17 & 1) != 0;
    }
    return cql_reader_report(&r, diag);
}

cql_rc cql_frame_payload(const uint8_t *frame, size_t len, bool lz4, const cql_frame_header *h,
                         uint8_t *scratch, const uint8_t **payload, size_t *payload_len,
                         cql_diag *diag)
{
    cql_reader r = cql_reader_make(frame, len);
    const uint8_t *head = NULL, *body = NULL, *trailer = NULL;
    if (frame == NULL || h == NULL || payload == NULL || payload_len == NULL ||
        h->payload_len > CQL_FRAME_MAX_PAYLOAD || h->uncompressed_len > CQL_FRAME_MAX_PAYLOAD) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "frame: NULL argument or header out of range");
        return cql_reader_report(&r, diag);
    }
    bool compressed = lz4 && h->uncompressed_len != 0;
    if (compressed && scratch == NULL) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "frame: no scratch buffer for an LZ4 payload");
        return cql_reader_report(&r, diag);
    }
    cql_read_raw(&r, cql_frame_header_size(lz4), &head, "frame: header");
    size_t body_at = r.off;
    cql_read_raw(&r, h->payload_len, &body, "frame: payload");
    size_t trailer_at = r.off;
    cql_read_raw(&r, CQL_FRAME_TRAILER_SIZE, &trailer, "frame: CRC32 trailer");
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);
    if (load_le(trailer, 4) != cql_crc32_v5(body, h->payload_len)) {
        cql_reader_fail(&r, CQL_E_MALFORMED, trailer_at, "frame payload: CRC32 mismatch");
        return cql_reader_report(&r, diag);
    }
    if (!compressed) {
        *payload = body;
        *payload_len = h->payload_len;
        return CQL_OK;
    }
    /* Both lengths are at most 17 bits, so the int conversions below are exact. */
    int got = LZ4_decompress_safe((const char *)body, (char *)scratch, (int)h->payload_len,
                                  (int)h->uncompressed_len);
    if (got < 0 || (uint32_t)got != h->uncompressed_len) {
        cql_reader_fail(&r, CQL_E_MALFORMED, body_at,
                        "LZ4 frame payload: does not decompress to its uncompressed length");
        return cql_reader_report(&r, diag);
    }
    *payload = scratch;
    *payload_len = h->uncompressed_len;
    return CQL_OK;
}

cql_rc cql_frame_encode(cql_buf *out, const uint8_t *payload, size_t len, bool self_contained,
                        bool lz4)
{
    if (out == NULL || (payload == NULL && len != 0) || len > CQL_FRAME_MAX_PAYLOAD)
        return CQL_E_ARG;
    size_t head = cql_frame_header_size(lz4);
    /* Room for the worst case, so compression writes straight into the output. */
    size_t room = lz4 ? (size_t)LZ4_compressBound((int)len) : len;
    out->failed = CQL_OK;
    if (!cql_buf_reserve(out, head + room + CQL_FRAME_TRAILER_SIZE))
        return reserve_failed(out);
    uint8_t *frame = out->data + out->len;
    uint8_t *body = frame + head;
    cql_frame_header h = {(uint32_t)len, 0, self_contained};
    if (lz4 && len > 0) {
        int c = LZ4_compress_default((const char *)payload, (char *)body, (int)len, (int)room);
        /* v5 §2.2: a payload LZ4 does not shrink goes as is, flagged by uncompressed length 0. */
        if (c > 0 && (size_t)c < len) {
            h.payload_len = (uint32_t)c;
            h.uncompressed_len = (uint32_t)len;
        }
    }
    if (h.uncompressed_len == 0 && len > 0)
        memcpy(body, payload, len);
    cql_frame_header_encode(&h, lz4, frame);
    store_le(body + h.payload_len, cql_crc32_v5(body, h.payload_len), CQL_FRAME_TRAILER_SIZE);
    out->len += head + h.payload_len + CQL_FRAME_TRAILER_SIZE;
    return CQL_OK;
}

/* Splits one oversized envelope into non-self-contained frames of the maximum payload. */
static cql_rc encode_split(cql_buf *out, const uint8_t *envelope, size_t len, bool lz4)
{
    cql_rc rc = CQL_OK;
    for (size_t at = 0; at < len && rc == CQL_OK; at += CQL_FRAME_MAX_PAYLOAD) {
        size_t n = len - at < CQL_FRAME_MAX_PAYLOAD ? len - at : CQL_FRAME_MAX_PAYLOAD;
        rc = cql_frame_encode(out, envelope + at, n, false, lz4);
    }
    return rc;
}

cql_rc cql_frames_encode(cql_buf *out, const uint8_t *envelopes, size_t len, bool lz4)
{
    if (out == NULL || (envelopes == NULL && len != 0))
        return CQL_E_ARG;
    size_t start = out->len;
    size_t run_at = 0, run_len = 0; /* the envelopes waiting to share one frame */
    size_t off = 0;
    cql_rc rc = CQL_OK;
    while (off < len && rc == CQL_OK) {
        cql_envelope_header h;
        rc = cql_envelope_header_decode(envelopes + off, len - off, 0, &h, NULL);
        if (rc != CQL_OK)
            break;
        if (h.length > len - off - CQL_ENVELOPE_HEADER_SIZE) {
            rc = CQL_E_TRUNCATED;
            break;
        }
        size_t n = CQL_ENVELOPE_HEADER_SIZE + (size_t)h.length;
        if (run_len > 0 && run_len + n > CQL_FRAME_MAX_PAYLOAD) {
            rc = cql_frame_encode(out, envelopes + run_at, run_len, true, lz4);
            run_len = 0;
        }
        if (rc == CQL_OK && n > CQL_FRAME_MAX_PAYLOAD) {
            rc = encode_split(out, envelopes + off, n, lz4);
        } else if (rc == CQL_OK) {
            if (run_len == 0)
                run_at = off;
            run_len += n;
        }
        off += n;
    }
    if (rc == CQL_OK && run_len > 0)
        rc = cql_frame_encode(out, envelopes + run_at, run_len, true, lz4);
    /* All or nothing: a caller must never send half of what it asked for. */
    if (rc != CQL_OK)
        out->len = start;
    return rc;
}

cql_rc cql_body_lz4_compress(cql_buf *out, const uint8_t *body, size_t len)
{
    static const uint8_t nothing = 0;
    if (out == NULL || (body == NULL && len != 0))
        return CQL_E_ARG;
    if (len > LZ4_MAX_INPUT_SIZE)
        return CQL_E_LIMIT;
    if (body == NULL)
        body = &nothing; /* LZ4 wants a real source pointer even for 0 bytes */
    int room = LZ4_compressBound((int)len);
    out->failed = CQL_OK;
    if (!cql_buf_reserve(out, 4 + (size_t)room))
        return reserve_failed(out);
    size_t start = out->len;
    cql_buf_put_u32(out, (uint32_t)len);
    int c = LZ4_compress_default((const char *)body, (char *)out->data + out->len, (int)len, room);
    if (c <= 0) {
        out->len = start;
        return CQL_E_LIMIT;
    }
    out->len += (size_t)c;
    return CQL_OK;
}

cql_rc cql_body_lz4_size(const uint8_t *body, size_t len, uint32_t max_body, uint32_t *size,
                         cql_diag *diag)
{
    cql_reader r = cql_reader_make(body, len);
    uint32_t n = 0;
    if (body == NULL || size == NULL) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "compressed body: NULL buffer or output");
        return cql_reader_report(&r, diag);
    }
    if (!cql_read_u32(&r, &n, "compressed body: uncompressed length"))
        return cql_reader_report(&r, diag);
    /* Every LZ4 sequence yields at most 255 bytes per byte it occupies (a match length
     * grows by 255 per extension byte), so a larger claim is a lie told before any
     * allocation. */
    uint64_t most = (uint64_t)cql_reader_left(&r) * 255u;
    if (n > (max_body ? max_body : CQL_ENVELOPE_MAX_BODY))
        cql_reader_fail(&r, CQL_E_LIMIT, 0, "compressed body: uncompressed length above the limit");
    else if (n > most)
        cql_reader_fail(&r, CQL_E_MALFORMED, 0,
                        "compressed body: uncompressed length beyond what LZ4 can expand to");
    if (cql_reader_ok(&r))
        *size = n;
    return cql_reader_report(&r, diag);
}

cql_rc cql_body_lz4_decompress(const uint8_t *body, size_t len, uint8_t *dst, uint32_t size,
                               cql_diag *diag)
{
    cql_reader r = cql_reader_make(body, len);
    uint32_t n = 0;
    uint8_t none;
    if (body == NULL || (dst == NULL && size != 0)) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "compressed body: NULL buffer or output");
        return cql_reader_report(&r, diag);
    }
    if (!cql_read_u32(&r, &n, "compressed body: uncompressed length"))
        return cql_reader_report(&r, diag);
    if (n != size) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "compressed body: size differs from its prefix");
        return cql_reader_report(&r, diag);
    }
    size_t left = cql_reader_left(&r);
    if (size == 0 && left == 0)
        return CQL_OK; /* an empty body with no block at all: nothing to decode */
    if (left > INT_MAX || size > INT_MAX) {
        cql_reader_fail(&r, CQL_E_LIMIT, 4, "compressed body: too large for LZ4");
        return cql_reader_report(&r, diag);
    }
    int got = LZ4_decompress_safe((const char *)body + 4, (char *)(dst ? dst : &none), (int)left,
                                  (int)size);
    if (got < 0 || (uint32_t)got != size)
        cql_reader_fail(&r, CQL_E_MALFORMED, 4,
                        "compressed body: LZ4 block does not decompress to its length");
    return cql_reader_report(&r, diag);
}
