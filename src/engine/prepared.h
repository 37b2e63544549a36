/*
 * A prepared statement: the server's PREPARED result (statement id, bind
 * metadata, result metadata) with the query text and keyspace it was
 * prepared for. Reference-counted (atomically: with a private loop thread a
 * caller's thread may drop its reference while the loop uses it). Immutable
 * after creation except the v5 result metadata and its id, which the
 * session replaces under its lock when the server reports Metadata_changed
 * (v5 EXECUTEs skip the result metadata, so the statement must keep the
 * current one).
 */
#ifndef CQLIO_ENGINE_PREPARED_H
#define CQLIO_ENGINE_PREPARED_H

#include "cqlio.h"

#include <stdatomic.h>

struct cql_prepared {
    atomic_size_t refs;
    char *query; /* NUL-terminated copy */
    size_t query_len;
    char *keyspace; /* the session's keyspace when prepared ("" for none) */
    cql_response *response; /* the PREPARED result: owned */
    /* v5: the result metadata id sent with EXECUTE; starts as the
     * response's, replaced when the server reports a change. */
    uint8_t *result_metadata_id;
    size_t result_metadata_id_len;
    /* v5: result metadata the server sent since (clones, newest first);
     * NULL: the PREPARED response's is current. Older ones stay until p is
     * freed, as results in flight may still read them; the head is atomic
     * because cql_prepared_result_metadata may run on a caller's thread. */
    _Atomic(struct cql_metadata_version *) metadata_versions;
};

typedef struct cql_metadata_version {
    cql_metadata *metadata; /* a clone, owned */
    struct cql_metadata_version *older;
} cql_metadata_version;

/* A new prepared statement with one reference, taking ownership of
 * response (a RESULT Prepared) in every case. NULL when out of memory. */
cql_prepared *cql_prepared_new(const char *query, size_t query_len, const char *keyspace,
                               cql_response *response);
/* Adds a reference; returns p. */
cql_prepared *cql_prepared_ref(const cql_prepared *p);
/* The statement id (borrowed from p). */
cql_str cql_prepared_id(const cql_prepared *p);
/* The bind metadata (borrowed from p). */
const cql_metadata *cql_prepared_bind_metadata(const cql_prepared *p);
/* Replaces the v5 result metadata id (copied). CQL_E_NOMEM leaves the old. */
cql_rc cql_prepared_set_result_metadata_id(cql_prepared *p, cql_str id);
/* The columns changed (a Metadata_changed result, or a PREPARED answer to
 * a re-prepare): m (with its columns; cloned) becomes the result metadata,
 * and id the one EXECUTE sends. CQL_E_NOMEM leaves both as they were (the
 * next EXECUTE then gets the metadata again). */
cql_rc cql_prepared_update_result_metadata(cql_prepared *p, const cql_metadata *m, cql_str id);

#endif
