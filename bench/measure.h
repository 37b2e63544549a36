/*
 * measure.h — what the bench programs measure besides their own work: a
 * monotonic clock, the client's CPU seconds and peak RSS (getrusage), and the
 * local Cassandra process's CPU seconds (/proc/<pid>/stat of the first
 * CassandraDaemon found). Header-only: each bench program includes it once.
 * Needs _GNU_SOURCE (or _POSIX_C_SOURCE >= 200809L) before any include.
 */
#ifndef CQLIO_BENCH_MEASURE_H
#define CQLIO_BENCH_MEASURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of this process, every thread included. */
static inline double client_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* This process's peak resident set size so far, in MiB (ru_maxrss is KiB on Linux). */
static inline double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* The Cassandra process on this machine (the first CassandraDaemon found), or -1. */
static inline int find_server_pid(void)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    struct dirent *e;
    int found = -1;
    while (found < 0 && (e = readdir(d)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid <= 0)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        /* Java's command line holds the whole class path: read all of it. */
        size_t cap = 1 << 20;
        char *cmd = malloc(cap);
        size_t n = cmd ? fread(cmd, 1, cap - 1, f) : 0;
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        if (cmd != NULL) {
            cmd[n] = '\0';
            if (strstr(cmd, "CassandraDaemon") != NULL)
                found = pid;
        }
        free(cmd);
    }
    closedir(d);
    return found;
}

/* utime + stime of a process, in seconds; -1 when unreadable. */
static inline double process_cpu_s(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (p == NULL)
        return -1;
    unsigned long utime = 0, stime = 0;
    /* fields after ")": state(3) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

#endif /* CQLIO_BENCH_MEASURE_H */
