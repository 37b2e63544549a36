/*
 * Sending a statement: the last checks (cql_statement_check) and the
 * request it becomes (cql_statement_encode): QUERY for a simple statement,
 * EXECUTE for a bound one, BATCH for a batch, with the statement's options
 * over the session's defaults.
 */
#include "engine/statement_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "bind marker 2 ("age")", or "bind marker 2" when it has no name. */
static void name_marker(const cql_statement *st, size_t i, char *buf, size_t cap)
{
    cql_str name = {NULL, 0};
    if (st->kind == CQL_STATEMENT_BOUND)
        name = cql_prepared_param_name(st->prepared, i);
    else if (st->slots[i].name != NULL)
        name = (cql_str){st->slots[i].name, st->slots[i].name_len};
    if (name.len > 0)
        snprintf(buf, cap, "bind marker %zu (\"%.*s\")", i, (int)(name.len > 100 ? 100 : name.len),
                 name.ptr);
    else
        snprintf(buf, cap, "bind marker %zu", i);
}

static cql_rc check_one(const cql_statement *st, cql_error_box *err, const char *context)
{
    if (cql_statement_has_errors(st)) {
        size_t more = st->error_count > 1 ? st->error_count - 1 : 0;
        char tail[64] = "";
        if (more > 0)
            snprintf(tail, sizeof tail, " (and %zu more binding error%s)", more,
                     more > 1 ? "s" : "");
        cql_error_set(err, st->error.pub.rc, CQL_ERRCAT_CLIENT, NULL, "%s%s%s", context,
                      st->error.message, tail);
        return st->error.pub.rc;
    }
    for (size_t i = 0; i < st->slot_count; i++) {
        if (!st->slots[i].bound) {
            char marker[160];
            name_marker(st, i, marker, sizeof marker);
            cql_error_set(err, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                          "%s%s was never bound; bind null or unset explicitly", context, marker);
            return CQL_E_ARG;
        }
    }
    return CQL_OK;
}

cql_rc cql_statement_check_values(const cql_statement *st, cql_error_box *err)
{
    if (st == NULL) {
        cql_error_set(err, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL, "no statement (NULL)");
        return CQL_E_ARG;
    }
    cql_rc rc = check_one(st, err, "");
    size_t wire = cql_slots_wire_size(st);
    for (size_t i = 0; i < st->child_count && rc == CQL_OK; i++) {
        char context[64];
        snprintf(context, sizeof context, "statement %zu of the batch: ", i);
        rc = check_one(st->children[i], err, context);
        wire += cql_slots_wire_size(st->children[i]);
    }
    if (rc == CQL_OK && wire > CQL_ENVELOPE_MAX_BODY) {
        cql_error_set(err, CQL_E_LIMIT, CQL_ERRCAT_CLIENT, NULL,
                      "the values take %zu bytes; one request carries at most %u", wire,
                      CQL_ENVELOPE_MAX_BODY);
        rc = CQL_E_LIMIT;
    }
    return rc;
}

cql_rc cql_statement_check(const cql_statement *st, uint8_t version, cql_error_box *err)
{
    cql_error_box scratch = {0};
    if (err == NULL)
        err = &scratch;
    cql_rc rc = cql_statement_check_values(st, err);
    if (rc == CQL_OK && version != 4 && version != 5) {
        cql_error_set(err, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                      "protocol version %u cannot carry statements (4 or 5 only)", version);
        rc = CQL_E_ARG;
    }
    if (rc == CQL_OK && st->keyspace != NULL && version < 5) {
        cql_error_set(err, CQL_E_ARG, CQL_ERRCAT_CLIENT, NULL,
                      "the statement sets keyspace \"%.100s\", which protocol v4 cannot send (it "
                      "came with v5); qualify the table names or USE the keyspace instead",
                      st->keyspace);
        rc = CQL_E_ARG;
    }
    cql_error_clear(&scratch);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                  */
/* ------------------------------------------------------------------------ */

/* The arrays a request borrows from the statement while it is encoded. */
typedef struct borrowed {
    cql_value *values;
    cql_str *names;
    cql_batch_entry *entries;
    cql_str *payload_keys;
    cql_value *payload_values;
} borrowed;

static void release(borrowed *b)
{
    free(b->values);
    free(b->names);
    free(b->entries);
    free(b->payload_keys);
    free(b->payload_values);
}

/* calloc that never asks for 0 bytes, so NULL always means out of memory. */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n > 0 ? n : 1, size);
}

/* opts with the statement's tracing flag and custom payload. */
static cql_rc request_opts(const cql_statement *st, const cql_request_opts *opts,
                           cql_request_opts *o, borrowed *b)
{
    *o = *opts;
    o->tracing = opts->tracing || st->tracing;
    if (st->payload_count == 0)
        return CQL_OK;
    b->payload_keys = alloc_array(st->payload_count, sizeof *b->payload_keys);
    b->payload_values = alloc_array(st->payload_count, sizeof *b->payload_values);
    if (b->payload_keys == NULL || b->payload_values == NULL)
        return CQL_E_NOMEM;
    for (size_t i = 0; i < st->payload_count; i++) {
        b->payload_keys[i] = (cql_str){st->payload[i].key, st->payload[i].key_len};
        b->payload_values[i] = (cql_value){st->payload[i].value, (int32_t)st->payload[i].len};
    }
    o->payload_keys = b->payload_keys;
    o->payload_values = b->payload_values;
    o->payload_count = (uint16_t)st->payload_count;
    return CQL_OK;
}

/* Consistency, serial consistency, timestamp: the statement's, else the
 * session's. A negative default timestamp means the session gives none. */
typedef struct common {
    uint16_t consistency;
    bool has_serial;
    uint16_t serial;
    bool has_timestamp;
    int64_t timestamp;
    cql_str keyspace;
} common;

static common common_params(const cql_statement *st, const cql_statement_defaults *d)
{
    static const cql_statement_defaults none = {.timestamp = -1};
    if (d == NULL)
        d = &none;
    common c = {0};
    c.consistency = st->has_consistency ? st->consistency : d->consistency;
    c.has_serial = st->has_serial || d->serial_consistency != 0;
    c.serial = st->has_serial ? st->serial : d->serial_consistency;
    c.has_timestamp = st->has_timestamp || d->timestamp >= 0;
    c.timestamp = st->has_timestamp ? st->timestamp : d->timestamp;
    if (st->keyspace != NULL)
        c.keyspace = (cql_str){st->keyspace, strlen(st->keyspace)};
    return c;
}

/* The values (and, for named ones, names) of a simple or bound statement. */
static cql_rc query_params(const cql_statement *st, const cql_statement_defaults *d,
                           cql_query_params *p, borrowed *b)
{
    common c = common_params(st, d);
    int32_t session_pages = d != NULL && d->page_size > 0 ? d->page_size : 0;
    *p = (cql_query_params){
        .consistency = c.consistency,
        .value_count = (uint16_t)st->slot_count,
        .page_size = st->page_size > 0   ? st->page_size
                     : st->page_size < 0 ? 0
                                         : session_pages,
        .has_serial_consistency = c.has_serial,
        .serial_consistency = c.serial,
        .has_timestamp = c.has_timestamp,
        .timestamp = c.timestamp,
        .keyspace = c.keyspace,
    };
    if (st->paging_state_len > 0)
        p->paging_state = (cql_value){st->paging_state, (int32_t)st->paging_state_len};
    if (st->slot_count == 0)
        return CQL_OK;
    b->values = alloc_array(st->slot_count, sizeof *b->values);
    if (b->values == NULL)
        return CQL_E_NOMEM;
    for (size_t i = 0; i < st->slot_count; i++)
        b->values[i] = cql_slot_value(st, i);
    p->values = b->values;
    if (st->naming == CQL_NAMING_NAMED) {
        b->names = alloc_array(st->slot_count, sizeof *b->names);
        if (b->names == NULL)
            return CQL_E_NOMEM;
        for (size_t i = 0; i < st->slot_count; i++)
            b->names[i] = (cql_str){st->slots[i].name, st->slots[i].name_len};
        p->value_names = b->names;
    }
    return CQL_OK;
}

static cql_rc batch_params(const cql_statement *st, const cql_statement_defaults *d,
                           cql_batch_params *p, borrowed *b)
{
    common c = common_params(st, d);
    *p = (cql_batch_params){
        .type = st->batch_type,
        .entry_count = (uint16_t)st->child_count,
        .consistency = c.consistency,
        .has_serial_consistency = c.has_serial,
        .serial_consistency = c.serial,
        .has_timestamp = c.has_timestamp,
        .timestamp = c.timestamp,
        .keyspace = c.keyspace,
    };
    size_t total = 0;
    for (size_t i = 0; i < st->child_count; i++)
        total += st->children[i]->slot_count;
    b->entries = alloc_array(st->child_count, sizeof *b->entries);
    b->values = alloc_array(total, sizeof *b->values);
    if (b->entries == NULL || b->values == NULL)
        return CQL_E_NOMEM;
    cql_value *v = b->values;
    for (size_t i = 0; i < st->child_count; i++) {
        const cql_statement *child = st->children[i];
        cql_batch_entry *e = &b->entries[i];
        e->prepared = child->kind == CQL_STATEMENT_BOUND;
        e->query_or_id =
            e->prepared ? cql_prepared_id(child->prepared) : cql_statement_query(child);
        e->values = v;
        e->value_count = (uint16_t)child->slot_count;
        for (size_t j = 0; j < child->slot_count; j++)
            *v++ = cql_slot_value(child, j);
    }
    p->entries = b->entries;
    return CQL_OK;
}

cql_rc cql_statement_encode(const cql_statement *st, cql_buf *out, const cql_request_opts *opts,
                            const cql_statement_defaults *d)
{
    if (st == NULL || out == NULL || opts == NULL)
        return CQL_E_ARG;
    cql_rc rc = cql_statement_check(st, opts->version, NULL);
    if (rc != CQL_OK)
        return rc;
    borrowed b = {0};
    cql_request_opts o;
    rc = request_opts(st, opts, &o, &b);
    if (rc == CQL_OK && st->kind == CQL_STATEMENT_BATCH) {
        cql_batch_params p;
        if ((rc = batch_params(st, d, &p, &b)) == CQL_OK)
            rc = cql_encode_batch(out, &o, &p);
    } else if (rc == CQL_OK) {
        cql_query_params p;
        if ((rc = query_params(st, d, &p, &b)) == CQL_OK && st->kind == CQL_STATEMENT_SIMPLE) {
            rc = cql_encode_query(out, &o, cql_statement_query(st), &p);
        } else if (rc == CQL_OK) {
            const cql_prepared *prep = st->prepared;
            cql_str metadata_id = {NULL, 0};
            if (o.version >= 5) {
                const cql_metadata_version *v =
                    d != NULL && d->columns != NULL ? d->columns : cql_prepared_columns(prep);
                metadata_id = (cql_str){(const char *)v->id, v->id_len};
                /* The server sends the columns again only when they changed
                 * (Metadata_changed, with the new id): the rows are read with
                 * the version's own. Not in v4, where a schema change would
                 * go unnoticed. */
                p.skip_metadata = cql_metadata_column_count(v->metadata) > 0;
            }
            rc = cql_encode_execute(out, &o, cql_prepared_id(prep), metadata_id, &p);
        }
    }
    release(&b);
    return rc;
}
