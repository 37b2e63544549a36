/*
 * Batches: a BATCH request's statements, each a deep copy of a simple or
 * bound statement as it was bound when added. Only the children's query (or
 * prepared id) and values are sent; their own options (consistency, page
 * size, timestamp, keyspace, payload...) are the batch's to set.
 *
 * A statement that cannot be added leaves an error on the batch that lasts
 * (statement_errors.c): the batch no longer holds what the caller meant it
 * to, and sending it without that statement would drop a write silently.
 */
#include "engine/statement_impl.h"

#include <stdlib.h>

cql_statement *cql_batch_new(cql_batch_type type)
{
    if ((unsigned)type > CQL_BATCH_COUNTER)
        return NULL;
    cql_statement *st = cql_statement_alloc(CQL_STATEMENT_BATCH);
    if (st != NULL)
        st->batch_type = (uint8_t)type;
    return st;
}

static cql_rc refuse(cql_statement *batch, cql_rc rc, const char *reason)
{
    cql_statement_fail(batch, CQL_NO_SLOT, rc, "statement %zu of the batch was not added: %s",
                       batch->child_count, reason);
    return rc;
}

static bool grow(cql_statement *batch)
{
    if (batch->child_count < batch->child_cap)
        return true;
    size_t cap = batch->child_cap ? batch->child_cap * 2 : 8;
    cql_statement **children = realloc(batch->children, cap * sizeof *children);
    if (children == NULL)
        return false;
    batch->children = children;
    batch->child_cap = cap;
    return true;
}

cql_rc cql_batch_add(cql_statement *batch, const cql_statement *child)
{
    if (batch == NULL || batch->kind != CQL_STATEMENT_BATCH)
        return CQL_E_ARG;
    if (child == NULL)
        return refuse(batch, CQL_E_ARG, "the statement is NULL");
    if (child->kind == CQL_STATEMENT_BATCH)
        return refuse(batch, CQL_E_ARG, "it is a batch, and batches do not nest");
    if (child->naming == CQL_NAMING_NAMED)
        return refuse(batch, CQL_E_ARG,
                      "its values are bound by name, and a BATCH carries positional values only");
    cql_error_box err = {0};
    if (cql_statement_check_values(child, &err) != CQL_OK) {
        refuse(batch, CQL_E_ARG, err.message);
        cql_error_clear(&err);
        return CQL_E_ARG;
    }
    if (batch->child_count >= CQL_BATCH_MAX)
        return refuse(batch, CQL_E_LIMIT, "a BATCH carries at most 65535 statements");
    cql_statement *copy = grow(batch) ? cql_statement_clone(child) : NULL;
    if (copy == NULL)
        return refuse(batch, CQL_E_NOMEM, "out of memory");
    batch->children[batch->child_count++] = copy;
    return CQL_OK;
}
