/*
 * Results as the session makes them: a cql_result wraps one response (a
 * RESULT of any kind) and reads its rows with typed getters.
 */
#ifndef CQLIO_ENGINE_RESULT_H
#define CQLIO_ENGINE_RESULT_H

#include "cqlio.h"

/* A new result over response, taking ownership of it in every case.
 * prepared: the statement executed, or NULL; the result takes a reference
 * (dropped by cql_result_free), which keeps `columns` alive: the version of
 * the statement's result columns the request was sent with (NULL: its
 * newest). A page sent without column specs is read with those when its
 * column count matches. NULL (response freed) when out of memory or
 * response is NULL. */
cql_result *cql_result_new(cql_response *response, const cql_prepared *prepared,
                           const cql_metadata *columns);

#endif
