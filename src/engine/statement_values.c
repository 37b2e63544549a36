/*
 * A statement's values: one slot per bind marker, the cells in one buffer.
 *
 * A cell is kept as the [bytes] it will be sent as (the [int] length and the
 * bytes), so a bind encodes once and sending copies bytes. Rebinding a slot
 * appends the new cell and leaves the old one behind as garbage; when the
 * garbage outweighs the live cells the buffer is rewritten without it, so a
 * statement rebound in a loop stays the size of its values.
 */
#include "engine/statement_impl.h"
#include "proto/buf.h"

#include <stdlib.h>
#include <string.h>

/* Below this, garbage is not worth a rewrite. */
#define COMPACT_MIN_GARBAGE 4096u

cql_rc cql_slots_init(cql_statement *st, size_t count)
{
    st->slots = NULL;
    st->slot_count = 0;
    if (count == 0)
        return CQL_OK;
    st->slots = calloc(count, sizeof *st->slots);
    if (st->slots == NULL)
        return CQL_E_NOMEM;
    st->slot_count = count;
    return CQL_OK;
}

void cql_slots_free(cql_statement *st)
{
    for (size_t i = 0; i < st->slot_count; i++)
        free(st->slots[i].name);
    free(st->slots);
    st->slots = NULL;
    st->slot_count = 0;
    cql_buf_free(&st->values);
    st->values.failed = CQL_OK;
    st->garbage = 0;
}

cql_value cql_slot_value(const cql_statement *st, size_t i)
{
    const cql_slot *s = &st->slots[i];
    if (!s->bound)
        return (cql_value){NULL, CQL_UNSET};
    if (s->len < 0)
        return (cql_value){NULL, s->len};
    return (cql_value){st->values.data + s->off, s->len};
}

/* The bytes a cell takes in the buffer: its [int] length and its bytes. */
static size_t cell_size(int32_t len)
{
    return 4 + (len > 0 ? (size_t)len : 0);
}

static int32_t read_length(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return v > INT32_MAX ? (int32_t)(-(int64_t)(UINT32_MAX - v) - 1) : (int32_t)v;
}

/* Rewrites the buffer with the live cells only. Best effort: when the new
 * buffer cannot be had, the old one (garbage and all) stays. */
static void compact(cql_statement *st)
{
    cql_buf fresh = {0};
    if (!cql_buf_reserve(&fresh, st->values.len - st->garbage)) {
        cql_buf_free(&fresh);
        return;
    }
    for (size_t i = 0; i < st->slot_count; i++) {
        cql_slot *s = &st->slots[i];
        if (!s->bound)
            continue;
        size_t at = fresh.len;
        cql_buf_put(&fresh, st->values.data + s->off - 4, cell_size(s->len));
        s->off = at + 4;
    }
    cql_buf_free(&st->values);
    st->values = fresh;
    st->garbage = 0;
}

cql_rc cql_slots_store(cql_statement *st, const size_t *slots, size_t n, const cql_given *g,
                       size_t *failed, char *why, size_t cap)
{
    size_t start = st->values.len;
    cql_rc rc = CQL_OK;
    for (size_t k = 0; k < n && rc == CQL_OK; k++) {
        const cql_type *t = st->kind == CQL_STATEMENT_BOUND
                                ? cql_prepared_param_type(st->prepared, slots[k])
                                : NULL;
        /* One value can be no larger than one request, which also keeps
         * every cell's length within its [int]. */
        st->values.limit = st->values.len + 4 + CQL_GIVEN_MAX_BYTES;
        rc = cql_given_encode(&st->values, t, g, why, cap);
        st->values.limit = 0;
        if (rc != CQL_OK)
            *failed = k;
    }
    if (rc != CQL_OK) {
        st->values.len = start;
        st->values.failed = CQL_OK;
        return rc;
    }
    size_t at = start;
    for (size_t k = 0; k < n; k++) {
        cql_slot *s = &st->slots[slots[k]];
        if (s->bound)
            st->garbage += cell_size(s->len);
        s->bound = true;
        s->len = read_length(st->values.data + at);
        s->off = at + 4;
        at += cell_size(s->len);
    }
    if (st->garbage > COMPACT_MIN_GARBAGE && st->garbage > st->values.len / 2)
        compact(st);
    return CQL_OK;
}

cql_rc cql_slots_copy(cql_statement *dst, const cql_statement *src)
{
    if (cql_slots_init(dst, src->slot_count) != CQL_OK)
        return CQL_E_NOMEM;
    dst->naming = src->naming;
    if (!cql_buf_reserve(&dst->values, src->values.len - src->garbage + 1))
        goto nomem;
    for (size_t i = 0; i < src->slot_count; i++) {
        const cql_slot *s = &src->slots[i];
        cql_slot *d = &dst->slots[i];
        if (s->name != NULL) {
            d->name = malloc(s->name_len + 1);
            if (d->name == NULL)
                goto nomem;
            memcpy(d->name, s->name, s->name_len + 1);
            d->name_len = s->name_len;
        }
        if (!s->bound)
            continue;
        size_t at = dst->values.len;
        cql_buf_put(&dst->values, src->values.data + s->off - 4, cell_size(s->len));
        d->bound = true;
        d->len = s->len;
        d->off = at + 4;
    }
    if (dst->values.failed == CQL_OK)
        return CQL_OK;
nomem:
    cql_slots_free(dst);
    return CQL_E_NOMEM;
}

size_t cql_slots_wire_size(const cql_statement *st)
{
    size_t total = 0;
    for (size_t i = 0; i < st->slot_count; i++)
        if (st->slots[i].bound)
            total += cell_size(st->slots[i].len);
    return total;
}
