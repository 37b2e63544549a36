/* Accessors of a decoded response: each returns a view borrowed from it, or
 * an empty value when the response is not of the kind asked about. */
#include "proto/response.h"

#include <string.h>

static const cql_str empty_str = {"", 0};

const cql_envelope_header *cql_response_header(const cql_response *r)
{
    return r ? &r->header : NULL;
}

bool cql_response_tracing_id(const cql_response *r, uint8_t out[16])
{
    if (r == NULL || out == NULL || !r->has_tracing_id)
        return false;
    memcpy(out, r->tracing_id, 16);
    return true;
}

size_t cql_response_warning_count(const cql_response *r) { return r ? r->warning_count : 0; }

cql_str cql_response_warning(const cql_response *r, size_t i)
{
    return (r && i < r->warning_count) ? r->warnings[i] : empty_str;
}

size_t cql_response_payload_count(const cql_response *r) { return r ? r->payload_count : 0; }

cql_str cql_response_payload_key(const cql_response *r, size_t i)
{
    return (r && i < r->payload_count) ? r->payload_keys[i] : empty_str;
}

cql_value cql_response_payload_value(const cql_response *r, size_t i)
{
    cql_value null_value = {NULL, CQL_NULL};
    return (r && i < r->payload_count) ? r->payload_values[i] : null_value;
}

const cql_server_error *cql_response_error(const cql_response *r)
{
    return (r && r->header.opcode == CQL_OP_ERROR) ? &r->error : NULL;
}

cql_str cql_response_authenticator(const cql_response *r)
{
    return (r && r->header.opcode == CQL_OP_AUTHENTICATE) ? r->authenticator : empty_str;
}

cql_value cql_response_auth_token(const cql_response *r)
{
    cql_value null_value = {NULL, CQL_NULL};
    if (r && (r->header.opcode == CQL_OP_AUTH_CHALLENGE || r->header.opcode == CQL_OP_AUTH_SUCCESS))
        return r->token;
    return null_value;
}

const cql_supported *cql_response_supported(const cql_response *r)
{
    return r ? r->supported : NULL;
}

const cql_event *cql_response_event(const cql_response *r)
{
    return (r && r->has_event) ? &r->event : NULL;
}

int32_t cql_response_result_kind(const cql_response *r)
{
    return (r && r->header.opcode == CQL_OP_RESULT) ? r->result_kind : 0;
}

cql_str cql_response_keyspace(const cql_response *r)
{
    return cql_response_result_kind(r) == CQL_RESULT_SET_KEYSPACE ? r->keyspace : empty_str;
}

const cql_schema_change *cql_response_schema_change(const cql_response *r)
{
    return cql_response_result_kind(r) == CQL_RESULT_SCHEMA_CHANGE ? &r->schema : NULL;
}

cql_str cql_response_prepared_id(const cql_response *r)
{
    return cql_response_result_kind(r) == CQL_RESULT_PREPARED ? r->prepared_id : empty_str;
}

cql_str cql_response_result_metadata_id(const cql_response *r)
{
    return cql_response_result_kind(r) == CQL_RESULT_PREPARED ? r->result_metadata_id : empty_str;
}

const cql_metadata *cql_response_bind_metadata(const cql_response *r)
{
    return r ? r->bind_metadata : NULL;
}

const cql_metadata *cql_response_result_metadata(const cql_response *r)
{
    return r ? r->result_metadata : NULL;
}

size_t cql_response_row_count(const cql_response *r)
{
    return cql_response_result_kind(r) == CQL_RESULT_ROWS ? r->row_count : 0;
}

size_t cql_response_column_count(const cql_response *r)
{
    return (r && r->result_metadata) ? r->result_metadata->column_count : 0;
}
