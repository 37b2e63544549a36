/*
 * Statements: creation, options, what the session reads of them, deep
 * copies, and freeing. Values are in statement_values.c and bind.c, batches
 * in batch.c, sending in statement_send.c.
 */
#include "engine/statement_impl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void *dup_bytes(const void *p, size_t n)
{
    uint8_t *d = malloc(n + 1); /* + 1: a NUL for text, and never malloc(0) */
    if (d != NULL) {
        if (n > 0)
            memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

cql_statement *cql_statement_alloc(cql_statement_kind kind)
{
    cql_statement *st =
        cql_alloc_with_error_box(sizeof *st, offsetof(cql_statement, error));
    if (st == NULL)
        return NULL;
    st->kind = kind;
    return st;
}

cql_statement *cql_statement_new(const char *query, uint16_t value_count)
{
    if (query == NULL)
        return NULL;
    return cql_statement_new_n(query, strlen(query), value_count);
}

cql_statement *cql_statement_new_n(const char *query, size_t query_len, uint16_t value_count)
{
    if (query == NULL)
        return NULL;
    cql_statement *st = cql_statement_alloc(CQL_STATEMENT_SIMPLE);
    if (st == NULL || cql_slots_init(st, value_count) != CQL_OK) {
        cql_statement_free(st);
        return NULL;
    }
    if (query_len > CQL_QUERY_MAX_BYTES) {
        /* Kept creatable, so the caller learns why from the statement's
         * error (and cql_statement_check) rather than from a bare NULL; the
         * text is not copied, since it can never be sent. */
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "query text is %zu bytes; the limit is %u (what one request carries)",
                           query_len, CQL_QUERY_MAX_BYTES);
        return st;
    }
    st->query = dup_bytes(query, query_len);
    if (st->query == NULL) {
        cql_statement_free(st);
        return NULL;
    }
    st->query_len = query_len;
    return st;
}

cql_statement *cql_prepared_bind(const cql_prepared *prepared)
{
    if (prepared == NULL)
        return NULL;
    cql_statement *st = cql_statement_alloc(CQL_STATEMENT_BOUND);
    size_t count = cql_prepared_param_count(prepared);
    if (st == NULL || cql_slots_init(st, count) != CQL_OK) {
        cql_statement_free(st);
        return NULL;
    }
    st->prepared = cql_prepared_ref(prepared);
    if (count > CQL_VALUES_MAX)
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "the prepared statement has %zu bind markers; a request carries at "
                           "most %u values",
                           count, CQL_VALUES_MAX);
    return st;
}

static void free_payload(cql_statement *st)
{
    for (size_t i = 0; i < st->payload_count; i++) {
        free(st->payload[i].key);
        free(st->payload[i].value);
    }
    free(st->payload);
    st->payload = NULL;
    st->payload_count = 0;
}

void cql_statement_free(cql_statement *st)
{
    if (st == NULL)
        return;
    free(st->query);
    cql_prepared_free(st->prepared);
    cql_slots_free(st);
    for (size_t i = 0; i < st->child_count; i++)
        cql_statement_free(st->children[i]);
    free(st->children);
    free(st->paging_state);
    free(st->keyspace);
    free_payload(st);
    cql_statement_errors_free(st);
    free(st);
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

cql_rc cql_statement_set_consistency(cql_statement *st, cql_consistency c)
{
    if (st == NULL || (unsigned)c > CQL_CONSISTENCY_LOCAL_ONE)
        return CQL_E_ARG;
    st->has_consistency = true;
    st->consistency = (uint16_t)c;
    return CQL_OK;
}

cql_rc cql_statement_set_serial_consistency(cql_statement *st, cql_consistency c)
{
    if (st == NULL || (c != CQL_CONSISTENCY_SERIAL && c != CQL_CONSISTENCY_LOCAL_SERIAL))
        return CQL_E_ARG;
    st->has_serial = true;
    st->serial = (uint16_t)c;
    return CQL_OK;
}

cql_rc cql_statement_set_page_size(cql_statement *st, int32_t rows)
{
    if (st == NULL || st->kind == CQL_STATEMENT_BATCH)
        return CQL_E_ARG; /* a batch returns no rows to page */
    st->page_size = rows;
    return CQL_OK;
}

cql_rc cql_statement_set_paging_state(cql_statement *st, const uint8_t *state, size_t len)
{
    if (st == NULL || st->kind == CQL_STATEMENT_BATCH || (state == NULL && len > 0) ||
        len > INT32_MAX)
        return CQL_E_ARG;
    uint8_t *copy = NULL;
    if (len > 0 && (copy = dup_bytes(state, len)) == NULL)
        return CQL_E_NOMEM;
    free(st->paging_state);
    st->paging_state = copy;
    st->paging_state_len = len;
    return CQL_OK;
}

cql_rc cql_statement_set_timestamp(cql_statement *st, int64_t microseconds)
{
    if (st == NULL || microseconds < 0)
        return CQL_E_ARG; /* the protocol forbids negative default timestamps */
    st->has_timestamp = true;
    st->timestamp = microseconds;
    return CQL_OK;
}

cql_rc cql_statement_set_idempotent(cql_statement *st, bool idempotent)
{
    if (st == NULL)
        return CQL_E_ARG;
    st->idempotent = idempotent;
    return CQL_OK;
}

cql_rc cql_statement_set_keyspace(cql_statement *st, const char *keyspace)
{
    if (st == NULL)
        return CQL_E_ARG;
    char *copy = NULL;
    if (keyspace != NULL) {
        size_t n = strlen(keyspace);
        if (n == 0 || n > UINT16_MAX)
            return CQL_E_ARG; /* sent as a [string] */
        if ((copy = dup_bytes(keyspace, n)) == NULL)
            return CQL_E_NOMEM;
    }
    free(st->keyspace);
    st->keyspace = copy;
    return CQL_OK;
}

cql_rc cql_statement_set_tracing(cql_statement *st, bool tracing)
{
    if (st == NULL)
        return CQL_E_ARG;
    st->tracing = tracing;
    return CQL_OK;
}

cql_rc cql_statement_set_timeout(cql_statement *st, uint32_t timeout_ms)
{
    if (st == NULL)
        return CQL_E_ARG;
    st->timeout_ms = timeout_ms;
    return CQL_OK;
}

cql_rc cql_statement_add_payload(cql_statement *st, const char *key, const uint8_t *value,
                                 size_t len)
{
    if (st == NULL || key == NULL || (value == NULL && len > 0) || len > INT32_MAX)
        return CQL_E_ARG;
    size_t key_len = strlen(key);
    if (key_len > UINT16_MAX)
        return CQL_E_ARG;
    size_t at = 0;
    while (at < st->payload_count &&
           !(st->payload[at].key_len == key_len && memcmp(st->payload[at].key, key, key_len) == 0))
        at++;
    if (at == st->payload_count && st->payload_count >= UINT16_MAX)
        return CQL_E_ARG; /* a [bytes map] holds at most 65535 entries */
    uint8_t *copy = dup_bytes(value, len);
    if (copy == NULL)
        return CQL_E_NOMEM;
    if (at < st->payload_count) { /* a map: the same key again replaces its value */
        free(st->payload[at].value);
        st->payload[at].value = copy;
        st->payload[at].len = len;
        return CQL_OK;
    }
    char *key_copy = dup_bytes(key, key_len);
    cql_payload_entry *grown = realloc(st->payload, (st->payload_count + 1) * sizeof *grown);
    if (key_copy == NULL || grown == NULL) {
        free(copy);
        free(key_copy);
        if (grown != NULL)
            st->payload = grown;
        return CQL_E_NOMEM;
    }
    st->payload = grown;
    st->payload[st->payload_count++] = (cql_payload_entry){key_copy, key_len, copy, len};
    return CQL_OK;
}

/* ------------------------------------------------------------------------ */
/* What the session reads                                                    */
/* ------------------------------------------------------------------------ */

cql_statement_kind cql_statement_kind_of(const cql_statement *st)
{
    return st->kind;
}

cql_str cql_statement_query(const cql_statement *st)
{
    switch (st->kind) {
    case CQL_STATEMENT_SIMPLE:
        return (cql_str){st->query ? st->query : "", st->query ? st->query_len : 0};
    case CQL_STATEMENT_BOUND: return (cql_str){st->prepared->query, st->prepared->query_len};
    case CQL_STATEMENT_BATCH: break;
    }
    return (cql_str){"BATCH", 5};
}

const cql_prepared *cql_statement_prepared(const cql_statement *st)
{
    return st->kind == CQL_STATEMENT_BOUND ? st->prepared : NULL;
}

bool cql_statement_is_idempotent(const cql_statement *st)
{
    return st->idempotent;
}
bool cql_statement_tracing(const cql_statement *st)
{
    return st->tracing;
}
uint32_t cql_statement_timeout(const cql_statement *st)
{
    return st->timeout_ms;
}
const char *cql_statement_keyspace(const cql_statement *st)
{
    return st->keyspace;
}

/* ------------------------------------------------------------------------ */
/* Deep copies                                                               */
/* ------------------------------------------------------------------------ */

static cql_rc copy_payload(cql_statement *dst, const cql_statement *src)
{
    if (src->payload_count == 0)
        return CQL_OK;
    dst->payload = calloc(src->payload_count, sizeof *dst->payload);
    if (dst->payload == NULL)
        return CQL_E_NOMEM;
    for (size_t i = 0; i < src->payload_count; i++) {
        const cql_payload_entry *e = &src->payload[i];
        cql_payload_entry *d = &dst->payload[dst->payload_count++];
        d->key = dup_bytes(e->key, e->key_len);
        d->value = dup_bytes(e->value, e->len);
        d->key_len = e->key_len;
        d->len = e->len;
        if (d->key == NULL || d->value == NULL)
            return CQL_E_NOMEM;
    }
    return CQL_OK;
}

/* The options and their owned copies; scalars first, so a failure part way
 * leaves dst consistent for cql_statement_free. */
static cql_rc copy_options(cql_statement *dst, const cql_statement *src)
{
    dst->has_consistency = src->has_consistency;
    dst->consistency = src->consistency;
    dst->has_serial = src->has_serial;
    dst->serial = src->serial;
    dst->page_size = src->page_size;
    dst->has_timestamp = src->has_timestamp;
    dst->timestamp = src->timestamp;
    dst->idempotent = src->idempotent;
    dst->tracing = src->tracing;
    dst->timeout_ms = src->timeout_ms;
    if (src->paging_state != NULL) {
        dst->paging_state = dup_bytes(src->paging_state, src->paging_state_len);
        if (dst->paging_state == NULL)
            return CQL_E_NOMEM;
        dst->paging_state_len = src->paging_state_len;
    }
    if (src->keyspace != NULL &&
        (dst->keyspace = dup_bytes(src->keyspace, strlen(src->keyspace))) == NULL)
        return CQL_E_NOMEM;
    return copy_payload(dst, src);
}

static cql_rc copy_children(cql_statement *dst, const cql_statement *src)
{
    dst->batch_type = src->batch_type;
    if (src->child_count == 0)
        return CQL_OK;
    dst->children = calloc(src->child_count, sizeof *dst->children);
    if (dst->children == NULL)
        return CQL_E_NOMEM;
    dst->child_cap = src->child_count;
    for (size_t i = 0; i < src->child_count; i++) {
        if ((dst->children[i] = cql_statement_clone(src->children[i])) == NULL)
            return CQL_E_NOMEM;
        dst->child_count++;
    }
    return CQL_OK;
}

cql_statement *cql_statement_clone(const cql_statement *src)
{
    if (src == NULL)
        return NULL;
    cql_statement *st = cql_statement_alloc(src->kind);
    if (st == NULL)
        return NULL;
    if (src->prepared != NULL)
        st->prepared = cql_prepared_ref(src->prepared);
    if (src->query != NULL && (st->query = dup_bytes(src->query, src->query_len)) == NULL)
        goto nomem;
    st->query_len = src->query_len;
    if (cql_slots_copy(st, src) != CQL_OK || copy_children(st, src) != CQL_OK ||
        copy_options(st, src) != CQL_OK || cql_statement_errors_copy(st, src) != CQL_OK)
        goto nomem;
    return st;
nomem:
    cql_statement_free(st);
    return NULL;
}

const cql_prepared *cql_statement_prepared_by_id(const cql_statement *st, cql_str id)
{
    if (st == NULL)
        return NULL;
    if (st->kind == CQL_STATEMENT_BOUND) {
        cql_str mine = cql_prepared_id(st->prepared);
        return mine.len == id.len && memcmp(mine.ptr, id.ptr, id.len) == 0 ? st->prepared : NULL;
    }
    for (size_t i = 0; st->kind == CQL_STATEMENT_BATCH && i < st->child_count; i++) {
        const cql_prepared *p = cql_statement_prepared_by_id(st->children[i], id);
        if (p != NULL)
            return p;
    }
    return NULL;
}
