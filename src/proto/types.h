/*
 * CQL type descriptions: the [option] trees of result and prepared metadata,
 * parsed into a tree the upper layers (and the Python binding) walk.
 *
 * A tree is owned by whoever parsed it and freed with cql_type_free; its
 * strings are copies, so it outlives the message it came from (prepared
 * metadata is kept long after the PREPARED envelope is gone).
 */
#ifndef CQLIO_PROTO_TYPES_H
#define CQLIO_PROTO_TYPES_H

#include "proto/reader.h"

typedef struct cql_type cql_type;

struct cql_type {
    cql_type_kind kind;
    /* CUSTOM: the class name as sent (NUL-terminated copy), else NULL. */
    char *custom_class;
    /* Children: LIST and SET 1 (element), MAP 2 (key, value), TUPLE n,
     * UDT n (field types, in order), VECTOR 1 (element). Else 0. */
    uint32_t count;
    cql_type **children;
    /* UDT only: keyspace, type name and field names (NUL-terminated copies). */
    char *keyspace;
    char *name;
    char **field_names;
    /* VECTOR only: the number of dimensions. */
    uint32_t dimension;
};

/* Reads one [option] (v4/v5 §4.2.5.2) at the reader's position into a new
 * tree. A CUSTOM option whose class is
 * org.apache.cassandra.db.marshal.VectorType(<class>, <n>) becomes a VECTOR
 * whose element type is parsed from <class> (marshal class names, nested
 * ones and FrozenType/ReversedType wrappers included); any other custom class
 * stays CUSTOM, and so does a VectorType class that does not parse (or
 * would break the limits), so the column can still be read as raw bytes.
 * Depth and child counts are checked against limits (NULL =
 * defaults) before anything is allocated for them. On failure the reader
 * holds the diagnostic and *out is NULL. */
cql_rc cql_type_parse(cql_reader *r, const cql_limits *limits, cql_type **out);

/* Parses a marshal class name ("org.apache.cassandra.db.marshal.Int32Type",
 * "...ListType(...UTF8Type)", "...VectorType(...FloatType, 3)") into a tree.
 * Unknown classes become CUSTOM. Same failure rules as cql_type_parse. */
cql_rc cql_type_parse_class(const char *name, size_t len, const cql_limits *limits,
                            cql_type **out, cql_diag *diag);

/* Appends the [option] encoding of t (the inverse of cql_type_parse; a VECTOR
 * is written back as its CUSTOM class name). */
struct cql_buf;
void cql_type_encode(struct cql_buf *out, const cql_type *t);

/* Deep copy; NULL on allocation failure. */
cql_type *cql_type_clone(const cql_type *t);

/* True when both trees describe the same type. */
bool cql_type_equal(const cql_type *a, const cql_type *b);

/* The CQL spelling: "int", "list<text>", "map<text, frozen<tuple<int, blob>>>",
 * "vector<float, 3>", a UDT as "keyspace.name". Writes at most cap bytes
 * (NUL-terminated when cap > 0) and returns the full length, like snprintf. */
size_t cql_type_format(const cql_type *t, char *buf, size_t cap);

/* The encoded size of one value of this type when it is fixed (int 4,
 * bigint 8, uuid 16, ...), or 0 when values vary in size. Vectors use it to
 * choose between packed elements and length-prefixed ones.
 * It follows Cassandra's AbstractType.valueLengthIfFixed(), which decides the
 * vector layout on the server: boolean 1, int 4, float 4, bigint 8, double 8,
 * timestamp 8, uuid 16, timeuuid 16, and a vector of those (element size times
 * dimension). tinyint, smallint, date, time and counter are NOT fixed here
 * although their cells always have one size (see cql_type_value_size):
 * Cassandra 5 writes them length-prefixed inside vectors. */
size_t cql_type_fixed_size(const cql_type *t);

/* Frees the tree. NULL is a no-op. */
void cql_type_free(cql_type *t);

/* The marshal class name of t, as Cassandra spells it
 * ("org.apache.cassandra.db.marshal.MapType(...UTF8Type,...Int32Type)"):
 * the inverse of cql_type_parse_class and what cql_type_encode writes for a
 * VECTOR. A direct child of a VECTOR that is a collection or UDT is wrapped
 * in FrozenType(...), as Cassandra writes it. snprintf-like, as cql_type_format. */
size_t cql_type_class_name(const cql_type *t, char *buf, size_t cap);

/* The exact size of every value of a scalar type (tinyint 1, smallint 2,
 * date 4, time 8, counter 8, as well as the types cql_type_fixed_size
 * names), or 0 when values vary in size. Unlike cql_type_fixed_size this is
 * about one cell, not about vector layout. */
size_t cql_type_value_size(const cql_type *t);

/* The limits in force for `limits` (NULL or a zero field means the default).
 * max_depth is also capped at CQL_DEPTH_CEILING whatever the caller asks:
 * decoders recurse once per level, and the cap keeps hostile nesting from
 * exhausting the stack. */
#define CQL_DEPTH_CEILING 1024u
uint32_t cql_limits_max_depth(const cql_limits *limits);
uint32_t cql_limits_max_elements(const cql_limits *limits);

#endif
