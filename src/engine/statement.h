/*
 * Statements as the session sees them: what it needs to encode a QUERY,
 * EXECUTE or BATCH, and the options that steer how it runs. The public
 * builders and binders are in cqlio.h; given values and collections are in
 * engine/value.h.
 */
#ifndef CQLIO_ENGINE_STATEMENT_H
#define CQLIO_ENGINE_STATEMENT_H

#include "cqlio.h"
#include "engine/error.h"

typedef enum cql_statement_kind {
    CQL_STATEMENT_SIMPLE,
    CQL_STATEMENT_BOUND,
    CQL_STATEMENT_BATCH,
} cql_statement_kind;

/* What the session fills in where the statement leaves a choice open. */
typedef struct cql_statement_defaults {
    uint16_t consistency;        /* used unless the statement sets one */
    uint16_t serial_consistency; /* 0: none unless the statement sets one */
    int32_t page_size;           /* > 0 pages; used unless the statement sets its own */
    int64_t timestamp;           /* microseconds, from the session's monotonic generator;
                                    used unless the statement sets one */
    /* A bound statement in v5: the version of its prepared statement's
     * result columns whose id EXECUTE carries (the rows are then read with
     * those columns); NULL: the newest. */
    const struct cql_metadata_version *columns;
} cql_statement_defaults;

cql_statement_kind cql_statement_kind_of(const cql_statement *st);
/* Simple: its text. Bound: the prepared query's text. Batch: "BATCH". */
cql_str cql_statement_query(const cql_statement *st);
/* Bound: the prepared statement (borrowed); NULL otherwise. */
const cql_prepared *cql_statement_prepared(const cql_statement *st);
/* The prepared statement with this id: the bound statement's own, or a
 * batch child's (borrowed); NULL when none has it (the server's UNPREPARED
 * names the id it forgot). */
const cql_prepared *cql_statement_prepared_by_id(const cql_statement *st, cql_str id);
bool cql_statement_is_idempotent(const cql_statement *st);
bool cql_statement_tracing(const cql_statement *st);
uint32_t cql_statement_timeout(const cql_statement *st);  /* 0: the session's */
/* The statement's own keyspace (v5), or NULL. */
const char *cql_statement_keyspace(const cql_statement *st);

/* A deep copy (values, payload, batch children, a reference to the
 * prepared statement), owned by the caller. NULL when out of memory. */
cql_statement *cql_statement_clone(const cql_statement *st);

/* Checks that the statement can be sent: no binding error left on it, every
 * value bound, explicitly unset or null (unset is valid in v4 and v5);
 * on failure fills err. */
cql_rc cql_statement_check(const cql_statement *st, uint8_t version, cql_error_box *err);

/* Appends the request envelope (QUERY for simple, EXECUTE for bound, BATCH)
 * to out, with opts (version, stream, set by the connection; tracing and
 * payload are added from the statement) and d. Returns the encoder's code;
 * out is unchanged on failure. */
cql_rc cql_statement_encode(const cql_statement *st, cql_buf *out, const cql_request_opts *opts,
                            const cql_statement_defaults *d);

#endif
