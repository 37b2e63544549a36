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

/* ------------------------------------------------------------------------ */
/* Scoped cleanup (GCC and Clang): `CQL_SCOPED(cql_supported) s = NULL;`     */
/* frees s on every path out of the enclosing block.                         */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__)
static inline void cql_supported_cleanup_(cql_supported **p) { cql_supported_free(*p); }
static inline void cql_response_cleanup_(cql_response **p) { cql_response_free(*p); }
static inline void cql_metadata_cleanup_(cql_metadata **p) { cql_metadata_free(*p); }
#define CQL_SCOPED(type) __attribute__((cleanup(type##_cleanup_))) type *
#endif

#ifdef __cplusplus
}
#endif

#endif /* CQLIO_H */
