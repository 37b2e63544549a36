/*
 * Values a caller gives to a statement or a collection (cqlio.h, "Values
 * given to statements"), and their encoding as one [bytes] cell.
 *
 * A given value is tagged with the C type the caller used (an int32, a
 * string, a collection...), not with a CQL type: which CQL columns it fits is
 * decided when it meets one (cql_given_encode), so an int8 can widen into a
 * bigint column and the same string can go to ascii or text.
 *
 * Collections copy what is added (scalars inline, bytes into one arena per
 * collection, nested collections deep-copied), so a caller's buffers are
 * never kept. Everything a collection holds has passed cql_given_check; what
 * depends on the column (ASCII, UTF-8, uuid version, shape) is checked when
 * it is bound.
 */
#ifndef CQLIO_ENGINE_VALUE_H
#define CQLIO_ENGINE_VALUE_H

#include "cqlio.h"
#include "proto/types.h"

typedef enum cql_given_tag {
    CQL_GIVEN_NULL,
    CQL_GIVEN_UNSET, /* statement values only: collections have no unset */
    CQL_GIVEN_BOOL,
    CQL_GIVEN_INT8,
    CQL_GIVEN_INT16,
    CQL_GIVEN_INT32,
    CQL_GIVEN_INT64,
    CQL_GIVEN_FLOAT,
    CQL_GIVEN_DOUBLE,
    CQL_GIVEN_STRING,
    CQL_GIVEN_BYTES,
    CQL_GIVEN_UUID,
    CQL_GIVEN_INET,
    CQL_GIVEN_DATE,      /* days since 1970-01-01 */
    CQL_GIVEN_TIME,      /* nanoseconds since midnight */
    CQL_GIVEN_TIMESTAMP, /* milliseconds since the epoch */
    CQL_GIVEN_DURATION,
    CQL_GIVEN_VARINT,  /* big-endian two's complement bytes */
    CQL_GIVEN_DECIMAL, /* scale and unscaled varint bytes */
    CQL_GIVEN_COLLECTION,
} cql_given_tag;

/* One given value: a plain value that borrows every pointer it holds (the
 * caller's arguments, or a collection's storage). */
typedef struct cql_given {
    cql_given_tag tag;
    union {
        bool b;
        int64_t i; /* INT8 ... INT64, DATE, TIME, TIMESTAMP */
        float f;
        double d;
        struct {
            const uint8_t *ptr; /* STRING, BYTES, UUID (16 bytes), INET, VARINT, DECIMAL */
            size_t len;
            int32_t scale; /* DECIMAL */
        } bytes;
        struct {
            int32_t months;
            int32_t days;
            int64_t nanoseconds;
        } duration;
        const cql_collection *collection;
    } u;
} cql_given;

/* The deepest nesting of collections accepted (a list of lists is 2).
 * Copying, freeing and encoding recurse once per level; real schemas nest a
 * handful of levels, and a deeper value still fits as already serialized
 * bytes. */
#define CQL_COLLECTION_MAX_DEPTH 64u

/* The largest variable-length value accepted (a string, blob, varint...):
 * what one request body can carry at all. */
#define CQL_GIVEN_MAX_BYTES CQL_ENVELOPE_MAX_BODY

/* "a string", "an int32", "a list", "null"... for messages. Static. */
const char *cql_given_describe(const cql_given *g);

/* Whether g is a valid value whatever column it meets: no NULL pointer where
 * bytes are needed (an empty value may have a NULL pointer), inet of 4 or 16
 * bytes, a date a raw date can hold (cql_date_from_days), a time within
 * 0..CQL_TIME_MAX_NS, duration parts of one sign, varint and decimal digits
 * of one byte or more, nothing over CQL_GIVEN_MAX_BYTES. CQL_OK, or CQL_E_ARG
 * with a clause such as "given a time of -5 ns, outside 0..86399999999999"
 * written to why (cap bytes, NUL-terminated; may be NULL). */
cql_rc cql_given_check(const cql_given *g, char *why, size_t cap);

/* Appends g to b as one [bytes] cell ([int] length and bytes; null and unset
 * as lengths -1 and -2) for a value of type t:
 *   - t not NULL: checks that g fits t (the rules of cqlio.h, collections
 *     element by element; bytes are checked with cql_value_validate) and
 *     writes t's serialization;
 *   - t NULL: writes g by its own tag (int32 as 4 bytes, a string as UTF-8,
 *     a list as [int] n and n [bytes]...), as a simple statement sends it.
 *     A vector's elements must then share one tag and one size; they are
 *     packed when that tag has a fixed size in Cassandra's vector layout
 *     (bool, int32, int64, float, double, timestamp, uuid, and vectors of
 *     those), else each is preceded by an [unsigned vint] size.
 * Null elements are refused in lists, sets, maps and vectors (Cassandra
 * refuses them), allowed in tuples and UDTs. Returns CQL_OK; CQL_E_TYPE when
 * g does not fit, CQL_E_ARG when g (or an element) is invalid, with a clause
 * written to why ("element 3: given a string"); or the buffer's failure
 * (CQL_E_NOMEM, CQL_E_LIMIT). On failure b->len is what it was and b->failed
 * is CQL_OK again. Nothing is kept. */
cql_rc cql_given_encode(cql_buf *b, const cql_type *t, const cql_given *g, char *why, size_t cap);

/* Collections (the public API is in cqlio.h). */

/* Elements held; for a map, keys and values both count. */
size_t cql_collection_count(const cql_collection *c);
cql_collection_kind cql_collection_kind_of(const cql_collection *c);
/* Element i (< count) as a given value borrowing c's storage, valid until c
 * changes or is freed. */
cql_given cql_collection_element(const cql_collection *c, size_t i);
/* Nesting depth: 1 for a collection of scalars; at most
 * CQL_COLLECTION_MAX_DEPTH (adding a deeper one is CQL_E_ARG). */
uint32_t cql_collection_depth(const cql_collection *c);
/* A deep copy the caller frees with cql_collection_free; NULL when out of
 * memory. */
cql_collection *cql_collection_clone(const cql_collection *c);

#endif
