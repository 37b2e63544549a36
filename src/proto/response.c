/*
 * Response decoding (v4/v5 §4.2): the envelope extras (tracing id, warnings,
 * custom payload), then the message by opcode. The response owns the body and
 * every decoded string is a view into it, so decoding allocates only the
 * small arrays of lists and the row index.
 */
#include "proto/response.h"
#include "proto/inbound.h"

#include <stdlib.h>
#include <string.h>

bool cql_read_count_u16(cql_reader *r, size_t min_size, size_t *count, const char *what)
{
    size_t at = r->off;
    uint16_t n;
    if (!cql_read_u16(r, &n, what))
        return false;
    if ((size_t)n * min_size > cql_reader_left(r))
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, what);
    *count = n;
    return true;
}

bool cql_read_count_i32(cql_reader *r, size_t min_size, size_t *count, const char *what)
{
    size_t at = r->off;
    int32_t n;
    if (!cql_read_i32(r, &n, what))
        return false;
    if (n < 0)
        return cql_reader_fail(r, CQL_E_MALFORMED, at, what);
    if (min_size != 0 && (size_t)n > cql_reader_left(r) / min_size)
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, what);
    *count = (size_t)n;
    return true;
}

bool cql_read_string_list(cql_reader *r, cql_str **out, size_t *count, const char *what)
{
    *out = NULL;
    *count = 0;
    size_t n;
    if (!cql_read_count_u16(r, 2, &n, what))
        return false;
    if (n == 0)
        return true;
    cql_str *list = calloc(n, sizeof *list);
    if (list == NULL)
        return cql_reader_fail(r, CQL_E_NOMEM, r->off, what);
    for (size_t i = 0; i < n; i++) {
        if (!cql_read_string(r, &list[i], what)) {
            free(list);
            return false;
        }
    }
    *out = list;
    *count = n;
    return true;
}

bool cql_read_inet(cql_reader *r, uint8_t addr[16], uint8_t *len, int32_t *port, bool with_port,
                   const char *what)
{
    size_t at = r->off;
    const uint8_t *p;
    if (!cql_read_u8(r, len, what))
        return false;
    if (*len != 4 && *len != 16)
        return cql_reader_fail(r, CQL_E_MALFORMED, at, what);
    if (!cql_read_raw(r, *len, &p, what))
        return false;
    memset(addr, 0, 16);
    memcpy(addr, p, *len);
    return !with_port || cql_read_i32(r, port, what);
}

/* --- envelope extras ------------------------------------------------------ */

static bool read_extras(cql_reader *r, cql_response *resp)
{
    uint8_t flags = resp->header.flags;
    if (flags & CQL_FLAG_TRACING) {
        const uint8_t *id;
        if (!cql_read_raw(r, 16, &id, "tracing id"))
            return false;
        memcpy(resp->tracing_id, id, 16);
        resp->has_tracing_id = true;
    }
    if ((flags & CQL_FLAG_WARNING) &&
        !cql_read_string_list(r, &resp->warnings, &resp->warning_count, "warnings"))
        return false;
    if (flags & CQL_FLAG_CUSTOM_PAYLOAD) {
        size_t n;
        if (!cql_read_count_u16(r, 6, &n, "custom payload: entry count"))
            return false;
        if (n) {
            resp->payload_keys = calloc(n, sizeof *resp->payload_keys);
            resp->payload_values = calloc(n, sizeof *resp->payload_values);
            if (!resp->payload_keys || !resp->payload_values)
                return cql_reader_fail(r, CQL_E_NOMEM, r->off, "custom payload");
        }
        for (size_t i = 0; i < n; i++) {
            if (!cql_read_string(r, &resp->payload_keys[i], "custom payload: key") ||
                !cql_read_bytes(r, &resp->payload_values[i].ptr, &resp->payload_values[i].len,
                                "custom payload: value"))
                return false;
            if (resp->payload_values[i].len < CQL_NULL)
                return cql_reader_fail(r, CQL_E_MALFORMED, r->off - 4, "custom payload: value");
        }
        resp->payload_count = n;
    }
    return true;
}

/* --- ERROR ------------------------------------------------------------------ */

/* <cl><received><blockfor>, shared by timeouts, failures and CAS_WRITE_UNKNOWN. */
static bool read_ack_counts(cql_reader *r, cql_server_error *e)
{
    return cql_read_u16(r, &e->consistency, "error: consistency") &&
           cql_read_i32(r, &e->received, "error: received") &&
           cql_read_i32(r, &e->block_for, "error: block_for");
}

/* v5: a reason map; v4: a bare <numfailures>. */
static bool read_failures(cql_reader *r, cql_response *resp)
{
    cql_server_error *e = &resp->error;
    if (resp->header.version < 5)
        return cql_read_i32(r, &e->failures, "error: failure count");
    size_t n;
    if (!cql_read_count_i32(r, 7, &n, "error: reason map count"))
        return false;
    if (n) {
        resp->reasons = calloc(n, sizeof *resp->reasons);
        if (resp->reasons == NULL)
            return cql_reader_fail(r, CQL_E_NOMEM, r->off, "error: reason map");
    }
    for (size_t i = 0; i < n; i++) {
        cql_failure_reason *f = &resp->reasons[i];
        if (!cql_read_inet(r, f->address, &f->address_len, NULL, false, "error: reason address") ||
            !cql_read_u16(r, &f->code, "error: reason code"))
            return false;
    }
    e->reasons = resp->reasons;
    e->reason_count = (uint32_t)n;
    e->failures = (int32_t)n;
    return true;
}

static bool read_data_present(cql_reader *r, cql_server_error *e)
{
    uint8_t b;
    if (!cql_read_u8(r, &b, "error: data_present"))
        return false;
    e->data_present = b != 0;
    return true;
}

static bool decode_error(cql_reader *r, cql_response *resp)
{
    cql_server_error *e = &resp->error;
    e->contentions = -1;
    if (!cql_read_i32(r, &e->code, "error: code") ||
        !cql_read_string(r, &e->message, "error: message"))
        return false;
    switch (e->code) {
    case CQL_ERROR_UNAVAILABLE:
        return cql_read_u16(r, &e->consistency, "error: consistency") &&
               cql_read_i32(r, &e->required, "error: required") &&
               cql_read_i32(r, &e->alive, "error: alive");
    case CQL_ERROR_WRITE_TIMEOUT:
        if (!read_ack_counts(r, e) || !cql_read_string(r, &e->write_type, "error: write type"))
            return false;
        /* v5 adds <contentions> for CAS writes. */
        if (resp->header.version >= 5 && cql_str_is(e->write_type, "CAS") &&
            cql_reader_left(r) >= 2) {
            uint16_t c;
            cql_read_u16(r, &c, "error: contentions");
            e->contentions = c;
        }
        return true;
    case CQL_ERROR_READ_TIMEOUT:
        return read_ack_counts(r, e) && read_data_present(r, e);
    case CQL_ERROR_READ_FAILURE:
        return read_ack_counts(r, e) && read_failures(r, resp) && read_data_present(r, e);
    case CQL_ERROR_WRITE_FAILURE:
        return read_ack_counts(r, e) && read_failures(r, resp) &&
               cql_read_string(r, &e->write_type, "error: write type");
    case CQL_ERROR_CAS_WRITE_UNKNOWN:
        return read_ack_counts(r, e);
    case CQL_ERROR_FUNCTION_FAILURE: {
        size_t n;
        if (!cql_read_string(r, &e->keyspace, "error: function keyspace") ||
            !cql_read_string(r, &e->function, "error: function name") ||
            !cql_read_string_list(r, &resp->arg_types, &n, "error: function argument types"))
            return false;
        e->arg_types = resp->arg_types;
        e->arg_type_count = (uint32_t)n;
        return true;
    }
    case CQL_ERROR_ALREADY_EXISTS:
        return cql_read_string(r, &e->keyspace, "error: keyspace") &&
               cql_read_string(r, &e->table, "error: table");
    case CQL_ERROR_UNPREPARED:
        return cql_read_short_bytes(r, &e->unprepared_id, "error: unprepared id");
    default:
        return true;
    }
}

/* --- EVENT and schema changes ---------------------------------------------- */

static bool read_schema_change(cql_reader *r, cql_response *resp)
{
    cql_schema_change *s = &resp->schema;
    if (!cql_read_string(r, &s->change_type, "schema change: change type") ||
        !cql_read_string(r, &s->target, "schema change: target") ||
        !cql_read_string(r, &s->keyspace, "schema change: keyspace"))
        return false;
    resp->has_schema = true;
    if (cql_str_is(s->target, "KEYSPACE"))
        return true;
    if (!cql_read_string(r, &s->name, "schema change: name"))
        return false;
    if (cql_str_is(s->target, "FUNCTION") || cql_str_is(s->target, "AGGREGATE")) {
        size_t n;
        if (!cql_read_string_list(r, &resp->arg_types, &n, "schema change: argument types"))
            return false;
        s->arg_types = resp->arg_types;
        s->arg_type_count = (uint32_t)n;
    }
    return true;
}

static bool decode_event(cql_reader *r, cql_response *resp)
{
    cql_event *ev = &resp->event;
    if (!cql_read_string(r, &ev->type, "event: type"))
        return false;
    resp->has_event = true;
    if (cql_str_is(ev->type, "TOPOLOGY_CHANGE") || cql_str_is(ev->type, "STATUS_CHANGE"))
        return cql_read_string(r, &ev->change, "event: change") &&
               cql_read_inet(r, ev->address, &ev->address_len, &ev->port, true, "event: address");
    if (cql_str_is(ev->type, "SCHEMA_CHANGE")) {
        if (!read_schema_change(r, resp))
            return false;
        ev->schema = resp->schema;
        return true;
    }
    return true; /* an event type newer than this code: its type is still readable */
}

/* --- RESULT ----------------------------------------------------------------- */

static bool decode_result(cql_reader *r, cql_response *resp, const cql_limits *limits)
{
    size_t at = r->off;
    if (!cql_read_i32(r, &resp->result_kind, "result: kind"))
        return false;
    uint8_t v = resp->header.version;
    switch (resp->result_kind) {
    case CQL_RESULT_VOID:
        return true;
    case CQL_RESULT_ROWS:
        return cql_metadata_parse(r, v, false, limits, &resp->result_metadata) &&
               cql_rows_begin(r, resp, limits);
    case CQL_RESULT_SET_KEYSPACE:
        return cql_read_string(r, &resp->keyspace, "result: keyspace");
    case CQL_RESULT_PREPARED:
        if (!cql_read_short_bytes(r, &resp->prepared_id, "prepared: id"))
            return false;
        if (v >= 5 &&
            !cql_read_short_bytes(r, &resp->result_metadata_id, "prepared: result metadata id"))
            return false;
        return cql_metadata_parse(r, v, true, limits, &resp->bind_metadata) &&
               cql_metadata_parse(r, v, false, limits, &resp->result_metadata);
    case CQL_RESULT_SCHEMA_CHANGE:
        return read_schema_change(r, resp);
    default:
        return cql_reader_fail(r, CQL_E_PROTOCOL, at, "result: unknown kind");
    }
}

/* --- dispatch --------------------------------------------------------------- */

static bool decode_body(cql_reader *r, cql_response *resp, const cql_limits *limits)
{
    if (!read_extras(r, resp))
        return false;
    switch (resp->header.opcode) {
    case CQL_OP_ERROR:
        return decode_error(r, resp);
    case CQL_OP_READY:
        return true;
    case CQL_OP_AUTHENTICATE:
        return cql_read_string(r, &resp->authenticator, "authenticate: class name");
    case CQL_OP_SUPPORTED: {
        cql_diag d;
        size_t at = r->off;
        const uint8_t *rest = r->buf ? r->buf + at : NULL; /* an empty body has no buffer */
        if (cql_supported_decode_within(rest, r->len - at, &resp->supported, &d) != CQL_OK)
            return cql_reader_fail(r, d.rc, at + d.offset, d.what);
        r->off = r->len;
        return true;
    }
    case CQL_OP_RESULT:
        return decode_result(r, resp, limits);
    case CQL_OP_EVENT:
        return decode_event(r, resp);
    case CQL_OP_AUTH_CHALLENGE:
    case CQL_OP_AUTH_SUCCESS:
        return cql_read_bytes(r, &resp->token.ptr, &resp->token.len, "auth: token");
    default:
        return cql_reader_fail(r, CQL_E_PROTOCOL, 0, "response: opcode is not a response");
    }
}

static cql_rc decode(const cql_envelope_header *header, uint8_t *body, void *block,
                     const cql_limits *limits, cql_response **out, cql_diag *diag)
{
    cql_reader r = cql_reader_make(body, header ? header->length : 0);
    if (out != NULL)
        *out = NULL;
    if (header == NULL || out == NULL || (body == NULL && header->length != 0)) {
        free(block);
        cql_reader_fail(&r, CQL_E_ARG, 0, "response: NULL header, body or output");
        return cql_reader_report(&r, diag);
    }
    cql_response *resp = calloc(1, sizeof *resp);
    if (resp == NULL) {
        free(block);
        cql_reader_fail(&r, CQL_E_NOMEM, 0, "response: allocating");
        return cql_reader_report(&r, diag);
    }
    resp->header = *header;
    resp->body = body;
    resp->block = block;
    if (!header->response)
        cql_reader_fail(&r, CQL_E_PROTOCOL, 0, "response: envelope is a request");
    else if ((header->flags & CQL_FLAG_COMPRESSION) && header->version < 5)
        cql_reader_fail(&r, CQL_E_PROTOCOL, 1, "response: body still compressed");
    else if (header->version < 4 && header->opcode != CQL_OP_ERROR &&
             header->opcode != CQL_OP_SUPPORTED)
        /* v3 answers only matter while negotiating (its ERROR, SUPPORTED); its other
         * bodies differ from v4's (no pk indexes in Prepared, for one). */
        cql_reader_fail(&r, CQL_E_PROTOCOL, 0, "response: protocol v3 is not spoken");
    else
        decode_body(&r, resp, limits);
    if (!cql_reader_ok(&r)) {
        cql_response_free(resp);
        return cql_reader_report(&r, diag);
    }
    *out = resp;
    return cql_reader_report(&r, diag);
}

void cql_response_free(cql_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->warnings);
    free(resp->payload_keys);
    free(resp->payload_values);
    free(resp->reasons);
    free(resp->arg_types);
    cql_supported_free(resp->supported);
    cql_metadata_destroy(resp->bind_metadata);
    cql_metadata_destroy(resp->result_metadata);
    free(resp->row_offsets);
    free(resp->block);
    free(resp);
}

cql_rc cql_response_decode(const cql_envelope_header *header, uint8_t *body,
                           const cql_limits *limits, cql_response **out, cql_diag *diag)
{
    return decode(header, body, body, limits, out, diag);
}

cql_rc cql_response_decode_envelope(cql_envelope *envelope, const cql_limits *limits,
                                    cql_response **out, cql_diag *diag)
{
    if (envelope == NULL)
        return decode(NULL, NULL, NULL, limits, out, diag);
    return decode(&envelope->header, envelope->header.length ? envelope->body : NULL, envelope,
                  limits, out, diag);
}
