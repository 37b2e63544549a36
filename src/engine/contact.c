/*
 * Contact points: "host1,host2:9043,[::1]:9042" parsed at session creation
 * (so a typo is an error then, not a failed connect later), resolved when
 * the session connects, through the loop's resolver when it has one.
 */
#include "engine/engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* One entry (trimmed, non-empty): its host part and port. */
static bool parse_entry(const char *s, size_t n, uint16_t default_port, char **host,
                        uint16_t *port, char *err, size_t cap)
{
    const char *h = s;
    size_t hn = n;
    *port = default_port;
    if (s[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            snprintf(err, cap, "contact point \"%.*s\": '[' without ']'", (int)n, s);
            return false;
        }
        h = s + 1;
        hn = (size_t)(close - h);
        size_t rest = n - (size_t)(close - s) - 1;
        if (rest > 0 && (close[1] != ':' || !parse_port(close + 2, rest - 1, port))) {
            snprintf(err, cap, "contact point \"%.*s\": bad port after ']'", (int)n, s);
            return false;
        }
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) == NULL) {
            hn = (size_t)(colon - s); /* host:port; more colons mean a bare IPv6 */
            if (!parse_port(colon + 1, n - hn - 1, port)) {
                snprintf(err, cap, "contact point \"%.*s\": the port is not 1-65535", (int)n, s);
                return false;
            }
        }
    }
    if (hn == 0 || hn > 253) {
        snprintf(err, cap, "contact point \"%.*s\": empty or over-long host", (int)n, s);
        return false;
    }
    *host = malloc(hn + 1);
    if (*host == NULL) {
        snprintf(err, cap, "out of memory");
        return false;
    }
    memcpy(*host, h, hn);
    (*host)[hn] = '\0';
    return true;
}

cql_rc cql_contacts_parse(cql_session *s, const char *spec, uint16_t default_port, char *err,
                          size_t cap)
{
    if (spec == NULL) {
        snprintf(err, cap, "no contact points: set config.contact_points");
        return CQL_E_ARG;
    }
    size_t count = 1;
    for (const char *p = spec; *p; p++)
        count += *p == ',';
    s->contacts = calloc(count, sizeof *s->contacts);
    if (s->contacts == NULL) {
        snprintf(err, cap, "out of memory");
        return CQL_E_NOMEM;
    }
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *a = p;
        while (n > 0 && (*a == ' ' || *a == '\t'))
            a++, n--;
        while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
            n--;
        if (n > 0) {
            cql_contact *c = &s->contacts[s->contact_count];
            if (!parse_entry(a, n, default_port, &c->host, &c->port, err, cap))
                return CQL_E_ARG;
            c->session = s;
            s->contact_count++;
        }
        p = end ? end + 1 : p + strlen(p);
    }
    if (s->contact_count == 0) {
        snprintf(err, cap, "no contact points in \"%s\"", spec);
        return CQL_E_ARG;
    }
    return CQL_OK;
}

static void on_resolved(void *arg, cql_rc rc, const char *what, const void *const *addrs,
                        size_t count)
{
    cql_contact *c = arg;
    cql_session *s = c->session;
    cql_session_enter(s);
    for (size_t i = 0; rc == CQL_OK && i < count; i++)
        cql_session_host_found(s, addrs[i], c->port);
    cql_session_contact_done(s, c, rc, what);
    cql_session_leave(s);
}

/* Without a resolver: numeric addresses only. */
static void resolve_numeric(cql_contact *c)
{
    struct sockaddr_in in4 = {.sin_family = AF_INET};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    const void *addr = NULL;
    if (inet_pton(AF_INET, c->host, &in4.sin_addr) == 1)
        addr = &in4;
    else if (inet_pton(AF_INET6, c->host, &in6.sin6_addr) == 1)
        addr = &in6;
    if (addr != NULL)
        on_resolved(c, CQL_OK, NULL, &addr, 1);
    else
        on_resolved(c, CQL_E_NETWORK, "not a numeric address, and the loop has no resolver",
                    NULL, 0);
}

void cql_contacts_resolve(cql_session *s)
{
    s->resolving = s->contact_count;
    for (size_t i = 0; i < s->contact_count && !s->closing; i++) {
        cql_contact *c = &s->contacts[i];
        c->resolving = true;
        if (s->loop.resolve == NULL ||
            s->loop.resolve(s->loop.data, c->host, c->port, on_resolved, c) != 0)
            resolve_numeric(c);
    }
}
