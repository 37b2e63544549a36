/*
 * Internals shared by the response decoder's files: the decoded response, the
 * column metadata, and the small readers for lists that need an array.
 * Every array is sized by a count the buffer has already been shown to hold
 * (each element costs at least `min_element_size` bytes), never by a bare
 * announced count.
 */
#ifndef CQLIO_PROTO_RESPONSE_H
#define CQLIO_PROTO_RESPONSE_H

#include "proto/reader.h"
#include "proto/types.h"

typedef struct cql_column {
    cql_str keyspace;
    cql_str table;
    cql_str name;
    cql_type *type;
} cql_column;

struct cql_metadata {
    uint32_t flags;
    size_t column_count;
    cql_value paging_state; /* ptr NULL without Has_more_pages */
    cql_str new_id;         /* Metadata_changed (v5) */
    size_t pk_count;
    uint16_t *pk_indexes;
    cql_column *columns; /* NULL with No_metadata */
    char *storage;       /* clones: the block every string points into */
};

enum {
    META_GLOBAL_TABLES_SPEC = 0x0001,
    META_HAS_MORE_PAGES = 0x0002,
    META_NO_METADATA = 0x0004,
    META_METADATA_CHANGED = 0x0008,
};

struct cql_response {
    cql_envelope_header header;
    uint8_t *body;
    void *block; /* what to free for the body: body itself, or the envelope holding it */
    bool has_tracing_id;
    uint8_t tracing_id[16];
    cql_str *warnings;
    size_t warning_count;
    cql_str *payload_keys;
    cql_value *payload_values;
    size_t payload_count;

    cql_server_error error;
    cql_failure_reason *reasons;
    cql_str *arg_types; /* error FUNCTION_FAILURE, or schema change arguments */
    cql_str authenticator;
    cql_value token;
    cql_supported *supported;
    cql_event event;
    bool has_event;

    int32_t result_kind;
    cql_str keyspace;
    cql_schema_change schema;
    bool has_schema;
    cql_str prepared_id;
    cql_str result_metadata_id;
    cql_metadata *bind_metadata;
    cql_metadata *result_metadata;
    size_t row_count;
    size_t rows_start;     /* body offset of the first row */
    /* Built by the first random access (rows.c); a cursor never needs it. */
    uint32_t *row_offsets; /* body offset of each row's first cell */
    cql_rc index_rc;       /* CQL_OK until indexing found the page malformed */
};

/* Reads a count then checks that count elements of at least min_size bytes
 * each can fit in what is left, before anyone allocates for them. */
bool cql_read_count_u16(cql_reader *r, size_t min_size, size_t *count, const char *what);
bool cql_read_count_i32(cql_reader *r, size_t min_size, size_t *count, const char *what);

/* [string list] into a new array (NULL when empty); false with the reader's
 * diagnostic set (CQL_E_NOMEM included). */
bool cql_read_string_list(cql_reader *r, cql_str **out, size_t *count, const char *what);

/* [inet] (with_port) or [inetaddr]: 4 or 16 address bytes. */
bool cql_read_inet(cql_reader *r, uint8_t addr[16], uint8_t *len, int32_t *port, bool with_port,
                   const char *what);

/* Result metadata (Rows, Prepared's result part) or prepared bind metadata
 * (with pk indexes) at the reader's position; views point into the reader's
 * buffer. version decides which flags exist (Metadata_changed is v5's). */
bool cql_metadata_parse(cql_reader *r, uint8_t version, bool prepared_bind,
                        const cql_limits *limits, cql_metadata **out);

/* Reads the row count of a Rows result and checks that the rest of the body
 * could hold that many rows; the cells themselves are checked as they are
 * read (rows.c). */
bool cql_rows_begin(cql_reader *r, cql_response *resp, const cql_limits *limits);

void cql_metadata_destroy(cql_metadata *m);

/* cql_response_decode for an envelope from the inbound assembler: takes
 * ownership of the whole envelope (its body lives inside it) in every case. */
struct cql_envelope;
cql_rc cql_response_decode_envelope(struct cql_envelope *envelope, const cql_limits *limits,
                                    cql_response **out, cql_diag *diag);

/* cql_supported_decode for a SUPPORTED inside a response, where bytes after
 * the map are future extensions to ignore rather than an error. */
cql_rc cql_supported_decode_within(const uint8_t *body, size_t len, cql_supported **out,
                                   cql_diag *diag);

#endif
