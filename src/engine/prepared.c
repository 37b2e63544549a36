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
    if (p->query == NULL || p->keyspace == NULL ||
        cql_prepared_set_result_metadata_id(p, cql_response_result_metadata_id(response)) !=
            CQL_OK) {
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
    for (cql_metadata_version *v = atomic_load(&p->metadata_versions), *older; v != NULL;
         v = older) {
        older = v->older;
        cql_metadata_free(v->metadata);
        free(v);
    }
    cql_response_free(p->response);
    free(p->query);
    free(p->keyspace);
    free(p->result_metadata_id);
    free(p);
}

cql_rc cql_prepared_set_result_metadata_id(cql_prepared *p, cql_str id)
{
    uint8_t *copy = malloc(id.len > 0 ? id.len : 1);
    if (copy == NULL)
        return CQL_E_NOMEM;
    if (id.len > 0)
        memcpy(copy, id.ptr, id.len);
    free(p->result_metadata_id);
    p->result_metadata_id = copy;
    p->result_metadata_id_len = id.len;
    return CQL_OK;
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
    if (p == NULL)
        return NULL;
    const cql_metadata_version *v = atomic_load(&((cql_prepared *)p)->metadata_versions);
    return v != NULL ? v->metadata : cql_response_result_metadata(p->response);
}

cql_rc cql_prepared_update_result_metadata(cql_prepared *p, const cql_metadata *m, cql_str id)
{
    if (id.len == p->result_metadata_id_len &&
        (id.len == 0 || memcmp(id.ptr, p->result_metadata_id, id.len) == 0))
        return CQL_OK; /* the same columns (a re-prepare after a restart) */
    cql_metadata_version *v = malloc(sizeof *v);
    if (v == NULL)
        return CQL_E_NOMEM;
    v->metadata = cql_metadata_clone(m);
    if (v->metadata == NULL || cql_prepared_set_result_metadata_id(p, id) != CQL_OK) {
        cql_metadata_free(v->metadata);
        free(v);
        return CQL_E_NOMEM;
    }
    v->older = atomic_load(&p->metadata_versions);
    atomic_store(&p->metadata_versions, v);
    return CQL_OK;
}
