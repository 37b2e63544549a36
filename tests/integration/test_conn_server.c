/*
 * The connection state machine against the real Cassandra: the test owns a
 * blocking socket and pumps bytes and time through cql_conn (the engine will
 * do the same through its loop). Every protocol version and compression
 * combination the node offers completes the handshake and runs a query.
 */
#define _POSIX_C_SOURCE 200809L
#include "conn/conn.h"
#include "harness.h"
#include "proto/values.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { WAIT_MS = 10000 };

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int connect_node(void)
{
    const char *host = getenv("CQLIO_TEST_HOST");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9042)};
    if (inet_pton(AF_INET, host && *host ? host : "127.0.0.1", &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Moves bytes and time until `until` holds for the next event, or the wait
 * ends. Returns the event that matched (kind CQL_CONN_CLOSED when the wait
 * ran out with nothing matching; responses of skipped events are freed). */
static cql_conn_event pump(int fd, cql_conn *c, cql_conn_event_kind until)
{
    uint64_t give_up = now_ms() + WAIT_MS;
    for (;;) {
        cql_conn_event ev;
        while (cql_conn_next_event(c, &ev)) {
            if (ev.kind == until || ev.kind == CQL_CONN_CLOSED)
                return ev;
            cql_response_free(ev.response);
        }
        size_t len;
        const uint8_t *out = cql_conn_output(c, &len);
        if (len > 0) {
            ssize_t k = send(fd, out, len, MSG_NOSIGNAL);
            if (k < 0) {
                cql_conn_fail(c, CQL_E_NETWORK, "send failed");
                continue;
            }
            cql_conn_written(c, (size_t)k, now_ms());
            continue;
        }
        uint64_t now = now_ms();
        if (now >= give_up)
            return (cql_conn_event){CQL_CONN_CLOSED, NULL, -1, NULL};
        uint64_t next = cql_conn_next_deadline(c);
        int wait = (int)((next < give_up ? next : give_up) - now);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, wait > 0 ? wait : 0);
        if (ready > 0) {
            size_t cap;
            uint8_t *space = cql_conn_input_space(c, &cap);
            if (space == NULL)
                continue;
            ssize_t k = recv(fd, space, cap, 0);
            if (k <= 0) {
                cql_conn_received(c, 0, now_ms());
                cql_conn_fail(c, CQL_E_NETWORK, "the server closed the connection");
                continue;
            }
            cql_conn_received(c, (size_t)k, now_ms());
        }
        cql_conn_tick(c, now_ms());
    }
}

static cql_rc enc_release_version(cql_buf *out, const cql_request_opts *o, void *arg)
{
    (void)arg;
    static const char q[] = "SELECT release_version FROM system.local";
    cql_query_params p = {.consistency = CQL_CONSISTENCY_ONE, .page_size = 100};
    return cql_encode_query(out, o, (cql_str){q, sizeof q - 1}, &p);
}

/* Handshake with this config, then one query whose answer names release 5.x. */
static void handshake_and_query(uint8_t version, bool compression, const char *keyspace)
{
    printf("  v%u, lz4 %s, keyspace %s\n", version, compression ? "on" : "off",
           keyspace ? keyspace : "none");
    int fd = connect_node();
    REQUIRE(fd >= 0);
    cql_conn_config cfg = {.version = version, .compression = compression,
                           .app_name = "cqlio tests", .keyspace = keyspace};
    cql_conn *c = cql_conn_new(&cfg, now_ms());
    REQUIRE(c != NULL);
    cql_conn_event ev = pump(fd, c, CQL_CONN_READY);
    CHECK_EQ_INT(ev.kind, CQL_CONN_READY);
    if (ev.kind != CQL_CONN_READY)
        fprintf(stderr, "  handshake failed: %s (%s)\n", cql_conn_error_of(c)->what,
                cql_conn_error_of(c)->server_message);
    CHECK_EQ_INT(cql_conn_version(c), version);
    CHECK(cql_conn_compressed(c) == compression); /* Cassandra 5 offers lz4 */

    int marker = 42;
    int16_t stream = -1;
    CHECK_EQ_INT(cql_conn_request(c, enc_release_version, NULL, &marker, now_ms() + WAIT_MS, &stream),
                 ev.kind == CQL_CONN_READY ? CQL_OK : CQL_E_CLOSED);
    ev = pump(fd, c, CQL_CONN_RESPONSE);
    CHECK_EQ_INT(ev.kind, CQL_CONN_RESPONSE);
    CHECK(ev.user == &marker);
    CHECK_EQ_INT(ev.stream, stream);
    if (ev.response != NULL) {
        CHECK_EQ_INT(cql_response_result_kind(ev.response), CQL_RESULT_ROWS);
        CHECK_EQ_INT(cql_response_row_count(ev.response), 1);
        cql_value cell;
        cql_str text = {"", 0};
        REQUIRE(cql_response_cell(ev.response, 0, 0, &cell) == CQL_OK);
        CHECK_EQ_INT(cql_decode_text(cell.ptr, cell.len, true, &text, NULL), CQL_OK);
        CHECK(text.len >= 3 && memcmp(text.ptr, "5.0", 3) == 0);
        cql_response_free(ev.response);
    }
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    cql_conn_free(c);
    close(fd);
}

TEST(v5_with_lz4_completes_the_handshake_and_queries)
{
    handshake_and_query(5, true, NULL);
}

TEST(v5_without_compression_completes_the_handshake_and_queries)
{
    handshake_and_query(5, false, NULL);
}

TEST(v4_with_lz4_completes_the_handshake_and_queries)
{
    handshake_and_query(4, true, NULL);
}

TEST(v4_without_compression_completes_the_handshake_and_queries)
{
    handshake_and_query(4, false, NULL);
}

TEST(keyspace_at_connect_is_used)
{
    handshake_and_query(5, true, "system");
}

TEST(unknown_keyspace_at_connect_fails_with_the_server_error)
{
    int fd = connect_node();
    REQUIRE(fd >= 0);
    cql_conn_config cfg = {.version = 5, .compression = true, .keyspace = "no_such_keyspace"};
    cql_conn *c = cql_conn_new(&cfg, now_ms());
    REQUIRE(c != NULL);
    cql_conn_event ev = pump(fd, c, CQL_CONN_READY);
    CHECK_EQ_INT(ev.kind, CQL_CONN_CLOSED);
    const cql_conn_error *e = cql_conn_error_of(c);
    CHECK_EQ_INT(e->rc, CQL_E_SERVER);
    CHECK_EQ_INT(e->server_code, CQL_ERROR_INVALID);
    CHECK(strstr(e->server_message, "no_such_keyspace") != NULL);
    CHECK(strstr(e->what, "keyspace") != NULL);
    cql_conn_free(c);
    close(fd);
}

static cql_rc enc_sleepy(cql_buf *out, const cql_request_opts *o, void *arg)
{
    (void)arg;
    /* A scan of a system table: a real request whose answer comes late. */
    static const char q[] = "SELECT * FROM system_schema.columns";
    cql_query_params p = {.consistency = CQL_CONSISTENCY_ONE, .page_size = 5000};
    return cql_encode_query(out, o, (cql_str){q, sizeof q - 1}, &p);
}

TEST(timed_out_request_keeps_its_id_until_the_late_answer)
{
    int fd = connect_node();
    REQUIRE(fd >= 0);
    cql_conn_config cfg = {.version = 5, .compression = true};
    cql_conn *c = cql_conn_new(&cfg, now_ms());
    REQUIRE(c != NULL);
    REQUIRE(pump(fd, c, CQL_CONN_READY).kind == CQL_CONN_READY);
    int marker;
    uint64_t t = now_ms();
    REQUIRE(cql_conn_request(c, enc_sleepy, NULL, &marker, t, NULL) == CQL_OK);
    /* The deadline passes before a byte is even sent, so the timeout cannot
     * lose a race with a fast answer; the request still goes out. */
    cql_conn_tick(c, t + 1);
    cql_conn_event ev;
    REQUIRE(cql_conn_next_event(c, &ev));
    CHECK_EQ_INT(ev.kind, CQL_CONN_TIMEOUT);
    CHECK(ev.user == &marker);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 1);
    /* The answer still comes; the id is freed then, and only then. */
    uint64_t give_up = now_ms() + WAIT_MS;
    while (cql_conn_reserved(c) != 0 && now_ms() < give_up) {
        int other;
        REQUIRE(cql_conn_request(c, enc_release_version, NULL, &other, now_ms() + WAIT_MS, NULL) ==
                CQL_OK);
        ev = pump(fd, c, CQL_CONN_RESPONSE);
        REQUIRE(ev.kind == CQL_CONN_RESPONSE);
        cql_response_free(ev.response);
    }
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    CHECK(!cql_conn_closed(c));
    cql_conn_free(c);
    close(fd);
}

TEST(ten_thousand_concurrent_requests_on_one_connection_all_answered)
{
    enum { N = 10000 };
    int fd = connect_node();
    REQUIRE(fd >= 0);
    cql_conn_config cfg = {.version = 5, .compression = true};
    cql_conn *c = cql_conn_new(&cfg, now_ms());
    REQUIRE(c != NULL);
    REQUIRE(pump(fd, c, CQL_CONN_READY).kind == CQL_CONN_READY);
    static int markers[N];
    for (int i = 0; i < N; i++)
        REQUIRE(cql_conn_request(c, enc_release_version, NULL, &markers[i], now_ms() + 60000,
                                 NULL) == CQL_OK);
    CHECK_EQ_INT(cql_conn_in_flight(c), N);
    static bool seen[N];
    int answered = 0, errors = 0;
    while (answered < N) {
        cql_conn_event ev = pump(fd, c, CQL_CONN_RESPONSE);
        if (ev.kind != CQL_CONN_RESPONSE)
            break;
        int i = (int)((int *)ev.user - markers);
        CHECK(i >= 0 && i < N && !seen[i]); /* each request answered exactly once */
        if (i >= 0 && i < N)
            seen[i] = true;
        const cql_server_error *e = cql_response_error(ev.response);
        if (e != NULL && errors++ < 3)
            fprintf(stderr, "  server error %s: %.*s\n", cql_error_code_str(e->code),
                    (int)e->message.len, e->message.ptr);
        CHECK(e != NULL || cql_response_row_count(ev.response) == 1);
        cql_response_free(ev.response);
        answered++;
    }
    CHECK_EQ_INT(answered, N);
    /* Under this burst a node may shed some with OVERLOADED or time some out;
     * what must hold is that every request ends once. Most must succeed. */
    CHECK(errors < N / 100);
    if (errors)
        printf("  %d of %d requests answered with a server error\n", errors, N);
    CHECK_EQ_INT(cql_conn_in_flight(c), 0);
    CHECK_EQ_INT(cql_conn_reserved(c), 0);
    cql_conn_free(c);
    close(fd);
}

int main(void)
{
    RUN(v5_with_lz4_completes_the_handshake_and_queries);
    RUN(v5_without_compression_completes_the_handshake_and_queries);
    RUN(v4_with_lz4_completes_the_handshake_and_queries);
    RUN(v4_without_compression_completes_the_handshake_and_queries);
    RUN(keyspace_at_connect_is_used);
    RUN(unknown_keyspace_at_connect_fails_with_the_server_error);
    RUN(timed_out_request_keeps_its_id_until_the_late_answer);
    RUN(ten_thousand_concurrent_requests_on_one_connection_all_answered);
    return harness_done();
}
