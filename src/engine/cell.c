/*
 * Cells of a result: typed getters and the composite iterator.
 *
 * Each getter is a switch on the column's kind, then one of the inline
 * decoders of proto/values.h (or, for the 4- and 8-byte types, one load and
 * a byte swap): it runs once per cell in every row loop, so it neither
 * allocates nor calls out on the common path. The kind decides
 * first, so a getter that does not fit the column says CQL_E_TYPE even for a
 * null cell; then the decoder refuses a null cell or a NULL output
 * (CQL_E_ARG) and bytes of the wrong size, an empty cell included
 * (CQL_E_MALFORMED).
 */
#include "proto/types.h"
#include "proto/values.h"

#include <string.h>

/* The kind of a cell's column, or -1 when the cell has no type (no column,
 * or a page read without any metadata): no typed getter fits it. */
static inline int kind_of(cql_cell c) { return c.type != NULL ? (int)c.type->kind : -1; }

/* The checks the variable-size getters make before reading. */
static inline bool unusable(cql_cell c, const void *out)
{
    return c.len < 0 || out == NULL || (c.ptr == NULL && c.len > 0);
}

bool cql_cell_is_null(cql_cell cell) { return cell.len < 0; }

cql_rc cql_cell_bool(cql_cell cell, bool *out)
{
    if (kind_of(cell) != CQL_TYPE_BOOLEAN)
        return CQL_E_TYPE;
    return cql_decode_boolean(cell.ptr, cell.len, out, NULL);
}

cql_rc cql_cell_int8(cql_cell cell, int8_t *out)
{
    if (kind_of(cell) != CQL_TYPE_TINYINT)
        return CQL_E_TYPE;
    return cql_decode_tinyint(cell.ptr, cell.len, out, NULL);
}

/* The 4- and 8-byte types read with one load and a byte swap. The decoders
 * of values.h assemble their bytes one at a time, which GCC leaves as a loop;
 * here that loop would cost more than the rest of the getter. The checks and
 * their order are the decoders': null or NULL output, then the size. */
static inline uint64_t load_be64(const uint8_t *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
#else
    return cql_value_be_(p, 8);
#endif
}

static inline cql_rc fixed8(cql_cell c, void *out)
{
    if (c.len < 0 || out == NULL || (c.ptr == NULL && c.len > 0))
        return CQL_E_ARG;
    if (c.len != 8)
        return CQL_E_MALFORMED;
    uint64_t bits = load_be64(c.ptr);
    memcpy(out, &bits, 8); /* int64_t and double: two's complement, IEEE 754 */
    return CQL_OK;
}

static inline cql_rc fixed4(cql_cell c, void *out)
{
    if (c.len < 0 || out == NULL || (c.ptr == NULL && c.len > 0))
        return CQL_E_ARG;
    if (c.len != 4)
        return CQL_E_MALFORMED;
    uint32_t bits = cql_load_be32(c.ptr);
    memcpy(out, &bits, 4); /* int32_t and float */
    return CQL_OK;
}

/* The narrower integers widen into every wider getter: decode into a local
 * (the decoders check `out` for NULL, so pass NULL through when it is). */
#define WIDEN_(decoder, narrow_t, cell, out)                                                       \
    do {                                                                                           \
        narrow_t v_ = 0;                                                                           \
        cql_rc rc_ = decoder((cell).ptr, (cell).len, (out) != NULL ? &v_ : NULL, NULL);            \
        if (rc_ == CQL_OK)                                                                         \
            *(out) = v_;                                                                           \
        return rc_;                                                                                \
    } while (0)

cql_rc cql_cell_int16(cql_cell cell, int16_t *out)
{
    switch (kind_of(cell)) {
    case CQL_TYPE_SMALLINT: return cql_decode_smallint(cell.ptr, cell.len, out, NULL);
    case CQL_TYPE_TINYINT: WIDEN_(cql_decode_tinyint, int8_t, cell, out);
    default: return CQL_E_TYPE;
    }
}

cql_rc cql_cell_int32(cql_cell cell, int32_t *out)
{
    switch (kind_of(cell)) {
    case CQL_TYPE_INT: return fixed4(cell, out);
    case CQL_TYPE_SMALLINT: WIDEN_(cql_decode_smallint, int16_t, cell, out);
    case CQL_TYPE_TINYINT: WIDEN_(cql_decode_tinyint, int8_t, cell, out);
    default: return CQL_E_TYPE;
    }
}

/* A varint beyond 64 bits is CQL_E_LIMIT (the decoder's code): the cell is
 * valid, the getter too narrow; cql_cell_varint reads any of them. */
cql_rc cql_cell_int64(cql_cell cell, int64_t *out)
{
    switch (kind_of(cell)) {
    case CQL_TYPE_BIGINT:
    case CQL_TYPE_COUNTER:
    case CQL_TYPE_TIMESTAMP: return fixed8(cell, out);
    case CQL_TYPE_INT: {
        int32_t v = 0;
        cql_rc rc = fixed4(cell, out != NULL ? &v : NULL);
        if (rc == CQL_OK)
            *out = v;
        return rc;
    }
    case CQL_TYPE_SMALLINT: WIDEN_(cql_decode_smallint, int16_t, cell, out);
    case CQL_TYPE_TINYINT: WIDEN_(cql_decode_tinyint, int8_t, cell, out);
    case CQL_TYPE_VARINT: return cql_decode_varint(cell.ptr, cell.len, out, NULL);
    default: return CQL_E_TYPE;
    }
}

cql_rc cql_cell_float(cql_cell cell, float *out)
{
    if (kind_of(cell) != CQL_TYPE_FLOAT)
        return CQL_E_TYPE;
    return fixed4(cell, out);
}

cql_rc cql_cell_double(cql_cell cell, double *out)
{
    switch (kind_of(cell)) {
    case CQL_TYPE_DOUBLE: return fixed8(cell, out);
    case CQL_TYPE_FLOAT: WIDEN_(cql_decode_float, float, cell, out);
    default: return CQL_E_TYPE;
    }
}

#undef WIDEN_

/* The offset of the first 8-byte word of p[0..n) holding a byte of 0x80 or
 * above, or n when every byte is ASCII. Text columns are mostly ASCII, and a
 * word at a time makes checking them nearly free; the byte-wise validators
 * then take over only where a high byte is. */
static inline size_t ascii_span(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            return i;
    }
    for (; i < n; i++)
        if (p[i] & 0x80)
            return i & ~(size_t)7;
    return n;
}

/* ascii is checked to be ASCII and text (varchar) to be UTF-8, so what a
 * caller gets is what the type promises. */
cql_rc cql_cell_string(cql_cell cell, cql_str *out)
{
    int kind = kind_of(cell);
    if (kind != CQL_TYPE_VARCHAR && kind != CQL_TYPE_ASCII)
        return CQL_E_TYPE;
    if (unusable(cell, out))
        return CQL_E_ARG;
    size_t n = (size_t)cell.len, at = ascii_span(cell.ptr, n);
    if (at < n) {
        if (kind == CQL_TYPE_ASCII || !cql_utf8_valid(cell.ptr + at, n - at, NULL))
            return CQL_E_MALFORMED;
    }
    out->ptr = n > 0 ? (const char *)cell.ptr : "";
    out->len = n;
    return CQL_OK;
}

/* Any cell's bytes, whatever its type, and also a cell without one (a page
 * read without metadata): the one getter that needs no type. */
cql_rc cql_cell_bytes(cql_cell cell, cql_str *out)
{
    if (unusable(cell, out))
        return CQL_E_ARG;
    out->ptr = cell.len > 0 ? (const char *)cell.ptr : "";
    out->len = (size_t)cell.len;
    return CQL_OK;
}

cql_rc cql_cell_uuid(cql_cell cell, uint8_t out[16])
{
    switch (kind_of(cell)) {
    case CQL_TYPE_UUID: return cql_decode_uuid(cell.ptr, cell.len, out, NULL);
    case CQL_TYPE_TIMEUUID: return cql_decode_timeuuid(cell.ptr, cell.len, out, NULL);
    default: return CQL_E_TYPE;
    }
}

cql_rc cql_cell_inet(cql_cell cell, uint8_t out[16], size_t *len)
{
    if (kind_of(cell) != CQL_TYPE_INET)
        return CQL_E_TYPE;
    return cql_decode_inet(cell.ptr, cell.len, out, len, NULL);
}

cql_rc cql_cell_date(cql_cell cell, int64_t *days)
{
    if (kind_of(cell) != CQL_TYPE_DATE)
        return CQL_E_TYPE;
    uint32_t raw = 0;
    cql_rc rc = cql_decode_date(cell.ptr, cell.len, days != NULL ? &raw : NULL, NULL);
    if (rc == CQL_OK)
        *days = cql_date_to_days(raw);
    return rc;
}

cql_rc cql_cell_time(cql_cell cell, int64_t *nanoseconds)
{
    if (kind_of(cell) != CQL_TYPE_TIME)
        return CQL_E_TYPE;
    return cql_decode_time(cell.ptr, cell.len, nanoseconds, NULL);
}

cql_rc cql_cell_timestamp(cql_cell cell, int64_t *milliseconds)
{
    if (kind_of(cell) != CQL_TYPE_TIMESTAMP)
        return CQL_E_TYPE;
    return fixed8(cell, milliseconds);
}

/* All three outputs are required. */
cql_rc cql_cell_duration(cql_cell cell, int32_t *months, int32_t *days, int64_t *nanoseconds)
{
    if (kind_of(cell) != CQL_TYPE_DURATION)
        return CQL_E_TYPE;
    if (months == NULL || days == NULL || nanoseconds == NULL)
        return CQL_E_ARG;
    cql_duration d;
    cql_rc rc = cql_decode_duration(cell.ptr, cell.len, &d, NULL);
    if (rc == CQL_OK) {
        *months = d.months;
        *days = d.days;
        *nanoseconds = d.nanoseconds;
    }
    return rc;
}

/* A varint has at least one byte; an empty cell is no number. */
cql_rc cql_cell_varint(cql_cell cell, cql_str *out)
{
    if (kind_of(cell) != CQL_TYPE_VARINT)
        return CQL_E_TYPE;
    if (unusable(cell, out))
        return CQL_E_ARG;
    if (cell.len == 0)
        return CQL_E_MALFORMED;
    out->ptr = (const char *)cell.ptr;
    out->len = (size_t)cell.len;
    return CQL_OK;
}

cql_rc cql_cell_decimal(cql_cell cell, cql_decimal_value *out)
{
    if (kind_of(cell) != CQL_TYPE_DECIMAL)
        return CQL_E_TYPE;
    if (out == NULL)
        return CQL_E_ARG;
    cql_decimal_value d;
    cql_rc rc = cql_decode_decimal(cell.ptr, cell.len, &d.scale, &d.unscaled, &d.unscaled_len,
                                   NULL);
    if (rc == CQL_OK)
        *out = d;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Iterating composite cells                                                 */
/* ------------------------------------------------------------------------ */

/* What lives inside a cql_iter: the proto iterator, and the element count
 * the cell announced (the proto iterator only keeps what is left). The index
 * of the field last returned is the proto iterator's count of elements
 * yielded, minus one. */
typedef struct iter_state {
    cql_value_iter vi;
    uint64_t count;
} iter_state;

_Static_assert(sizeof(iter_state) <= sizeof(((cql_iter *)0)->opaque_.bytes_),
               "cql_iter is too small for the iterator's state");
_Static_assert(_Alignof(iter_state) <= _Alignof(cql_iter),
               "cql_iter is not aligned enough for the iterator's state");

/* The caller's cql_iter is only ever touched through this view. */
static iter_state *state(cql_iter *it) { return (iter_state *)(void *)it->opaque_.bytes_; }

static const iter_state *cstate(const cql_iter *it)
{
    return (const iter_state *)(const void *)it->opaque_.bytes_;
}

static bool composite(int kind)
{
    return kind == CQL_TYPE_LIST || kind == CQL_TYPE_SET || kind == CQL_TYPE_MAP ||
           kind == CQL_TYPE_TUPLE || kind == CQL_TYPE_UDT || kind == CQL_TYPE_VECTOR;
}

/* The cell's own length was checked by the page's cursor, so a count or an
 * element running past the cell's end means bytes no valid value has there:
 * at this level that is CQL_E_MALFORMED, not a short read. */
static cql_rc public_rc(cql_rc rc) { return rc == CQL_E_TRUNCATED ? CQL_E_MALFORMED : rc; }

static cql_rc refuse(iter_state *st, cql_rc rc, const char *what)
{
    st->vi.diag = (cql_diag){rc, 0, what};
    return rc;
}

cql_rc cql_cell_iterate(cql_cell cell, cql_iter *it)
{
    if (it == NULL)
        return CQL_E_ARG;
    iter_state *st = state(it);
    memset(st, 0, sizeof *st);
    int kind = kind_of(cell);
    if (kind < 0)
        return refuse(st, CQL_E_ARG, "iterator: a cell without a type");
    if (!composite(kind))
        return refuse(st, CQL_E_TYPE, "iterator: not a composite type");
    if (cell.len < 0)
        return refuse(st, CQL_E_ARG, "iterator: a null cell");
    cql_rc rc = cql_value_iter_begin(&st->vi, cell.type, cell.ptr, cell.len, NULL, NULL);
    if (rc != CQL_OK)
        return public_rc(rc);
    st->count = kind == CQL_TYPE_MAP ? st->vi.left / 2 : st->vi.left;
    return CQL_OK;
}

bool cql_iter_next(cql_iter *it, cql_cell *out)
{
    if (it == NULL)
        return false;
    iter_state *st = state(it);
    if (out == NULL) {
        if (st->vi.diag.rc == CQL_OK)
            refuse(st, CQL_E_ARG, "iterator: NULL output");
        return false;
    }
    const uint8_t *p = NULL;
    int32_t n = CQL_NULL;
    const cql_type *t = NULL;
    if (!cql_value_iter_next(&st->vi, &p, &n, &t)) {
        /* A UDT value may stop before its type's last fields (§6): those
         * read as null, so every UDT yields as many fields as its type. */
        const cql_type *udt = st->vi.type;
        if (st->vi.diag.rc != CQL_OK || udt == NULL || udt->kind != CQL_TYPE_UDT ||
            st->vi.index >= udt->count)
            return false;
        out->type = cql_type_child(udt, st->vi.index++);
        out->ptr = NULL;
        out->len = CQL_NULL;
        return true;
    }
    out->type = t;
    out->ptr = n >= 0 ? p : NULL;
    out->len = n;
    return true;
}

cql_rc cql_iter_rc(const cql_iter *it)
{
    return it == NULL ? CQL_E_ARG : public_rc(cstate(it)->vi.diag.rc);
}

size_t cql_iter_count(const cql_iter *it)
{
    return it == NULL ? 0 : (size_t)cstate(it)->count;
}

cql_str cql_iter_field_name(const cql_iter *it)
{
    const cql_value_iter *vi = it != NULL ? &cstate(it)->vi : NULL;
    if (vi == NULL || vi->type == NULL || vi->type->kind != CQL_TYPE_UDT || vi->index == 0)
        return (cql_str){"", 0};
    return cql_type_field_name(vi->type, vi->index - 1);
}
