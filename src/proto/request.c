/*
 * Request encoders (v4/v5 §4.1). Each appends one whole envelope to the
 * caller's buffer: a header whose length is patched once the body is written,
 * then the body. A failure rolls the buffer back to where it was, so a batch
 * of coalesced requests never holds half an envelope.
 */
#include "proto/values.h"

#include <string.h>

/* Query flags (§4.1.4); v4 sends them as a [byte], v5 as an [int]. */
enum {
    QF_VALUES = 0x0001,
    QF_SKIP_METADATA = 0x0002,
    QF_PAGE_SIZE = 0x0004,
    QF_PAGING_STATE = 0x0008,
    QF_SERIAL_CONSISTENCY = 0x0010,
    QF_TIMESTAMP = 0x0020,
    QF_NAMES = 0x0040,
    QF_KEYSPACE = 0x0080,
    QF_NOW_IN_SECONDS = 0x0100,
};

typedef struct encoder {
    cql_buf *out;
    size_t start; /* where this envelope begins in out */
    uint8_t version;
    cql_rc arg;   /* first invalid argument found */
} encoder;

static bool bad_arg(encoder *e)
{
    if (e->arg == CQL_OK)
        e->arg = CQL_E_ARG;
    return false;
}

static bool str_ok(cql_str s) { return s.ptr != NULL || s.len == 0; }

static bool value_ok(cql_value v) { return v.len >= CQL_UNSET && (v.len < 0 || v.ptr || !v.len); }

/* A [value] the caller's arguments were already checked for (value_ok). */
static void put_value(cql_buf *b, cql_value v) { cql_encode_cell(b, v.ptr, v.len); }

static bool begin(encoder *e, cql_buf *out, const cql_request_opts *opts, uint8_t opcode)
{
    e->out = out;
    e->start = out ? out->len : 0;
    e->version = opts ? opts->version : 0;
    e->arg = CQL_OK;
    if (out == NULL || opts == NULL || (opts->version != 4 && opts->version != 5) ||
        opts->stream < 0)
        return bad_arg(e);
    out->failed = CQL_OK;
    uint8_t flags = (uint8_t)((opts->tracing ? CQL_FLAG_TRACING : 0) |
                              (opts->beta ? CQL_FLAG_BETA : 0) |
                              (opts->payload_count ? CQL_FLAG_CUSTOM_PAYLOAD : 0));
    cql_envelope_header h = {opts->version, false, flags, opts->stream, opcode, 0};
    if (!cql_buf_reserve(out, CQL_ENVELOPE_HEADER_SIZE))
        return false;
    cql_envelope_header_encode(&h, out->data + out->len);
    out->len += CQL_ENVELOPE_HEADER_SIZE;
    if (opts->payload_count) {
        if (opts->payload_keys == NULL || opts->payload_values == NULL)
            return bad_arg(e);
        cql_buf_put_u16(out, opts->payload_count);
        for (uint16_t i = 0; i < opts->payload_count; i++) {
            if (!str_ok(opts->payload_keys[i]) || opts->payload_values[i].len < CQL_NULL ||
                !value_ok(opts->payload_values[i]))
                return bad_arg(e);
            cql_buf_put_string(out, opts->payload_keys[i].ptr, opts->payload_keys[i].len);
            put_value(out, opts->payload_values[i]);
        }
    }
    return true;
}

/* Patches the body length, or rolls back and reports the first failure. */
static cql_rc finish(encoder *e)
{
    cql_buf *out = e->out;
    cql_rc rc = e->arg != CQL_OK ? e->arg : (out ? out->failed : CQL_E_ARG);
    if (rc == CQL_OK) {
        size_t body = out->len - e->start - CQL_ENVELOPE_HEADER_SIZE;
        if (body > CQL_ENVELOPE_MAX_BODY)
            rc = CQL_E_LIMIT;
        else
            cql_buf_patch_u32(out, e->start + 5, (uint32_t)body);
    }
    if (rc != CQL_OK && out != NULL) {
        out->len = e->start;
        out->failed = CQL_OK;
    }
    return rc;
}

static void put_flags(encoder *e, uint32_t flags)
{
    if (e->version >= 5)
        cql_buf_put_u32(e->out, flags);
    else
        cql_buf_put_u8(e->out, (uint8_t)flags);
}

/* The tail shared by QUERY/EXECUTE parameters and BATCH: serial consistency,
 * timestamp, keyspace, now_in_seconds, in that order, each behind its flag. */
typedef struct tail {
    bool has_serial;
    uint16_t serial;
    bool has_timestamp;
    int64_t timestamp;
    cql_str keyspace;
    bool has_now;
    int32_t now;
} tail;

static bool tail_flags(encoder *e, const tail *t, uint32_t *flags)
{
    if (t->has_timestamp && t->timestamp < 0)
        return bad_arg(e); /* the spec forbids negative default timestamps */
    if ((t->keyspace.ptr != NULL || t->has_now) && e->version < 5)
        return bad_arg(e); /* keyspace and now_in_seconds arrived in v5 */
    if (!str_ok(t->keyspace))
        return bad_arg(e);
    *flags |= (t->has_serial ? QF_SERIAL_CONSISTENCY : 0u) |
              (t->has_timestamp ? QF_TIMESTAMP : 0u) | (t->keyspace.ptr ? QF_KEYSPACE : 0u) |
              (t->has_now ? QF_NOW_IN_SECONDS : 0u);
    return true;
}

static void put_tail(encoder *e, const tail *t)
{
    if (t->has_serial)
        cql_buf_put_u16(e->out, t->serial);
    if (t->has_timestamp)
        cql_buf_put_u64(e->out, (uint64_t)t->timestamp);
    if (t->keyspace.ptr)
        cql_buf_put_string(e->out, t->keyspace.ptr, t->keyspace.len);
    if (t->has_now)
        cql_buf_put_u32(e->out, (uint32_t)t->now);
}

static bool put_values(encoder *e, const cql_value *values, uint16_t count, const cql_str *names)
{
    if (count && values == NULL)
        return bad_arg(e);
    cql_buf_put_u16(e->out, count);
    for (uint16_t i = 0; i < count; i++) {
        if (!value_ok(values[i]) || (names && !str_ok(names[i])))
            return bad_arg(e);
        if (names)
            cql_buf_put_string(e->out, names[i].ptr, names[i].len);
        put_value(e->out, values[i]);
    }
    return true;
}

static void put_query_params(encoder *e, const cql_query_params *p)
{
    static const cql_query_params none;
    if (p == NULL)
        p = &none;
    tail t = {p->has_serial_consistency, p->serial_consistency, p->has_timestamp, p->timestamp,
              p->keyspace, p->has_now_in_seconds, p->now_in_seconds};
    uint32_t flags = (p->value_count ? QF_VALUES : 0u) | (p->skip_metadata ? QF_SKIP_METADATA : 0u) |
                     (p->page_size > 0 ? QF_PAGE_SIZE : 0u) |
                     (p->paging_state.ptr ? QF_PAGING_STATE : 0u) |
                     (p->value_count && p->value_names ? QF_NAMES : 0u);
    if (!tail_flags(e, &t, &flags))
        return;
    if (p->paging_state.ptr && p->paging_state.len < 0) {
        bad_arg(e);
        return;
    }
    cql_buf_put_u16(e->out, p->consistency);
    put_flags(e, flags);
    if (p->value_count && !put_values(e, p->values, p->value_count, p->value_names))
        return;
    if (p->page_size > 0)
        cql_buf_put_u32(e->out, (uint32_t)p->page_size);
    if (p->paging_state.ptr)
        put_value(e->out, p->paging_state);
    put_tail(e, &t);
}

cql_rc cql_encode_options(cql_buf *out, const cql_request_opts *opts)
{
    encoder e;
    begin(&e, out, opts, CQL_OP_OPTIONS);
    return finish(&e);
}

cql_rc cql_encode_startup(cql_buf *out, const cql_request_opts *opts, const cql_str *keys,
                          const cql_str *values, uint16_t count)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_STARTUP)) {
        if (count && (keys == NULL || values == NULL)) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_u16(out, count);
        for (uint16_t i = 0; i < count; i++) {
            if (!str_ok(keys[i]) || !str_ok(values[i])) {
                bad_arg(&e);
                break;
            }
            cql_buf_put_string(out, keys[i].ptr, keys[i].len);
            cql_buf_put_string(out, values[i].ptr, values[i].len);
        }
    }
    return finish(&e);
}

cql_rc cql_encode_auth_response(cql_buf *out, const cql_request_opts *opts, cql_value token)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_AUTH_RESPONSE)) {
        if (token.len < CQL_NULL || !value_ok(token))
            bad_arg(&e);
        else
            put_value(out, token);
    }
    return finish(&e);
}

cql_rc cql_encode_register(cql_buf *out, const cql_request_opts *opts, const cql_str *events,
                           uint16_t count)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_REGISTER)) {
        if (count && events == NULL) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_u16(out, count);
        for (uint16_t i = 0; i < count && e.arg == CQL_OK; i++) {
            if (!str_ok(events[i]))
                bad_arg(&e);
            else
                cql_buf_put_string(out, events[i].ptr, events[i].len);
        }
    }
    return finish(&e);
}

cql_rc cql_encode_query(cql_buf *out, const cql_request_opts *opts, cql_str query,
                        const cql_query_params *params)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_QUERY)) {
        if (!str_ok(query)) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_long_string(out, query.ptr, query.len);
        put_query_params(&e, params);
    }
    return finish(&e);
}

cql_rc cql_encode_prepare(cql_buf *out, const cql_request_opts *opts, cql_str query,
                          cql_str keyspace)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_PREPARE)) {
        if (!str_ok(query) || !str_ok(keyspace) || (keyspace.ptr && e.version < 5)) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_long_string(out, query.ptr, query.len);
        if (e.version >= 5) {
            cql_buf_put_u32(out, keyspace.ptr ? 0x01u : 0u);
            if (keyspace.ptr)
                cql_buf_put_string(out, keyspace.ptr, keyspace.len);
        }
    }
    return finish(&e);
}

cql_rc cql_encode_execute(cql_buf *out, const cql_request_opts *opts, cql_str id,
                          cql_str result_metadata_id, const cql_query_params *params)
{
    encoder e;
    if (begin(&e, out, opts, CQL_OP_EXECUTE)) {
        if (!str_ok(id) || id.len == 0 || !str_ok(result_metadata_id) ||
            (e.version >= 5 && result_metadata_id.ptr == NULL)) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_short_bytes(out, id.ptr, id.len);
        if (e.version >= 5)
            cql_buf_put_short_bytes(out, result_metadata_id.ptr, result_metadata_id.len);
        put_query_params(&e, params);
    }
    return finish(&e);
}

cql_rc cql_encode_batch(cql_buf *out, const cql_request_opts *opts, const cql_batch_params *batch)
{
    encoder e;
    if (!begin(&e, out, opts, CQL_OP_BATCH))
        return finish(&e);
    if (batch == NULL || batch->type > CQL_BATCH_COUNTER ||
        (batch->entry_count && batch->entries == NULL)) {
        bad_arg(&e);
        return finish(&e);
    }
    tail t = {batch->has_serial_consistency, batch->serial_consistency, batch->has_timestamp,
              batch->timestamp, batch->keyspace, batch->has_now_in_seconds,
              batch->now_in_seconds};
    uint32_t flags = 0;
    if (!tail_flags(&e, &t, &flags))
        return finish(&e);
    cql_buf_put_u8(out, batch->type);
    cql_buf_put_u16(out, batch->entry_count);
    for (uint16_t i = 0; i < batch->entry_count; i++) {
        const cql_batch_entry *q = &batch->entries[i];
        if (!str_ok(q->query_or_id) || (q->prepared && q->query_or_id.len == 0)) {
            bad_arg(&e);
            return finish(&e);
        }
        cql_buf_put_u8(out, q->prepared ? 1 : 0);
        if (q->prepared)
            cql_buf_put_short_bytes(out, q->query_or_id.ptr, q->query_or_id.len);
        else
            cql_buf_put_long_string(out, q->query_or_id.ptr, q->query_or_id.len);
        /* Named values in batches are broken by design (CASSANDRA-10246): positional only. */
        if (!put_values(&e, q->values, q->value_count, NULL))
            return finish(&e);
    }
    cql_buf_put_u16(out, batch->consistency);
    put_flags(&e, flags);
    put_tail(&e, &t);
    return finish(&e);
}
