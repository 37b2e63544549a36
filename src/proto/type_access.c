/* The public, read-only view of a type tree (types.h holds the tree itself). */
#include "proto/types.h"

#include <string.h>

static cql_str view(const char *s)
{
    cql_str v = {s ? s : "", s ? strlen(s) : 0};
    return v;
}

cql_type_kind cql_type_kind_of(const cql_type *t) { return t ? t->kind : CQL_TYPE_CUSTOM; }

size_t cql_type_child_count(const cql_type *t) { return t ? t->count : 0; }

const cql_type *cql_type_child(const cql_type *t, size_t i)
{
    return (t && i < t->count) ? t->children[i] : NULL;
}

cql_str cql_type_field_name(const cql_type *t, size_t i)
{
    return view((t && t->kind == CQL_TYPE_UDT && i < t->count) ? t->field_names[i] : NULL);
}

cql_str cql_type_udt_keyspace(const cql_type *t)
{
    return view(t && t->kind == CQL_TYPE_UDT ? t->keyspace : NULL);
}

cql_str cql_type_udt_name(const cql_type *t)
{
    return view(t && t->kind == CQL_TYPE_UDT ? t->name : NULL);
}

uint32_t cql_type_vector_dimension(const cql_type *t)
{
    return (t && t->kind == CQL_TYPE_VECTOR) ? t->dimension : 0;
}

cql_str cql_type_custom_class(const cql_type *t)
{
    return view(t && t->kind == CQL_TYPE_CUSTOM ? t->custom_class : NULL);
}
