/*
 * The connection state machine fed by a hostile server. The first byte picks
 * the protocol version, compression and chunk size; the connection is taken
 * through a valid handshake, four requests are sent (one of them later
 * abandoned), and the rest of the input arrives as the server's bytes, with
 * clock ticks in between. Invariants: no crash or leak, every request gets at
 * most one event, and a closed connection holds no request and no id.
 */
#include "conn/conn.h"
#include "proto/buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_envelope(cql_buf *b, uint8_t version, int16_t stream, uint8_t opcode,
                         const uint8_t *body, size_t len)
{
    uint8_t head[CQL_ENVELOPE_HEADER_SIZE];
    cql_envelope_header h = {version, true, 0, stream, opcode, (uint32_t)len};
    cql_envelope_header_encode(&h, head);
    cql_buf_put(b, head, sizeof head);
    cql_buf_put(b, body, len);
}

static void feed(cql_conn *c, const uint8_t *p, size_t n, size_t chunk, uint64_t now)
{
    while (n > 0 && !cql_conn_closed(c)) {
        size_t cap;
        uint8_t *space = cql_conn_input_space(c, &cap);
        if (space == NULL)
            return;
        size_t k = n < cap ? n : cap;
        if (k > chunk)
            k = chunk;
        memcpy(space, p, k);
        cql_conn_received(c, k, now);
        p += k;
        n -= k;
    }
}

static void drain_output(cql_conn *c)
{
    size_t len;
    cql_conn_output(c, &len);
    cql_conn_written(c, len, 0);
}

static cql_rc enc_options(cql_buf *out, const cql_request_opts *o, void *arg)
{
    (void)arg;
    return cql_encode_options(out, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    uint8_t version = (mode & 1) ? 5 : 4;
    size_t chunk = (size_t)((mode >> 2) & 0x3F) + 1;
    cql_conn_config cfg = {.version = version, .compression = (mode & 2) != 0,
                           .heartbeat_ms = 100, .idle_timeout_ms = 300,
                           .limits = {1 << 20, 16, 4096}};
    cql_conn *c = cql_conn_new(&cfg, 0);
    if (c == NULL)
        return 0;
    drain_output(c);

    /* SUPPORTED offering lz4, then READY: both unframed, as v5 §2.3.1 says. */
    static const uint8_t supported[] = {0, 1, 0, 11, 'C', 'O', 'M', 'P', 'R', 'E', 'S', 'S',
                                        'I', 'O', 'N', 0, 1, 0, 3, 'l', 'z', '4'};
    cql_buf hs = {0};
    put_envelope(&hs, version, 0, CQL_OP_SUPPORTED, supported, sizeof supported);
    feed(c, hs.data, hs.len, 4096, 0);
    drain_output(c);
    hs.len = 0;
    put_envelope(&hs, version, 0, CQL_OP_READY, NULL, 0);
    feed(c, hs.data, hs.len, 4096, 0);
    cql_buf_free(&hs);
    drain_output(c);

    int users[4];
    int seen[4] = {0};
    int16_t streams[4];
    for (int i = 0; i < 4; i++)
        if (cql_conn_request(c, enc_options, NULL, &users[i], 50 * (uint64_t)(i + 1),
                             &streams[i]) != CQL_OK)
            streams[i] = -1;
    drain_output(c);
    if (streams[3] >= 0)
        cql_conn_abandon(c, streams[3], &users[3]);

    /* The server's bytes, with time moving every 64 bytes. */
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    uint64_t now = 0;
    while (left > 0 && !cql_conn_closed(c)) {
        size_t n = left < 64 ? left : 64;
        feed(c, p, n, chunk, now);
        p += n;
        left -= n;
        now += 40;
        cql_conn_tick(c, now);
        drain_output(c);
    }

    cql_conn_event ev;
    while (cql_conn_next_event(c, &ev)) {
        for (int i = 0; i < 4; i++)
            if (ev.user == &users[i] && ++seen[i] > 1)
                abort(); /* two endings for one request */
        if (ev.user == &users[3])
            abort(); /* abandoned: no event may carry it */
        cql_response_free(ev.response);
    }
    if (cql_conn_closed(c) && (cql_conn_in_flight(c) != 0 || cql_conn_reserved(c) != 0))
        abort();
    cql_conn_free(c);
    return 0;
}
