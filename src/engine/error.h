/*
 * The engine's errors: a cql_error (cqlio.h) together with the storage its
 * strings point into, so whoever holds one (a future, a statement, a result)
 * embeds a cql_error_box and hands out &box->pub.
 */
#ifndef CQLIO_ENGINE_ERROR_H
#define CQLIO_ENGINE_ERROR_H

#include "cqlio.h"

typedef struct cql_error_box {
    cql_error pub;
    char message[512];
    char host[64];
    cql_response *server_response; /* owned: pub.server points into it */
    /* A server error known only by its code and text (a handshake refused
     * by the server): pub.server points here then. */
    cql_server_error server_copy;
    char server_text[160];
} cql_error_box;

/* Empties the box (rc CQL_OK, message ""), freeing a held server response. */
void cql_error_clear(cql_error_box *e);

/* malloc(size) for an object with an error box at box_offset: everything
 * but the box zeroed, the box emptied. What calloc would do, without
 * clearing the box's buffers (most of a future, a result or a statement,
 * several of which are made for every request). NULL when out of memory. */
void *cql_alloc_with_error_box(size_t size, size_t box_offset);

/* Sets a client, network or timeout error: message from fmt; host may be
 * NULL. Frees a server response held before. */
void cql_error_set(cql_error_box *e, cql_rc rc, cql_error_category category, const char *host,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Sets a server error from an ERROR response, taking ownership of it; the
 * message says "server error from <host>: <CODE> (0x....): <server's text>",
 * with context (may be NULL) as a prefix, such as "executing \"SELECT...\"". */
void cql_error_set_server(cql_error_box *e, const char *host, cql_response *error_response,
                          const char *context);

/* Sets a server error from its code and text alone (both copied), the
 * message from fmt: pub.server then carries the code and the message. */
void cql_error_set_server_code(cql_error_box *e, const char *host, int32_t code, const char *text,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Moves src into dst (the server response too); src is left cleared. */
void cql_error_move(cql_error_box *dst, cql_error_box *src);

/* Copies src into dst. Of a server error only the code and the text come
 * along (dst->pub.server then points into dst, as after
 * cql_error_set_server_code). */
void cql_error_copy(cql_error_box *dst, const cql_error_box *src);

#endif
