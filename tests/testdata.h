/*
 * Reproducible test bytes: a fixed pseudo-random sequence (xorshift32, no
 * clock, no seed from outside) and text-like bytes that LZ4 shrinks well.
 */
#ifndef CQLIO_TEST_DATA_H
#define CQLIO_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static inline void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)next_random(&seed);
}

static inline void fill_text(uint8_t *p, size_t n)
{
    static const char words[] = "SELECT name, value FROM ks.events WHERE id = ? AND kind = ? ";
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)words[i % (sizeof words - 1)];
}

#endif
