/*
 * The smallest test harness that does the job: TEST functions, CHECK macros
 * that record file:line and go on, and a closing line "N passed, N failed"
 * per suite (ctest prints its own summary over the suites).
 *
 *   TEST(envelope_header_round_trips) { CHECK(x == 1); CHECK_EQ_INT(a, b); }
 *   int main(void) { RUN(envelope_header_round_trips); return harness_done(); }
 */
#ifndef CQLIO_TEST_HARNESS_H
#define CQLIO_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failures_in_test;
static int harness_passed;
static int harness_failed;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            harness_failures_in_test++;                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a,    \
                    #b, a_, b_);                                                                   \
            harness_failures_in_test++;                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_STR(view, literal)                                                                   \
    do {                                                                                           \
        cql_str v_ = (view);                                                                       \
        const char *l_ = (literal);                                                                \
        if (v_.len != strlen(l_) || memcmp(v_.ptr, l_, v_.len) != 0) {                             \
            fprintf(stderr, "  %s:%d: %s is \"%.*s\", expected \"%s\"\n", __FILE__, __LINE__,      \
                    #view, (int)v_.len, v_.ptr, l_);                                               \
            harness_failures_in_test++;                                                            \
        }                                                                                          \
    } while (0)

/* Stops the current test when a precondition fails (later checks would crash). */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond);           \
            harness_failures_in_test++;                                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define RUN(name)                                                                                  \
    do {                                                                                           \
        harness_failures_in_test = 0;                                                              \
        name();                                                                                    \
        if (harness_failures_in_test == 0) {                                                       \
            harness_passed++;                                                                      \
            printf("ok   %s\n", #name);                                                            \
        } else {                                                                                   \
            harness_failed++;                                                                      \
            printf("FAIL %s\n", #name);                                                            \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

static inline int harness_done(void)
{
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed == 0 ? 0 : 1;
}

#endif
