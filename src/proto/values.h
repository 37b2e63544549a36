/*
 * CQL values (v5 §5 and §6), sans I/O: typed decoders over one cell, an
 * iterator over composite values, a deep validator, and encoders that write
 * the [bytes] form QUERY and EXECUTE values and collection elements take.
 *
 * A cell is (p, n) as cql_read_bytes returns it: n >= 0 bytes at p, n == -1
 * (CQL_NULL, cqlio.h) for null, and, in bound values only, n == -2
 * (CQL_UNSET) for "unset".
 *
 * Ownership: nothing here keeps a pointer after returning. Every view handed
 * out (cql_str, element pointers, decimal digits) points into the caller's
 * buffer and is valid as long as that buffer is. Decoders fill a cql_diag
 * (may be NULL) whose `what` names the type and whose offset is relative to
 * the p given to that call. Nothing allocates except the text formatters
 * (cql_varint_text, cql_decimal_text) for numbers longer than 64 bytes.
 *
 * Empty values (n == 0) are legal for most types "for legacy compatibility"
 * (§5): cql_value_validate accepts them, except for tinyint, smallint, date,
 * time and duration, which Cassandra's serializers refuse empty; the
 * iterator yields no element for them; and the fixed-size decoders refuse
 * them with CQL_E_MALFORMED, so test n == 0 first where an empty cell must
 * be told apart from a bad one.
 */
#ifndef CQLIO_PROTO_VALUES_H
#define CQLIO_PROTO_VALUES_H

#include "proto/buf.h"
#include "proto/types.h"

#include <string.h>


/* True for null and unset: the cell has no bytes at all. */
static inline bool cql_value_is_null(int32_t n) { return n < 0; }

/* ------------------------------------------------------------------------ */
/* Variable-length integers (v5 §3 [unsigned vint], [vint])                 */
/* ------------------------------------------------------------------------ */

/* Cassandra's VIntCoding: the count of leading 1 bits of the first byte is
 * the number of extra bytes (0-8); the rest of the first byte and the extra
 * bytes hold the value big-endian. [vint] is that of the zig-zag encoding. */

/* Bytes the canonical encoding of v takes (1-9). */
size_t cql_vint_size(uint64_t v);
/* Writes the canonical [unsigned vint] of v to out; returns its size. */
size_t cql_vint_encode(uint64_t v, uint8_t out[9]);
/* Reads an [unsigned vint]; a failure lands in the reader (TRUNCATED at the
 * vint's first byte when its extra bytes run past the end). Over-long
 * encodings are accepted, as Cassandra's reader accepts them. */
bool cql_vint_read(cql_reader *r, uint64_t *v, const char *what);
/* Reads a [vint] (zig-zag signed). */
bool cql_vint_read_signed(cql_reader *r, int64_t *v, const char *what);
/* Appends the canonical [unsigned vint] / [vint] encoding. */
void cql_vint_put(cql_buf *b, uint64_t v);
void cql_vint_put_signed(cql_buf *b, int64_t v);

/* ------------------------------------------------------------------------ */
/* Typed decoders: each checks the exact size its type demands              */
/* ------------------------------------------------------------------------ */

/* All of these: CQL_OK with *out set; CQL_E_ARG for a null or unset cell or
 * a NULL output; CQL_E_MALFORMED for a wrong size or an invalid value.
 * The fixed-size ones are inline: they run once per cell in every row loop,
 * where a call costs more than the decoding. */

static inline cql_rc cql_value_report_(cql_diag *diag, cql_rc rc, size_t offset, const char *what)
{
    if (diag != NULL) {
        diag->rc = rc;
        diag->offset = offset;
        diag->what = what;
    }
    return rc;
}

/* A cell of exactly `size` bytes into a non-NULL output, or the reason why not. */
static inline cql_rc cql_value_check_(const uint8_t *p, int32_t n, const void *out, size_t size,
                                      const char *null_what, const char *size_what,
                                      cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return cql_value_report_(diag, CQL_E_ARG, 0, null_what);
    if ((size_t)n != size)
        return cql_value_report_(diag, CQL_E_MALFORMED, 0, size_what);
    return cql_value_report_(diag, CQL_OK, 0, NULL);
}

static inline uint64_t cql_value_be_(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Two's complement without implementation-defined conversions. */
static inline int64_t cql_value_sign_extend_(uint64_t v, size_t bytes)
{
    uint64_t sign = UINT64_C(1) << (8 * bytes - 1);
    if ((v & sign) == 0)
        return (int64_t)v;
    uint64_t mask = bytes == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * bytes)) - 1;
    uint64_t magnitude = (~v + 1) & mask;
    return magnitude > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)magnitude;
}

/* One decoder per fixed-size type: check, then read `size` big-endian bytes. */
#define CQL_FIXED_CHECK_(name, size, out)                                                          \
    cql_rc rc_ = cql_value_check_(p, n, out, size, name ": null value or NULL output",             \
                                  name ": value is not " #size " bytes", diag);                    \
    if (rc_ != CQL_OK)                                                                             \
    return rc_

static inline cql_rc cql_decode_boolean(const uint8_t *p, int32_t n, bool *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("boolean", 1, out);
    *out = p[0] != 0; /* §5.4: any non-zero byte is true */
    return CQL_OK;
}

static inline cql_rc cql_decode_tinyint(const uint8_t *p, int32_t n, int8_t *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("tinyint", 1, out);
    *out = (int8_t)cql_value_sign_extend_(p[0], 1);
    return CQL_OK;
}

static inline cql_rc cql_decode_smallint(const uint8_t *p, int32_t n, int16_t *out,
                                         cql_diag *diag)
{
    CQL_FIXED_CHECK_("smallint", 2, out);
    *out = (int16_t)cql_value_sign_extend_(cql_value_be_(p, 2), 2);
    return CQL_OK;
}

static inline cql_rc cql_decode_int(const uint8_t *p, int32_t n, int32_t *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("int", 4, out);
    *out = (int32_t)cql_value_sign_extend_(cql_value_be_(p, 4), 4);
    return CQL_OK;
}

static inline cql_rc cql_decode_bigint(const uint8_t *p, int32_t n, int64_t *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("bigint", 8, out);
    *out = cql_value_sign_extend_(cql_value_be_(p, 8), 8);
    return CQL_OK;
}

static inline cql_rc cql_decode_counter(const uint8_t *p, int32_t n, int64_t *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("counter", 8, out);
    *out = cql_value_sign_extend_(cql_value_be_(p, 8), 8);
    return CQL_OK;
}

/* Milliseconds since the Unix epoch, negative before it. */
static inline cql_rc cql_decode_timestamp(const uint8_t *p, int32_t n, int64_t *ms,
                                          cql_diag *diag)
{
    CQL_FIXED_CHECK_("timestamp", 8, ms);
    *ms = cql_value_sign_extend_(cql_value_be_(p, 8), 8);
    return CQL_OK;
}

static inline cql_rc cql_decode_float(const uint8_t *p, int32_t n, float *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("float", 4, out);
    uint32_t bits = (uint32_t)cql_value_be_(p, 4);
    memcpy(out, &bits, sizeof *out); /* IEEE 754 binary32, as the platform's float */
    return CQL_OK;
}

static inline cql_rc cql_decode_double(const uint8_t *p, int32_t n, double *out, cql_diag *diag)
{
    CQL_FIXED_CHECK_("double", 8, out);
    uint64_t bits = cql_value_be_(p, 8);
    memcpy(out, &bits, sizeof *out);
    return CQL_OK;
}

/* The raw unsigned day number (2^31 is 1970-01-01); see cql_date_to_days. */
static inline cql_rc cql_decode_date(const uint8_t *p, int32_t n, uint32_t *raw, cql_diag *diag)
{
    CQL_FIXED_CHECK_("date", 4, raw);
    *raw = (uint32_t)cql_value_be_(p, 4);
    return CQL_OK;
}

/* Nanoseconds since midnight, checked to lie in 0..86399999999999. */
static inline cql_rc cql_decode_time(const uint8_t *p, int32_t n, int64_t *ns, cql_diag *diag)
{
    CQL_FIXED_CHECK_("time", 8, ns);
    int64_t v = cql_value_sign_extend_(cql_value_be_(p, 8), 8);
    if (v < 0 || v > INT64_C(86399999999999))
        return cql_value_report_(diag, CQL_E_MALFORMED, 0, "time: not within 0..86399999999999 ns");
    *ns = v;
    return CQL_OK;
}

/* 16 bytes copied to out. */
static inline cql_rc cql_decode_uuid(const uint8_t *p, int32_t n, uint8_t out[16], cql_diag *diag)
{
    CQL_FIXED_CHECK_("uuid", 16, out);
    memcpy(out, p, 16);
    return CQL_OK;
}

/* As uuid, and the version nibble must be 1 (Cassandra's TimeUUIDType check). */
static inline cql_rc cql_decode_timeuuid(const uint8_t *p, int32_t n, uint8_t out[16],
                                         cql_diag *diag)
{
    CQL_FIXED_CHECK_("timeuuid", 16, out);
    if ((p[6] & 0xF0) != 0x10)
        return cql_value_report_(diag, CQL_E_MALFORMED, 6, "timeuuid: not a version 1 UUID");
    memcpy(out, p, 16);
    return CQL_OK;
}

/* 4 (IPv4) or 16 (IPv6) bytes copied to out; *len says which. */
cql_rc cql_decode_inet(const uint8_t *p, int32_t n, uint8_t out[16], size_t *len,
                       cql_diag *diag);

/* A duration: three [vint]s. Months and days must fit 32 bits and all three
 * share one sign (or are zero), as Cassandra's DurationSerializer checks. */
typedef struct cql_duration {
    int32_t months;
    int32_t days;
    int64_t nanoseconds;
} cql_duration;
cql_rc cql_decode_duration(const uint8_t *p, int32_t n, cql_duration *out, cql_diag *diag);

/* A varint as int64: CQL_E_LIMIT when it needs more than 64 bits (the cell's
 * bytes, big-endian two's complement, are then the value; see
 * cql_varint_text). Redundant sign bytes are accepted. */
cql_rc cql_decode_varint(const uint8_t *p, int32_t n, int64_t *out, cql_diag *diag);
/* A decimal: *scale, and the unscaled varint as a view into p (at least one
 * byte). The value is unscaled * 10^-scale. */
cql_rc cql_decode_decimal(const uint8_t *p, int32_t n, int32_t *scale, const uint8_t **unscaled,
                          size_t *unscaled_len, cql_diag *diag);

/* ascii: every byte below 0x80, else CQL_E_MALFORMED at the first one that
 * is not. The view points into p. */
cql_rc cql_decode_ascii(const uint8_t *p, int32_t n, cql_str *out, cql_diag *diag);
/* True when p[0..n) is valid UTF-8; otherwise *bad_at (may be NULL) is the
 * offset of the first byte of the first invalid sequence. */
bool cql_utf8_valid(const uint8_t *p, size_t n, size_t *bad_at);

/* blob: a view into p (any bytes); an empty cell is an empty view. */
static inline cql_rc cql_decode_blob(const uint8_t *p, int32_t n, cql_str *out, cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return cql_value_report_(diag, CQL_E_ARG, 0, "blob: null value or NULL output");
    out->ptr = n > 0 ? (const char *)p : "";
    out->len = (size_t)n;
    return cql_value_report_(diag, CQL_OK, 0, NULL);
}

/* text (varchar): a view into p; with check_utf8, invalid UTF-8 (overlong
 * forms, surrogates, code points above U+10FFFF included) is CQL_E_MALFORMED
 * at the first bad byte. */
static inline cql_rc cql_decode_text(const uint8_t *p, int32_t n, bool check_utf8, cql_str *out,
                                     cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return cql_value_report_(diag, CQL_E_ARG, 0, "text: null value or NULL output");
    size_t bad = 0;
    if (check_utf8 && !cql_utf8_valid(p, (size_t)n, &bad))
        return cql_value_report_(diag, CQL_E_MALFORMED, bad, "text: invalid UTF-8");
    out->ptr = n > 0 ? (const char *)p : "";
    out->len = (size_t)n;
    return cql_value_report_(diag, CQL_OK, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Numbers as text                                                           */
/* ------------------------------------------------------------------------ */

/* Any varint cell (1 byte or more) as decimal text ("-129"), of any size.
 * Writes at most cap bytes, NUL-terminated when cap > 0, and stores the
 * full length (without the NUL) in *len, like snprintf; cap 0 only measures.
 * Cost grows with the square of n. CQL_E_NOMEM only for cells over 64 bytes
 * whose scratch space cannot be allocated; nothing is kept. */
cql_rc cql_varint_text(const uint8_t *p, int32_t n, char *buf, size_t cap, size_t *len,
                       cql_diag *diag);
/* A decimal cell as text, spelled as Java's BigDecimal.toString() spells it
 * (what Cassandra and cqlsh print): "1.50", "0.001", "-1.23E+5", "1E-7". */
cql_rc cql_decimal_text(const uint8_t *p, int32_t n, char *buf, size_t cap, size_t *len,
                        cql_diag *diag);

/* ------------------------------------------------------------------------ */
/* Dates and times                                                           */
/* ------------------------------------------------------------------------ */

#define CQL_DATE_EPOCH 2147483648u               /* the raw date of 1970-01-01 */
#define CQL_TIME_MAX_NS INT64_C(86399999999999) /* 23:59:59.999999999 */

/* Days since 1970-01-01 (negative before) of a raw date, and back; the
 * latter is false when days is outside what 32 raw bits hold. */
int64_t cql_date_to_days(uint32_t raw);
bool cql_date_from_days(int64_t days, uint32_t *raw);
/* Proleptic Gregorian calendar, astronomical years (year 0 = 1 BC): the day
 * number of a civil date, and the civil date of a day number. Valid for
 * every raw date (about -5877641 to 5881580). month 1-12, day 1-31; the
 * former returns false for an impossible date (31 April, 29 February 2023). */
bool cql_days_from_civil(int64_t year, unsigned month, unsigned day, int64_t *days);
void cql_days_to_civil(int64_t days, int64_t *year, unsigned *month, unsigned *day);
/* Nanoseconds since midnight from hours, minutes, seconds and nanoseconds,
 * false when a part is out of range; and the split back. */
bool cql_time_from_parts(unsigned hours, unsigned minutes, unsigned seconds, uint32_t nanos,
                         int64_t *ns);
void cql_time_to_parts(int64_t ns, unsigned *hours, unsigned *minutes, unsigned *seconds,
                       uint32_t *nanos);

/* ------------------------------------------------------------------------ */
/* Composite values: list, set, map, tuple, UDT, vector                      */
/* ------------------------------------------------------------------------ */

/* Walks the elements of one composite cell without allocating:
 *   list, set  [int] n, then n [bytes] elements
 *   map        [int] n, then n key/value pairs, yielded key, value, key, ...
 *   tuple, UDT one [bytes] per field, in the type's order; the value may stop
 *              before the last field (§6), never run past it
 *   vector     exactly `dimension` elements: packed without lengths when the
 *              element type has a cql_type_fixed_size, else each preceded by
 *              its size as an [unsigned vint] (Cassandra 5's VectorType)
 * Element cells may be null (-1) except in vectors. A plain value on the
 * caller's stack; it borrows the type and the bytes, which must outlive it. */
typedef struct cql_value_iter {
    const cql_type *type;
    cql_reader r;
    uint64_t left;   /* elements still to come (a bound, for tuples and UDTs) */
    uint32_t index;  /* elements yielded so far */
    size_t packed;   /* vector: the packed element size, 0 when length-prefixed */
    cql_diag diag;   /* rc != CQL_OK once the iterator failed */
} cql_value_iter;

/* Starts a walk. The element count is checked here, against
 * limits->max_elements (CQL_E_LIMIT) and against what the bytes could hold
 * (CQL_E_TRUNCATED), so a hostile count fails before any element is read.
 * CQL_E_ARG for a type that is not composite or a null cell. The failure is
 * in both diag (may be NULL) and it->diag. */
cql_rc cql_value_iter_begin(cql_value_iter *it, const cql_type *t, const uint8_t *p, int32_t n,
                            const cql_limits *limits, cql_diag *diag);

/* The next element: a cell (*p, *n) inside the composite's bytes and its
 * type (borrowed from the composite's type). False at the end or on failure;
 * it->diag.rc tells which (bytes after the last element are
 * CQL_E_MALFORMED). Offsets are relative to the p given to begin. */
bool cql_value_iter_next(cql_value_iter *it, const uint8_t **p, int32_t *n,
                         const cql_type **type);

/* Checks a whole cell against its type, recursively: sizes, counts against
 * the limits, nesting depth (max_depth counts the cell itself as 1), UTF-8
 * and ASCII text, time and duration ranges, trailing bytes. Null (-1) and
 * unset (-2) cells are valid at the top, null alone inside composites
 * except vectors. Once it says CQL_OK, the iterator succeeds on the cell and
 * on every composite element, and the type's decoder accepts every
 * non-empty, non-null scalar among them (cql_decode_varint may still answer
 * CQL_E_LIMIT beyond 64 bits). No allocation. */
cql_rc cql_value_validate(const cql_type *t, const uint8_t *p, int32_t n,
                          const cql_limits *limits, cql_diag *diag);

/* ------------------------------------------------------------------------ */
/* Encoders: each appends one [bytes] value ([int] length, then the bytes)   */
/* ------------------------------------------------------------------------ */

/* Every encoder copies its input into b (the buffer owns what it holds)
 * and keeps no pointer. All return CQL_E_ARG (and write nothing) for an
 * input the type cannot hold, else the buffer's state: CQL_OK, or the code of the first write
 * that failed (see buf.h: CQL_E_NOMEM, CQL_E_LIMIT, or CQL_E_ARG for a
 * value too long for its [int] length). Once the buffer failed, later
 * writes are ignored and every encoder returns that code. */
cql_rc cql_encode_null(cql_buf *b);
cql_rc cql_encode_unset(cql_buf *b);
/* An already serialized cell: n bytes at p, or null (-1) / unset (-2). */
cql_rc cql_encode_cell(cql_buf *b, const uint8_t *p, int32_t n);
cql_rc cql_encode_boolean(cql_buf *b, bool v);
cql_rc cql_encode_tinyint(cql_buf *b, int8_t v);
cql_rc cql_encode_smallint(cql_buf *b, int16_t v);
cql_rc cql_encode_int(cql_buf *b, int32_t v);
/* bigint, counter and timestamp (milliseconds) share one encoding. */
cql_rc cql_encode_bigint(cql_buf *b, int64_t v);
cql_rc cql_encode_float(cql_buf *b, float v);
cql_rc cql_encode_double(cql_buf *b, double v);
/* A raw date; cql_date_from_days and cql_days_from_civil make one. */
cql_rc cql_encode_date(cql_buf *b, uint32_t raw);
/* Nanoseconds since midnight; CQL_E_ARG outside 0..CQL_TIME_MAX_NS. */
cql_rc cql_encode_time(cql_buf *b, int64_t ns);
cql_rc cql_encode_uuid(cql_buf *b, const uint8_t uuid[16]);
/* CQL_E_ARG when the version nibble is not 1. */
cql_rc cql_encode_timeuuid(cql_buf *b, const uint8_t uuid[16]);
/* len 4 or 16, else CQL_E_ARG. */
cql_rc cql_encode_inet(cql_buf *b, const uint8_t *addr, size_t len);
/* CQL_E_ARG when the parts have different signs. */
cql_rc cql_encode_duration(cql_buf *b, cql_duration d);
/* The shortest two's-complement encoding of v (1-8 bytes). */
cql_rc cql_encode_varint(cql_buf *b, int64_t v);
/* Big-endian two's-complement bytes as they are (n >= 1, else CQL_E_ARG). */
cql_rc cql_encode_varint_raw(cql_buf *b, const uint8_t *twos, size_t n);
cql_rc cql_encode_decimal(cql_buf *b, int32_t scale, int64_t unscaled);
cql_rc cql_encode_decimal_raw(cql_buf *b, int32_t scale, const uint8_t *twos, size_t n);
/* CQL_E_ARG when a byte is 0x80 or above. */
cql_rc cql_encode_ascii(cql_buf *b, const char *s, size_t n);
/* CQL_E_ARG when s is not valid UTF-8. */
cql_rc cql_encode_text(cql_buf *b, const char *s, size_t n);
cql_rc cql_encode_blob(cql_buf *b, const void *p, size_t n);

/* The shortest big-endian two's-complement bytes of v, in out[0..return). */
size_t cql_varint_from_int64(int64_t v, uint8_t out[8]);

/* A composite value written element by element:
 *     cql_encode_frame f;
 *     cql_encode_begin(b, &f, list_of_int);
 *     cql_encode_int(b, 1); cql_encode_int(b, 2);
 *     rc = cql_encode_end(b, &f);
 * Elements are written with the encoders above (nested composites with their
 * own begin/end pair). begin reserves the length (and, for list, set and
 * map, the element count); end counts the elements, patches both, and for a
 * vector rewrites the elements in place, packed or with [unsigned vint]
 * sizes as the element type requires. end fails with CQL_E_ARG, removing
 * the whole composite from b, for an odd number of map elements, more
 * fields than a tuple or UDT has, a vector with other than `dimension`
 * elements, a null vector element or a packed one of the wrong size. The
 * frame is a plain value on the caller's stack and borrows the type. */
typedef struct cql_encode_frame {
    const cql_type *type;
    size_t start; /* offset in b of the composite's [bytes] length */
} cql_encode_frame;

cql_rc cql_encode_begin(cql_buf *b, cql_encode_frame *f, const cql_type *t);
cql_rc cql_encode_end(cql_buf *b, cql_encode_frame *f);

#endif
