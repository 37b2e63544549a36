/*
 * One connection's socket: a non-blocking connect, reads straight into the
 * conn's input space, writes coalesced to one send per loop turn, and the
 * conn's events handed to the session and the dispatcher.
 */
#include "engine/engine.h"
#include "engine/result.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* errno as a static sentence (cql_conn_fail keeps the pointer). */
static const char *errno_what(int e, bool connecting)
{
    switch (e) {
    case ECONNREFUSED: return "connection refused";
    case ECONNRESET: return "connection reset by the server";
    case EPIPE: return "the server closed the connection";
    case ETIMEDOUT: return "the TCP connection timed out";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    case EADDRNOTAVAIL: return "address not available";
    default: return connecting ? "connect failed" : "socket error";
    }
}

static void set_watch(cql_link *l, int events)
{
    if (l->fd < 0 || events == l->watched)
        return;
    cql_session *s = l->session;
    if (s->loop.watch(s->loop.data, l->fd, events, cql_link_on_ready, l) == 0)
        l->watched = events;
    else if (events != 0)
        cql_conn_fail(l->conn, CQL_E_NETWORK, "the event loop refused to watch the socket");
}

cql_link *cql_link_open(cql_session *s, cql_host *h, cql_error_box *err)
{
    cql_link *l = calloc(1, sizeof *l);
    if (l == NULL) {
        cql_error_set(err, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, h->name, "out of memory");
        return NULL;
    }
    l->session = s;
    l->host = h;
    l->fd = -1;
    l->state = LINK_TCP;
    s->conn_config.version = s->version;
    l->conn = cql_conn_new(&s->conn_config, cql_session_now(s));
    if (l->conn == NULL) {
        free(l);
        cql_error_set(err, CQL_E_NOMEM, CQL_ERRCAT_CLIENT, h->name, "out of memory");
        return NULL;
    }
    l->fd = socket(h->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        cql_error_set(err, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, h->name,
                      "connecting to %s: cannot create a socket: %s", h->name, strerror(errno));
        cql_conn_free(l->conn);
        free(l);
        return NULL;
    }
    int one = 1;
    setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(l->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (connect(l->fd, (const struct sockaddr *)&h->addr, h->addr_len) == 0)
        l->state = LINK_HANDSHAKE;
    else if (errno != EINPROGRESS)
        cql_conn_fail(l->conn, CQL_E_NETWORK, errno_what(errno, true));
    set_watch(l, l->state == LINK_TCP ? CQL_LOOP_WRITE : CQL_LOOP_READ | CQL_LOOP_WRITE);
    if (l->watched == 0) { /* nothing would ever tell us about this socket */
        cql_error_set(err, CQL_E_NETWORK, CQL_ERRCAT_NETWORK, h->name,
                      "connecting to %s: the event loop refused to watch the socket", h->name);
        cql_link_free(l);
        return NULL;
    }
    return l;
}

void cql_link_free(cql_link *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0) {
        set_watch(l, 0);
        close(l->fd);
    }
    cql_conn_free(l->conn);
    free(l);
}

void cql_link_want_flush(cql_link *l)
{
    if (l->queued_flush || l->state == LINK_TCP || l->state == LINK_DEAD)
        return;
    l->queued_flush = true;
    l->next_flush = l->session->flush_list;
    l->session->flush_list = l;
}

void cql_link_flush(cql_link *l)
{
    if (l->state == LINK_TCP || l->state == LINK_DEAD)
        return;
    size_t len;
    const uint8_t *out;
    while ((out = cql_conn_output(l->conn, &len)) != NULL && len > 0) {
        ssize_t n = send(l->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            cql_conn_written(l->conn, (size_t)n, cql_session_now(l->session));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_watch(l, CQL_LOOP_READ | CQL_LOOP_WRITE);
            return;
        }
        cql_conn_fail(l->conn, CQL_E_NETWORK, errno_what(errno, false));
        return;
    }
    set_watch(l, CQL_LOOP_READ);
}

/* Reads what the socket has, a bounded amount per turn so that one busy
 * connection cannot starve the others. */
static void link_read(cql_link *l)
{
    cql_session *s = l->session;
    for (int turns = 0; turns < 64 && !cql_conn_closed(l->conn); turns++) {
        size_t cap;
        uint8_t *space = cql_conn_input_space(l->conn, &cap);
        if (space == NULL)
            return;
        ssize_t n = recv(l->fd, space, cap, MSG_DONTWAIT);
        if (n > 0) {
            cql_conn_received(l->conn, (size_t)n, cql_session_now(s));
            if ((size_t)n < cap)
                return;
            continue;
        }
        if (n == 0) {
            cql_conn_fail(l->conn, CQL_E_NETWORK,
                          l->state == LINK_READY
                              ? "the server closed the connection"
                              : "the server closed the connection during the handshake");
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            cql_conn_fail(l->conn, CQL_E_NETWORK, errno_what(errno, false));
        return;
    }
}

void cql_link_on_ready(void *arg, int events)
{
    cql_link *l = arg;
    cql_session *s = l->session;
    cql_session_enter(s);
    if (l->state == LINK_TCP) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            if (err != EINPROGRESS)
                cql_conn_fail(l->conn, CQL_E_NETWORK, errno_what(err, true));
        } else {
            l->state = LINK_HANDSHAKE;
            cql_link_flush(l); /* OPTIONS */
        }
    } else {
        if (events & CQL_LOOP_READ)
            link_read(l);
        if ((events & CQL_LOOP_WRITE) && !cql_conn_closed(l->conn))
            cql_link_flush(l);
    }
    cql_link_events(l); /* may free l */
    cql_session_leave(s);
}

void cql_link_events(cql_link *l)
{
    cql_session *s = l->session;
    cql_conn_event ev;
    while (cql_conn_next_event(l->conn, &ev)) {
        switch (ev.kind) {
        case CQL_CONN_READY:
            l->state = LINK_READY;
            l->was_ready = true;
            cql_session_link_ready(s, l);
            break;
        case CQL_CONN_RESPONSE:
            cql_dispatch_response(s, l, ev.user, ev.response);
            break;
        case CQL_CONN_TIMEOUT:
            cql_dispatch_timeout(s, l, ev.user);
            break;
        case CQL_CONN_FAILED:
            cql_dispatch_failed(s, l, ev.user);
            break;
        case CQL_CONN_SERVER_EVENT:
            cql_response_free(ev.response); /* topology and schema: the cluster issue */
            break;
        case CQL_CONN_CLOSED:
            l->state = LINK_DEAD;
            cql_session_link_dead(s, l, cql_conn_error_of(l->conn)); /* frees l */
            return;
        }
    }
    /* Answers and heartbeats may have queued output (re-prepares, retries). */
    size_t len;
    if (cql_conn_output(l->conn, &len) != NULL && len > 0)
        cql_link_want_flush(l);
}
