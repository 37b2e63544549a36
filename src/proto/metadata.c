/* Column metadata of Rows and Prepared results: parsing, accessors, clones. */
#include "proto/response.h"

#include <stdlib.h>
#include <string.h>

static bool read_table_spec(cql_reader *r, cql_str *ks, cql_str *table)
{
    return cql_read_string(r, ks, "metadata: keyspace") &&
           cql_read_string(r, table, "metadata: table");
}

bool cql_metadata_parse(cql_reader *r, uint8_t version, bool prepared_bind,
                        const cql_limits *limits, cql_metadata **out)
{
    *out = NULL;
    cql_metadata *m = calloc(1, sizeof *m);
    if (m == NULL)
        return cql_reader_fail(r, CQL_E_NOMEM, r->off, "metadata: allocating");
    *out = m; /* owned by the response from here on, so a failure below frees it */
    int32_t flags;
    if (!cql_read_i32(r, &flags, "metadata: flags"))
        return false;
    m->flags = (uint32_t)flags;
    if (version < 5)
        m->flags &= ~(uint32_t)META_METADATA_CHANGED; /* v4 has no such flag */
    if (prepared_bind)
        m->flags &= META_GLOBAL_TABLES_SPEC; /* the only flag bind metadata has */
    /* Each column spec costs at least 4 bytes (name + type id); with
     * No_metadata a column costs nothing here but 4 bytes per row later. */
    bool specs = !(m->flags & META_NO_METADATA);
    if (!cql_read_count_i32(r, specs ? 4 : 0, &m->column_count, "metadata: column count"))
        return false;
    uint32_t max_columns = (limits && limits->max_elements) ? limits->max_elements
                                                            : CQL_DEFAULT_MAX_ELEMENTS;
    if (m->column_count > max_columns)
        return cql_reader_fail(r, CQL_E_LIMIT, r->off - 4, "metadata: column count above limit");
    if (prepared_bind) {
        if (!cql_read_count_i32(r, 2, &m->pk_count, "metadata: partition key count"))
            return false;
        if (m->pk_count) {
            m->pk_indexes = calloc(m->pk_count, sizeof *m->pk_indexes);
            if (m->pk_indexes == NULL)
                return cql_reader_fail(r, CQL_E_NOMEM, r->off, "metadata: pk indexes");
        }
        for (size_t i = 0; i < m->pk_count; i++)
            if (!cql_read_u16(r, &m->pk_indexes[i], "metadata: partition key index"))
                return false;
    }
    if (m->flags & META_HAS_MORE_PAGES) {
        if (!cql_read_bytes(r, &m->paging_state.ptr, &m->paging_state.len, "metadata: paging state"))
            return false;
        if (m->paging_state.ptr == NULL) /* null paging state: no way to continue */
            return cql_reader_fail(r, CQL_E_MALFORMED, r->off - 4, "metadata: null paging state");
    }
    if ((m->flags & META_METADATA_CHANGED) &&
        !cql_read_short_bytes(r, &m->new_id, "metadata: new metadata id"))
        return false;
    if (!specs)
        return true;
    cql_str ks = {"", 0}, table = {"", 0};
    bool global = m->flags & META_GLOBAL_TABLES_SPEC;
    if (global && !read_table_spec(r, &ks, &table))
        return false;
    if (m->column_count) {
        m->columns = calloc(m->column_count, sizeof *m->columns);
        if (m->columns == NULL)
            return cql_reader_fail(r, CQL_E_NOMEM, r->off, "metadata: columns");
    }
    for (size_t i = 0; i < m->column_count; i++) {
        cql_column *c = &m->columns[i];
        c->keyspace = ks;
        c->table = table;
        if ((!global && !read_table_spec(r, &c->keyspace, &c->table)) ||
            !cql_read_string(r, &c->name, "metadata: column name"))
            return false;
        if (cql_type_parse(r, limits, &c->type) != CQL_OK)
            return false;
    }
    return true;
}

/* --- accessors -------------------------------------------------------------- */

static const cql_str empty_str = {"", 0};

size_t cql_metadata_column_count(const cql_metadata *m) { return m ? m->column_count : 0; }

static const cql_column *column(const cql_metadata *m, size_t i)
{
    return (m && m->columns && i < m->column_count) ? &m->columns[i] : NULL;
}

cql_str cql_metadata_keyspace(const cql_metadata *m, size_t i)
{
    return column(m, i) ? column(m, i)->keyspace : empty_str;
}

cql_str cql_metadata_table(const cql_metadata *m, size_t i)
{
    return column(m, i) ? column(m, i)->table : empty_str;
}

cql_str cql_metadata_column_name(const cql_metadata *m, size_t i)
{
    return column(m, i) ? column(m, i)->name : empty_str;
}

const cql_type *cql_metadata_column_type(const cql_metadata *m, size_t i)
{
    return column(m, i) ? column(m, i)->type : NULL;
}

bool cql_metadata_has_more_pages(const cql_metadata *m)
{
    return m && (m->flags & META_HAS_MORE_PAGES);
}

cql_value cql_metadata_paging_state(const cql_metadata *m)
{
    cql_value none = {NULL, CQL_NULL};
    return cql_metadata_has_more_pages(m) ? m->paging_state : none;
}

bool cql_metadata_no_metadata(const cql_metadata *m) { return m && (m->flags & META_NO_METADATA); }

bool cql_metadata_changed(const cql_metadata *m) { return m && (m->flags & META_METADATA_CHANGED); }

cql_str cql_metadata_new_id(const cql_metadata *m)
{
    return cql_metadata_changed(m) ? m->new_id : empty_str;
}

size_t cql_metadata_pk_count(const cql_metadata *m) { return m ? m->pk_count : 0; }

uint16_t cql_metadata_pk_index(const cql_metadata *m, size_t i)
{
    return (m && i < m->pk_count) ? m->pk_indexes[i] : 0;
}

/* --- lifetime --------------------------------------------------------------- */

void cql_metadata_destroy(cql_metadata *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; m->columns && i < m->column_count; i++)
        cql_type_free(m->columns[i].type);
    free(m->columns);
    free(m->pk_indexes);
    free(m->storage);
    free(m);
}

void cql_metadata_free(cql_metadata *m) { cql_metadata_destroy(m); }

/* Copies s into the clone's storage at *cursor. */
static cql_str copy_into(char **cursor, cql_str s)
{
    cql_str c = {*cursor, s.len};
    if (s.len)
        memcpy(*cursor, s.ptr, s.len);
    *cursor += s.len;
    return c;
}

cql_metadata *cql_metadata_clone(const cql_metadata *m)
{
    if (m == NULL)
        return NULL;
    size_t bytes = (m->paging_state.len > 0 ? (size_t)m->paging_state.len : 0) + m->new_id.len + 1;
    for (size_t i = 0; m->columns && i < m->column_count; i++)
        bytes += m->columns[i].keyspace.len + m->columns[i].table.len + m->columns[i].name.len;
    cql_metadata *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    *c = *m;
    c->columns = NULL;
    c->pk_indexes = NULL;
    c->storage = malloc(bytes);
    if (c->storage == NULL)
        goto fail;
    char *cursor = c->storage;
    if (m->paging_state.ptr != NULL) {
        cql_str ps = copy_into(&cursor, (cql_str){(const char *)m->paging_state.ptr,
                                                  (size_t)m->paging_state.len});
        c->paging_state.ptr = (const uint8_t *)ps.ptr;
    }
    c->new_id = copy_into(&cursor, m->new_id);
    if (m->pk_count) {
        c->pk_indexes = malloc(m->pk_count * sizeof *c->pk_indexes);
        if (c->pk_indexes == NULL)
            goto fail;
        memcpy(c->pk_indexes, m->pk_indexes, m->pk_count * sizeof *c->pk_indexes);
    }
    if (m->columns && m->column_count) {
        c->columns = calloc(m->column_count, sizeof *c->columns);
        if (c->columns == NULL)
            goto fail;
        for (size_t i = 0; i < m->column_count; i++) {
            c->columns[i].keyspace = copy_into(&cursor, m->columns[i].keyspace);
            c->columns[i].table = copy_into(&cursor, m->columns[i].table);
            c->columns[i].name = copy_into(&cursor, m->columns[i].name);
            c->columns[i].type = cql_type_clone(m->columns[i].type);
            if (c->columns[i].type == NULL)
                goto fail;
        }
    }
    return c;
fail:
    cql_metadata_destroy(c);
    return NULL;
}
