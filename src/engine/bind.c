/*
 * The binders of cqlio.h: each turns its arguments into a given value, finds
 * the slot(s) it goes to (by index, or by name), and stores it; a failure
 * leaves the old value and records an error naming the bind marker, its
 * type and what was given (statement_errors.c says how long it lasts).
 */
#include "engine/statement_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a query a message quotes. */
#define QUOTE_MAX 60

/* "column "age" (bind marker 2) is int; " for a bound statement, "bind
 * marker 2 ("age"): " or "bind marker 2: " for a simple one: the start of a
 * message about slot i. */
static void describe_slot(const cql_statement *st, size_t i, char *buf, size_t cap)
{
    if (st->kind == CQL_STATEMENT_BOUND) {
        cql_str name = cql_prepared_param_name(st->prepared, i);
        char type[128];
        cql_type_format(cql_prepared_param_type(st->prepared, i), type, sizeof type);
        snprintf(buf, cap, "column \"%.*s\" (bind marker %zu) is %s; ",
                 (int)(name.len > 100 ? 100 : name.len), name.ptr ? name.ptr : "", i, type);
    } else if (st->slots[i].name != NULL) {
        snprintf(buf, cap, "bind marker %zu (\"%.100s\"): ", i, st->slots[i].name);
    } else {
        snprintf(buf, cap, "bind marker %zu: ", i);
    }
}

/* Stores g into the n slots listed, or records why it could not be. */
static cql_rc store(cql_statement *st, const size_t *slots, size_t n, const cql_given *g)
{
    char why[400];
    size_t failed = 0;
    cql_rc rc = cql_slots_store(st, slots, n, g, &failed, why, sizeof why);
    if (rc == CQL_OK) {
        for (size_t k = 0; k < n; k++)
            cql_statement_mended(st, slots[k]);
        return CQL_OK;
    }
    size_t slot = slots[failed];
    char prefix[300];
    describe_slot(st, slot, prefix, sizeof prefix);
    if (rc == CQL_E_NOMEM)
        cql_statement_fail(st, slot, rc, "%sout of memory while binding %s", prefix,
                           cql_given_describe(g));
    else if (rc == CQL_E_LIMIT)
        cql_statement_fail(st, slot, rc, "%sgiven %s larger than one request can carry (%u bytes)",
                           prefix, cql_given_describe(g), CQL_GIVEN_MAX_BYTES);
    else
        cql_statement_fail(st, slot, rc, "%s%s", prefix, why);
    return rc;
}

/* Binders address the values of simple and bound statements only. */
static bool refuse_batch(cql_statement *st)
{
    if (st->kind != CQL_STATEMENT_BATCH)
        return false;
    cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                       "a batch has no values of its own; bind each statement before "
                       "cql_batch_add");
    return true;
}

static cql_rc bind_index(cql_statement *st, size_t index, const cql_given *g)
{
    if (st == NULL)
        return CQL_E_ARG;
    if (refuse_batch(st))
        return CQL_E_ARG;
    if (index >= st->slot_count) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "bind marker %zu out of range: the statement has %zu", index,
                           st->slot_count);
        return CQL_E_ARG;
    }
    if (st->kind == CQL_STATEMENT_SIMPLE) {
        if (st->naming == CQL_NAMING_NAMED) {
            cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                               "bind marker %zu: a value by position after values by name; a "
                               "query's values are all named or all positional",
                               index);
            return CQL_E_ARG;
        }
        st->naming = CQL_NAMING_POSITIONAL;
    }
    return store(st, &index, 1, g);
}

/* ------------------------------------------------------------------------ */
/* By name                                                                   */
/* ------------------------------------------------------------------------ */

static bool same_name(cql_str a, const char *b, size_t n, bool any_case)
{
    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b[i];
        if (any_case && x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (any_case && y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* The bind markers of a bound statement named `name`, into out (room for
 * slot_count); returns how many. CQL folds unquoted identifiers to lower
 * case, so "Age" finds the column age; a quoted "\"Age\"" only finds Age.
 * A name can label several markers (`:x` used twice): all are bound. */
static size_t find_markers(const cql_statement *st, const char *name, size_t *out)
{
    size_t n = strlen(name), found = 0;
    bool quoted = n >= 2 && name[0] == '"' && name[n - 1] == '"';
    const char *want = quoted ? name + 1 : name;
    size_t want_len = quoted ? n - 2 : n;
    for (int pass = 0; pass < 2 && found == 0; pass++) {
        if (pass == 1 && quoted)
            break;
        for (size_t i = 0; i < st->slot_count; i++)
            if (same_name(cql_prepared_param_name(st->prepared, i), want, want_len, pass == 1))
                out[found++] = i;
    }
    return found;
}

static cql_rc bind_bound_name(cql_statement *st, const char *name, const cql_given *g)
{
    size_t small[8];
    size_t *slots = st->slot_count <= 8 ? small : malloc(st->slot_count * sizeof *slots);
    if (slots == NULL) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_NOMEM, "out of memory binding \"%.100s\"", name);
        return CQL_E_NOMEM;
    }
    size_t n = find_markers(st, name, slots);
    cql_rc rc;
    if (n == 0) {
        cql_str q = cql_statement_query(st);
        cql_statement_fail(
            st, CQL_NO_SLOT, CQL_E_ARG, "no bind marker named \"%.100s\" in \"%.*s%s\"", name,
            (int)(q.len > QUOTE_MAX ? QUOTE_MAX : q.len), q.ptr, q.len > QUOTE_MAX ? "..." : "");
        rc = CQL_E_ARG;
    } else {
        rc = store(st, slots, n, g);
    }
    if (slots != small)
        free(slots);
    return rc;
}

/* A simple statement's value by name: the slot that name had, or the next
 * free one. The name goes to the server with the value (QUERY's Names flag). */
static cql_rc bind_simple_name(cql_statement *st, const char *name, const cql_given *g)
{
    size_t n = strlen(name);
    if (st->naming == CQL_NAMING_POSITIONAL) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "value \"%.100s\": a value by name after values by position; a "
                           "query's values are all named or all positional",
                           name);
        return CQL_E_ARG;
    }
    if (n == 0 || n > UINT16_MAX) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "a value name of %zu bytes; a name is 1 to 65535 bytes", n);
        return CQL_E_ARG;
    }
    size_t slot = CQL_NO_SLOT;
    for (size_t i = 0; i < st->slot_count && slot == CQL_NO_SLOT; i++)
        if (st->slots[i].name != NULL && st->slots[i].name_len == n &&
            memcmp(st->slots[i].name, name, n) == 0)
            slot = i;
    for (size_t i = 0; i < st->slot_count && slot == CQL_NO_SLOT; i++)
        if (st->slots[i].name == NULL)
            slot = i;
    if (slot == CQL_NO_SLOT) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG,
                           "no room for a value named \"%.100s\": the statement was created with "
                           "%zu values, all named already",
                           name, st->slot_count);
        return CQL_E_ARG;
    }
    if (st->slots[slot].name == NULL) {
        char *copy = malloc(n + 1);
        if (copy == NULL) {
            cql_statement_fail(st, CQL_NO_SLOT, CQL_E_NOMEM, "out of memory binding \"%.100s\"",
                               name);
            return CQL_E_NOMEM;
        }
        memcpy(copy, name, n + 1);
        st->slots[slot].name = copy;
        st->slots[slot].name_len = n;
    }
    st->naming = CQL_NAMING_NAMED;
    return store(st, &slot, 1, g);
}

static cql_rc bind_name(cql_statement *st, const char *name, const cql_given *g)
{
    if (st == NULL)
        return CQL_E_ARG;
    if (refuse_batch(st))
        return CQL_E_ARG;
    if (name == NULL) {
        cql_statement_fail(st, CQL_NO_SLOT, CQL_E_ARG, "binding by name: the name is NULL");
        return CQL_E_ARG;
    }
    return st->kind == CQL_STATEMENT_BOUND ? bind_bound_name(st, name, g)
                                           : bind_simple_name(st, name, g);
}

/* ------------------------------------------------------------------------ */
/* The public binders                                                        */
/* ------------------------------------------------------------------------ */

#define DEFINE_BINDERS_(name, given, ...)                                                          \
    cql_rc cql_statement_bind_##name(cql_statement *st, size_t index, __VA_ARGS__)                 \
    {                                                                                              \
        cql_given g = given;                                                                       \
        return bind_index(st, index, &g);                                                          \
    }                                                                                              \
    cql_rc cql_statement_bind_##name##_by_name(cql_statement *st, const char *column, __VA_ARGS__) \
    {                                                                                              \
        cql_given g = given;                                                                       \
        return bind_name(st, column, &g);                                                          \
    }

#define G_(kind, member) ((cql_given){.tag = CQL_GIVEN_##kind, .u.member})
#define BYTES_(kind, p, n)                                                                         \
    ((cql_given){.tag = CQL_GIVEN_##kind, .u.bytes = {(const uint8_t *)(p), (n), 0}})

cql_rc cql_statement_bind_null(cql_statement *st, size_t index)
{
    return bind_index(st, index, &G_(NULL, i = 0));
}

cql_rc cql_statement_bind_null_by_name(cql_statement *st, const char *column)
{
    return bind_name(st, column, &G_(NULL, i = 0));
}

cql_rc cql_statement_bind_unset(cql_statement *st, size_t index)
{
    return bind_index(st, index, &G_(UNSET, i = 0));
}

cql_rc cql_statement_bind_unset_by_name(cql_statement *st, const char *column)
{
    return bind_name(st, column, &G_(UNSET, i = 0));
}

DEFINE_BINDERS_(bool, G_(BOOL, b = v), bool v)
DEFINE_BINDERS_(int8, G_(INT8, i = v), int8_t v)
DEFINE_BINDERS_(int16, G_(INT16, i = v), int16_t v)
DEFINE_BINDERS_(int32, G_(INT32, i = v), int32_t v)
DEFINE_BINDERS_(int64, G_(INT64, i = v), int64_t v)
DEFINE_BINDERS_(float, G_(FLOAT, f = v), float v)
DEFINE_BINDERS_(double, G_(DOUBLE, d = v), double v)
DEFINE_BINDERS_(string, BYTES_(STRING, v, len), const char *v, size_t len)
DEFINE_BINDERS_(bytes, BYTES_(BYTES, v, len), const uint8_t *v, size_t len)
DEFINE_BINDERS_(uuid, BYTES_(UUID, v, 16), const uint8_t v[16])
DEFINE_BINDERS_(inet, BYTES_(INET, v, len), const uint8_t *v, size_t len)
DEFINE_BINDERS_(date, G_(DATE, i = days), int64_t days)
DEFINE_BINDERS_(time, G_(TIME, i = nanoseconds), int64_t nanoseconds)
DEFINE_BINDERS_(timestamp, G_(TIMESTAMP, i = milliseconds), int64_t milliseconds)
DEFINE_BINDERS_(duration,
                ((cql_given){.tag = CQL_GIVEN_DURATION, .u.duration = {months, days, nanoseconds}}),
                int32_t months, int32_t days, int64_t nanoseconds)
DEFINE_BINDERS_(varint, BYTES_(VARINT, v, len), const uint8_t *v, size_t len)
DEFINE_BINDERS_(decimal,
                ((cql_given){.tag = CQL_GIVEN_DECIMAL,
                             .u.bytes = {v.unscaled, v.unscaled_len, v.scale}}),
                cql_decimal_value v)
DEFINE_BINDERS_(collection, G_(COLLECTION, collection = v), const cql_collection *v)
