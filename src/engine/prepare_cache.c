/*
 * The session's prepared statements by (keyspace, query text): a chained
 * hash table with a bound; beyond it the oldest entry leaves (its holders
 * keep their references, the next prepare of its text asks the server).
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    cql_prepared *p;
    uint64_t hash;
    struct entry *chain;          /* same bucket */
    struct entry *newer, *older;  /* insertion order */
} entry;

struct cql_prepare_cache {
    entry **buckets;
    size_t bucket_count; /* a power of two */
    size_t count, capacity;
    entry *newest, *oldest;
};

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * UINT64_C(0x100000001b3);
    return h;
}

static uint64_t key_hash(const char *keyspace, const char *query, size_t query_len)
{
    uint64_t h = fnv1a(UINT64_C(0xcbf29ce484222325), keyspace, strlen(keyspace) + 1);
    return fnv1a(h, query, query_len);
}

cql_prepare_cache *cql_prepare_cache_new(size_t capacity)
{
    cql_prepare_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->capacity = capacity;
    c->bucket_count = 64;
    while (c->bucket_count < capacity)
        c->bucket_count *= 2;
    c->buckets = calloc(c->bucket_count, sizeof *c->buckets);
    if (c->buckets == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

static void unlink_entry(cql_prepare_cache *c, entry *e)
{
    entry **pp = &c->buckets[e->hash & (c->bucket_count - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    c->count--;
    cql_prepared_free(e->p);
    free(e);
}

void cql_prepare_cache_free(cql_prepare_cache *c)
{
    if (c == NULL)
        return;
    while (c->oldest)
        unlink_entry(c, c->oldest);
    free(c->buckets);
    free(c);
}

static entry *find(cql_prepare_cache *c, uint64_t h, const char *keyspace, const char *query,
                   size_t query_len)
{
    for (entry *e = c->buckets[h & (c->bucket_count - 1)]; e != NULL; e = e->chain)
        if (e->hash == h && e->p->query_len == query_len &&
            memcmp(e->p->query, query, query_len) == 0 && strcmp(e->p->keyspace, keyspace) == 0)
            return e;
    return NULL;
}

cql_prepared *cql_prepare_cache_get(cql_prepare_cache *c, const char *keyspace, const char *query,
                                    size_t query_len)
{
    keyspace = keyspace ? keyspace : "";
    entry *e = find(c, key_hash(keyspace, query, query_len), keyspace, query, query_len);
    return e ? e->p : NULL;
}

void cql_prepare_cache_put(cql_prepare_cache *c, cql_prepared *p)
{
    uint64_t h = key_hash(p->keyspace, p->query, p->query_len);
    entry *old = find(c, h, p->keyspace, p->query, p->query_len);
    if (old != NULL)
        unlink_entry(c, old);
    entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return; /* not cached: the next prepare asks the server again */
    e->p = cql_prepared_ref(p);
    e->hash = h;
    size_t b = h & (c->bucket_count - 1);
    e->chain = c->buckets[b];
    c->buckets[b] = e;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
    c->count++;
    while (c->count > c->capacity && c->oldest != NULL)
        unlink_entry(c, c->oldest);
}

size_t cql_prepare_cache_count(const cql_prepare_cache *c) { return c ? c->count : 0; }
