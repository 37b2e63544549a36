/*
 * A prepared statement: the server's PREPARED result (statement id, bind
 * metadata, result metadata) with the query text and keyspace it was
 * prepared for. Reference-counted (atomically: with a private loop thread a
 * caller's thread may drop its reference while the loop uses it).
 *
 * Its result columns come in versions (v5): EXECUTEs skip the result
 * metadata, so when the server reports new columns (Metadata_changed, or a
 * re-prepare's answer) the statement must take them as its own. A version
 * (columns and their id) never changes once published; the newest is an
 * atomic head replaced by compare-and-swap (a statement may serve several
 * sessions, each on its own loop thread), and every version lives as long
 * as the statement, so a request keeps the version it was encoded with and
 * its page is read with exactly those columns.
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
    _Atomic(struct cql_metadata_version *) columns; /* the newest version; never NULL */
};

typedef struct cql_metadata_version {
    const cql_metadata *metadata; /* the columns: the PREPARED response's or `clone` */
    cql_metadata *clone;          /* owned, or NULL */
    uint8_t *id;                  /* the result metadata id EXECUTE sends (v5); owned */
    size_t id_len;
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
/* The newest version of its result columns (borrowed from p; valid while
 * p lives). */
const cql_metadata_version *cql_prepared_columns(const cql_prepared *p);
/* The server sent new columns m with their id, answering a request encoded
 * with version `seen`: m (cloned) becomes the newest version if `seen` still
 * is (an answer to an older request changes nothing: the newer version came
 * from a later answer), and unless its id is the newest's already. Out of
 * memory changes nothing either; the next EXECUTE then gets them again. */
void cql_prepared_update_columns(cql_prepared *p, const cql_metadata_version *seen,
                                 const cql_metadata *m, cql_str id);

#endif
