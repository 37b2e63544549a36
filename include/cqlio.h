/*
 * cqlio.h — the public C API of libcqlio, an asynchronous client for Apache
 * Cassandra's native protocol (CQL).
 *
 * Conventions that hold for every declaration below:
 *   - Prefix cql_ / CQL_. Types are opaque unless a struct is documented as a
 *     plain value the caller may place on its stack.
 *   - Strings are (pointer, length) pairs (cql_str) and are not
 *     NUL-terminated unless a function says so.
 *   - Each function's comment states ownership: who frees what, and when a
 *     borrowed pointer stops being valid.
 *   - Functions that can fail return cql_rc; CQL_OK is zero. Decoders also
 *     fill a cql_diag saying what was wrong and at which byte offset.
 *
 * The library is organised in layers (docs/ARCHITECTURE.md); this header
 * exposes them bottom-up. The protocol codec is pure: no I/O, no clocks, no
 * global state, so any program can embed it.
 */
#ifndef CQLIO_H
#define CQLIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) || !defined(__GNUC__)
#define CQL_API
#else
#define CQL_API __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */
/* ------------------------------------------------------------------------ */

#define CQLIO_VERSION_MAJOR 0
#define CQLIO_VERSION_MINOR 1
#define CQLIO_VERSION_PATCH 0
#define CQLIO_VERSION_STRING "0.1.0"

/* The library's version as "MAJOR.MINOR.PATCH"; a static string, never freed.
 * Compare with CQLIO_VERSION_STRING to detect a header/library mismatch. */
CQL_API const char *cql_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes and diagnostics                                              */
/* ------------------------------------------------------------------------ */

typedef enum cql_rc {
    CQL_OK = 0,
    CQL_E_TRUNCATED = 1, /* the buffer ends before the value it announces */
    CQL_E_MALFORMED = 2, /* bytes that no valid message contains here */
    CQL_E_LIMIT = 3,     /* a length, count or depth beyond the configured limit */
    CQL_E_NOMEM = 4,     /* an allocation failed */
    CQL_E_PROTOCOL = 5,  /* well-formed, but not allowed by the protocol here */
    CQL_E_ARG = 6,       /* the caller passed an invalid argument */
    CQL_E_CLOSED = 7,    /* the connection (or session) is closed or failed */
    CQL_E_BUSY = 8,      /* every stream id of the connection is in use */
    CQL_E_TIMEOUT = 9,   /* a deadline passed */
    CQL_E_SERVER = 10,   /* the server answered with an ERROR */
    CQL_E_NETWORK = 11,  /* the network failed: refused, reset, closed by the peer */
    CQL_E_CANCELLED = 12,/* the caller cancelled the request */
    CQL_E_TYPE = 13,     /* a value of the wrong type for its column, or a getter that
                            does not fit the column's type */
    CQL_E_NO_HOST = 14,  /* no connection is open or opening to any host: every host is
                            down (the message says why each went down) */
} cql_rc;

/* A static, human-readable name for a status code ("truncated", ...). */
CQL_API const char *cql_rc_str(cql_rc rc);

/* Where and why a decoder failed. A plain value: place it on the stack and
 * pass its address to a decoder; on failure the decoder fills it. `what`
 * points to a static string (never freed); `offset` is relative to the start
 * of the buffer given to that decoder. */
typedef struct cql_diag {
    cql_rc rc;
    size_t offset;
    const char *what;
} cql_diag;

/* Formats a diagnostic as "truncated at byte 17: <what>" into buf (always
 * NUL-terminated when cap > 0). Returns the length snprintf would produce. */
CQL_API int cql_diag_format(const cql_diag *diag, char *buf, size_t cap);

/* A borrowed byte string: (pointer, length), not NUL-terminated. Its lifetime
 * is that of the object it was read from, as each accessor states. */
typedef struct cql_str {
    const char *ptr;
    size_t len;
} cql_str;

/* ------------------------------------------------------------------------ */
/* Decoder limits                                                            */
/* ------------------------------------------------------------------------ */

/* Bounds that hostile input cannot push a decoder past. A plain value; a
 * zero field means the default named beside it. */
typedef struct cql_limits {
    uint32_t max_body;     /* envelope body bytes (default CQL_ENVELOPE_MAX_BODY) */
    uint32_t max_depth;    /* nesting of types and values (default 32) */
    uint32_t max_elements; /* elements in one collection, fields in one UDT or tuple,
                              dimensions of one vector (default 1 << 20) */
} cql_limits;

#define CQL_DEFAULT_MAX_DEPTH 32u
#define CQL_DEFAULT_MAX_ELEMENTS (1u << 20)

/* ------------------------------------------------------------------------ */
/* CQL types                                                                 */
/* ------------------------------------------------------------------------ */

/* A column's type kind: the [option] ids of the protocol (v5 §4.2.5.2), plus
 * CQL_TYPE_VECTOR, which the server sends as the custom class
 * org.apache.cassandra.db.marshal.VectorType(<element>, <dimension>) and
 * which cqlio presents as a type of its own. */
typedef enum cql_type_kind {
    CQL_TYPE_CUSTOM = 0x0000,
    CQL_TYPE_ASCII = 0x0001,
    CQL_TYPE_BIGINT = 0x0002,
    CQL_TYPE_BLOB = 0x0003,
    CQL_TYPE_BOOLEAN = 0x0004,
    CQL_TYPE_COUNTER = 0x0005,
    CQL_TYPE_DECIMAL = 0x0006,
    CQL_TYPE_DOUBLE = 0x0007,
    CQL_TYPE_FLOAT = 0x0008,
    CQL_TYPE_INT = 0x0009,
    CQL_TYPE_TIMESTAMP = 0x000B,
    CQL_TYPE_UUID = 0x000C,
    CQL_TYPE_VARCHAR = 0x000D,
    CQL_TYPE_VARINT = 0x000E,
    CQL_TYPE_TIMEUUID = 0x000F,
    CQL_TYPE_INET = 0x0010,
    CQL_TYPE_DATE = 0x0011,
    CQL_TYPE_TIME = 0x0012,
    CQL_TYPE_SMALLINT = 0x0013,
    CQL_TYPE_TINYINT = 0x0014,
    CQL_TYPE_DURATION = 0x0015,
    CQL_TYPE_LIST = 0x0020,
    CQL_TYPE_MAP = 0x0021,
    CQL_TYPE_SET = 0x0022,
    CQL_TYPE_UDT = 0x0030,
    CQL_TYPE_TUPLE = 0x0031,
    CQL_TYPE_VECTOR = 0x0100, /* not a protocol id: see above */
} cql_type_kind;

/* ------------------------------------------------------------------------ */
/* Protocol codec: envelopes                                                 */
/* ------------------------------------------------------------------------ */

/* Opcodes of the native protocol (v4 §2.4, v5 §2.4). */
typedef enum cql_opcode {
    CQL_OP_ERROR = 0x00,
    CQL_OP_STARTUP = 0x01,
    CQL_OP_READY = 0x02,
    CQL_OP_AUTHENTICATE = 0x03,
    CQL_OP_OPTIONS = 0x05,
    CQL_OP_SUPPORTED = 0x06,
    CQL_OP_QUERY = 0x07,
    CQL_OP_RESULT = 0x08,
    CQL_OP_PREPARE = 0x09,
    CQL_OP_EXECUTE = 0x0A,
    CQL_OP_REGISTER = 0x0B,
    CQL_OP_EVENT = 0x0C,
    CQL_OP_BATCH = 0x0D,
    CQL_OP_AUTH_CHALLENGE = 0x0E,
    CQL_OP_AUTH_RESPONSE = 0x0F,
    CQL_OP_AUTH_SUCCESS = 0x10,
} cql_opcode;

/* "QUERY", "AUTH_SUCCESS", ...; "UNKNOWN_OPCODE" otherwise. Static. */
CQL_API const char *cql_opcode_str(uint8_t opcode);

/* Envelope flags (v4 §2.2, v5 §2.2). */
enum {
    CQL_FLAG_COMPRESSION = 0x01,
    CQL_FLAG_TRACING = 0x02,
    CQL_FLAG_CUSTOM_PAYLOAD = 0x04,
    CQL_FLAG_WARNING = 0x08,
    CQL_FLAG_BETA = 0x10,
};

#define CQL_ENVELOPE_HEADER_SIZE 9
/* The protocol's own ceiling on an envelope body (256 MiB, v4 §2.5). */
#define CQL_ENVELOPE_MAX_BODY (256u * 1024u * 1024u)

/* The 9-byte envelope header, as a plain value. `version` excludes the
 * direction bit, which `response` carries. */
typedef struct cql_envelope_header {
    uint8_t version; /* 3, 4 or 5 */
    bool response;
    uint8_t flags;
    int16_t stream;
    uint8_t opcode;
    uint32_t length; /* body length in bytes */
} cql_envelope_header;

/* Writes the header into out[0..8]. No allocation; out is the caller's. */
CQL_API void cql_envelope_header_encode(const cql_envelope_header *header,
                                        uint8_t out[CQL_ENVELOPE_HEADER_SIZE]);

/* Reads a header from the first 9 bytes of buf. Fails with CQL_E_TRUNCATED
 * when len < 9, CQL_E_PROTOCOL for a version other than 3-5, and
 * CQL_E_LIMIT for a body length above max_body (0 means
 * CQL_ENVELOPE_MAX_BODY), so a hostile length never sizes an allocation.
 * Nothing is allocated; diag may be NULL. */
CQL_API cql_rc cql_envelope_header_decode(const uint8_t *buf, size_t len, uint32_t max_body,
                                          cql_envelope_header *out, cql_diag *diag);

/* ------------------------------------------------------------------------ */
/* Protocol codec: SUPPORTED                                                 */
/* ------------------------------------------------------------------------ */

/* The server's answer to OPTIONS: a [string multimap] of option name to
 * values (CQL_VERSION, PROTOCOL_VERSIONS, COMPRESSION, ...). Opaque. */
typedef struct cql_supported cql_supported;

/* Decodes a SUPPORTED body. On success *out is a new object that owns a copy
 * of the body; free it with cql_supported_free. On failure *out is NULL and
 * diag (may be NULL) says what and where. */
CQL_API cql_rc cql_supported_decode(const uint8_t *body, size_t len, cql_supported **out,
                                    cql_diag *diag);

/* Number of option names. */
CQL_API size_t cql_supported_count(const cql_supported *supported);

/* The i-th option name (i < count); borrowed, valid until the object is freed.
 * An out-of-range i yields an empty string. */
CQL_API cql_str cql_supported_key(const cql_supported *supported, size_t i);

/* Number of values of the i-th option (0 when i is out of range). */
CQL_API size_t cql_supported_value_count(const cql_supported *supported, size_t i);

/* The j-th value of the i-th option; borrowed like cql_supported_key. */
CQL_API cql_str cql_supported_value(const cql_supported *supported, size_t i, size_t j);

/* True when option `key` (NUL-terminated) lists `value` (NUL-terminated). */
CQL_API bool cql_supported_has(const cql_supported *supported, const char *key,
                               const char *value);

/* Frees the object and every string borrowed from it. NULL is a no-op. */
CQL_API void cql_supported_free(cql_supported *supported);

/* ------------------------------------------------------------------------ */
/* Protocol codec: shared vocabulary                                         */
/* ------------------------------------------------------------------------ */

/* [consistency] levels (v4/v5 §3). */
typedef enum cql_consistency {
    CQL_CONSISTENCY_ANY = 0x0000,
    CQL_CONSISTENCY_ONE = 0x0001,
    CQL_CONSISTENCY_TWO = 0x0002,
    CQL_CONSISTENCY_THREE = 0x0003,
    CQL_CONSISTENCY_QUORUM = 0x0004,
    CQL_CONSISTENCY_ALL = 0x0005,
    CQL_CONSISTENCY_LOCAL_QUORUM = 0x0006,
    CQL_CONSISTENCY_EACH_QUORUM = 0x0007,
    CQL_CONSISTENCY_SERIAL = 0x0008,
    CQL_CONSISTENCY_LOCAL_SERIAL = 0x0009,
    CQL_CONSISTENCY_LOCAL_ONE = 0x000A,
} cql_consistency;

/* "QUORUM", "LOCAL_ONE", ...; "UNKNOWN" for a value outside the list. Static. */
CQL_API const char *cql_consistency_str(uint16_t consistency);

/* Server error codes (v5 §8; v4 has all but CDC_WRITE_FAILURE and CAS_WRITE_UNKNOWN). */
typedef enum cql_error_code {
    CQL_ERROR_SERVER = 0x0000,
    CQL_ERROR_PROTOCOL = 0x000A,
    CQL_ERROR_BAD_CREDENTIALS = 0x0100,
    CQL_ERROR_UNAVAILABLE = 0x1000,
    CQL_ERROR_OVERLOADED = 0x1001,
    CQL_ERROR_IS_BOOTSTRAPPING = 0x1002,
    CQL_ERROR_TRUNCATE = 0x1003,
    CQL_ERROR_WRITE_TIMEOUT = 0x1100,
    CQL_ERROR_READ_TIMEOUT = 0x1200,
    CQL_ERROR_READ_FAILURE = 0x1300,
    CQL_ERROR_FUNCTION_FAILURE = 0x1400,
    CQL_ERROR_WRITE_FAILURE = 0x1500,
    CQL_ERROR_CDC_WRITE_FAILURE = 0x1600,
    CQL_ERROR_CAS_WRITE_UNKNOWN = 0x1700,
    CQL_ERROR_SYNTAX = 0x2000,
    CQL_ERROR_UNAUTHORIZED = 0x2100,
    CQL_ERROR_INVALID = 0x2200,
    CQL_ERROR_CONFIG = 0x2300,
    CQL_ERROR_ALREADY_EXISTS = 0x2400,
    CQL_ERROR_UNPREPARED = 0x2500,
} cql_error_code;

/* "WRITE_TIMEOUT", "SYNTAX_ERROR", ...; "UNKNOWN_ERROR" otherwise. Static. */
CQL_API const char *cql_error_code_str(int32_t code);

/* A growable output buffer that encoders append to, so several requests can
 * be coalesced into one write. A plain value: zero-initialise it
 * (`cql_buf b = {0};`), set `limit` to cap its size if wanted, and release
 * `data` with cql_buf_free. After a failed encode the buffer holds exactly
 * what it held before. */
typedef struct cql_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t limit;  /* 0: no limit beyond memory */
    cql_rc failed; /* internal: first failure of the encode in progress */
} cql_buf;

/* Frees data and empties the buffer (it stays usable). */
CQL_API void cql_buf_free(cql_buf *buf);

/* A [value]: bytes with a signed length; len CQL_NULL (-1) is null and
 * CQL_UNSET (-2) is "not set" (bound values only). ptr is borrowed. */
typedef struct cql_value {
    const uint8_t *ptr;
    int32_t len;
} cql_value;

#define CQL_NULL (-1)
#define CQL_UNSET (-2)

/* ------------------------------------------------------------------------ */
/* Protocol codec: requests                                                  */
/* ------------------------------------------------------------------------ */

/* What every request envelope carries. A plain value. */
typedef struct cql_request_opts {
    uint8_t version; /* 4 or 5 */
    int16_t stream;  /* 0 ... 32767 */
    bool tracing;    /* QUERY, PREPARE, EXECUTE, BATCH */
    bool beta;       /* the USE_BETA flag */
    /* Custom payload ([bytes map]; QUERY, PREPARE, EXECUTE, BATCH): count
     * keys and values, borrowed for the call only. */
    const cql_str *payload_keys;
    const cql_value *payload_values;
    uint16_t payload_count;
} cql_request_opts;

/* The <query_parameters> of QUERY and EXECUTE (v4/v5 §4.1.4). A plain value;
 * every pointer is borrowed for the call only. Zero-initialised, it means:
 * consistency ANY, no values, no paging, nothing optional. */
typedef struct cql_query_params {
    uint16_t consistency;
    const cql_value *values;
    uint16_t value_count;
    const cql_str *value_names;   /* NULL: positional; else value_count names */
    bool skip_metadata;
    int32_t page_size;            /* > 0: ask for pages of this many rows */
    cql_value paging_state;       /* ptr NULL: start from the beginning */
    bool has_serial_consistency;
    uint16_t serial_consistency;  /* SERIAL or LOCAL_SERIAL */
    bool has_timestamp;
    int64_t timestamp;            /* microseconds, not negative */
    cql_str keyspace;             /* v5 only; ptr NULL: none */
    bool has_now_in_seconds;      /* v5 only */
    int32_t now_in_seconds;
} cql_query_params;

/* Batch types (v4/v5 §4.1.7). */
typedef enum cql_batch_type {
    CQL_BATCH_LOGGED = 0,
    CQL_BATCH_UNLOGGED = 1,
    CQL_BATCH_COUNTER = 2,
} cql_batch_type;

/* One statement of a batch: a query text, or a prepared id. Borrowed. */
typedef struct cql_batch_entry {
    bool prepared;
    cql_str query_or_id;
    const cql_value *values;
    uint16_t value_count;
} cql_batch_entry;

typedef struct cql_batch_params {
    uint8_t type; /* cql_batch_type */
    const cql_batch_entry *entries;
    uint16_t entry_count;
    uint16_t consistency;
    bool has_serial_consistency;
    uint16_t serial_consistency;
    bool has_timestamp;
    int64_t timestamp;
    cql_str keyspace; /* v5 only */
    bool has_now_in_seconds;
    int32_t now_in_seconds; /* v5 only */
} cql_batch_params;

/* Request encoders. Each appends one complete envelope (header and body) to
 * out and returns CQL_OK; or returns CQL_E_ARG (an invalid argument: a
 * version other than 4 or 5, a v5-only field with v4, a negative timestamp,
 * a value length below -2, a string too long for its length field...),
 * CQL_E_LIMIT (out->limit reached) or CQL_E_NOMEM, leaving out as it was.
 * Nothing is retained after the call. */
CQL_API cql_rc cql_encode_options(cql_buf *out, const cql_request_opts *opts);
/* STARTUP with a [string map] of count options (CQL_VERSION, COMPRESSION,
 * DRIVER_NAME, DRIVER_VERSION, THROW_ON_OVERLOAD, ...). */
CQL_API cql_rc cql_encode_startup(cql_buf *out, const cql_request_opts *opts,
                                  const cql_str *keys, const cql_str *values, uint16_t count);
CQL_API cql_rc cql_encode_auth_response(cql_buf *out, const cql_request_opts *opts,
                                        cql_value token);
/* REGISTER for event types ("TOPOLOGY_CHANGE", "STATUS_CHANGE", "SCHEMA_CHANGE"). */
CQL_API cql_rc cql_encode_register(cql_buf *out, const cql_request_opts *opts,
                                   const cql_str *events, uint16_t count);
CQL_API cql_rc cql_encode_query(cql_buf *out, const cql_request_opts *opts, cql_str query,
                                const cql_query_params *params);
/* PREPARE; keyspace (v5 only; ptr NULL for none). */
CQL_API cql_rc cql_encode_prepare(cql_buf *out, const cql_request_opts *opts, cql_str query,
                                  cql_str keyspace);
/* EXECUTE; result_metadata_id is sent in v5 only (required there). */
CQL_API cql_rc cql_encode_execute(cql_buf *out, const cql_request_opts *opts, cql_str id,
                                  cql_str result_metadata_id, const cql_query_params *params);
CQL_API cql_rc cql_encode_batch(cql_buf *out, const cql_request_opts *opts,
                                const cql_batch_params *batch);

/* ------------------------------------------------------------------------ */
/* Protocol codec: responses                                                 */
/* ------------------------------------------------------------------------ */

/* A CQL type description (from result or prepared metadata). Opaque and
 * borrowed from the response or metadata it came from. */
typedef struct cql_type cql_type;

CQL_API cql_type_kind cql_type_kind_of(const cql_type *type);
/* Children: LIST/SET 1, MAP 2 (key, value), TUPLE and UDT n, VECTOR 1. */
CQL_API size_t cql_type_child_count(const cql_type *type);
CQL_API const cql_type *cql_type_child(const cql_type *type, size_t i);
/* UDT: the i-th field's name; the type's keyspace and name. Empty otherwise. */
CQL_API cql_str cql_type_field_name(const cql_type *type, size_t i);
CQL_API cql_str cql_type_udt_keyspace(const cql_type *type);
CQL_API cql_str cql_type_udt_name(const cql_type *type);
/* VECTOR: dimensions; CUSTOM: the class name. 0 / empty otherwise. */
CQL_API uint32_t cql_type_vector_dimension(const cql_type *type);
CQL_API cql_str cql_type_custom_class(const cql_type *type);
/* The CQL spelling ("map<text, frozen<list<int>>>") into buf as snprintf does. */
CQL_API size_t cql_type_format(const cql_type *type, char *buf, size_t cap);

/* Column metadata of a Rows result or of a prepared statement. Opaque,
 * borrowed from the response it came from (clone it with
 * cql_metadata_clone to keep it longer). */
typedef struct cql_metadata cql_metadata;

CQL_API size_t cql_metadata_column_count(const cql_metadata *m);
/* Column i's keyspace, table and name (borrowed), and type. Without column
 * specs (No_metadata) these are empty and NULL. */
CQL_API cql_str cql_metadata_keyspace(const cql_metadata *m, size_t i);
CQL_API cql_str cql_metadata_table(const cql_metadata *m, size_t i);
CQL_API cql_str cql_metadata_column_name(const cql_metadata *m, size_t i);
CQL_API const cql_type *cql_metadata_column_type(const cql_metadata *m, size_t i);
/* Rows: the Has_more_pages flag and its paging state (ptr NULL without it). */
CQL_API bool cql_metadata_has_more_pages(const cql_metadata *m);
CQL_API cql_value cql_metadata_paging_state(const cql_metadata *m);
/* Rows: true when the server sent no column specs (Skip_metadata requested). */
CQL_API bool cql_metadata_no_metadata(const cql_metadata *m);
/* Rows (v5): the Metadata_changed flag and the new result metadata id. */
CQL_API bool cql_metadata_changed(const cql_metadata *m);
CQL_API cql_str cql_metadata_new_id(const cql_metadata *m);
/* Prepared bind metadata: partition-key bind marker indexes. */
CQL_API size_t cql_metadata_pk_count(const cql_metadata *m);
CQL_API uint16_t cql_metadata_pk_index(const cql_metadata *m, size_t i);
/* A deep copy that owns its strings and types; free with cql_metadata_free.
 * NULL on allocation failure. */
CQL_API cql_metadata *cql_metadata_clone(const cql_metadata *m);
/* Frees a clone. NULL is a no-op. Never call it on borrowed metadata. */
CQL_API void cql_metadata_free(cql_metadata *m);

/* One replica's failure in READ_FAILURE / WRITE_FAILURE (v5 reason map). */
typedef struct cql_failure_reason {
    uint8_t address_len; /* 4 or 16 */
    uint8_t address[16];
    uint16_t code;
} cql_failure_reason;

/* A server ERROR with every per-code field (v4/v5 §8). A plain struct
 * borrowed from its response: strings and arrays live as long as it does.
 * Fields that the code does not carry are zero / empty. */
typedef struct cql_server_error {
    int32_t code;                  /* cql_error_code */
    cql_str message;
    uint16_t consistency;          /* UNAVAILABLE, *_TIMEOUT, *_FAILURE, CAS_WRITE_UNKNOWN */
    int32_t required, alive;       /* UNAVAILABLE */
    int32_t received, block_for;   /* *_TIMEOUT, *_FAILURE, CAS_WRITE_UNKNOWN */
    bool data_present;             /* READ_TIMEOUT, READ_FAILURE */
    cql_str write_type;            /* WRITE_TIMEOUT, WRITE_FAILURE: "SIMPLE", "BATCH", "CAS"... */
    int32_t contentions;           /* WRITE_TIMEOUT with write type CAS (v5); else -1 */
    int32_t failures;              /* *_FAILURE: v4's <numfailures>, or v5's reason count */
    const cql_failure_reason *reasons; /* *_FAILURE, v5 */
    uint32_t reason_count;
    cql_str keyspace;              /* ALREADY_EXISTS, FUNCTION_FAILURE */
    cql_str table;                 /* ALREADY_EXISTS ("" for a keyspace) */
    cql_str function;              /* FUNCTION_FAILURE */
    const cql_str *arg_types;      /* FUNCTION_FAILURE */
    uint32_t arg_type_count;
    cql_str unprepared_id;         /* UNPREPARED */
} cql_server_error;

/* A schema change (RESULT Schema_change, or EVENT SCHEMA_CHANGE). Borrowed. */
typedef struct cql_schema_change {
    cql_str change_type; /* CREATED, UPDATED, DROPPED */
    cql_str target;      /* KEYSPACE, TABLE, TYPE, FUNCTION, AGGREGATE */
    cql_str keyspace;
    cql_str name;        /* empty for KEYSPACE */
    const cql_str *arg_types; /* FUNCTION, AGGREGATE */
    uint32_t arg_type_count;
} cql_schema_change;

/* A server EVENT. Borrowed. */
typedef struct cql_event {
    cql_str type;        /* TOPOLOGY_CHANGE, STATUS_CHANGE, SCHEMA_CHANGE */
    cql_str change;      /* NEW_NODE, REMOVED_NODE, UP, DOWN (topology, status) */
    uint8_t address_len; /* 4 or 16 (topology, status) */
    uint8_t address[16];
    int32_t port;
    cql_schema_change schema; /* SCHEMA_CHANGE */
} cql_event;

typedef enum cql_result_kind {
    CQL_RESULT_VOID = 0x0001,
    CQL_RESULT_ROWS = 0x0002,
    CQL_RESULT_SET_KEYSPACE = 0x0003,
    CQL_RESULT_PREPARED = 0x0004,
    CQL_RESULT_SCHEMA_CHANGE = 0x0005,
} cql_result_kind;

/* A decoded response envelope. Opaque; it owns the body it was decoded from,
 * and everything borrowed from it lives until cql_response_free. A Rows
 * result is indexed, not copied: cells are views into the body. */
typedef struct cql_response cql_response;

/* Decodes the body of a response envelope. Takes ownership of body (a
 * malloc'd block of header->length bytes; NULL when the length is 0) in every
 * case: it is freed with the response, or at once when decoding fails.
 * limits may be NULL (defaults). On failure *out is NULL and diag says what
 * was wrong and at which offset of the body. Unknown trailing bytes after a
 * message are ignored, as the specs ask. */
CQL_API cql_rc cql_response_decode(const cql_envelope_header *header, uint8_t *body,
                                   const cql_limits *limits, cql_response **out,
                                   cql_diag *diag);
CQL_API void cql_response_free(cql_response *response);

CQL_API const cql_envelope_header *cql_response_header(const cql_response *response);
/* Envelope extras: the tracing id (false when absent), warnings, custom payload. */
CQL_API bool cql_response_tracing_id(const cql_response *response, uint8_t out[16]);
CQL_API size_t cql_response_warning_count(const cql_response *response);
CQL_API cql_str cql_response_warning(const cql_response *response, size_t i);
CQL_API size_t cql_response_payload_count(const cql_response *response);
CQL_API cql_str cql_response_payload_key(const cql_response *response, size_t i);
CQL_API cql_value cql_response_payload_value(const cql_response *response, size_t i);

/* ERROR: the error; NULL for any other opcode. */
CQL_API const cql_server_error *cql_response_error(const cql_response *response);
/* AUTHENTICATE: the authenticator class name. */
CQL_API cql_str cql_response_authenticator(const cql_response *response);
/* AUTH_CHALLENGE, AUTH_SUCCESS: the token (len CQL_NULL when null). */
CQL_API cql_value cql_response_auth_token(const cql_response *response);
/* SUPPORTED: the options; NULL for any other opcode. */
CQL_API const cql_supported *cql_response_supported(const cql_response *response);
/* EVENT: the event; NULL for any other opcode. */
CQL_API const cql_event *cql_response_event(const cql_response *response);

/* RESULT: the kind, or 0 for any other opcode. */
CQL_API int32_t cql_response_result_kind(const cql_response *response);
/* Set_keyspace: the keyspace. */
CQL_API cql_str cql_response_keyspace(const cql_response *response);
/* Schema_change: the change; NULL for other kinds. */
CQL_API const cql_schema_change *cql_response_schema_change(const cql_response *response);
/* Prepared: the statement id and (v5) result metadata id; the bind-marker
 * metadata; the result metadata (also the metadata of a Rows result). */
CQL_API cql_str cql_response_prepared_id(const cql_response *response);
CQL_API cql_str cql_response_result_metadata_id(const cql_response *response);
CQL_API const cql_metadata *cql_response_bind_metadata(const cql_response *response);
CQL_API const cql_metadata *cql_response_result_metadata(const cql_response *response);
/* Rows: the number of rows the page announces, and its column count. */
CQL_API size_t cql_response_row_count(const cql_response *response);
CQL_API size_t cql_response_column_count(const cql_response *response);

/* Reading a Rows page row by row: the fast path (one pass over the cells,
 * checking each length as it goes). A plain value on the caller's stack that
 * borrows the response. Decoding a response checks the page's announced size
 * but not every cell, so a malformed cell is reported here, by the cursor.
 *
 *   cql_rows_cursor cur;
 *   cql_rows_cursor_init(&cur, response);
 *   while (cql_rows_next(&cur, cells)) { ... cells[0 .. column_count) ... }
 *   if (cur.diag.rc != CQL_OK) { ... malformed page: what and where ... } */
typedef struct cql_rows_cursor {
    const cql_response *response;
    size_t row;    /* rows read so far */
    size_t offset; /* body offset of the next row */
    cql_diag diag; /* why cql_rows_next last returned false, if not the end */
} cql_rows_cursor;

CQL_API void cql_rows_cursor_init(cql_rows_cursor *cursor, const cql_response *response);
/* Fills cells[0 .. column_count) with views of the next row's cells (len
 * CQL_NULL for null) and returns true; false at the end of the page, or when
 * the page is malformed (cursor->diag then says what and at which offset of
 * the body). The caller's array must hold column_count values. */
CQL_API bool cql_rows_next(cql_rows_cursor *cursor, cql_value *cells);

/* Random access to a page: cell (row, column), or a whole row. The first call
 * indexes the page (one pass; a malformed page gives its error code here and
 * on every later call), so a response is not to be read from two threads at
 * once. Out-of-range indexes give CQL_E_ARG. */
CQL_API cql_rc cql_response_cell(const cql_response *response, size_t row, size_t column,
                                 cql_value *out);
CQL_API cql_rc cql_response_row(const cql_response *response, size_t row, cql_value *cells);

/* ======================================================================== */
/* The client: loop interface, session, futures, statements, results        */
/* ======================================================================== */
/*
 * Threads. A session runs on one event loop, the "loop thread". Either the
 * application gives it its loop (cql_loop_uv, or its own cql_loop), and then
 * every function of this part is called on that loop's thread; or it gives
 * none, and the session runs a private loop thread of its own: then every
 * function may be called from any thread, and cql_future_wait blocks the
 * caller until the loop thread completes the future (the blocking
 * convenience layer). Callbacks always run on the loop thread.
 */

/* ------------------------------------------------------------------------ */
/* The loop interface (libcurl's multi_socket model)                         */
/* ------------------------------------------------------------------------ */

#define CQL_LOOP_READ 1
#define CQL_LOOP_WRITE 2

typedef void (*cql_loop_ready_fn)(void *arg, int events);
typedef void (*cql_loop_fire_fn)(void *arg);
/* Resolution result: addresses as struct sockaddr (IPv4 or IPv6), count of
 * them, or rc != CQL_OK with a static `what`. Everything is borrowed for the
 * call. */
typedef void (*cql_loop_resolved_fn)(void *arg, cql_rc rc, const char *what,
                                     const void *const *addrs, size_t count);

/* What a session needs from an event loop. A plain value the application
 * fills (or cql_loop_uv fills); the session copies it and calls release(data)
 * once, when the session is freed. Every entry is called on the loop thread,
 * except wakeup, which any thread may call. Entries return 0 on success. */
typedef struct cql_loop {
    void *data;
    /* Watch fd for CQL_LOOP_READ | CQL_LOOP_WRITE, replacing what was asked
     * before; events 0 stops watching it (the engine does so before it closes
     * the fd). When fd is ready the loop calls ready(arg, events). */
    int (*watch)(void *data, int fd, int events, cql_loop_ready_fn ready, void *arg);
    /* The session's one timer: call fire(arg) once, delay_ms from now; a new
     * call replaces the pending one; UINT64_MAX cancels it. */
    int (*timer)(void *data, uint64_t delay_ms, cql_loop_fire_fn fire, void *arg);
    /* Call fire(arg) on the loop thread soon. Safe from any thread; several
     * calls before it runs may fire once. */
    int (*wakeup)(void *data, cql_loop_fire_fn fire, void *arg);
    /* The loop's monotonic clock in milliseconds; callable from any thread. */
    uint64_t (*now_ms)(void *data);
    /* Resolve host (a name or a numeric address) without blocking the loop;
     * done fires exactly once on the loop thread unless release runs first.
     * NULL: the session accepts numeric addresses only. */
    int (*resolve)(void *data, const char *host, uint16_t port, cql_loop_resolved_fn done,
                   void *arg);
    /* The session is done with the loop: stop every watch and timer, never
     * call back again, free data. */
    void (*release)(void *data);
} cql_loop;

/* A cql_loop over a libuv loop (uv_loop_t *), used on that loop's thread
 * (wakeup and now_ms from any thread, as for every cql_loop). Until release,
 * its handles keep uv_run(UV_RUN_DEFAULT) from returning; release closes them
 * (asynchronously, as libuv closes handles) and the uv loop must run until
 * they are, as for any libuv handle. CQL_E_NOMEM or CQL_E_ARG (NULL loop). */
struct uv_loop_s;
CQL_API cql_rc cql_loop_uv(struct uv_loop_s *uv_loop, cql_loop *out);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum cql_error_category {
    CQL_ERRCAT_CLIENT = 1,  /* the caller's input, cancellation, a closed session */
    CQL_ERRCAT_SERVER = 2,  /* the server answered with an ERROR: see `server` */
    CQL_ERRCAT_NETWORK = 3, /* connecting failed, the connection broke, bad bytes from it */
    CQL_ERRCAT_TIMEOUT = 4, /* a client-side deadline passed */
} cql_error_category;

/* A failed request, connect or bind. A plain struct borrowed from the future
 * (or statement) that holds it; valid until that object is freed. */
typedef struct cql_error {
    cql_rc rc;
    cql_error_category category;
    /* What happened and where, one NUL-terminated sentence, e.g.
     * "server error from 127.0.0.1:9042: SYNTAX_ERROR (0x2000): line 1:0 ...". */
    const char *message;
    /* The host involved ("127.0.0.1:9042"), or "" when none. */
    const char *host;
    /* CQL_ERRCAT_SERVER: the server's code, message and every per-code field;
     * NULL otherwise. */
    const cql_server_error *server;
} cql_error;

/* ------------------------------------------------------------------------ */
/* Session                                                                   */
/* ------------------------------------------------------------------------ */

/* A plain value; zero-initialise it, then set what differs from the default
 * named beside each field. Strings are copied by cql_session_new. */
typedef struct cql_session_config {
    /* "host1,host2:9043,[::1]:9042": names or addresses, comma-separated,
     * each with an optional port. Required. */
    const char *contact_points;
    uint16_t port;                 /* 0: 9042 */
    uint8_t protocol_version;      /* 0: v5, falling back to v4; 4 or 5 forces it */
    bool no_compression;           /* true: never LZ4 (default: LZ4 when offered) */
    const char *keyspace;          /* USE at connect, or NULL */
    const char *username;          /* PasswordAuthenticator credentials, or NULL */
    const char *password;
    const char *application_name;  /* STARTUP APPLICATION_NAME, or NULL */
    uint32_t connect_timeout_ms;   /* 0: 5000, per connection attempt */
    uint32_t request_timeout_ms;   /* 0: 12000; per statement: cql_statement_set_timeout */
    uint32_t heartbeat_ms;         /* 0: 30000 of server silence before an OPTIONS */
    uint32_t idle_timeout_ms;      /* 0: 60000 until an unanswered heartbeat kills it */
    uint16_t connections_per_host; /* 0: 1, opened at connect */
    uint16_t max_connections_per_host; /* 0: 8; more open when every id is taken */
    int32_t page_size;             /* 0: 5000 rows; < 0: no paging */
    uint16_t consistency;          /* 0: LOCAL_ONE (ANY is per statement only) */
    uint16_t serial_consistency;   /* 0: none sent (the server's SERIAL) */
    cql_limits limits;             /* decoder limits for every response */
} cql_session_config;

typedef struct cql_session cql_session;
typedef struct cql_future cql_future;

/* A new session, not yet connected. loop NULL: the session starts a private
 * loop thread (see "Threads" above); else *loop is copied and owned by the
 * session (release is called when it is freed, and also when this call
 * fails). CQL_E_ARG with a sentence in err_buf (cap bytes, may be NULL) for an
 * invalid config: no contact points, a bad address, an unknown version.
 * The caller frees *out with cql_session_free. */
CQL_API cql_rc cql_session_new(const cql_session_config *config, const cql_loop *loop,
                               cql_session **out, char *err_buf, size_t cap);

/* Connects: resolves the contact points, opens connections_per_host to the
 * first host that answers (trying them in order), negotiates the version.
 * The future completes when the session can run statements, or with the
 * error of the last host tried. Statements submitted before then wait for it.
 * The caller frees the future. */
CQL_API cql_future *cql_session_connect(cql_session *session);

/* Closes every connection, fails every pending future with CQL_E_CLOSED
 * ("session closed"; callbacks fire now, before it returns), then frees the
 * session. No callback fires after it returns. Futures, results and prepared
 * statements the caller holds stay valid until the caller frees them. With a
 * private loop thread, joins it; must not be called from a callback. NULL is
 * a no-op. */
CQL_API void cql_session_free(cql_session *session);

/* The resource ledger: what the session holds right now. */
typedef struct cql_resources {
    size_t connections;      /* open or opening */
    size_t in_flight;        /* requests sent, waiting for their answer */
    size_t reserved_streams; /* ids held only for a late answer (timed out, cancelled) */
    size_t queued;           /* requests waiting for a connection */
    size_t pending_futures;  /* futures not yet completed */
    size_t prepared;         /* entries of the prepared cache */
    size_t open_streams;     /* result streams not yet closed */
    size_t buffered_pages;   /* pages held by streams */
    size_t buffered_bytes;   /* bytes of those pages */
} cql_resources;

CQL_API void cql_session_resources(cql_session *session, cql_resources *out);
/* The protocol version in use (0 before the first connection is ready). */
CQL_API uint8_t cql_session_protocol_version(cql_session *session);

/* Why the connect failed, per contact point that could not be resolved and
 * per host tried, in that order (the connect future's error is the last
 * one's): the count, and the i-th error (NULL when i >= count), whose host
 * field names the name or the host. Borrowed from the session, valid until
 * it is freed; read once the connect future has completed. A host that
 * answered is not listed. */
CQL_API size_t cql_session_connect_failure_count(cql_session *session);
CQL_API const cql_error *cql_session_connect_failure(cql_session *session, size_t i);

/* ------------------------------------------------------------------------ */
/* Futures                                                                   */
/* ------------------------------------------------------------------------ */

/* Called exactly once when the future completes (or at once, on the calling
 * thread, when cql_future_then finds it complete already). Runs on the loop
 * thread. The future is borrowed for the call. */
typedef void (*cql_future_fn)(cql_future *future, void *arg);

/* Sets the completion callback (at most one; CQL_E_ARG for a second). */
CQL_API cql_rc cql_future_then(cql_future *future, cql_future_fn fn, void *arg);
CQL_API bool cql_future_done(cql_future *future);
/* Waits until the future completes or timeout_ms passes (CQL_E_TIMEOUT; the
 * request goes on). Returns the future's status (CQL_OK or its error's rc).
 * Only with a private loop thread, from another thread: on a session's own
 * loop thread it would block the loop that completes it, and returns
 * CQL_E_ARG at once. */
CQL_API cql_rc cql_future_wait(cql_future *future, uint64_t timeout_ms);
/* Cancels a pending request: the future completes now with CQL_E_CANCELLED;
 * its callback fires before this returns on the loop thread, or, called
 * from another thread (a private loop thread's session), on the loop thread
 * soon after. The stream id stays reserved until the server answers. No
 * effect on a completed future. */
CQL_API void cql_future_cancel(cql_future *future);
/* The error of a failed future, or NULL (pending or succeeded). Borrowed
 * from the future. */
CQL_API const cql_error *cql_future_error(cql_future *future);
/* Cancels the future if still pending, then drops the caller's reference.
 * NULL is a no-op. */
CQL_API void cql_future_free(cql_future *future);

/* ------------------------------------------------------------------------ */
/* Values given to statements                                                */
/* ------------------------------------------------------------------------ */

/* A collection, tuple, UDT or vector value being built, to bind as one value.
 * Elements are copied in. For a map, add key, value, key, value...; for a
 * UDT, fields in declaration order. Free with cql_collection_free (binding
 * copies it). Adders return CQL_E_NOMEM, or CQL_E_ARG (NULL, a bad value, or
 * nesting deeper than 64). */
typedef struct cql_collection cql_collection;
typedef enum cql_collection_kind {
    CQL_COLLECTION_LIST = CQL_TYPE_LIST,
    CQL_COLLECTION_SET = CQL_TYPE_SET,
    CQL_COLLECTION_MAP = CQL_TYPE_MAP,
    CQL_COLLECTION_TUPLE = CQL_TYPE_TUPLE,
    CQL_COLLECTION_UDT = CQL_TYPE_UDT,
    CQL_COLLECTION_VECTOR = CQL_TYPE_VECTOR,
} cql_collection_kind;

CQL_API cql_collection *cql_collection_new(cql_collection_kind kind);
CQL_API void cql_collection_free(cql_collection *c);

/* The value types a caller can give; each statement binder and each
 * collection adder takes one of these. A plain value. */
typedef struct cql_decimal_value {
    const uint8_t *unscaled; /* big-endian two's complement (a varint) */
    size_t unscaled_len;
    int32_t scale;
} cql_decimal_value;

/* Bind markers are addressed by position (index from 0) or by name (the
 * column name for a bound statement; a named value `:name` for a simple
 * statement). Binding into a bound statement checks the value against the
 * prepared metadata: a wrong type is CQL_E_TYPE, and the statement's error
 * (cql_statement_error) names the column, its CQL type and what was given. */
typedef struct cql_statement cql_statement;

/* The value types a caller gives, the same for collection elements and for
 * statement values: cql_collection_add_<type>(c, ...) appends one element;
 * cql_statement_bind_<type>(st, index, ...) and
 * cql_statement_bind_<type>_by_name(st, name, ...) set one value. What each
 * fits: bool boolean; int8 tinyint; int16 smallint; int32 int; int64 bigint,
 * counter, timestamp, time; the narrower integers also fit the wider integer
 * columns and varint; float float; double double; string text, varchar,
 * ascii (ASCII checked); bytes blob, or any column as its serialized bytes;
 * uuid uuid, timeuuid (version 1 checked); inet inet; date date; time time;
 * timestamp timestamp; duration duration; varint varint; decimal decimal;
 * collection the list, set, map, tuple, UDT or vector of the same shape,
 * element by element. */
CQL_API cql_rc cql_collection_add_null(cql_collection *c);
CQL_API cql_rc cql_collection_add_bool(cql_collection *c, bool v);
CQL_API cql_rc cql_collection_add_int8(cql_collection *c, int8_t v);
CQL_API cql_rc cql_collection_add_int16(cql_collection *c, int16_t v);
CQL_API cql_rc cql_collection_add_int32(cql_collection *c, int32_t v);
CQL_API cql_rc cql_collection_add_int64(cql_collection *c, int64_t v);
CQL_API cql_rc cql_collection_add_float(cql_collection *c, float v);
CQL_API cql_rc cql_collection_add_double(cql_collection *c, double v);
CQL_API cql_rc cql_collection_add_string(cql_collection *c, const char *v, size_t len);
CQL_API cql_rc cql_collection_add_bytes(cql_collection *c, const uint8_t *v, size_t len);
CQL_API cql_rc cql_collection_add_uuid(cql_collection *c, const uint8_t v[16]);
CQL_API cql_rc cql_collection_add_inet(cql_collection *c, const uint8_t *v, size_t len);
CQL_API cql_rc cql_collection_add_date(cql_collection *c, int64_t days);
CQL_API cql_rc cql_collection_add_time(cql_collection *c, int64_t nanoseconds);
CQL_API cql_rc cql_collection_add_timestamp(cql_collection *c, int64_t milliseconds);
CQL_API cql_rc cql_collection_add_duration(cql_collection *c, int32_t months, int32_t days,
                                           int64_t nanoseconds);
CQL_API cql_rc cql_collection_add_varint(cql_collection *c, const uint8_t *v, size_t len);
CQL_API cql_rc cql_collection_add_decimal(cql_collection *c, cql_decimal_value v);
CQL_API cql_rc cql_collection_add_collection(cql_collection *c, const cql_collection *v);

/* ------------------------------------------------------------------------ */
/* Statements                                                                */
/* ------------------------------------------------------------------------ */

/* A simple statement: query text (copied) with value_count bind markers
 * (`?` or `:name`), each to be bound before it is executed (null and unset
 * are values to bind too). The caller frees it with
 * cql_statement_free; executing copies what it needs, so a statement can be
 * changed and executed again at once. NULL when out of memory or query is
 * NULL. */
CQL_API cql_statement *cql_statement_new(const char *query, uint16_t value_count);
CQL_API cql_statement *cql_statement_new_n(const char *query, size_t query_len,
                                           uint16_t value_count);

typedef struct cql_prepared cql_prepared;
/* A bound statement of a prepared one: one unset value per bind marker.
 * Holds a reference to the prepared statement. */
CQL_API cql_statement *cql_prepared_bind(const cql_prepared *prepared);

/* A batch: add statements with cql_batch_add (simple and bound mix);
 * execute it as any statement. */
CQL_API cql_statement *cql_batch_new(cql_batch_type type);
/* Copies child into the batch (its values as bound now). CQL_E_ARG when
 * child is a batch, batch is not one, or child has values bound by name, a
 * binding error or a value never bound; CQL_E_LIMIT beyond 65535
 * statements. A failure leaves an error on the batch that lasts. */
CQL_API cql_rc cql_batch_add(cql_statement *batch, const cql_statement *child);

CQL_API void cql_statement_free(cql_statement *st);

/* Options; each returns CQL_E_ARG for a value out of range. */
CQL_API cql_rc cql_statement_set_consistency(cql_statement *st, cql_consistency c);
CQL_API cql_rc cql_statement_set_serial_consistency(cql_statement *st, cql_consistency c);
/* Rows per page (> 0), or < 0 for no paging; 0: the session's. */
CQL_API cql_rc cql_statement_set_page_size(cql_statement *st, int32_t rows);
/* Resume from a paging state (copied; len 0 starts over). */
CQL_API cql_rc cql_statement_set_paging_state(cql_statement *st, const uint8_t *state,
                                              size_t len);
/* A fixed write timestamp in microseconds; by default every execution gets
 * one from the session's monotonic generator. */
CQL_API cql_rc cql_statement_set_timestamp(cql_statement *st, int64_t microseconds);
/* Safe to run twice (default false): lets the session retry it on another
 * connection when its connection dies. */
CQL_API cql_rc cql_statement_set_idempotent(cql_statement *st, bool idempotent);
/* The keyspace the statement runs in (v5 only; copied). */
CQL_API cql_rc cql_statement_set_keyspace(cql_statement *st, const char *keyspace);
CQL_API cql_rc cql_statement_set_tracing(cql_statement *st, bool tracing);
/* Request timeout for this statement; 0: the session's. */
CQL_API cql_rc cql_statement_set_timeout(cql_statement *st, uint32_t timeout_ms);
/* Adds a custom payload entry (both copied). */
CQL_API cql_rc cql_statement_add_payload(cql_statement *st, const char *key,
                                         const uint8_t *value, size_t len);

/* Binders: see the value types above. index out of range, or an unknown name, is
 * CQL_E_ARG; a value that does not fit the column is CQL_E_TYPE; both leave
 * the statement's error set (cql_statement_error) and the value unchanged. */
#define CQL_DECLARE_BINDERS_(name, ...)                                                            \
    CQL_API cql_rc cql_statement_bind_##name(cql_statement *st, size_t index, __VA_ARGS__);       \
    CQL_API cql_rc cql_statement_bind_##name##_by_name(cql_statement *st, const char *column,     \
                                                       __VA_ARGS__);
CQL_API cql_rc cql_statement_bind_null(cql_statement *st, size_t index);
CQL_API cql_rc cql_statement_bind_null_by_name(cql_statement *st, const char *column);
CQL_API cql_rc cql_statement_bind_unset(cql_statement *st, size_t index);
CQL_API cql_rc cql_statement_bind_unset_by_name(cql_statement *st, const char *column);
CQL_DECLARE_BINDERS_(bool, bool v)
CQL_DECLARE_BINDERS_(int8, int8_t v)
CQL_DECLARE_BINDERS_(int16, int16_t v)
CQL_DECLARE_BINDERS_(int32, int32_t v)
CQL_DECLARE_BINDERS_(int64, int64_t v)
CQL_DECLARE_BINDERS_(float, float v)
CQL_DECLARE_BINDERS_(double, double v)
CQL_DECLARE_BINDERS_(string, const char *v, size_t len)
CQL_DECLARE_BINDERS_(bytes, const uint8_t *v, size_t len)
CQL_DECLARE_BINDERS_(uuid, const uint8_t v[16])
CQL_DECLARE_BINDERS_(inet, const uint8_t *v, size_t len)
CQL_DECLARE_BINDERS_(date, int64_t days)
CQL_DECLARE_BINDERS_(time, int64_t nanoseconds)
CQL_DECLARE_BINDERS_(timestamp, int64_t milliseconds)
CQL_DECLARE_BINDERS_(duration, int32_t months, int32_t days, int64_t nanoseconds)
CQL_DECLARE_BINDERS_(varint, const uint8_t *v, size_t len)
CQL_DECLARE_BINDERS_(decimal, cql_decimal_value v)
CQL_DECLARE_BINDERS_(collection, const cql_collection *v)
#undef CQL_DECLARE_BINDERS_

/* The newest binding error not yet mended (it names the column, its CQL
 * type and what was given), or NULL. A later successful binding of the same
 * value mends it; errors about a bind marker that does not exist last.
 * Borrowed from the statement until it is freed. */
CQL_API const cql_error *cql_statement_error(const cql_statement *st);

/* ------------------------------------------------------------------------ */
/* Running statements                                                        */
/* ------------------------------------------------------------------------ */

/* Runs a statement (simple, bound or batch; copied, so the caller may free
 * or change it at once). The future's result is read with
 * cql_future_take_result. A statement with a value never bound, or a
 * binding error left on it, fails before anything is sent; a USE statement
 * is refused (it would change one connection's keyspace only). The caller
 * frees the future. NULL only when out of memory. */
CQL_API cql_future *cql_session_execute(cql_session *session, const cql_statement *st);
/* cql_session_execute of a simple statement without values. */
CQL_API cql_future *cql_session_query(cql_session *session, const char *query);

/* Prepares a query (cached per session by keyspace and text: a second
 * prepare of the same text completes at once without a round trip).
 * Read it with cql_future_take_prepared. */
CQL_API cql_future *cql_session_prepare(cql_session *session, const char *query);

/* ------------------------------------------------------------------------ */
/* Prepared statements                                                       */
/* ------------------------------------------------------------------------ */

/* The prepared statement of a completed prepare future: a new reference the
 * caller frees with cql_prepared_free; NULL when the future failed or is
 * pending. */
CQL_API cql_prepared *cql_future_take_prepared(cql_future *future);
CQL_API void cql_prepared_free(cql_prepared *prepared);
CQL_API const char *cql_prepared_query(const cql_prepared *prepared);
/* Bind markers: their count, names and types (borrowed from prepared). */
CQL_API size_t cql_prepared_param_count(const cql_prepared *prepared);
CQL_API cql_str cql_prepared_param_name(const cql_prepared *prepared, size_t i);
CQL_API const cql_type *cql_prepared_param_type(const cql_prepared *prepared, size_t i);
/* The metadata of the rows it returns (column count 0 for a write): the
 * newest the server reported (v5 reports new columns after a schema
 * change). Valid as long as the prepared statement. */
CQL_API const cql_metadata *cql_prepared_result_metadata(const cql_prepared *prepared);

/* ------------------------------------------------------------------------ */
/* Results                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct cql_result cql_result;

/* The result of a completed execute future: the caller owns it and frees it
 * with cql_result_free. NULL when the future failed, is pending, or was
 * taken already. */
CQL_API cql_result *cql_future_take_result(cql_future *future);
CQL_API void cql_result_free(cql_result *result);

/* The response it came from: warnings (cql_response_warning*), the tracing
 * id, the custom payload, the schema change. Borrowed from result. */
CQL_API const cql_response *cql_result_response(const cql_result *result);
CQL_API cql_result_kind cql_result_kind_of(const cql_result *result);
CQL_API size_t cql_result_row_count(const cql_result *result);
CQL_API size_t cql_result_column_count(const cql_result *result);
CQL_API cql_str cql_result_column_name(const cql_result *result, size_t column);
CQL_API const cql_type *cql_result_column_type(const cql_result *result, size_t column);
/* The index of a column by name, or -1. */
CQL_API ptrdiff_t cql_result_column_index(const cql_result *result, const char *name);
CQL_API bool cql_result_has_more_pages(const cql_result *result);
/* The paging state to resume after this page (len 0 when none); borrowed. */
CQL_API cql_str cql_result_paging_state(const cql_result *result);
/* Lightweight transactions: the [applied] column of the first row (true for
 * a result without one or without rows; false when the first row's
 * [applied] is false, null or unreadable). */
CQL_API bool cql_result_was_applied(const cql_result *result);

/* A cell: its type and its bytes (len CQL_NULL for null), borrowed from the
 * result (or the cell) it came from. A plain value. */
typedef struct cql_cell {
    const cql_type *type;
    const uint8_t *ptr;
    int32_t len;
} cql_cell;

/* Moves to the next row (the first call to row 0); false at the end or when
 * the page is malformed (cql_result_error then says where). */
CQL_API bool cql_result_next(cql_result *result);
/* A cell of the current row; a cell of null type and len CQL_NULL when
 * there is no current row or column is out of range. */
CQL_API cql_cell cql_result_cell(const cql_result *result, size_t column);
CQL_API cql_cell cql_result_cell_by_name(const cql_result *result, const char *name);
/* Why cql_result_next stopped early, or NULL. Borrowed from result. */
CQL_API const cql_error *cql_result_error(const cql_result *result);

/* Typed getters. CQL_OK with *out set; CQL_E_ARG for a null cell (test
 * cql_cell_is_null first) or a NULL out; CQL_E_TYPE when the cell's type
 * does not fit (int64 reads bigint, counter, timestamp, int, smallint,
 * tinyint and varint that fits; double reads float too; string reads
 * text, varchar and ascii; bytes reads any cell's raw bytes); CQL_E_MALFORMED
 * for bytes that are not a valid value of the type. int64 of a varint beyond
 * 64 bits is CQL_E_LIMIT; bytes also reads a cell without a type; duration
 * needs all three outputs. Views point into the result. */
CQL_API bool cql_cell_is_null(cql_cell cell);
CQL_API cql_rc cql_cell_bool(cql_cell cell, bool *out);
CQL_API cql_rc cql_cell_int8(cql_cell cell, int8_t *out);
CQL_API cql_rc cql_cell_int16(cql_cell cell, int16_t *out);
CQL_API cql_rc cql_cell_int32(cql_cell cell, int32_t *out);
CQL_API cql_rc cql_cell_int64(cql_cell cell, int64_t *out);
CQL_API cql_rc cql_cell_float(cql_cell cell, float *out);
CQL_API cql_rc cql_cell_double(cql_cell cell, double *out);
CQL_API cql_rc cql_cell_string(cql_cell cell, cql_str *out);
CQL_API cql_rc cql_cell_bytes(cql_cell cell, cql_str *out);
CQL_API cql_rc cql_cell_uuid(cql_cell cell, uint8_t out[16]);
/* 4 or 16 bytes; *len says which. */
CQL_API cql_rc cql_cell_inet(cql_cell cell, uint8_t out[16], size_t *len);
CQL_API cql_rc cql_cell_date(cql_cell cell, int64_t *days);
CQL_API cql_rc cql_cell_time(cql_cell cell, int64_t *nanoseconds);
CQL_API cql_rc cql_cell_timestamp(cql_cell cell, int64_t *milliseconds);
CQL_API cql_rc cql_cell_duration(cql_cell cell, int32_t *months, int32_t *days,
                                 int64_t *nanoseconds);
/* varint: its two's complement bytes (a view); decimal: scale and unscaled. */
CQL_API cql_rc cql_cell_varint(cql_cell cell, cql_str *out);
CQL_API cql_rc cql_cell_decimal(cql_cell cell, cql_decimal_value *out);
/* Any cell as a CQL literal (numbers exact, shortest round-trip floats, blobs
 * 0x..., timestamps 2024-01-31T13:45:00.000Z); strings, dates, times,
 * timestamps and inets are bare at the top level and quoted inside
 * collections;
 * NUL-terminated in buf; returns the length it needs (like snprintf), or
 * -1 for a malformed cell. */
CQL_API int cql_cell_format(cql_cell cell, char *buf, size_t cap);

/* Walks a list, set, map (key, value, key, value...), tuple, UDT or vector
 * cell. A plain value on the caller's stack, borrowing the cell. */
typedef struct cql_iter {
    union {
        void *align_;
        uint64_t align64_;
        unsigned char bytes_[128];
    } opaque_;
} cql_iter;

/* CQL_E_TYPE when the cell is not composite; CQL_E_ARG for null or a cell
 * without a type;
 * CQL_E_MALFORMED / CQL_E_LIMIT for a bad element count. */
CQL_API cql_rc cql_cell_iterate(cql_cell cell, cql_iter *it);
/* The next element (its type from the composite's type); false at the end
 * or when the cell is malformed (cql_iter_rc then says so). */
CQL_API bool cql_iter_next(cql_iter *it, cql_cell *out);
CQL_API cql_rc cql_iter_rc(const cql_iter *it);
/* Elements the cell announces: entries of a list or set, pairs of a map,
 * fields of a tuple or UDT (as many as the type has), a vector's dimension. */
CQL_API size_t cql_iter_count(const cql_iter *it);
/* For a UDT: the name of the field last returned. */
CQL_API cql_str cql_iter_field_name(const cql_iter *it);

/* ------------------------------------------------------------------------ */
/* Streams: results of any size, page by page, in bounded memory             */
/* ------------------------------------------------------------------------ */
/*
 * A stream runs a statement page by page. It holds at most prefetch + 1
 * pages (the current one, and those fetched ahead while the caller works),
 * whatever the size of the result. The end is decided by the server's
 * Has_more_pages flag alone: an empty page in the middle does not end it.
 *
 * Every way out releases everything: cql_stream_close (idempotent, valid in
 * every state) abandons a fetch in flight (its stream id stays reserved
 * until the server answers), frees every buffered page, and makes every
 * later call fail with CQL_E_CLOSED. Closing the session closes its open
 * streams. The scoped form, CQL_SCOPED(cql_stream), frees on every path out
 * of a block; cql_session_foreach closes on every path too.
 *
 * A SELECT streamed this way is idempotent: when its connection is lost,
 * the page in flight is asked again, from the same paging state, on another
 * connection, so no row is lost or repeated. Other statements fail.
 */
typedef struct cql_stream cql_stream;

#define CQL_STREAM_ON_DEMAND (-1)

/* A plain value; zero-initialised means the defaults named beside each. */
typedef struct cql_stream_config {
    /* Pages fetched ahead: 0 means 1; CQL_STREAM_ON_DEMAND fetches a page
     * only when the caller asks for it; at most 16. */
    int32_t prefetch;
    int32_t page_size;        /* rows per page; 0: the statement's, else the session's */
    uint32_t max_pages;       /* stop after this many pages; 0: no limit */
    uint32_t page_timeout_ms; /* each page; 0: the statement's or session's request timeout */
    uint32_t deadline_ms;     /* the whole stream, from its creation; 0: none */
    /* Called on the loop thread as each page arrives (page_number from 1). */
    void (*on_page)(void *arg, uint64_t page_number, size_t rows);
    void *on_page_arg;
} cql_stream_config;

/* Starts streaming st (copied: a paging state set on it is where the stream
 * starts). config may be NULL (defaults). The first page is asked for at
 * once. The caller frees the stream with cql_stream_free. NULL only when
 * out of memory or an argument is NULL. */
CQL_API cql_stream *cql_session_stream(cql_session *session, const cql_statement *st,
                                       const cql_stream_config *config);

/* Makes the next page the current one (the current page is freed). The
 * future completes when it is — at once when it was fetched ahead — or at
 * the end (then cql_stream_page is NULL), or with the stream's error. The
 * caller frees the future. NULL only when out of memory. */
CQL_API cql_future *cql_stream_fetch(cql_stream *stream);

/* The current page, borrowed from the stream until the next fetch or close;
 * NULL before the first fetch completes and at the end. Read it with the
 * cql_result functions. */
CQL_API const cql_result *cql_stream_page(const cql_stream *stream);

/* Moves to the next row, fetching pages as needed. With a private loop
 * thread it waits for a page (the page timeout bounds each wait). On the
 * caller's own loop it never waits: when the next page has not arrived yet
 * it returns false with cql_stream_error's rc CQL_E_BUSY; wait for
 * cql_stream_fetch then. False at the end (cql_stream_error NULL) or on an
 * error. */
CQL_API bool cql_stream_next_row(cql_stream *stream);
/* A cell of the current row (see cql_result_cell). */
CQL_API cql_cell cql_stream_cell(const cql_stream *stream, size_t column);

/* Why the stream stopped (the server's error, a timeout, CQL_E_CLOSED...),
 * or NULL. Borrowed from the stream. */
CQL_API const cql_error *cql_stream_error(const cql_stream *stream);
/* Pages received so far (the current one included) and rows in them. */
CQL_API uint64_t cql_stream_page_number(const cql_stream *stream);
CQL_API uint64_t cql_stream_rows_fetched(const cql_stream *stream);
/* Where to resume after the current page (cql_statement_set_paging_state);
 * len 0 when the stream is at its end. Borrowed until the next fetch. */
CQL_API cql_str cql_stream_paging_state(const cql_stream *stream);

/* Releases everything the stream holds (see above); idempotent. */
CQL_API void cql_stream_close(cql_stream *stream);
/* Closes it and frees the object. NULL is a no-op. */
CQL_API void cql_stream_free(cql_stream *stream);

/* What a foreach row callback returns. */
typedef enum cql_foreach_step {
    CQL_FOREACH_CONTINUE = 0,
    CQL_FOREACH_STOP = 1,  /* stop early: not an error */
    CQL_FOREACH_ERROR = -1 /* stop: the callback failed */
} cql_foreach_step;
typedef cql_foreach_step (*cql_row_fn)(const cql_result *page, void *arg);

/* Streams st, calling fn for each row (read it from page with
 * cql_result_cell), and closes the stream on every path. Needs a private
 * loop thread (it waits). CQL_OK at the end or on CQL_FOREACH_STOP;
 * CQL_E_CANCELLED when fn returned CQL_FOREACH_ERROR; else the stream's
 * error, copied into err_buf when given. */
CQL_API cql_rc cql_session_foreach(cql_session *session, const cql_statement *st,
                                   const cql_stream_config *config, cql_row_fn fn, void *arg,
                                   char *err_buf, size_t cap);

/* ------------------------------------------------------------------------ */
/* Scoped cleanup (GCC and Clang): `CQL_SCOPED(cql_supported) s = NULL;`     */
/* frees s on every path out of the enclosing block.                         */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__)
static inline void cql_supported_cleanup_(cql_supported **p) { cql_supported_free(*p); }
static inline void cql_response_cleanup_(cql_response **p) { cql_response_free(*p); }
static inline void cql_metadata_cleanup_(cql_metadata **p) { cql_metadata_free(*p); }
static inline void cql_session_cleanup_(cql_session **p) { cql_session_free(*p); }
static inline void cql_future_cleanup_(cql_future **p) { cql_future_free(*p); }
static inline void cql_result_cleanup_(cql_result **p) { cql_result_free(*p); }
static inline void cql_statement_cleanup_(cql_statement **p) { cql_statement_free(*p); }
static inline void cql_prepared_cleanup_(cql_prepared **p) { cql_prepared_free(*p); }
static inline void cql_collection_cleanup_(cql_collection **p) { cql_collection_free(*p); }
static inline void cql_stream_cleanup_(cql_stream **p) { cql_stream_free(*p); }
#define CQL_SCOPED(type) __attribute__((cleanup(type##_cleanup_))) type *
#endif

#ifdef __cplusplus
}
#endif

#endif /* CQLIO_H */
