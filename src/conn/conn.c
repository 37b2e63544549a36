/*
 * The connection state machine (conn.h). Four parts: the stream-id table
 * (slots + a free bitmap + a deadline heap), the outgoing side (envelopes,
 * framed or compressed as negotiated), the incoming side (the inbound
 * assembler, then dispatch by stream), and the handshake, which is just the
 * answers to the connection's own internal requests.
 */
#include "conn/conn.h"
#include "proto/frame.h"
#include "proto/inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum slot_state { SLOT_FREE, SLOT_WAITING, SLOT_RESERVED, SLOT_INTERNAL };

/* What an internal request's answer means to the handshake or heartbeat. */
enum internal_kind { IN_OPTIONS, IN_STARTUP, IN_AUTH, IN_USE, IN_HEARTBEAT };

typedef struct slot {
    uint8_t state;
    uint8_t internal; /* enum internal_kind, for SLOT_INTERNAL */
    int32_t heap_pos; /* where its deadline sits in the heap, -1 when none */
    void *user;
} slot;

typedef struct deadline {
    uint64_t at;
    int16_t stream;
} deadline;

enum state { ST_HANDSHAKE, ST_READY, ST_CLOSED };

struct cql_conn {
    cql_conn_config config; /* strings below are owned copies */
    enum state state;
    uint8_t version;
    bool compressed; /* LZ4 agreed */
    bool framed;     /* v5 after READY/AUTHENTICATE: outgoing envelopes go in frames */
    bool body_lz4;   /* v4 once STARTUP was answered: outgoing bodies compressed */
    cql_conn_error error;

    slot *slots;
    size_t slot_cap;    /* slots allocated: grows by doubling up to 32768 */
    uint64_t used[CQL_CONN_MAX_STREAMS / 64]; /* bit set: stream id taken */
    size_t in_flight, reserved;
    size_t ids_used; /* every id taken: waiting, reserved or internal */
    /* Deadlines of waiting requests, a min-heap indexed from the slots, so an
     * answered request's entry leaves at once: at most one entry per id. */
    deadline *heap;
    size_t heap_len, heap_cap;

    cql_buf out;       /* bytes ready to write */
    size_t out_start;  /* written prefix of out */
    cql_buf pending;   /* framed mode: whole envelopes not yet framed */
    cql_buf scratch;   /* v4 compression: one envelope before its body is compressed */
    cql_inbound *in;

    cql_conn_event *events;
    size_t ev_head, ev_len, ev_cap;

    uint64_t connect_deadline;
    uint64_t last_received; /* heartbeats measure the server's silence */
    int16_t heartbeat_stream; /* -1: none outstanding */
    uint64_t heartbeat_sent;
};

/* --- events ----------------------------------------------------------------- */

/* Makes room for n queued events. Every request reserves the room for its
 * one ending before it is sent (start_request), so pushing an event owed to
 * a request never needs memory it might not get. */
static bool event_room(cql_conn *c, size_t n)
{
    if (c->ev_head + n <= c->ev_cap)
        return true;
    if (c->ev_head > 0) {
        memmove(c->events, c->events + c->ev_head, c->ev_len * sizeof *c->events);
        c->ev_head = 0;
        if (n <= c->ev_cap)
            return true;
    }
    size_t cap = c->ev_cap ? c->ev_cap : 16;
    while (cap < n)
        cap *= 2;
    cql_conn_event *e = realloc(c->events, cap * sizeof *e);
    if (e == NULL)
        return false;
    c->events = e;
    c->ev_cap = cap;
    return true;
}

/* Room for every event still owed: one per id in use, READY and CLOSED. */
static size_t events_owed(const cql_conn *c) { return c->ev_len + c->ids_used + 2; }

static void push_event(cql_conn *c, cql_conn_event ev)
{
    if (!event_room(c, c->ev_len + 1)) {
        /* Only a SERVER_EVENT can get here (the rest had room reserved):
         * dropping a push notification loses nothing a request waits for. */
        cql_response_free(ev.response);
        return;
    }
    c->events[c->ev_head + c->ev_len++] = ev;
}

bool cql_conn_next_event(cql_conn *c, cql_conn_event *ev)
{
    if (c == NULL || c->ev_len == 0)
        return false;
    *ev = c->events[c->ev_head++];
    if (--c->ev_len == 0)
        c->ev_head = 0;
    return true;
}

/* --- stream ids ------------------------------------------------------------- */

static int alloc_stream(cql_conn *c)
{
    for (size_t w = 0; w < CQL_CONN_MAX_STREAMS / 64; w++) {
        if (c->used[w] == UINT64_MAX)
            continue;
        int bit = __builtin_ctzll(~c->used[w]);
        size_t id = w * 64 + (size_t)bit;
        if (id >= c->slot_cap) {
            size_t cap = c->slot_cap ? c->slot_cap : 64;
            while (cap <= id)
                cap *= 2;
            if (cap > CQL_CONN_MAX_STREAMS)
                cap = CQL_CONN_MAX_STREAMS;
            slot *s = realloc(c->slots, cap * sizeof *s);
            if (s == NULL)
                return -1;
            memset(s + c->slot_cap, 0, (cap - c->slot_cap) * sizeof *s);
            for (size_t i = c->slot_cap; i < cap; i++)
                s[i].heap_pos = -1;
            c->slots = s;
            c->slot_cap = cap;
        }
        c->used[w] |= UINT64_C(1) << bit;
        c->ids_used++;
        return (int)id;
    }
    return -2;
}

static void heap_remove(cql_conn *c, int16_t stream);

static void free_stream(cql_conn *c, int16_t stream)
{
    slot *s = &c->slots[stream];
    heap_remove(c, stream);
    if (s->state == SLOT_WAITING)
        c->in_flight--;
    else if (s->state == SLOT_RESERVED)
        c->reserved--;
    s->state = SLOT_FREE;
    s->user = NULL;
    c->used[(uint16_t)stream / 64] &= ~(UINT64_C(1) << ((uint16_t)stream % 64));
    c->ids_used--;
}

static void heap_place(cql_conn *c, size_t i, deadline d)
{
    c->heap[i] = d;
    c->slots[d.stream].heap_pos = (int32_t)i;
}

static void heap_sift_up(cql_conn *c, size_t i, deadline d)
{
    while (i > 0 && c->heap[(i - 1) / 2].at > d.at) {
        heap_place(c, i, c->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_place(c, i, d);
}

static void heap_sift_down(cql_conn *c, size_t i, deadline d)
{
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= c->heap_len)
            break;
        if (child + 1 < c->heap_len && c->heap[child + 1].at < c->heap[child].at)
            child++;
        if (c->heap[child].at >= d.at)
            break;
        heap_place(c, i, c->heap[child]);
        i = child;
    }
    heap_place(c, i, d);
}

static bool heap_room(cql_conn *c)
{
    if (c->heap_len < c->heap_cap)
        return true;
    size_t cap = c->heap_cap ? c->heap_cap * 2 : 64;
    deadline *h = realloc(c->heap, cap * sizeof *h);
    if (h == NULL)
        return false;
    c->heap = h;
    c->heap_cap = cap;
    return true;
}

/* Callers make room first (heap_room), so this cannot fail. */
static void heap_push(cql_conn *c, deadline d) { heap_sift_up(c, c->heap_len++, d); }

/* Removes the stream's deadline, if it has one. */
static void heap_remove(cql_conn *c, int16_t stream)
{
    int32_t pos = c->slots[stream].heap_pos;
    if (pos < 0)
        return;
    c->slots[stream].heap_pos = -1;
    deadline last = c->heap[--c->heap_len];
    if ((size_t)pos == c->heap_len)
        return;
    if (pos > 0 && c->heap[(pos - 1) / 2].at > last.at)
        heap_sift_up(c, (size_t)pos, last);
    else
        heap_sift_down(c, (size_t)pos, last);
}

/* --- failure ---------------------------------------------------------------- */

static void fail(cql_conn *c, cql_rc rc, const char *what, const cql_diag *diag)
{
    if (c->state == ST_CLOSED)
        return;
    c->state = ST_CLOSED;
    c->error.rc = rc;
    c->error.what = what;
    if (diag != NULL)
        c->error.diag = *diag;
    for (size_t id = 0; id < c->slot_cap; id++) {
        slot *s = &c->slots[id];
        if (s->state == SLOT_WAITING)
            push_event(c, (cql_conn_event){CQL_CONN_FAILED, s->user, (int16_t)id, NULL});
        if (s->state != SLOT_FREE)
            free_stream(c, (int16_t)id);
    }
    c->heap_len = 0;
    push_event(c, (cql_conn_event){CQL_CONN_CLOSED, NULL, -1, NULL});
}

void cql_conn_fail(cql_conn *c, cql_rc rc, const char *what)
{
    if (c != NULL)
        fail(c, rc, what ? what : "the connection failed", NULL);
}

static void fail_server(cql_conn *c, const cql_response *r, const char *what)
{
    const cql_server_error *e = cql_response_error(r);
    c->error.server_code = e->code;
    snprintf(c->error.server_message, sizeof c->error.server_message, "%.*s",
             (int)(e->message.len < 159 ? e->message.len : 159),
             e->message.ptr ? e->message.ptr : "");
    /* Cassandra answers a version it does not speak with a PROTOCOL_ERROR
     * naming the version; the caller retries with an older one. */
    if (e->code == CQL_ERROR_PROTOCOL && c->state == ST_HANDSHAKE &&
        (strstr(c->error.server_message, "protocol version") != NULL ||
         /* Cassandra 3.10-3.11 know v5 as a beta they refuse without USE_BETA */
         strstr(c->error.server_message, "Beta version of the protocol") != NULL))
        c->error.version_refused = true;
    fail(c, CQL_E_SERVER, what, NULL);
}

/* --- outgoing --------------------------------------------------------------- */

/* Appends one envelope produced by encode(): straight to `out` before
 * framing, to `pending` once framed (frames are cut at output time, so many
 * requests share frames), or through `scratch` when v4 bodies are compressed. */
static cql_rc emit(cql_conn *c, cql_conn_encode_fn encode, void *arg, int16_t stream)
{
    cql_request_opts opts = {.version = c->version, .stream = stream};
    bool v4_lz4 = c->body_lz4;
    cql_buf *target = c->framed ? &c->pending : v4_lz4 ? &c->scratch : &c->out;
    size_t before = target->len;
    cql_rc rc = encode(target, &opts, arg);
    if (rc != CQL_OK) {
        /* Whatever the encoder left must not reach the wire under a freed id. */
        target->len = before;
        target->failed = CQL_OK;
        return rc;
    }
    if (!v4_lz4)
        return CQL_OK;
    /* v4 (§5): the body is replaced by its LZ4 form and the flag set. */
    const uint8_t *env = c->scratch.data + before;
    size_t body_len = c->scratch.len - before - CQL_ENVELOPE_HEADER_SIZE;
    size_t at = c->out.len;
    cql_buf_put(&c->out, env, CQL_ENVELOPE_HEADER_SIZE);
    rc = c->out.failed != CQL_OK ? c->out.failed
                                 : cql_body_lz4_compress(&c->out, env + CQL_ENVELOPE_HEADER_SIZE,
                                                         body_len);
    c->scratch.len = before;
    if (rc != CQL_OK) {
        c->out.len = at;
        c->out.failed = CQL_OK;
        return rc;
    }
    c->out.data[at + 1] |= CQL_FLAG_COMPRESSION;
    cql_buf_patch_u32(&c->out, at + 5, (uint32_t)(c->out.len - at - CQL_ENVELOPE_HEADER_SIZE));
    return CQL_OK;
}

/* Takes a stream id for a request (user or internal) and writes it. */
static cql_rc start_request(cql_conn *c, cql_conn_encode_fn encode, void *arg, void *user,
                            uint64_t deadline_ms, int internal, int16_t *stream_out)
{
    /* Everything that could fail is done before a byte is written. */
    if (!event_room(c, events_owed(c) + 1) || (deadline_ms != UINT64_MAX && !heap_room(c)))
        return CQL_E_NOMEM;
    int id = alloc_stream(c);
    if (id == -2)
        return CQL_E_BUSY;
    if (id < 0)
        return CQL_E_NOMEM;
    int16_t stream = (int16_t)id;
    cql_rc rc = emit(c, encode, arg, stream);
    if (rc != CQL_OK) {
        c->used[(size_t)id / 64] &= ~(UINT64_C(1) << ((size_t)id % 64));
        c->ids_used--;
        return rc;
    }
    slot *s = &c->slots[id];
    s->state = internal >= 0 ? SLOT_INTERNAL : SLOT_WAITING;
    s->internal = (uint8_t)(internal >= 0 ? internal : 0);
    s->user = user;
    if (internal < 0)
        c->in_flight++;
    if (deadline_ms != UINT64_MAX)
        heap_push(c, (deadline){deadline_ms, stream}); /* room made above */
    if (stream_out != NULL)
        *stream_out = stream;
    return CQL_OK;
}

cql_rc cql_conn_request(cql_conn *c, cql_conn_encode_fn encode, void *arg, void *user,
                        uint64_t deadline_ms, int16_t *stream)
{
    if (c == NULL || encode == NULL)
        return CQL_E_ARG;
    if (c->state != ST_READY)
        return CQL_E_CLOSED;
    return start_request(c, encode, arg, user, deadline_ms, -1, stream);
}

/* The id stays taken (reserved) for the late answer; no event will carry it. */
static void abandon(cql_conn *c, int16_t stream)
{
    c->slots[stream].state = SLOT_RESERVED;
    c->slots[stream].user = NULL;
    c->in_flight--;
    c->reserved++;
    heap_remove(c, stream);
}

bool cql_conn_abandon(cql_conn *c, int16_t stream, void *user)
{
    /* The user pointer guards against an id reused since its request ended. */
    if (c == NULL || stream < 0)
        return false;
    if ((size_t)stream < c->slot_cap && c->slots[stream].state == SLOT_WAITING &&
        c->slots[stream].user == user) {
        abandon(c, stream);
        return true;
    }
    /* Its end may be queued already (answered, timed out or failed, in the
     * same read as an event whose callback abandons it): take it back. */
    for (size_t i = 0; i < c->ev_len; i++) {
        cql_conn_event *e = &c->events[c->ev_head + i];
        if (e->user != user || e->stream != stream ||
            (e->kind != CQL_CONN_RESPONSE && e->kind != CQL_CONN_TIMEOUT &&
             e->kind != CQL_CONN_FAILED))
            continue;
        cql_response_free(e->response);
        memmove(e, e + 1, (c->ev_len - i - 1) * sizeof *e);
        c->ev_len--;
        return true;
    }
    return false;
}

const uint8_t *cql_conn_output(cql_conn *c, size_t *len)
{
    *len = 0;
    if (c == NULL || c->state == ST_CLOSED)
        return NULL;
    if (c->pending.len > 0) {
        /* Frames are cut here, so every request queued since the last write
         * shares as few frames as possible. */
        cql_rc rc = cql_frames_encode(&c->out, c->pending.data, c->pending.len, c->compressed);
        c->pending.len = 0;
        if (rc != CQL_OK) {
            fail(c, rc, "framing outgoing requests failed", NULL);
            return NULL;
        }
    }
    *len = c->out.len - c->out_start;
    return *len ? c->out.data + c->out_start : NULL;
}

void cql_conn_written(cql_conn *c, size_t n, uint64_t now_ms)
{
    if (c == NULL || n == 0)
        return;
    if (n > c->out.len - c->out_start)
        n = c->out.len - c->out_start;
    c->out_start += n;
    if (c->out_start == c->out.len)
        c->out.len = c->out_start = 0; /* drained: reuse from the start */
    (void)now_ms;
}

/* --- handshake -------------------------------------------------------------- */

static cql_rc enc_options(cql_buf *out, const cql_request_opts *o, void *arg)
{
    (void)arg;
    return cql_encode_options(out, o);
}

static cql_str str_of(const char *s)
{
    cql_str v = {s, s ? strlen(s) : 0};
    return v;
}

static cql_rc enc_startup(cql_buf *out, const cql_request_opts *o, void *arg)
{
    cql_conn *c = arg;
    cql_str keys[6], values[6];
    uint16_t n = 0;
    keys[n] = str_of("CQL_VERSION"), values[n++] = str_of("3.0.0");
    if (c->compressed)
        keys[n] = str_of("COMPRESSION"), values[n++] = str_of("lz4");
    keys[n] = str_of("DRIVER_NAME");
    values[n++] = str_of(c->config.driver_name ? c->config.driver_name : "cqlio");
    keys[n] = str_of("DRIVER_VERSION");
    values[n++] = str_of(c->config.driver_version ? c->config.driver_version : cql_version());
    if (c->config.app_name)
        keys[n] = str_of("APPLICATION_NAME"), values[n++] = str_of(c->config.app_name);
    return cql_encode_startup(out, o, keys, values, n);
}

/* SASL PLAIN: authzid (empty), NUL, user, NUL, password. */
static cql_rc enc_auth(cql_buf *out, const cql_request_opts *o, void *arg)
{
    cql_conn *c = arg;
    size_t u = strlen(c->config.username), p = strlen(c->config.password);
    uint8_t *token = malloc(u + p + 2);
    if (token == NULL)
        return CQL_E_NOMEM;
    token[0] = 0;
    memcpy(token + 1, c->config.username, u);
    token[1 + u] = 0;
    memcpy(token + 2 + u, c->config.password, p);
    cql_rc rc = cql_encode_auth_response(out, o, (cql_value){token, (int32_t)(u + p + 2)});
    memset(token, 0, u + p + 2); /* do not leave the password in freed memory */
    free(token);
    return rc;
}

static cql_rc enc_use(cql_buf *out, const cql_request_opts *o, void *arg)
{
    cql_conn *c = arg;
    /* Quoted so any keyspace name the server accepts works, case included. */
    size_t n = strlen(c->config.keyspace);
    char *q = malloc(2 * n + 8);
    if (q == NULL)
        return CQL_E_NOMEM;
    size_t len = 0;
    memcpy(q, "USE \"", 5), len = 5;
    for (size_t i = 0; i < n; i++) {
        if (c->config.keyspace[i] == '"')
            q[len++] = '"';
        q[len++] = c->config.keyspace[i];
    }
    q[len++] = '"';
    cql_query_params params = {.consistency = CQL_CONSISTENCY_ONE};
    cql_rc rc = cql_encode_query(out, o, (cql_str){q, len}, &params);
    free(q);
    return rc;
}

static void internal_request(cql_conn *c, cql_conn_encode_fn encode, int kind)
{
    cql_rc rc = start_request(c, encode, c, NULL, UINT64_MAX, kind, NULL);
    if (rc != CQL_OK)
        fail(c, rc, "could not write a handshake request", NULL);
}

/* After READY or AUTH_SUCCESS: USE the keyspace if one is configured, else done. */
static void handshake_done_or_use(cql_conn *c)
{
    if (c->config.keyspace) {
        internal_request(c, enc_use, IN_USE);
        return;
    }
    c->state = ST_READY;
    push_event(c, (cql_conn_event){CQL_CONN_READY, NULL, -1, NULL});
}

/* In v5 the server frames everything after READY or AUTHENTICATE (v5 §2.3.1);
 * in v4 compression covers every message after STARTUP. */
static void startup_answered(cql_conn *c)
{
    if (c->version >= 5) {
        c->framed = true;
        cql_inbound_set_wire(c->in, c->compressed ? CQL_WIRE_FRAMES_LZ4 : CQL_WIRE_FRAMES);
    } else if (c->compressed) {
        c->body_lz4 = true;
    }
}

static void on_internal(cql_conn *c, int kind, cql_response *r)
{
    uint8_t op = cql_response_header(r)->opcode;
    if (op == CQL_OP_ERROR && kind != IN_HEARTBEAT) {
        static const char *const what[] = {
            [IN_OPTIONS] = "the server refused OPTIONS",
            [IN_STARTUP] = "the server refused STARTUP",
            [IN_AUTH] = "authentication failed",
            [IN_USE] = "the keyspace given at connect could not be used",
        };
        fail_server(c, r, what[kind]);
        return;
    }
    switch (kind) {
    case IN_OPTIONS:
        if (op != CQL_OP_SUPPORTED) {
            fail(c, CQL_E_PROTOCOL, "the server answered OPTIONS with something else than SUPPORTED", NULL);
            return;
        }
        c->compressed = c->config.compression &&
                        cql_supported_has(cql_response_supported(r), "COMPRESSION", "lz4");
        /* v4: the server compresses from its answer to STARTUP on. */
        if (c->compressed && c->version < 5)
            cql_inbound_set_body_lz4(c->in, true);
        internal_request(c, enc_startup, IN_STARTUP);
        return;
    case IN_STARTUP:
        if (op == CQL_OP_READY) {
            startup_answered(c);
            handshake_done_or_use(c);
        } else if (op == CQL_OP_AUTHENTICATE) {
            startup_answered(c);
            if (c->config.username == NULL || c->config.password == NULL) {
                fail(c, CQL_E_ARG, "the server requires authentication and no credentials were given", NULL);
                return;
            }
            internal_request(c, enc_auth, IN_AUTH);
        } else {
            fail(c, CQL_E_PROTOCOL, "the server answered STARTUP with something else than READY or AUTHENTICATE", NULL);
        }
        return;
    case IN_AUTH:
        if (op == CQL_OP_AUTH_SUCCESS)
            handshake_done_or_use(c);
        else
            fail(c, CQL_E_PROTOCOL, "the server asked for more than PLAIN authentication gives", NULL);
        return;
    case IN_USE:
        if (op != CQL_OP_RESULT || cql_response_result_kind(r) != CQL_RESULT_SET_KEYSPACE) {
            fail(c, CQL_E_PROTOCOL, "the server answered USE with something else than Set_keyspace", NULL);
            return;
        }
        c->state = ST_READY;
        push_event(c, (cql_conn_event){CQL_CONN_READY, NULL, -1, NULL});
        return;
    case IN_HEARTBEAT:
        c->heartbeat_stream = -1; /* any answer proves the connection alive */
        return;
    }
}

/* --- incoming --------------------------------------------------------------- */

uint8_t *cql_conn_input_space(cql_conn *c, size_t *cap)
{
    *cap = 0;
    if (c == NULL || c->state == ST_CLOSED)
        return NULL;
    return cql_inbound_space(c->in, 0, cap);
}

static void dispatch(cql_conn *c, cql_response *r)
{
    int16_t stream = cql_response_header(r)->stream;
    if (stream < 0) {
        uint8_t op = cql_response_header(r)->opcode;
        if (stream == -1 && op == CQL_OP_EVENT) {
            push_event(c, (cql_conn_event){CQL_CONN_SERVER_EVENT, NULL, stream, r});
            return;
        }
        /* An ERROR tied to no request is the server's reason for giving up
         * on the connection: keep it. Anything else there is noise. */
        if (op == CQL_OP_ERROR)
            fail_server(c, r, "the server sent an error outside any request");
        cql_response_free(r);
        return;
    }
    if ((size_t)stream >= c->slot_cap || c->slots[stream].state == SLOT_FREE) {
        cql_response_free(r);
        fail(c, CQL_E_PROTOCOL, "the server answered a stream id no request is using", NULL);
        return;
    }
    slot *s = &c->slots[stream];
    switch (s->state) {
    case SLOT_WAITING:
        push_event(c, (cql_conn_event){CQL_CONN_RESPONSE, s->user, stream, r});
        free_stream(c, stream);
        return;
    case SLOT_RESERVED: /* the late answer the id was kept for */
        cql_response_free(r);
        free_stream(c, stream);
        return;
    case SLOT_INTERNAL: {
        int kind = s->internal;
        free_stream(c, stream);
        on_internal(c, kind, r);
        cql_response_free(r);
        return;
    }
    }
}

void cql_conn_received(cql_conn *c, size_t n, uint64_t now_ms)
{
    if (c == NULL || c->state == ST_CLOSED)
        return;
    cql_inbound_commit(c->in, n);
    if (n > 0)
        c->last_received = now_ms;
    /* One envelope at a time: the handshake may change the wire between two. */
    while (c->state != ST_CLOSED) {
        cql_envelope *env = NULL;
        cql_diag diag;
        cql_rc rc = cql_inbound_next(c->in, &env, &diag);
        if (rc != CQL_OK) {
            fail(c, rc, "the server sent bytes that are not a valid frame or envelope", &diag);
            return;
        }
        if (env == NULL)
            return;
        cql_response *r = NULL;
        rc = cql_response_decode_envelope(env, &c->config.limits, &r, &diag);
        if (rc != CQL_OK) {
            fail(c, rc, "the server sent a response that does not decode", &diag);
            return;
        }
        dispatch(c, r);
    }
}

/* --- time ------------------------------------------------------------------- */

/* Time since t, 0 if the caller's clock went backwards. */
static uint64_t since(uint64_t now, uint64_t t) { return now > t ? now - t : 0; }

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

void cql_conn_tick(cql_conn *c, uint64_t now_ms)
{
    if (c == NULL || c->state == ST_CLOSED)
        return;
    if (c->state == ST_HANDSHAKE && now_ms >= c->connect_deadline) {
        fail(c, CQL_E_TIMEOUT, "the handshake did not complete within the connect timeout", NULL);
        return;
    }
    /* Only waiting requests have entries: answers and abandons remove theirs. */
    while (c->heap_len > 0 && c->heap[0].at <= now_ms) {
        int16_t stream = c->heap[0].stream;
        push_event(c, (cql_conn_event){CQL_CONN_TIMEOUT, c->slots[stream].user, stream, NULL});
        abandon(c, stream);
    }
    if (c->state != ST_READY)
        return;
    if (c->heartbeat_stream >= 0) {
        if (since(now_ms, c->heartbeat_sent) >= c->config.idle_timeout_ms)
            fail(c, CQL_E_TIMEOUT, "no answer to a heartbeat within the idle timeout", NULL);
        return;
    }
    /* Silence from the server, not from us, is what a heartbeat probes: a
     * peer that takes bytes and never answers is dead however much we send. */
    if (since(now_ms, c->last_received) >= c->config.heartbeat_ms) {
        int16_t stream;
        cql_rc rc = start_request(c, enc_options, c, NULL, UINT64_MAX, IN_HEARTBEAT, &stream);
        if (rc == CQL_OK) {
            c->heartbeat_stream = stream;
            c->heartbeat_sent = now_ms;
        } else if (rc == CQL_E_BUSY) {
            /* Every id held and nothing heard for a whole period. */
            fail(c, CQL_E_TIMEOUT, "the server has been silent with every stream id in use", NULL);
        } else {
            c->last_received = now_ms; /* out of memory: try again a period later */
        }
    }
}

uint64_t cql_conn_next_deadline(const cql_conn *c)
{
    if (c == NULL || c->state == ST_CLOSED)
        return UINT64_MAX;
    uint64_t next = c->heap_len > 0 ? c->heap[0].at : UINT64_MAX;
    if (c->state == ST_HANDSHAKE && c->connect_deadline < next)
        next = c->connect_deadline;
    if (c->state == ST_READY) {
        uint64_t beat = c->heartbeat_stream >= 0
                            ? add_sat(c->heartbeat_sent, c->config.idle_timeout_ms)
                            : add_sat(c->last_received, c->config.heartbeat_ms);
        if (beat < next)
            next = beat;
    }
    return next;
}

/* --- lifetime and accessors ------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static void free_config(cql_conn_config *cfg)
{
    if (cfg->password != NULL)
        memset((char *)cfg->password, 0, strlen(cfg->password));
    free((char *)cfg->driver_name);
    free((char *)cfg->driver_version);
    free((char *)cfg->app_name);
    free((char *)cfg->username);
    free((char *)cfg->password);
    free((char *)cfg->keyspace);
}

cql_conn *cql_conn_new(const cql_conn_config *config, uint64_t now_ms)
{
    if (config == NULL || (config->version != 4 && config->version != 5))
        return NULL;
    cql_conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->config = *config;
    c->config.driver_name = dup_or_null(config->driver_name);
    c->config.driver_version = dup_or_null(config->driver_version);
    c->config.app_name = dup_or_null(config->app_name);
    c->config.username = dup_or_null(config->username);
    c->config.password = dup_or_null(config->password);
    c->config.keyspace = dup_or_null(config->keyspace);
    if (!c->config.connect_timeout_ms)
        c->config.connect_timeout_ms = 5000;
    if (!c->config.heartbeat_ms)
        c->config.heartbeat_ms = 30000;
    if (!c->config.idle_timeout_ms)
        c->config.idle_timeout_ms = 60000;
    c->version = config->version;
    c->heartbeat_stream = -1;
    c->connect_deadline = add_sat(now_ms, c->config.connect_timeout_ms);
    c->last_received = now_ms;
    c->in = cql_inbound_new(&c->config.limits);
    bool strings_ok = (!config->driver_name || c->config.driver_name) &&
                      (!config->driver_version || c->config.driver_version) &&
                      (!config->app_name || c->config.app_name) &&
                      (!config->username || c->config.username) &&
                      (!config->password || c->config.password) &&
                      (!config->keyspace || c->config.keyspace);
    if (c->in == NULL || !strings_ok) {
        cql_conn_free(c);
        return NULL;
    }
    internal_request(c, enc_options, IN_OPTIONS);
    if (c->state == ST_CLOSED) {
        cql_conn_free(c);
        return NULL;
    }
    return c;
}

void cql_conn_free(cql_conn *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ev_len; i++)
        cql_response_free(c->events[c->ev_head + i].response);
    free(c->events);
    free_config(&c->config);
    free(c->slots);
    free(c->heap);
    cql_buf_free(&c->out);
    cql_buf_free(&c->pending);
    cql_buf_free(&c->scratch);
    cql_inbound_free(c->in);
    free(c);
}

bool cql_conn_ready(const cql_conn *c) { return c && c->state == ST_READY; }
bool cql_conn_closed(const cql_conn *c) { return c && c->state == ST_CLOSED; }
const cql_conn_error *cql_conn_error_of(const cql_conn *c) { return c ? &c->error : NULL; }
uint8_t cql_conn_version(const cql_conn *c) { return c ? c->version : 0; }
bool cql_conn_compressed(const cql_conn *c) { return c && c->compressed; }
size_t cql_conn_in_flight(const cql_conn *c) { return c ? c->in_flight : 0; }
size_t cql_conn_reserved(const cql_conn *c) { return c ? c->reserved : 0; }
