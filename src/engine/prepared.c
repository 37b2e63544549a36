/* Prepared statements: reference counting and the metadata they carry. */
#include "engine/prepared.h"

#include <stdlib.h>
#include <string.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        if (n > 0)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A version of m's columns with this id; clone: owned by the version. */
static cql_metadata_version *version_new(const cql_metadata *m, cql_metadata *clone, cql_str id)
{
    cql_metadata_version *v = calloc(1, sizeof *v);
    uint8_t *copy = v ? malloc(id.len > 0 ? id.len : 1) : NULL;
    if (copy == NULL) {
        free(v);
        return NULL;
    }
    if (id.len > 0)
        memcpy(copy, id.ptr, id.len);
    *v = (cql_metadata_version){.metadata = m, .clone = clone, .id = copy, .id_len = id.len};
    return v;
}

static void version_free(cql_metadata_version *v)
{
    cql_metadata_free(v->clone);
    free(v->id);
    free(v);
}

cql_prepared *cql_prepared_new(const char *query, size_t query_len, const char *keyspace,
                               cql_response *response)
{
    cql_prepared *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cql_response_free(response);
        return NULL;
    }
    atomic_init(&p->refs, 1);
    p->response = response;
    p->query = dup_n(query, query_len);
    p->query_len = query_len;
    p->keyspace = dup_n(keyspace ? keyspace : "", keyspace ? strlen(keyspace) : 0);
    cql_metadata_version *first = version_new(cql_response_result_metadata(response), NULL,
                                              cql_response_result_metadata_id(response));
    atomic_init(&p->columns, first);
    if (p->query == NULL || p->keyspace == NULL || first == NULL) {
        atomic_store(&p->refs, 1);
        cql_prepared_free(p);
        return NULL;
    }
    return p;
}

cql_prepared *cql_prepared_ref(const cql_prepared *p)
{
    cql_prepared *m = (cql_prepared *)p; /* the count is the one mutable part */
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void cql_prepared_free(cql_prepared *p)
{
    if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    for (cql_metadata_version *v = atomic_load(&p->columns), *older; v != NULL; v = older) {
        older = v->older;
        version_free(v);
    }
    cql_response_free(p->response);
    free(p->query);
    free(p->keyspace);
    free(p);
}

const cql_metadata_version *cql_prepared_columns(const cql_prepared *p)
{
    return atomic_load(&((cql_prepared *)p)->columns);
}

void cql_prepared_update_columns(cql_prepared *p, const cql_metadata_version *seen,
                                 const cql_metadata *m, cql_str id)
{
    cql_metadata_version *head = atomic_load(&p->columns);
    if (head != seen || (id.len == head->id_len && (id.len == 0 ||
                                                    memcmp(id.ptr, head->id, id.len) == 0)))
        return;
    cql_metadata *clone = cql_metadata_clone(m);
    cql_metadata_version *v = clone ? version_new(clone, clone, id) : NULL;
    if (v == NULL) {
        cql_metadata_free(clone);
        return;
    }
    v->older = head;
    if (!atomic_compare_exchange_strong(&p->columns, &head, v))
        version_free(v); /* another thread published one first: it is newer */
}

cql_str cql_prepared_id(const cql_prepared *p) { return cql_response_prepared_id(p->response); }

const cql_metadata *cql_prepared_bind_metadata(const cql_prepared *p)
{
    return cql_response_bind_metadata(p->response);
}

const char *cql_prepared_query(const cql_prepared *p) { return p ? p->query : NULL; }

size_t cql_prepared_param_count(const cql_prepared *p)
{
    return p ? cql_metadata_column_count(cql_prepared_bind_metadata(p)) : 0;
}

cql_str cql_prepared_param_name(const cql_prepared *p, size_t i)
{
    return p ? cql_metadata_column_name(cql_prepared_bind_metadata(p), i) : (cql_str){0};
}

const cql_type *cql_prepared_param_type(const cql_prepared *p, size_t i)
{
    return p ? cql_metadata_column_type(cql_prepared_bind_metadata(p), i) : NULL;
}

const cql_metadata *cql_prepared_result_metadata(const cql_prepared *p)
{
    return p ? cql_prepared_columns(p)->metadata : NULL;
}
