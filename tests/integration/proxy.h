/*
 * Test doubles at the TCP level, run on a thread of their own, for what a
 * real node will not do on demand:
 *   - a proxy between the client and the real node that can hold the
 *     server's bytes (a "slow" server whose answers come late) and cut
 *     every connection (a network failure);
 *   - (v4, uncompressed) a page of rows emptied on its way, as a server
 *     that filters rows out sends it;
 *   - listeners on loopback that misbehave: accept and say nothing, accept
 *     and close, or answer with bytes that are not CQL.
 * Header-only, for the integration suites.
 */
#ifndef CQLIO_TEST_PROXY_H
#define CQLIO_TEST_PROXY_H

#include "cqlio.h"
#include "proto/response.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { PROXY_MAX_PAIRS = 32 };

typedef enum listener_mode {
    LISTEN_PROXY,   /* forward to the target */
    LISTEN_SILENT,  /* accept, then read and never answer */
    LISTEN_CLOSE,   /* accept, read the first bytes, close */
    LISTEN_GARBAGE, /* accept, answer with an HTTP error, close */
} listener_mode;

typedef struct test_proxy {
    listener_mode mode;
    /* With v4 uncompressed traffic only: the rows page answered n-th (from
     * 1) on any connection reaches the client emptied — no rows, the same
     * Has_more_pages and paging state — as a server skipping filtered rows
     * would send it. 0: off. */
    atomic_int empty_page_at;
    atomic_int rows_pages;
    uint8_t *held[PROXY_MAX_PAIRS]; /* server bytes not yet a whole envelope */
    size_t held_len[PROXY_MAX_PAIRS];
    int listen_fd;
    uint16_t port;
    struct sockaddr_in target;
    int wake[2]; /* a self-pipe: hold, cut and stop changes reach poll */
    atomic_bool hold, cut, stop;
    atomic_int accepted;
    int client[PROXY_MAX_PAIRS], server[PROXY_MAX_PAIRS];
    pthread_t thread;
} test_proxy;

static void proxy_close_pair(test_proxy *p, int i)
{
    free(p->held[i]);
    p->held[i] = NULL;
    p->held_len[i] = 0;
    if (p->client[i] >= 0)
        close(p->client[i]);
    if (p->server[i] >= 0)
        close(p->server[i]);
    p->client[i] = p->server[i] = -1;
}

/* Copies what is readable on from to to (blocking writes: the peer reads). */
static bool proxy_pump(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

static bool write_all(int fd, const uint8_t *b, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, b + off, n - off);
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

/* Empties a RESULT Rows envelope in place (header and body): the rows count
 * becomes 0 and the rows go. Returns the new envelope length. */
static size_t proxy_empty_rows(uint8_t *env, size_t len)
{
    cql_envelope_header h;
    if (cql_envelope_header_decode(env, len, UINT32_MAX, &h, NULL) != CQL_OK || h.flags != 0)
        return len;
    uint8_t *body = malloc(h.length ? h.length : 1);
    if (body == NULL)
        return len;
    memcpy(body, env + 9, h.length);
    cql_response *r = NULL;
    size_t out = len;
    if (cql_response_decode(&h, body, NULL, &r, NULL) == CQL_OK &&
        cql_response_result_kind(r) == CQL_RESULT_ROWS && cql_response_row_count(r) > 0) {
        size_t count_at = r->rows_start - 4; /* the [int] rows count */
        memset(env + 9 + count_at, 0, 4);
        uint32_t body_len = (uint32_t)r->rows_start;
        env[5] = (uint8_t)(body_len >> 24);
        env[6] = (uint8_t)(body_len >> 16);
        env[7] = (uint8_t)(body_len >> 8);
        env[8] = (uint8_t)body_len;
        out = 9 + body_len;
    }
    cql_response_free(r);
    return out;
}

/* Server to client, envelope by envelope, emptying the chosen rows page. */
static bool proxy_pump_envelopes(test_proxy *p, int i)
{
    uint8_t buf[65536];
    ssize_t n = read(p->server[i], buf, sizeof buf);
    if (n <= 0)
        return false;
    uint8_t *h = realloc(p->held[i], p->held_len[i] + (size_t)n);
    if (h == NULL)
        return false;
    p->held[i] = h;
    memcpy(h + p->held_len[i], buf, (size_t)n);
    p->held_len[i] += (size_t)n;
    size_t off = 0;
    while (p->held_len[i] - off >= 9) {
        uint8_t *env = p->held[i] + off;
        size_t len = 9 + ((size_t)env[5] << 24 | (size_t)env[6] << 16 | (size_t)env[7] << 8 |
                          env[8]);
        if (p->held_len[i] - off < len)
            break;
        size_t send_len = len;
        if (env[4] == CQL_OP_RESULT && len >= 13 && env[12] == CQL_RESULT_ROWS) {
            int nth = atomic_fetch_add(&p->rows_pages, 1) + 1;
            if (nth == atomic_load(&p->empty_page_at))
                send_len = proxy_empty_rows(env, len);
        }
        if (!write_all(p->client[i], env, send_len))
            return false;
        off += len;
    }
    memmove(p->held[i], p->held[i] + off, p->held_len[i] - off);
    p->held_len[i] -= off;
    return true;
}

static void proxy_accept(test_proxy *p)
{
    int fd = accept(p->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    atomic_fetch_add(&p->accepted, 1);
    if (p->mode == LISTEN_GARBAGE) {
        char buf[256];
        (void)!read(fd, buf, sizeof buf);
        const char *reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)!write(fd, reply, strlen(reply));
        close(fd);
        return;
    }
    if (p->mode == LISTEN_CLOSE) {
        char buf[256];
        (void)!read(fd, buf, sizeof buf);
        close(fd);
        return;
    }
    int server = -1;
    if (p->mode == LISTEN_PROXY) {
        server = socket(AF_INET, SOCK_STREAM, 0);
        if (server < 0 || connect(server, (struct sockaddr *)&p->target, sizeof p->target) != 0) {
            if (server >= 0)
                close(server);
            close(fd);
            return;
        }
    }
    for (int i = 0; i < PROXY_MAX_PAIRS; i++)
        if (p->client[i] < 0) {
            p->client[i] = fd;
            p->server[i] = server;
            return;
        }
    close(fd);
    if (server >= 0)
        close(server);
}

static void *proxy_main(void *arg)
{
    test_proxy *p = arg;
    while (!atomic_load(&p->stop)) {
        if (atomic_exchange(&p->cut, false))
            for (int i = 0; i < PROXY_MAX_PAIRS; i++)
                proxy_close_pair(p, i);
        struct pollfd fds[2 + 2 * PROXY_MAX_PAIRS];
        int who[2 + 2 * PROXY_MAX_PAIRS];
        int n = 0;
        fds[n] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
        who[n++] = -1;
        fds[n] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
        who[n++] = -2;
        bool hold = atomic_load(&p->hold);
        for (int i = 0; i < PROXY_MAX_PAIRS; i++) {
            if (p->client[i] < 0)
                continue;
            fds[n] = (struct pollfd){.fd = p->client[i], .events = POLLIN};
            who[n++] = i;
            if (p->server[i] >= 0 && !hold) {
                fds[n] = (struct pollfd){.fd = p->server[i], .events = POLLIN};
                who[n++] = PROXY_MAX_PAIRS + i;
            }
        }
        if (poll(fds, (nfds_t)n, 1000) <= 0)
            continue;
        for (int k = 0; k < n; k++) {
            if (fds[k].revents == 0)
                continue;
            if (who[k] == -1)
                proxy_accept(p);
            else if (who[k] == -2) {
                char c[64];
                (void)!read(p->wake[0], c, sizeof c);
            } else if (who[k] < PROXY_MAX_PAIRS) {
                int i = who[k];
                if (p->client[i] < 0)
                    continue;
                if (p->server[i] < 0) { /* silent: swallow */
                    char buf[4096];
                    if (read(p->client[i], buf, sizeof buf) <= 0)
                        proxy_close_pair(p, i);
                } else if (!proxy_pump(p->client[i], p->server[i]))
                    proxy_close_pair(p, i);
            } else {
                int i = who[k] - PROXY_MAX_PAIRS;
                bool ok = atomic_load(&p->empty_page_at) > 0
                              ? proxy_pump_envelopes(p, i)
                              : proxy_pump(p->server[i], p->client[i]);
                if (p->client[i] >= 0 && !ok)
                    proxy_close_pair(p, i);
            }
        }
    }
    for (int i = 0; i < PROXY_MAX_PAIRS; i++)
        proxy_close_pair(p, i);
    return NULL;
}

/* Starts a listener on 127.0.0.1 (an ephemeral port: proxy->port); for
 * LISTEN_PROXY, forwarding to target_host:target_port. NULL on failure. */
static test_proxy *proxy_start(listener_mode mode, const char *target_host, uint16_t target_port)
{
    test_proxy *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->mode = mode;
    for (int i = 0; i < PROXY_MAX_PAIRS; i++)
        p->client[i] = p->server[i] = -1;
    p->target.sin_family = AF_INET;
    p->target.sin_port = htons(target_port);
    inet_pton(AF_INET, target_host ? target_host : "127.0.0.1", &p->target.sin_addr);
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof sa;
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(p->listen_fd, 64) != 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&sa, &len) != 0 || pipe(p->wake) != 0) {
        if (p->listen_fd >= 0)
            close(p->listen_fd);
        free(p);
        return NULL;
    }
    p->port = ntohs(sa.sin_port);
    if (pthread_create(&p->thread, NULL, proxy_main, p) != 0) {
        close(p->listen_fd);
        close(p->wake[0]);
        close(p->wake[1]);
        free(p);
        return NULL;
    }
    return p;
}

static void proxy_poke(test_proxy *p) { (void)!write(p->wake[1], "x", 1); }

/* Holds the server's bytes (answers arrive late) or lets them through. */
static void proxy_hold(test_proxy *p, bool hold)
{
    atomic_store(&p->hold, hold);
    proxy_poke(p);
}

/* Bytes the server sent that wait at the proxy (held): a held answer is
 * known to have been computed once this is above zero. Reads the proxy
 * thread's sockets without its lock: only while it holds (they stay put). */
static inline int proxy_held_bytes(test_proxy *p)
{
    int total = 0;
    for (int i = 0; i < PROXY_MAX_PAIRS; i++) {
        int n = 0;
        if (p->server[i] >= 0 && ioctl(p->server[i], FIONREAD, &n) == 0)
            total += n;
    }
    return total;
}

/* Closes every connection through the proxy (it keeps listening). */
static void proxy_cut(test_proxy *p)
{
    atomic_store(&p->cut, true);
    proxy_poke(p);
}

static void proxy_stop(test_proxy *p)
{
    if (p == NULL)
        return;
    atomic_store(&p->stop, true);
    proxy_poke(p);
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    close(p->wake[0]);
    close(p->wake[1]);
    free(p);
}

#endif
