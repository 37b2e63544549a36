/*
 * Encoders (values.h): each appends one [bytes] cell to a cql_buf. Inputs a
 * type cannot hold are refused before anything is written; buffer failures
 * (out of memory, over the limit) are the buffer's own, reported once.
 */
#include "proto/values.h"

#include <string.h>

static cql_rc cell(cql_buf *b, const void *bytes, size_t n)
{
    if (b == NULL)
        return CQL_E_ARG;
    cql_buf_put_long_string(b, bytes, n);
    return b->failed;
}

/* v as n big-endian bytes. */
static void be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static cql_rc fixed(cql_buf *b, uint64_t v, size_t n)
{
    uint8_t out[8];
    be(out, v, n);
    return cell(b, out, n);
}

cql_rc cql_encode_null(cql_buf *b)
{
    if (b == NULL)
        return CQL_E_ARG;
    cql_buf_put_u32(b, UINT32_MAX); /* -1 */
    return b->failed;
}

cql_rc cql_encode_unset(cql_buf *b)
{
    if (b == NULL)
        return CQL_E_ARG;
    cql_buf_put_u32(b, UINT32_MAX - 1); /* -2 */
    return b->failed;
}

cql_rc cql_encode_cell(cql_buf *b, const uint8_t *p, int32_t n)
{
    if (n == CQL_NULL)
        return cql_encode_null(b);
    if (n == CQL_UNSET)
        return cql_encode_unset(b);
    if (n < 0 || (p == NULL && n > 0))
        return CQL_E_ARG;
    return cell(b, p, (size_t)n);
}

cql_rc cql_encode_boolean(cql_buf *b, bool v) { return fixed(b, v ? 1 : 0, 1); }
cql_rc cql_encode_tinyint(cql_buf *b, int8_t v) { return fixed(b, (uint64_t)v, 1); }
cql_rc cql_encode_smallint(cql_buf *b, int16_t v) { return fixed(b, (uint64_t)v, 2); }
cql_rc cql_encode_int(cql_buf *b, int32_t v) { return fixed(b, (uint64_t)v, 4); }
cql_rc cql_encode_bigint(cql_buf *b, int64_t v) { return fixed(b, (uint64_t)v, 8); }
cql_rc cql_encode_date(cql_buf *b, uint32_t raw) { return fixed(b, raw, 4); }

cql_rc cql_encode_float(cql_buf *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return fixed(b, bits, 4);
}

cql_rc cql_encode_double(cql_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return fixed(b, bits, 8);
}

cql_rc cql_encode_time(cql_buf *b, int64_t ns)
{
    if (ns < 0 || ns > CQL_TIME_MAX_NS)
        return CQL_E_ARG;
    return fixed(b, (uint64_t)ns, 8);
}

cql_rc cql_encode_uuid(cql_buf *b, const uint8_t uuid[16])
{
    if (uuid == NULL)
        return CQL_E_ARG;
    return cell(b, uuid, 16);
}

cql_rc cql_encode_timeuuid(cql_buf *b, const uint8_t uuid[16])
{
    if (uuid == NULL || (uuid[6] & 0xF0) != 0x10)
        return CQL_E_ARG;
    return cell(b, uuid, 16);
}

cql_rc cql_encode_inet(cql_buf *b, const uint8_t *addr, size_t len)
{
    if (addr == NULL || (len != 4 && len != 16))
        return CQL_E_ARG;
    return cell(b, addr, len);
}

cql_rc cql_encode_duration(cql_buf *b, cql_duration d)
{
    bool positive = d.months >= 0 && d.days >= 0 && d.nanoseconds >= 0;
    bool negative = d.months <= 0 && d.days <= 0 && d.nanoseconds <= 0;
    if (!positive && !negative)
        return CQL_E_ARG;
    uint8_t out[27];
    size_t n = 0;
    int64_t parts[3] = {d.months, d.days, d.nanoseconds};
    for (size_t i = 0; i < 3; i++) {
        uint64_t zigzag = ((uint64_t)parts[i] << 1) ^ (parts[i] < 0 ? UINT64_MAX : 0);
        n += cql_vint_encode(zigzag, out + n);
    }
    return cell(b, out, n);
}

size_t cql_varint_from_int64(int64_t v, uint8_t out[8])
{
    uint8_t full[8];
    size_t skip = 0;
    be(full, (uint64_t)v, 8);
    /* a leading byte is redundant when it only repeats the next byte's sign */
    while (skip < 7 && ((full[skip] == 0x00 && (full[skip + 1] & 0x80) == 0) ||
                        (full[skip] == 0xFF && (full[skip + 1] & 0x80) != 0)))
        skip++;
    memcpy(out, full + skip, 8 - skip);
    return 8 - skip;
}

cql_rc cql_encode_varint(cql_buf *b, int64_t v)
{
    uint8_t out[8];
    return cell(b, out, cql_varint_from_int64(v, out));
}

cql_rc cql_encode_varint_raw(cql_buf *b, const uint8_t *twos, size_t n)
{
    if (twos == NULL || n == 0)
        return CQL_E_ARG;
    return cell(b, twos, n);
}

cql_rc cql_encode_decimal_raw(cql_buf *b, int32_t scale, const uint8_t *twos, size_t n)
{
    if (b == NULL || twos == NULL || n == 0)
        return CQL_E_ARG;
    if (n > INT32_MAX - 4) {
        if (b->failed == CQL_OK)
            b->failed = CQL_E_ARG; /* too long for the [int] length, as buf.h has it */
        return b->failed;
    }
    uint8_t s[4];
    be(s, (uint64_t)scale, 4);
    cql_buf_put_u32(b, (uint32_t)(n + 4));
    cql_buf_put(b, s, 4);
    cql_buf_put(b, twos, n);
    return b->failed;
}

cql_rc cql_encode_decimal(cql_buf *b, int32_t scale, int64_t unscaled)
{
    uint8_t out[8];
    return cql_encode_decimal_raw(b, scale, out, cql_varint_from_int64(unscaled, out));
}

cql_rc cql_encode_ascii(cql_buf *b, const char *s, size_t n)
{
    if (s == NULL && n > 0)
        return CQL_E_ARG;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return CQL_E_ARG;
    return cell(b, s, n);
}

cql_rc cql_encode_text(cql_buf *b, const char *s, size_t n)
{
    if ((s == NULL && n > 0) || (n > 0 && !cql_utf8_valid((const uint8_t *)s, n, NULL)))
        return CQL_E_ARG;
    return cell(b, s, n);
}

cql_rc cql_encode_blob(cql_buf *b, const void *p, size_t n)
{
    if (p == NULL && n > 0)
        return CQL_E_ARG;
    return cell(b, p, n);
}

/* ------------------------------------------------------------------------ */
/* Composites                                                                */
/* ------------------------------------------------------------------------ */

static bool counted(const cql_type *t)
{
    return t->kind == CQL_TYPE_LIST || t->kind == CQL_TYPE_SET || t->kind == CQL_TYPE_MAP;
}

static bool composite_type(const cql_type *t)
{
    if (t == NULL)
        return false;
    switch (t->kind) {
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET: return t->count == 1 && t->children && t->children[0];
    case CQL_TYPE_MAP: return t->count == 2 && t->children && t->children[0] && t->children[1];
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT: return true;
    case CQL_TYPE_VECTOR:
        return t->count == 1 && t->children && t->children[0] && t->dimension > 0;
    default: return false;
    }
}

cql_rc cql_encode_begin(cql_buf *b, cql_encode_frame *f, const cql_type *t)
{
    if (b == NULL || f == NULL || !composite_type(t))
        return CQL_E_ARG;
    f->type = t;
    f->start = b->len;
    cql_buf_put_u32(b, 0); /* the length, patched by end */
    if (counted(t))
        cql_buf_put_u32(b, 0); /* the element count, patched by end */
    return b->failed;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static cql_rc rollback(cql_buf *b, const cql_encode_frame *f, cql_rc rc)
{
    b->len = f->start;
    return rc;
}

/* Vector elements were written as [bytes]; Cassandra wants them packed, or
 * behind an [unsigned vint] size. Both forms are no longer than the [int]
 * length they replace (checked by the caller), so the rewrite runs forward
 * in place. */
static void compact_vector(cql_buf *b, size_t first, size_t packed)
{
    size_t rd = first, wr = first;
    while (rd < b->len) {
        uint32_t len = be32(b->data + rd);
        if (packed == 0) {
            uint8_t size[9];
            size_t s = cql_vint_encode(len, size);
            memcpy(b->data + wr, size, s);
            wr += s;
        }
        memmove(b->data + wr, b->data + rd + 4, len);
        wr += len;
        rd += 4 + (size_t)len;
    }
    b->len = wr;
}

cql_rc cql_encode_end(cql_buf *b, cql_encode_frame *f)
{
    if (b == NULL || f == NULL || !composite_type(f->type))
        return CQL_E_ARG;
    if (b->failed != CQL_OK)
        return b->failed;
    const cql_type *t = f->type;
    size_t body = f->start + 4, first = body + (counted(t) ? 4 : 0);
    if (f->start > b->len || first > b->len)
        return CQL_E_ARG;
    size_t packed = t->kind == CQL_TYPE_VECTOR ? cql_type_fixed_size(t->children[0]) : 0;
    cql_reader r = cql_reader_make(b->data + first, b->len - first);
    uint64_t count = 0;
    while (cql_reader_left(&r) > 0) {
        const uint8_t *p;
        int32_t n;
        if (!cql_read_bytes(&r, &p, &n, "") || n < CQL_NULL)
            return rollback(b, f, CQL_E_ARG);
        if (t->kind == CQL_TYPE_VECTOR) {
            if (n < 0 || (packed != 0 && (size_t)n != packed))
                return rollback(b, f, CQL_E_ARG);
            if (packed == 0 && cql_vint_size((uint64_t)n) > 4)
                return rollback(b, f, CQL_E_LIMIT);
        }
        count++;
    }
    if ((t->kind == CQL_TYPE_MAP && count % 2 != 0) ||
        ((t->kind == CQL_TYPE_TUPLE || t->kind == CQL_TYPE_UDT) && count > t->count) ||
        (t->kind == CQL_TYPE_VECTOR && count != t->dimension))
        return rollback(b, f, CQL_E_ARG);
    if (t->kind == CQL_TYPE_VECTOR)
        compact_vector(b, first, packed);
    if (b->len - body > INT32_MAX)
        return rollback(b, f, CQL_E_ARG);
    cql_buf_patch_u32(b, f->start, (uint32_t)(b->len - body));
    if (counted(t))
        cql_buf_patch_u32(b, body, (uint32_t)(t->kind == CQL_TYPE_MAP ? count / 2 : count));
    return CQL_OK;
}
