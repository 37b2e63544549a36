/* The 9-byte envelope header shared by v3, v4 and v5 (v5 carries it inside frames). */
#include "proto/reader.h"

void cql_envelope_header_encode(const cql_envelope_header *h, uint8_t out[CQL_ENVELOPE_HEADER_SIZE])
{
    uint16_t stream = (uint16_t)h->stream;
    out[0] = (uint8_t)((h->version & 0x7F) | (h->response ? 0x80 : 0x00));
    out[1] = h->flags;
    out[2] = (uint8_t)(stream >> 8);
    out[3] = (uint8_t)stream;
    out[4] = h->opcode;
    out[5] = (uint8_t)(h->length >> 24);
    out[6] = (uint8_t)(h->length >> 16);
    out[7] = (uint8_t)(h->length >> 8);
    out[8] = (uint8_t)h->length;
}

cql_rc cql_envelope_header_decode(const uint8_t *buf, size_t len, uint32_t max_body,
                                  cql_envelope_header *out, cql_diag *diag)
{
    cql_reader r = cql_reader_make(buf, len);
    uint8_t version = 0, flags = 0, opcode = 0;
    uint16_t stream = 0;
    uint32_t length = 0;
    if (buf == NULL || out == NULL) {
        cql_reader_fail(&r, CQL_E_ARG, 0, "envelope header: NULL buffer or output");
        return cql_reader_report(&r, diag);
    }
    cql_read_u8(&r, &version, "envelope header: version");
    cql_read_u8(&r, &flags, "envelope header: flags");
    cql_read_u16(&r, &stream, "envelope header: stream id");
    cql_read_u8(&r, &opcode, "envelope header: opcode");
    cql_read_u32(&r, &length, "envelope header: body length");
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);
    uint8_t v = version & 0x7F;
    if (v < 3 || v > 5)
        cql_reader_fail(&r, CQL_E_PROTOCOL, 0, "envelope header: protocol version not 3, 4 or 5");
    else if (length > (max_body ? max_body : CQL_ENVELOPE_MAX_BODY))
        cql_reader_fail(&r, CQL_E_LIMIT, 5, "envelope header: body length above the limit");
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);
    out->version = v;
    out->response = (version & 0x80) != 0;
    out->flags = flags;
    out->stream = (int16_t)stream;
    out->opcode = opcode;
    out->length = length;
    return cql_reader_report(&r, diag);
}
