/*
 * The toolchain and the real server working together: for each node in
 * CQLIO_TEST_HOSTS (comma-separated, default 127.0.0.1), open a TCP
 * connection to port 9042, send OPTIONS and check that SUPPORTED lists
 * protocol v5 and LZ4. The same binary checks the single node (label
 * integration) and each node of the 3-node cluster (label cluster).
 * Blocking sockets with poll() deadlines: this test must never hang.
 */
#define _POSIX_C_SOURCE 200809L
#include "cqlio.h"
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

enum { TIMEOUT_MS = 5000, PORT = 9042 };

static int connect_to(const char *address)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT)};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, TIMEOUT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
        err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Moves exactly n bytes in the given direction, or fails after TIMEOUT_MS of silence. */
static bool transfer(int fd, uint8_t *buf, size_t n, bool sending)
{
    size_t done = 0;
    while (done < n) {
        struct pollfd p = {.fd = fd, .events = sending ? POLLOUT : POLLIN};
        if (poll(&p, 1, TIMEOUT_MS) != 1)
            return false;
        ssize_t k = sending ? send(fd, buf + done, n - done, MSG_NOSIGNAL)
                            : recv(fd, buf + done, n - done, 0);
        if (k <= 0 && !(k < 0 && (errno == EAGAIN || errno == EINTR)))
            return false;
        if (k > 0)
            done += (size_t)k;
    }
    return true;
}

static void check_node_answers_options_with_v5_and_lz4(const char *address)
{
    printf("  node %s:%d\n", address, PORT);
    int fd = connect_to(address);
    REQUIRE(fd >= 0);

    uint8_t request[CQL_ENVELOPE_HEADER_SIZE];
    cql_envelope_header req = {.version = 4, .stream = 7, .opcode = CQL_OP_OPTIONS};
    cql_envelope_header_encode(&req, request);
    uint8_t head[CQL_ENVELOPE_HEADER_SIZE];
    bool exchanged = transfer(fd, request, sizeof request, true) &&
                     transfer(fd, head, sizeof head, false);
    cql_envelope_header resp;
    cql_diag d;
    bool header_ok = exchanged && cql_envelope_header_decode(head, sizeof head, 65536, &resp, &d) == CQL_OK;
    uint8_t *body = header_ok ? malloc(resp.length ? resp.length : 1) : NULL;
    bool body_ok = body != NULL && transfer(fd, body, resp.length, false);
    close(fd);
    CHECK(exchanged);
    CHECK(header_ok);
    if (!body_ok) {
        free(body);
        CHECK(body_ok);
        return;
    }
    CHECK(resp.response);
    CHECK_EQ_INT(resp.version, 4);
    CHECK_EQ_INT(resp.stream, 7);
    CHECK_EQ_INT(resp.opcode, CQL_OP_SUPPORTED);

    cql_supported *s = NULL;
    CHECK_EQ_INT(cql_supported_decode(body, resp.length, &s, &d), CQL_OK);
    free(body);
    CHECK(cql_supported_has(s, "PROTOCOL_VERSIONS", "5/v5"));
    CHECK(cql_supported_has(s, "PROTOCOL_VERSIONS", "4/v4"));
    CHECK(cql_supported_has(s, "COMPRESSION", "lz4"));
    CHECK(cql_supported_value_count(s, 0) > 0);
    cql_supported_free(s);
}

TEST(every_node_answers_options_with_supported_listing_v5_and_lz4)
{
    const char *env = getenv("CQLIO_TEST_HOSTS");
    char hosts[256];
    snprintf(hosts, sizeof hosts, "%s", env && *env ? env : "127.0.0.1");
    int nodes = 0;
    char *save = NULL;
    for (char *h = strtok_r(hosts, ",", &save); h != NULL; h = strtok_r(NULL, ",", &save)) {
        check_node_answers_options_with_v5_and_lz4(h);
        nodes++;
    }
    CHECK(nodes > 0);
}

int main(void)
{
    RUN(every_node_answers_options_with_supported_listing_v5_and_lz4);
    return harness_done();
}
