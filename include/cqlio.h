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
/* Scoped cleanup (GCC and Clang): `CQL_SCOPED(cql_supported) s = NULL;`     */
/* frees s on every path out of the enclosing block.                         */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__)
static inline void cql_supported_cleanup_(cql_supported **p) { cql_supported_free(*p); }
#define CQL_SCOPED(type) __attribute__((cleanup(type##_cleanup_))) type *
#endif

#ifdef __cplusplus
}
#endif

#endif /* CQLIO_H */
