/*
 * A session whose only connection goes through the test proxy (proxy.h),
 * and the waits the proxied tests share. Header-only; include after
 * harness.h, client.h and proxy.h.
 */
#ifndef CQLIO_TEST_PROXIED_H
#define CQLIO_TEST_PROXIED_H

typedef struct proxied {
    test_proxy *proxy;
    cql_session *session;
} proxied;

static proxied open_proxied(cql_session_config cfg)
{
    proxied p = {proxy_start(LISTEN_PROXY, node_host(), 9042), NULL};
    if (p.proxy == NULL)
        return p;
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%u", (unsigned)p.proxy->port);
    cfg.contact_points = where;
    p.session = open_session(cfg);
    if (p.session == NULL) {
        proxy_stop(p.proxy);
        p.proxy = NULL;
    }
    return p;
}

static void close_proxied(proxied p)
{
    proxy_hold(p.proxy, false);
    CHECK(ledger_settles(p.session));
    cql_session_free(p.session);
    proxy_stop(p.proxy);
}

static bool wait_in_flight(cql_session *s)
{
    uint64_t until = mono_ms() + WAIT_MS;
    cql_resources r;
    do
        cql_session_resources(s, &r);
    while (r.in_flight == 0 && mono_ms() < until);
    return r.in_flight > 0;
}

#endif
