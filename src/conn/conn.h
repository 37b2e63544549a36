/*
 * One connection to one Cassandra node as a sans-I/O state machine: bytes in
 * become events out, requests in become bytes out, and time moves only when
 * the caller says what time it is. No sockets, no clocks, no globals; the
 * engine owns the socket and the timers and drives this.
 *
 * Life of a connection:
 *   handshake  OPTIONS -> SUPPORTED, STARTUP (LZ4 when offered and wanted,
 *              driver and application names) -> READY, or AUTHENTICATE ->
 *              AUTH_RESPONSE (PLAIN) ... -> AUTH_SUCCESS; then USE <keyspace>
 *              when one is configured. In v5 everything after READY or
 *              AUTHENTICATE is framed (v5 §2.3.1), both ways.
 *   ready      requests get stream ids 0..32767; responses are matched back.
 *   failed     after any fatal error (a malformed stream, the peer closing,
 *              a dead heartbeat, a handshake the server refuses): every
 *              request still waiting gets a FAILED event, then one CLOSED.
 *
 * Exactly once: every request handed to cql_conn_request ends with exactly
 * one event carrying its `user` pointer (room for it is reserved when the
 * request is sent, so no allocation failure can lose it) — RESPONSE, TIMEOUT or FAILED —
 * unless the caller abandons it first (cql_conn_abandon), after which none
 * comes. A timed-out or abandoned request keeps its stream id reserved until
 * the server answers it (the answer is then dropped) or the connection dies,
 * so an id is never reused while the server may still answer it.
 */
#ifndef CQLIO_CONN_CONN_H
#define CQLIO_CONN_CONN_H

#include "proto/buf.h"
#include "proto/response.h"

#define CQL_CONN_MAX_STREAMS 32768

typedef struct cql_conn_config {
    uint8_t version;           /* 5 or 4 */
    bool compression;          /* LZ4 when the server offers it */
    const char *driver_name;   /* STARTUP DRIVER_NAME (NULL: "cqlio") */
    const char *driver_version;/* NULL: the library's version */
    const char *app_name;      /* APPLICATION_NAME, or NULL */
    const char *username;      /* PLAIN credentials for PasswordAuthenticator, or NULL */
    const char *password;
    const char *keyspace;      /* USE at the end of the handshake, or NULL */
    uint32_t connect_timeout_ms;  /* the whole handshake (0: 5000) */
    uint32_t heartbeat_ms;        /* OPTIONS after this long without a byte from the server (0: 30000) */
    uint32_t idle_timeout_ms;     /* dead when a heartbeat is unanswered this long (0: 60000) */
    cql_limits limits;
} cql_conn_config;

typedef enum cql_conn_event_kind {
    CQL_CONN_READY,        /* the handshake is done; requests may be sent */
    CQL_CONN_RESPONSE,     /* the answer to a request: `response` is the receiver's */
    CQL_CONN_TIMEOUT,      /* a request's deadline passed; its id stays reserved */
    CQL_CONN_FAILED,       /* a request that will not be answered: the connection died */
    CQL_CONN_SERVER_EVENT, /* an EVENT the server pushed on stream -1 (REGISTER): `response`
                              is the receiver's; dropped, not queued, if memory runs out */
    CQL_CONN_CLOSED,       /* the connection is unusable; `error` says why; the last event */
} cql_conn_event_kind;

/* Why a connection failed. Strings are static or point into `server`. */
typedef struct cql_conn_error {
    cql_rc rc;               /* CQL_E_NETWORK, CQL_E_TIMEOUT, CQL_E_SERVER, a decoder's code... */
    const char *what;        /* a sentence saying what happened */
    cql_diag diag;           /* for a malformed stream: the decoder's what and offset */
    bool version_refused;    /* the server does not speak the version asked for */
    int32_t server_code;     /* CQL_E_SERVER: the ERROR's code */
    char server_message[160];/* CQL_E_SERVER: the start of the ERROR's message */
} cql_conn_error;

typedef struct cql_conn_event {
    cql_conn_event_kind kind;
    void *user;              /* the request's, for RESPONSE / TIMEOUT / FAILED */
    int16_t stream;
    cql_response *response;  /* RESPONSE, SERVER_EVENT: owned by whoever took the event */
} cql_conn_event;

typedef struct cql_conn cql_conn;

/* A new connection in the handshake state, with OPTIONS already queued as
 * output. The config is copied (its strings too). now_ms starts the connect
 * timeout. NULL when out of memory or the config is invalid (version not 4
 * or 5). Free with cql_conn_free. */
cql_conn *cql_conn_new(const cql_conn_config *config, uint64_t now_ms);

/* Frees the connection. Responses already handed out stay valid; queued
 * events that carry responses are freed with it. No event is produced. */
void cql_conn_free(cql_conn *c);

/* True once READY was produced and until the connection fails. */
bool cql_conn_ready(const cql_conn *c);
bool cql_conn_closed(const cql_conn *c);
/* The failure, once closed (else rc CQL_OK). Borrowed from c. */
const cql_conn_error *cql_conn_error_of(const cql_conn *c);
/* The version in use; whether LZ4 was agreed. */
uint8_t cql_conn_version(const cql_conn *c);
bool cql_conn_compressed(const cql_conn *c);

/* Writes one request envelope: encode() is called with opts whose version
 * and stream are set, and appends the envelope to the buffer it is given
 * (the cql_encode_* functions fit). The request waits for its answer until
 * deadline_ms (UINT64_MAX: none). CQL_OK with *stream set; CQL_E_CLOSED when
 * the connection failed or is not ready; CQL_E_BUSY when all 32768 ids are
 * taken (open another connection); CQL_E_NOMEM; or the encoder's code. On
 * any failure nothing is sent (whatever a failing encoder appended is cut).
 * `arg` is borrowed for the call; `user` comes back in the request's event. */
typedef cql_rc (*cql_conn_encode_fn)(cql_buf *out, const cql_request_opts *opts, void *arg);
cql_rc cql_conn_request(cql_conn *c, cql_conn_encode_fn encode, void *arg, void *user,
                        uint64_t deadline_ms, int16_t *stream);

/* Forgets a request: no event will carry its user pointer. A request still
 * waiting keeps its id reserved until the server answers it; a request whose
 * end is queued but not yet taken (answered, timed out or failed in the
 * same batch of events) has that event removed. False unless (stream, user)
 * names such a request (an id is reused as soon as its request ends, so the
 * pair names the request). */
bool cql_conn_abandon(cql_conn *c, int16_t stream, void *user);

/* The bytes to write, borrowed until the next call on c; *len 0 when none.
 * Then cql_conn_written says how many went out. */
const uint8_t *cql_conn_output(cql_conn *c, size_t *len);
void cql_conn_written(cql_conn *c, size_t n, uint64_t now_ms);

/* Room to receive into (at least 1 byte; *cap says how much), then
 * cql_conn_received says how many bytes arrived: they are parsed at once and
 * events queued. NULL when the connection is closed or out of memory. */
uint8_t *cql_conn_input_space(cql_conn *c, size_t *cap);
void cql_conn_received(cql_conn *c, size_t n, uint64_t now_ms);

/* The peer closed the connection (or the socket failed: rc and what say how;
 * what must be a static string, as the error keeps the pointer). */
void cql_conn_fail(cql_conn *c, cql_rc rc, const char *what);

/* Moves time: request deadlines, the connect timeout, heartbeats, idle death
 * (a heartbeat unanswered for idle_timeout_ms, or a silent server while every
 * stream id is held, so that no heartbeat can even be sent). */
void cql_conn_tick(cql_conn *c, uint64_t now_ms);
/* When cql_conn_tick next has something to do (UINT64_MAX: never). */
uint64_t cql_conn_next_deadline(const cql_conn *c);

/* The next queued event, copied into *ev; false when none is queued. */
bool cql_conn_next_event(cql_conn *c, cql_conn_event *ev);

/* The ledger's view: requests waiting for an answer (user-visible), and ids
 * held only because a late answer may still come (abandoned or timed out). */
size_t cql_conn_in_flight(const cql_conn *c);
size_t cql_conn_reserved(const cql_conn *c);

#endif
