/*
 * Binding errors and how long they last.
 *
 * A failed binding leaves the old value in place, so a statement sent
 * anyway would carry a value the caller did not mean. Each failure is
 * therefore kept until it is mended: a later successful binding of the same
 * bind marker mends it. A failure about no bind marker of the statement (an
 * index out of range, an unknown name, positional and named values mixed,
 * a binder on a batch) is about a value that went nowhere, and lasts as long
 * as the statement. While any is left, cql_statement_check refuses the
 * statement; cql_statement_error shows the newest.
 */
#include "engine/statement_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_text(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d != NULL)
        memcpy(d, s, n + 1);
    return d;
}

/* Shows the newest error left in st->error, or empties it. */
static void show_newest(cql_statement *st)
{
    if (st->error_count > 0) {
        const cql_bind_error *e = &st->errors[st->error_count - 1];
        cql_error_set(&st->error, e->rc, CQL_ERRCAT_CLIENT, NULL, "%s", e->message);
    } else if (st->errors_lost) {
        cql_error_set(&st->error, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, NULL,
                      "a binding error could not be recorded (out of memory); the statement "
                      "cannot be sent");
    } else {
        cql_error_clear(&st->error);
    }
}

static void drop(cql_statement *st, size_t i)
{
    free(st->errors[i].message);
    memmove(&st->errors[i], &st->errors[i + 1], (st->error_count - i - 1) * sizeof *st->errors);
    st->error_count--;
}

static bool remove_slot(cql_statement *st, size_t slot)
{
    for (size_t i = 0; i < st->error_count; i++) {
        if (st->errors[i].slot == slot) {
            drop(st, i);
            return true;
        }
    }
    return false;
}

static bool record(cql_statement *st, size_t slot, cql_rc rc, const char *message)
{
    if (st->error_count == st->error_cap) {
        size_t cap = st->error_cap ? st->error_cap * 2 : 4;
        cql_bind_error *errors = realloc(st->errors, cap * sizeof *errors);
        if (errors == NULL)
            return false;
        st->errors = errors;
        st->error_cap = cap;
    }
    char *copy = dup_text(message);
    if (copy == NULL)
        return false;
    st->errors[st->error_count++] = (cql_bind_error){slot, rc, copy};
    return true;
}

void cql_statement_fail(cql_statement *st, size_t slot, cql_rc rc, const char *fmt, ...)
{
    char message[sizeof st->error.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (slot != CQL_NO_SLOT)
        remove_slot(st, slot);
    if (!record(st, slot, rc, message))
        st->errors_lost = true;
    /* The newest is shown even when it could not be recorded. */
    cql_error_set(&st->error, rc, CQL_ERRCAT_CLIENT, NULL, "%s", message);
}

void cql_statement_mended(cql_statement *st, size_t slot)
{
    if (remove_slot(st, slot))
        show_newest(st);
}

bool cql_statement_has_errors(const cql_statement *st)
{
    return st->error_count > 0 || st->errors_lost;
}

cql_rc cql_statement_errors_copy(cql_statement *dst, const cql_statement *src)
{
    for (size_t i = 0; i < src->error_count; i++) {
        const cql_bind_error *e = &src->errors[i];
        if (!record(dst, e->slot, e->rc, e->message))
            return CQL_E_NOMEM;
    }
    dst->errors_lost = src->errors_lost;
    if (cql_statement_has_errors(dst))
        show_newest(dst);
    return CQL_OK;
}

void cql_statement_errors_free(cql_statement *st)
{
    for (size_t i = 0; i < st->error_count; i++)
        free(st->errors[i].message);
    free(st->errors);
    st->errors = NULL;
    st->error_count = st->error_cap = 0;
    cql_error_clear(&st->error);
}

const cql_error *cql_statement_error(const cql_statement *st)
{
    if (st == NULL || st->error.pub.rc == CQL_OK)
        return NULL;
    return &st->error.pub;
}
