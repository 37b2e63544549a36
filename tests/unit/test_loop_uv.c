/*
 * The libuv loop adapter (src/adapters/uv.c) on a real uv loop, with
 * socketpairs for fds, and the private loop thread (src/adapters/thread.c)
 * driven directly and through cql_session_new.
 *
 * Nothing sleeps: the loop runs until a condition holds, with a uv timer as a
 * watchdog that fails the test when it does not; checks that something does
 * NOT happen let the loop run for a few milliseconds. Cross-thread waits use
 * a condition variable with a deadline.
 */
/* socketpair, pthread_condattr_setclock, clock_gettime under -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include "adapters/thread.h"
#include "cqlio.h"
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define WATCHDOG_MS 10000u

/* ------------------------------------------------------------------------ */
/* A uv loop with the adapter over it                                        */
/* ------------------------------------------------------------------------ */

typedef struct fixture {
    uv_loop_t uv;
    cql_loop loop;
    uv_timer_t watchdog;
    uv_prepare_t check; /* ends a uv_run as soon as the awaited condition holds */
    const int *count;   /* the condition: *count >= target (NULL: none) */
    int target;
    bool timed_out;
    bool released; /* the adapter's release was called (by the test or the code under test) */
} fixture;

static void on_watchdog(uv_timer_t *t)
{
    fixture *f = t->data;
    f->timed_out = true;
}

/* uv_run(UV_RUN_ONCE) runs due timers and then still blocks for I/O; when a
 * timer met the condition, stopping the loop here (before the poll) keeps
 * it from waiting for the next event. */
static void on_check(uv_prepare_t *p)
{
    fixture *f = p->data;
    if (f->timed_out || (f->count != NULL && *f->count >= f->target))
        uv_stop(&f->uv);
}

static bool fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    if (uv_loop_init(&f->uv) != 0)
        return false;
    uv_timer_init(&f->uv, &f->watchdog);
    f->watchdog.data = f;
    uv_prepare_init(&f->uv, &f->check);
    f->check.data = f;
    return cql_loop_uv(&f->uv, &f->loop) == CQL_OK;
}

/* Runs the loop until *count reaches target (count NULL: until ms pass);
 * false when the watchdog fired first. */
static bool spin(fixture *f, const int *count, int target, uint64_t ms)
{
    f->timed_out = false;
    f->count = count;
    f->target = target;
    uv_timer_start(&f->watchdog, on_watchdog, ms, 0);
    uv_prepare_start(&f->check, on_check);
    while (!f->timed_out && (count == NULL || *count < target))
        uv_run(&f->uv, UV_RUN_ONCE);
    uv_prepare_stop(&f->check);
    uv_timer_stop(&f->watchdog);
    return count == NULL || *count >= target;
}

static bool run_until(fixture *f, const int *count, int target)
{
    return spin(f, count, target, WATCHDOG_MS);
}

/* Runs the loop for ms, to check that something does not happen. */
static void run_for(fixture *f, uint64_t ms)
{
    spin(f, NULL, 0, ms);
}

static void release(fixture *f)
{
    if (!f->released) {
        f->released = true;
        f->loop.release(f->loop.data);
    }
}

/* Releases the adapter and runs the loop until nothing but the test's own
 * (unreferenced) handles is left: every handle closed, every resolution
 * called back. The loop then closes cleanly, which proves the adapter left
 * nothing open, and LSan proves it freed everything. */
static void fixture_end(fixture *f)
{
    release(f);
    uv_unref((uv_handle_t *)&f->watchdog);
    uv_unref((uv_handle_t *)&f->check);
    f->timed_out = false;
    f->count = NULL;
    uv_timer_start(&f->watchdog, on_watchdog, WATCHDOG_MS, 0);
    uv_prepare_start(&f->check, on_check);
    while (uv_loop_alive(&f->uv) && !f->timed_out)
        uv_run(&f->uv, UV_RUN_ONCE);
    CHECK(!f->timed_out);
    uv_close((uv_handle_t *)&f->watchdog, NULL);
    uv_close((uv_handle_t *)&f->check, NULL);
    uv_run(&f->uv, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&f->uv), 0);
}

/* ------------------------------------------------------------------------ */
/* Probes: what a callback saw                                               */
/* ------------------------------------------------------------------------ */

enum action { NOTHING, STOP_AND_CLOSE, RELEASE, REARM };

typedef struct probe {
    fixture *f;
    enum action action;
    int fd;
    int calls;
    int events;
    uint64_t at_ms;
    pthread_t thread;
} probe;

static void on_ready(void *arg, int events)
{
    probe *p = arg;
    p->calls++;
    p->events = events;
    p->thread = pthread_self();
    if (p->action == STOP_AND_CLOSE) {
        CHECK_EQ_INT(p->f->loop.watch(p->f->loop.data, p->fd, 0, NULL, NULL), 0);
        close(p->fd);
    } else if (p->action == RELEASE) {
        release(p->f);
    }
}

static void on_fire(void *arg)
{
    probe *p = arg;
    p->calls++;
    p->thread = pthread_self();
    p->at_ms = p->f->loop.now_ms(p->f->loop.data);
    if (p->action == RELEASE)
        release(p->f);
    else if (p->action == REARM && p->calls < 3)
        CHECK_EQ_INT(p->f->loop.timer(p->f->loop.data, 1, on_fire, p), 0);
}

static int watch(fixture *f, int fd, int events, probe *p)
{
    return f->loop.watch(f->loop.data, fd, events, on_ready, p);
}

static bool pair(int sv[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0;
}

/* ------------------------------------------------------------------------ */
/* watch                                                                     */
/* ------------------------------------------------------------------------ */

TEST(watch_reports_read_readiness)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int sv[2];
    REQUIRE(pair(sv));
    probe p = {.f = &f};
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_READ, &p), 0);
    run_for(&f, 20);
    CHECK_EQ_INT(p.calls, 0); /* nothing to read yet */
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(run_until(&f, &p.calls, 1));
    CHECK_EQ_INT(p.events, CQL_LOOP_READ);
    CHECK(pthread_equal(p.thread, pthread_self()));
    CHECK_EQ_INT(watch(&f, sv[0], 0, NULL), 0);
    close(sv[0]);
    close(sv[1]);
    fixture_end(&f);
}

TEST(watch_reports_write_readiness)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int sv[2];
    REQUIRE(pair(sv));
    probe p = {.f = &f};
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_WRITE, &p), 0);
    CHECK(run_until(&f, &p.calls, 1));
    CHECK_EQ_INT(p.events, CQL_LOOP_WRITE);
    /* Left watched: release closes it. */
    fixture_end(&f);
    close(sv[0]);
    close(sv[1]);
}

TEST(watch_replaces_events_and_callback_arg)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int sv[2];
    REQUIRE(pair(sv));
    probe first = {.f = &f}, second = {.f = &f};
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_READ | CQL_LOOP_WRITE, &first), 0);
    CHECK(run_until(&f, &first.calls, 1));
    CHECK_EQ_INT(first.events, CQL_LOOP_WRITE); /* writable, nothing to read */

    /* Read only, with another arg: writability no longer reported. */
    int seen = first.calls;
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_READ, &second), 0);
    run_for(&f, 20);
    CHECK_EQ_INT(second.calls, 0);
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(run_until(&f, &second.calls, 1));
    CHECK_EQ_INT(second.events, CQL_LOOP_READ);
    CHECK_EQ_INT(first.calls, seen);

    /* Both while both hold. */
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_READ | CQL_LOOP_WRITE, &first), 0);
    CHECK(run_until(&f, &first.calls, seen + 1));
    CHECK_EQ_INT(first.events, CQL_LOOP_READ | CQL_LOOP_WRITE);

    /* Write only, though still readable. */
    seen = second.calls;
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_WRITE, &second), 0);
    CHECK(run_until(&f, &second.calls, seen + 1));
    CHECK_EQ_INT(second.events, CQL_LOOP_WRITE);

    CHECK_EQ_INT(watch(&f, sv[0], 0, NULL), 0);
    close(sv[0]);
    close(sv[1]);
    fixture_end(&f);
}

/* A socket that gets the number of one just closed gets a fresh handle, even
 * within the same loop iteration, and the old one never reports again. */
TEST(watch_stop_close_and_reuse_fd_number)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int a[2];
    REQUIRE(pair(a));
    probe old = {.f = &f}, fresh = {.f = &f};
    CHECK_EQ_INT(watch(&f, a[0], CQL_LOOP_READ, &old), 0);
    CHECK(write(a[1], "x", 1) == 1); /* readable, but stopped before the loop runs */
    int num = a[0];
    CHECK_EQ_INT(watch(&f, num, 0, NULL), 0);
    close(num);

    int b[2];
    REQUIRE(pair(b));
    if (b[1] == num) { /* either end will do: use the one with the number */
        b[1] = b[0];
        b[0] = num;
    } else if (b[0] != num) {
        REQUIRE(dup2(b[0], num) == num);
        close(b[0]);
        b[0] = num;
    }
    CHECK_EQ_INT(watch(&f, num, CQL_LOOP_READ, &fresh), 0);
    CHECK(write(b[1], "y", 1) == 1);
    CHECK(run_until(&f, &fresh.calls, 1));
    CHECK_EQ_INT(fresh.events, CQL_LOOP_READ);
    CHECK_EQ_INT(old.calls, 0);

    /* Once more after the loop ran, so the old handle's close completed. */
    CHECK_EQ_INT(watch(&f, num, 0, NULL), 0);
    run_for(&f, 5);
    probe third = {.f = &f};
    CHECK_EQ_INT(watch(&f, num, CQL_LOOP_READ, &third), 0);
    CHECK(run_until(&f, &third.calls, 1));

    close(a[1]);
    CHECK_EQ_INT(watch(&f, num, 0, NULL), 0);
    close(b[0]);
    close(b[1]);
    fixture_end(&f);
}

TEST(watch_stopped_and_closed_inside_its_callback)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int sv[2];
    REQUIRE(pair(sv));
    probe p = {.f = &f, .action = STOP_AND_CLOSE, .fd = sv[0]};
    CHECK_EQ_INT(watch(&f, sv[0], CQL_LOOP_READ | CQL_LOOP_WRITE, &p), 0);
    CHECK(run_until(&f, &p.calls, 1));
    run_for(&f, 20);
    CHECK_EQ_INT(p.calls, 1);
    close(sv[1]);
    fixture_end(&f);
}

/* Two fds ready in the same iteration; the first callback releases the loop:
 * the second never runs, and everything is closed and freed afterwards. */
TEST(release_inside_ready_callback)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int a[2], b[2];
    REQUIRE(pair(a));
    REQUIRE(pair(b));
    probe p = {.f = &f, .action = RELEASE};
    CHECK_EQ_INT(watch(&f, a[0], CQL_LOOP_WRITE, &p), 0);
    CHECK_EQ_INT(watch(&f, b[0], CQL_LOOP_WRITE, &p), 0);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 40, on_fire, &p), 0); /* closed by release */
    CHECK(run_until(&f, &p.calls, 1));
    CHECK(f.released);
    run_for(&f, 60);
    CHECK_EQ_INT(p.calls, 1);
    fixture_end(&f);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

TEST(watch_rejects_what_it_cannot_poll)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f};
    CHECK(watch(&f, -1, CQL_LOOP_READ, &p) != 0);
    int fd = open("/dev/null", O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK(watch(&f, fd, CQL_LOOP_READ, &p) != 0); /* epoll refuses character devices */
    CHECK_EQ_INT(watch(&f, fd, 0, NULL), 0);      /* not watched: a no-op */
    close(fd);
    fixture_end(&f);
}

/* A poll error (here an ICMP port unreachable on a connected UDP socket) is
 * reported as both directions, so the engine's own read or write fails. */
TEST(watch_error_reports_read_and_write)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    int server = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(server >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(server, (struct sockaddr *)&addr, len) == 0);
    REQUIRE(getsockname(server, (struct sockaddr *)&addr, &len) == 0);
    close(server); /* the port is closed now */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    REQUIRE(connect(fd, (struct sockaddr *)&addr, len) == 0);
    probe p = {.f = &f};
    CHECK_EQ_INT(watch(&f, fd, CQL_LOOP_READ, &p), 0);
    CHECK(send(fd, "x", 1, 0) == 1);
    CHECK(run_until(&f, &p.calls, 1));
    CHECK_EQ_INT(p.events, CQL_LOOP_READ | CQL_LOOP_WRITE);
    CHECK_EQ_INT(watch(&f, fd, 0, NULL), 0);
    close(fd);
    fixture_end(&f);
}

/* ------------------------------------------------------------------------ */
/* timer                                                                     */
/* ------------------------------------------------------------------------ */

TEST(timer_fires_once_after_its_delay)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f};
    uint64_t start = f.loop.now_ms(f.loop.data);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 15, on_fire, &p), 0);
    CHECK(run_until(&f, &p.calls, 1));
    CHECK(p.at_ms >= start + 15); /* never early by the engine's clock */
    CHECK(pthread_equal(p.thread, pthread_self()));
    run_for(&f, 30);
    CHECK_EQ_INT(p.calls, 1);
    fixture_end(&f);
}

TEST(timer_second_call_replaces_the_first)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe first = {.f = &f}, second = {.f = &f};
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 20, on_fire, &first), 0);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 5, on_fire, &second), 0);
    CHECK(run_until(&f, &second.calls, 1));
    run_for(&f, 40);
    CHECK_EQ_INT(first.calls, 0);
    CHECK_EQ_INT(second.calls, 1);

    /* A later deadline replaces an earlier one too. */
    probe third = {.f = &f};
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 1, on_fire, &first), 0);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 25, on_fire, &third), 0);
    CHECK(run_until(&f, &third.calls, 1));
    CHECK_EQ_INT(first.calls, 0);
    fixture_end(&f);
}

TEST(timer_uint64_max_cancels)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f};
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 5, on_fire, &p), 0);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, UINT64_MAX, NULL, NULL), 0);
    run_for(&f, 30);
    CHECK_EQ_INT(p.calls, 0);
    CHECK_EQ_INT(f.loop.timer(f.loop.data, UINT64_MAX, NULL, NULL), 0); /* twice is fine */
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 0, on_fire, &p), 0);         /* usable again */
    CHECK(run_until(&f, &p.calls, 1));
    fixture_end(&f);
}

TEST(timer_rearmed_and_released_inside_its_callback)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f, .action = REARM};
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 0, on_fire, &p), 0);
    CHECK(run_until(&f, &p.calls, 3));
    run_for(&f, 20);
    CHECK_EQ_INT(p.calls, 3);

    probe r = {.f = &f, .action = RELEASE};
    CHECK_EQ_INT(f.loop.timer(f.loop.data, 0, on_fire, &r), 0);
    CHECK(run_until(&f, &r.calls, 1));
    CHECK(f.released);
    fixture_end(&f);
}

/* ------------------------------------------------------------------------ */
/* wakeup and the clock                                                      */
/* ------------------------------------------------------------------------ */

typedef struct waker {
    fixture *f;
    probe *p;
    int times;
    uint64_t now;
} waker;

static void *wake_from_thread(void *arg)
{
    waker *w = arg;
    for (int i = 0; i < w->times; i++)
        CHECK_EQ_INT(w->f->loop.wakeup(w->f->loop.data, on_fire, w->p), 0);
    w->now = w->f->loop.now_ms(w->f->loop.data);
    return NULL;
}

TEST(wakeup_from_another_thread_fires_on_the_loop_thread)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f};
    waker w = {.f = &f, .p = &p, .times = 1};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, wake_from_thread, &w) == 0);
    CHECK(run_until(&f, &p.calls, 1));
    pthread_join(th, NULL);
    CHECK(pthread_equal(p.thread, pthread_self()));

    /* Many threads, many wakeups: coalesced, at least one fire after the last. */
    waker many[4];
    pthread_t ths[4];
    for (int i = 0; i < 4; i++) {
        many[i] = (waker){.f = &f, .p = &p, .times = 1000};
        REQUIRE(pthread_create(&ths[i], NULL, wake_from_thread, &many[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(ths[i], NULL);
    int before = p.calls;
    CHECK(run_until(&f, &p.calls, before + 1));
    CHECK(p.calls <= before + 4001);
    fixture_end(&f);
}

TEST(now_ms_is_monotonic_on_any_thread)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    probe p = {.f = &f};
    waker w = {.f = &f, .p = &p, .times = 0};
    uint64_t before = f.loop.now_ms(f.loop.data);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, wake_from_thread, &w) == 0);
    pthread_join(th, NULL);
    uint64_t after = f.loop.now_ms(f.loop.data);
    CHECK(before <= w.now);
    CHECK(w.now <= after);
    uint64_t hr = uv_hrtime() / 1000000u;
    CHECK(hr >= after && hr - after < 1000);
    fixture_end(&f);
}

/* ------------------------------------------------------------------------ */
/* resolve                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct resolved {
    fixture *f;
    bool release_inside;
    int calls;
    cql_rc rc;
    const char *what;
    size_t count;
    size_t v4, v6, loopback, right_port;
} resolved;

static void on_resolved(void *arg, cql_rc rc, const char *what, const void *const *addrs,
                        size_t count)
{
    resolved *r = arg;
    r->calls++;
    r->rc = rc;
    r->what = what;
    r->count = count;
    for (size_t i = 0; i < count; i++) {
        const struct sockaddr *sa = addrs[i];
        if (sa->sa_family == AF_INET) {
            const struct sockaddr_in *in = addrs[i];
            r->v4++;
            r->loopback += ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK;
            r->right_port += ntohs(in->sin_port) == 9042;
        } else if (sa->sa_family == AF_INET6) {
            const struct sockaddr_in6 *in6 = addrs[i];
            r->v6++;
            r->loopback += memcmp(&in6->sin6_addr, &in6addr_loopback, 16) == 0;
            r->right_port += ntohs(in6->sin6_port) == 9042;
        }
    }
    if (r->release_inside)
        release(r->f);
}

static void resolve(const char *host, resolved *r)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    r->f = &f;
    CHECK_EQ_INT(f.loop.resolve(f.loop.data, host, 9042, on_resolved, r), 0);
    CHECK(run_until(&f, &r->calls, 1));
    fixture_end(&f);
    CHECK_EQ_INT(r->calls, 1);
}

TEST(resolve_numeric_ipv4)
{
    resolved r = {0};
    resolve("127.0.0.1", &r);
    CHECK_EQ_INT(r.rc, CQL_OK);
    CHECK(r.what == NULL);
    CHECK_EQ_INT(r.count, 1);
    CHECK_EQ_INT(r.v4, 1);
    CHECK_EQ_INT(r.loopback, 1);
    CHECK_EQ_INT(r.right_port, 1);
}

TEST(resolve_numeric_ipv6)
{
    resolved r = {0};
    resolve("::1", &r);
    CHECK_EQ_INT(r.rc, CQL_OK);
    CHECK_EQ_INT(r.count, 1);
    CHECK_EQ_INT(r.v6, 1);
    CHECK_EQ_INT(r.loopback, 1);
    CHECK_EQ_INT(r.right_port, 1);
}

TEST(resolve_localhost)
{
    resolved r = {0};
    resolve("localhost", &r);
    CHECK_EQ_INT(r.rc, CQL_OK);
    CHECK(r.count >= 1);
    CHECK_EQ_INT(r.v4 + r.v6, r.count);
    CHECK_EQ_INT(r.loopback, r.count);
    CHECK_EQ_INT(r.right_port, r.count);
}

TEST(resolve_unknown_host_fails_with_a_message)
{
    resolved r = {0};
    resolve("no-such-host.invalid", &r);
    CHECK_EQ_INT(r.rc, CQL_E_NETWORK);
    CHECK(r.what != NULL && r.what[0] != '\0');
    CHECK_EQ_INT(r.count, 0);
}

/* Some lookups still queued (cancelled), some running in libuv's thread pool
 * (not cancellable): none may call back, and none may leak. */
TEST(release_with_resolutions_pending_never_calls_back)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    resolved r = {.f = &f};
    for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(
            f.loop.resolve(f.loop.data, i % 2 ? "localhost" : "127.0.0.1", 9042, on_resolved, &r),
            0);
    release(&f);
    fixture_end(&f);
    CHECK_EQ_INT(r.calls, 0);
}

TEST(release_inside_resolve_callback)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    resolved r = {.f = &f, .release_inside = true};
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(f.loop.resolve(f.loop.data, "127.0.0.1", 9042, on_resolved, &r), 0);
    CHECK(run_until(&f, &r.calls, 1));
    fixture_end(&f);
    CHECK_EQ_INT(r.calls, 1);
}

/* ------------------------------------------------------------------------ */
/* The private loop thread                                                   */
/* ------------------------------------------------------------------------ */

/* A count other threads wait on, with a deadline. */
typedef struct latch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count;
    pthread_t where;
} latch;

static void latch_init(latch *l)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&l->mu, NULL);
    l->count = 0;
}

static void latch_destroy(latch *l)
{
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
}

static void latch_hit(void *arg)
{
    latch *l = arg;
    pthread_mutex_lock(&l->mu);
    l->count++;
    l->where = pthread_self();
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void latch_hit_ready(void *arg, int events)
{
    (void)events;
    latch_hit(arg);
}

/* The thread of the last hit (the field is written by the loop thread). */
static pthread_t latch_where(latch *l)
{
    pthread_mutex_lock(&l->mu);
    pthread_t where = l->where;
    pthread_mutex_unlock(&l->mu);
    return where;
}

static bool latch_wait(latch *l, int target)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(WATCHDOG_MS / 1000);
    pthread_mutex_lock(&l->mu);
    while (l->count < target)
        if (pthread_cond_timedwait(&l->cv, &l->mu, &deadline) == ETIMEDOUT)
            break;
    bool ok = l->count >= target;
    pthread_mutex_unlock(&l->mu);
    return ok;
}

typedef struct on_loop {
    cql_loop *loop;
    cql_session_thread *thread;
    latch *latch;
    int fd;
    int ran;
    int nested_ran;
    pthread_t where;
    int rc;
} on_loop;

static void count_nested(void *arg)
{
    on_loop *o = arg;
    o->nested_ran++;
    CHECK(pthread_equal(o->where, pthread_self()));
}

static void record_and_nest(void *arg)
{
    on_loop *o = arg;
    o->ran++;
    o->where = pthread_self();
    /* Already on the loop thread: runs at once, no deadlock. */
    o->thread->run_on_loop(o->thread->data, count_nested, o);
    CHECK_EQ_INT(o->nested_ran, 1);
}

static void count_job(void *arg)
{
    ((on_loop *)arg)->ran++;
}

static void *jobs_from_thread(void *arg)
{
    on_loop *o = arg;
    for (int i = 0; i < 200; i++)
        o->thread->run_on_loop(o->thread->data, count_job, o);
    return NULL;
}

static void arm_timer(void *arg)
{
    on_loop *o = arg;
    o->rc = o->loop->timer(o->loop->data, 1, latch_hit, o->latch);
}

static void watch_fd(void *arg)
{
    on_loop *o = arg;
    o->rc = o->loop->watch(o->loop->data, o->fd, CQL_LOOP_READ, latch_hit_ready, o->latch);
}

static void unwatch_fd(void *arg)
{
    on_loop *o = arg;
    o->rc = o->loop->watch(o->loop->data, o->fd, 0, NULL, NULL);
}

TEST(loop_thread_runs_jobs_timer_watch_and_wakeup)
{
    cql_loop loop;
    cql_session_thread thread;
    char err[128] = "";
    REQUIRE(cql_loop_thread_start(&loop, &thread, err, sizeof err) == CQL_OK);
    latch l;
    latch_init(&l);
    on_loop o = {.loop = &loop, .thread = &thread, .latch = &l};

    /* run_on_loop returns after the job ran, on another thread. */
    thread.run_on_loop(thread.data, record_and_nest, &o);
    CHECK_EQ_INT(o.ran, 1);
    CHECK(!pthread_equal(o.where, pthread_self()));
    pthread_t loop_thread = o.where;

    /* Concurrent callers: every job runs, one at a time on the loop thread. */
    on_loop counter = {.thread = &thread};
    pthread_t ths[4];
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&ths[i], NULL, jobs_from_thread, &counter) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(ths[i], NULL);
    CHECK_EQ_INT(counter.ran, 800);

    /* The adapter behind it: a timer, a watch and a wakeup fire on the loop thread. */
    thread.run_on_loop(thread.data, arm_timer, &o);
    CHECK_EQ_INT(o.rc, 0);
    CHECK(latch_wait(&l, 1));
    CHECK(pthread_equal(latch_where(&l), loop_thread));

    int sv[2];
    REQUIRE(pair(sv));
    o.fd = sv[0];
    thread.run_on_loop(thread.data, watch_fd, &o);
    CHECK_EQ_INT(o.rc, 0);
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(latch_wait(&l, 2));
    CHECK(pthread_equal(latch_where(&l), loop_thread));
    thread.run_on_loop(thread.data, unwatch_fd, &o);
    CHECK_EQ_INT(o.rc, 0);
    close(sv[0]);
    close(sv[1]);

    pthread_mutex_lock(&l.mu);
    int seen = l.count;
    pthread_mutex_unlock(&l.mu);
    CHECK_EQ_INT(loop.wakeup(loop.data, latch_hit, &l), 0);
    CHECK(latch_wait(&l, seen + 1));
    CHECK(pthread_equal(latch_where(&l), loop_thread));
    CHECK(loop.now_ms(loop.data) > 0);

    /* Released from this thread: routed to the loop thread. */
    loop.release(loop.data);
    thread.stop(thread.data);
    latch_destroy(&l);
}

/* stop alone releases the adapter too, so uv_run can return. */
TEST(loop_thread_stop_without_release)
{
    cql_loop loop;
    cql_session_thread thread;
    REQUIRE(cql_loop_thread_start(&loop, &thread, NULL, 0) == CQL_OK);
    on_loop o = {.loop = &loop, .thread = &thread};
    thread.run_on_loop(thread.data, count_job, &o);
    CHECK_EQ_INT(o.ran, 1);
    thread.stop(thread.data);
}

static void release_on_loop(void *arg)
{
    cql_loop *loop = arg;
    loop->release(loop->data);
}

TEST(loop_thread_release_on_the_loop_then_stop)
{
    cql_loop loop;
    cql_session_thread thread;
    REQUIRE(cql_loop_thread_start(&loop, &thread, NULL, 0) == CQL_OK);
    thread.run_on_loop(thread.data, release_on_loop, &loop);
    thread.stop(thread.data);
}

/* Threads of this process, from /proc (-1 when it cannot be read). */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(session_new_with_invalid_config_stops_its_private_thread)
{
    int before = thread_count();
    cql_session_config config;
    memset(&config, 0, sizeof config); /* no contact points */
    cql_session *s = (cql_session *)&config;
    char err[256] = "";
    CHECK(cql_session_new(&config, NULL, &s, err, sizeof err) != CQL_OK);
    CHECK(s == NULL);
    CHECK(err[0] != '\0');
    CHECK_EQ_INT(thread_count(), before); /* joined */
}

TEST(session_new_with_invalid_config_releases_the_given_loop)
{
    fixture f;
    REQUIRE(fixture_init(&f));
    cql_session_config config;
    memset(&config, 0, sizeof config);
    cql_session *s = (cql_session *)&config;
    char err[256] = "";
    CHECK(cql_session_new(&config, &f.loop, &s, err, sizeof err) != CQL_OK);
    CHECK(s == NULL);
    CHECK(err[0] != '\0');
    f.released = true; /* by cql_session_new: fixture_end shows every handle closed */
    fixture_end(&f);
}

/* A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    uint16_t port = 0;
    if (bind(fd, (struct sockaddr *)&addr, len) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

/* The whole path without a server: the engine on the private thread
 * resolves, connects (refused), fails the future from the loop thread and
 * wakes this one; free runs the close on the loop thread and joins it. */
TEST(session_on_private_thread_fails_to_connect_and_joins)
{
    uint16_t port = closed_port();
    REQUIRE(port != 0);
    const char *hosts[] = {"localhost", "no-such-host.invalid"};
    for (size_t i = 0; i < 2; i++) {
        int before = thread_count();
        cql_session_config config;
        memset(&config, 0, sizeof config);
        config.contact_points = hosts[i];
        config.port = port;
        config.connect_timeout_ms = 5000;
        cql_session *s = NULL;
        char err[256] = "";
        REQUIRE(cql_session_new(&config, NULL, &s, err, sizeof err) == CQL_OK);
        cql_future *f = cql_session_connect(s);
        REQUIRE(f != NULL);
        cql_rc rc = cql_future_wait(f, WATCHDOG_MS);
        CHECK(rc != CQL_OK && rc != CQL_E_TIMEOUT);
        const cql_error *e = cql_future_error(f);
        CHECK(e != NULL && e->message[0] != '\0');
        cql_future_free(f);
        cql_session_free(s);
        CHECK_EQ_INT(thread_count(), before);
    }
}

static void count_future(cql_future *f, void *arg)
{
    (void)f;
    ++*(int *)arg;
}

/* The same on the caller's own uv loop: the callback runs on this thread. */
TEST(session_on_callers_loop_fails_to_connect_and_releases)
{
    uint16_t port = closed_port();
    REQUIRE(port != 0);
    fixture f;
    REQUIRE(fixture_init(&f));
    cql_session_config config;
    memset(&config, 0, sizeof config);
    config.contact_points = "127.0.0.1";
    config.port = port;
    cql_session *s = NULL;
    char err[256] = "";
    REQUIRE(cql_session_new(&config, &f.loop, &s, err, sizeof err) == CQL_OK);
    cql_future *c = cql_session_connect(s);
    REQUIRE(c != NULL);
    int done = 0;
    CHECK_EQ_INT(cql_future_then(c, count_future, &done), 0);
    CHECK(run_until(&f, &done, 1));
    CHECK(cql_future_error(c) != NULL);
    cql_future_free(c);
    cql_session_free(s);
    f.released = true; /* by cql_session_free */
    fixture_end(&f);
}

int main(void)
{
    RUN(watch_reports_read_readiness);
    RUN(watch_reports_write_readiness);
    RUN(watch_replaces_events_and_callback_arg);
    RUN(watch_stop_close_and_reuse_fd_number);
    RUN(watch_stopped_and_closed_inside_its_callback);
    RUN(release_inside_ready_callback);
    RUN(watch_rejects_what_it_cannot_poll);
    RUN(watch_error_reports_read_and_write);
    RUN(timer_fires_once_after_its_delay);
    RUN(timer_second_call_replaces_the_first);
    RUN(timer_uint64_max_cancels);
    RUN(timer_rearmed_and_released_inside_its_callback);
    RUN(wakeup_from_another_thread_fires_on_the_loop_thread);
    RUN(now_ms_is_monotonic_on_any_thread);
    RUN(resolve_numeric_ipv4);
    RUN(resolve_numeric_ipv6);
    RUN(resolve_localhost);
    RUN(resolve_unknown_host_fails_with_a_message);
    RUN(release_with_resolutions_pending_never_calls_back);
    RUN(release_inside_resolve_callback);
    RUN(loop_thread_runs_jobs_timer_watch_and_wakeup);
    RUN(loop_thread_stop_without_release);
    RUN(loop_thread_release_on_the_loop_then_stop);
    RUN(session_new_with_invalid_config_stops_its_private_thread);
    RUN(session_new_with_invalid_config_releases_the_given_loop);
    RUN(session_on_private_thread_fails_to_connect_and_joins);
    RUN(session_on_callers_loop_fails_to_connect_and_releases);
    return harness_done();
}
