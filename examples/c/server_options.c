/*
 * cqlio-server-options HOST [PORT] — asks a Cassandra node which options it
 * supports (CQL_VERSION, PROTOCOL_VERSIONS, COMPRESSION, ...) and prints them.
 *
 * The smallest honest end-to-end use of libcqlio: the program owns a blocking
 * socket, and the library's sans-I/O codec encodes the OPTIONS envelope and
 * decodes the SUPPORTED answer. Every wait is bounded by a deadline.
 */
#define _POSIX_C_SOURCE 200809L
#include <cqlio.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { TIMEOUT_MS = 5000 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Connects to the first address of host:port that accepts, within TIMEOUT_MS each. */
static int connect_host(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        fprintf(stderr, "cqlio-server-options: cannot resolve %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, last_error = 0;
    for (struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int err = 0;
        socklen_t len = sizeof err;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
            err = errno;
        else if (poll(&p, 1, TIMEOUT_MS) != 1)
            err = ETIMEDOUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            last_error = err;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0)
        fprintf(stderr, "cqlio-server-options: cannot connect to %s:%s: %s\n", host, port,
                strerror(last_error ? last_error : ECONNREFUSED));
    return fd;
}

/* Sends or receives exactly n bytes; false on error, close or TIMEOUT_MS of silence. */
static int transfer(int fd, void *buf, size_t n, int sending, const char *what)
{
    size_t done = 0;
    while (done < n) {
        struct pollfd p = {.fd = fd, .events = sending ? POLLOUT : POLLIN};
        if (poll(&p, 1, TIMEOUT_MS) != 1) {
            fprintf(stderr, "cqlio-server-options: timed out %s\n", what);
            return 0;
        }
        ssize_t k = sending ? send(fd, (char *)buf + done, n - done, MSG_NOSIGNAL)
                            : recv(fd, (char *)buf + done, n - done, 0);
        if (k == 0) {
            fprintf(stderr, "cqlio-server-options: server closed the connection %s (%zu of %zu bytes)\n",
                    what, done, n);
            return 0;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "cqlio-server-options: %s: %s\n", what, strerror(errno));
            return 0;
        }
        if (k > 0)
            done += (size_t)k;
    }
    return 1;
}

static int report(const char *where, cql_rc rc, const cql_diag *diag)
{
    char text[200];
    cql_diag_format(diag, text, sizeof text);
    fprintf(stderr, "cqlio-server-options: %s: %s (%s)\n", where, cql_rc_str(rc), text);
    return 1;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *port = argc > 2 ? argv[2] : "9042";
    double t0 = now_ms();
    int fd = connect_host(host, port);
    if (fd < 0)
        return 1;

    /* OPTIONS is the one request a server answers before STARTUP, in any version it speaks. */
    cql_envelope_header request = {.version = 4, .stream = 0, .opcode = CQL_OP_OPTIONS};
    uint8_t out[CQL_ENVELOPE_HEADER_SIZE], in[CQL_ENVELOPE_HEADER_SIZE];
    cql_envelope_header_encode(&request, out);
    if (!transfer(fd, out, sizeof out, 1, "sending OPTIONS") ||
        !transfer(fd, in, sizeof in, 0, "waiting for the answer header")) {
        close(fd);
        return 1;
    }
    cql_envelope_header answer;
    cql_diag diag;
    cql_rc rc = cql_envelope_header_decode(in, sizeof in, 1u << 20, &answer, &diag);
    if (rc != CQL_OK) {
        close(fd);
        return report("answer header", rc, &diag);
    }
    uint8_t *body = malloc(answer.length ? answer.length : 1);
    if (body == NULL || !transfer(fd, body, answer.length, 0, "reading the answer body")) {
        free(body);
        close(fd);
        return 1;
    }
    close(fd);
    double elapsed = now_ms() - t0;
    if (answer.opcode != CQL_OP_SUPPORTED) {
        fprintf(stderr, "cqlio-server-options: %s:%s answered opcode 0x%02x, not SUPPORTED: not a CQL server?\n",
                host, port, answer.opcode);
        free(body);
        return 1;
    }

    CQL_SCOPED(cql_supported) supported = NULL;
    rc = cql_supported_decode(body, answer.length, &supported, &diag);
    free(body);
    if (rc != CQL_OK)
        return report("SUPPORTED body", rc, &diag);

    printf("cqlio %s: %s:%s answered OPTIONS in %.1f ms with SUPPORTED:\n", cql_version(), host,
           port, elapsed);
    for (size_t i = 0; i < cql_supported_count(supported); i++) {
        cql_str key = cql_supported_key(supported, i);
        printf("  %-20.*s", (int)key.len, key.ptr);
        for (size_t j = 0; j < cql_supported_value_count(supported, i); j++) {
            cql_str v = cql_supported_value(supported, i, j);
            printf("%s%.*s", j ? ", " : "", (int)v.len, v.ptr);
        }
        printf("\n");
    }
    return 0;
}
