/* Values against types, from arbitrary bytes: a limits byte, an [option]
 * naming the type, then the cell's bytes (the rest of the input).
 * Never a crash, an over-read or a leak. When cql_value_validate says OK,
 * the iterator walks every composite to its end without an error, every
 * non-empty scalar decodes, and re-encoding the cell element by element
 * gives a cell that validates and re-encodes to itself. */
#include "proto/values.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool composite(const cql_type *t)
{
    switch (t->kind) {
    case CQL_TYPE_LIST:
    case CQL_TYPE_SET:
    case CQL_TYPE_MAP:
    case CQL_TYPE_TUPLE:
    case CQL_TYPE_UDT:
    case CQL_TYPE_VECTOR: return true;
    default: return false;
    }
}

static void must(bool ok)
{
    if (!ok)
        abort();
}

static void decode_scalar(const cql_type *t, const uint8_t *p, int32_t n)
{
    union {
        bool b;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint32_t u32;
        float f;
        double d;
        uint8_t u[16];
        cql_duration dur;
        cql_str s;
    } out;
    size_t len;
    const uint8_t *u;
    char text[64];
    switch (t->kind) {
    case CQL_TYPE_BOOLEAN: must(cql_decode_boolean(p, n, &out.b, NULL) == CQL_OK); break;
    case CQL_TYPE_TINYINT: must(cql_decode_tinyint(p, n, &out.i8, NULL) == CQL_OK); break;
    case CQL_TYPE_SMALLINT: must(cql_decode_smallint(p, n, &out.i16, NULL) == CQL_OK); break;
    case CQL_TYPE_INT: must(cql_decode_int(p, n, &out.i32, NULL) == CQL_OK); break;
    case CQL_TYPE_BIGINT: must(cql_decode_bigint(p, n, &out.i64, NULL) == CQL_OK); break;
    case CQL_TYPE_COUNTER: must(cql_decode_counter(p, n, &out.i64, NULL) == CQL_OK); break;
    case CQL_TYPE_TIMESTAMP: must(cql_decode_timestamp(p, n, &out.i64, NULL) == CQL_OK); break;
    case CQL_TYPE_FLOAT: must(cql_decode_float(p, n, &out.f, NULL) == CQL_OK); break;
    case CQL_TYPE_DOUBLE: must(cql_decode_double(p, n, &out.d, NULL) == CQL_OK); break;
    case CQL_TYPE_DATE: must(cql_decode_date(p, n, &out.u32, NULL) == CQL_OK); break;
    case CQL_TYPE_TIME: must(cql_decode_time(p, n, &out.i64, NULL) == CQL_OK); break;
    case CQL_TYPE_UUID: must(cql_decode_uuid(p, n, out.u, NULL) == CQL_OK); break;
    case CQL_TYPE_TIMEUUID: must(cql_decode_timeuuid(p, n, out.u, NULL) == CQL_OK); break;
    case CQL_TYPE_INET: must(cql_decode_inet(p, n, out.u, &len, NULL) == CQL_OK); break;
    case CQL_TYPE_DURATION: must(cql_decode_duration(p, n, &out.dur, NULL) == CQL_OK); break;
    case CQL_TYPE_ASCII: must(cql_decode_ascii(p, n, &out.s, NULL) == CQL_OK); break;
    case CQL_TYPE_VARCHAR: must(cql_decode_text(p, n, true, &out.s, NULL) == CQL_OK); break;
    case CQL_TYPE_VARINT: {
        cql_rc rc = cql_decode_varint(p, n, &out.i64, NULL);
        must(rc == CQL_OK || rc == CQL_E_LIMIT);
        must(cql_varint_text(p, n, text, sizeof text, &len, NULL) == CQL_OK);
        must(len >= 1 && len <= (size_t)n * 3 + 1 && strlen(text) == (len < 63 ? len : 63));
        break;
    }
    case CQL_TYPE_DECIMAL:
        must(cql_decode_decimal(p, n, &out.i32, &u, &len, NULL) == CQL_OK);
        must(cql_decimal_text(p, n, text, sizeof text, &len, NULL) == CQL_OK && len >= 1);
        break;
    default: break;
    }
}

/* Everything validate accepted must be walkable and decodable. */
static void walk(const cql_type *t, const uint8_t *p, int32_t n, const cql_limits *lim)
{
    if (n < 0)
        return;
    if (!composite(t)) {
        if (n > 0)
            decode_scalar(t, p, n);
        return;
    }
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    const cql_type *et;
    must(cql_value_iter_begin(&it, t, p, n, lim, NULL) == CQL_OK);
    while (cql_value_iter_next(&it, &ep, &en, &et)) {
        must(en < 0 || (ep >= p && ep + en <= p + n));
        walk(et, ep, en, lim);
    }
    must(it.diag.rc == CQL_OK);
}

/* The cell again, composites rebuilt element by element with begin/end. */
static void reencode(cql_buf *b, const cql_type *t, const uint8_t *p, int32_t n,
                     const cql_limits *lim)
{
    if (!composite(t) || n <= 0) {
        must(cql_encode_cell(b, p, n) == CQL_OK);
        return;
    }
    cql_encode_frame f;
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    const cql_type *et;
    must(cql_encode_begin(b, &f, t) == CQL_OK);
    must(cql_value_iter_begin(&it, t, p, n, lim, NULL) == CQL_OK);
    while (cql_value_iter_next(&it, &ep, &en, &et))
        reencode(b, et, ep, en, lim);
    must(cql_encode_end(b, &f) == CQL_OK);
}

/* Walks whatever the bytes are, valid or not: no step may leave the cell. */
static void wander(const cql_type *t, const uint8_t *p, int32_t n, const cql_limits *lim,
                   unsigned depth)
{
    if (n <= 0 || !composite(t) || depth > 40)
        return;
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    const cql_type *et;
    if (cql_value_iter_begin(&it, t, p, n, lim, NULL) != CQL_OK) {
        must(it.diag.what != NULL && it.diag.offset <= (size_t)n);
        return;
    }
    while (cql_value_iter_next(&it, &ep, &en, &et)) {
        must(en < 0 || (ep >= p && ep + en <= p + n));
        wander(et, ep, en, lim, depth + 1);
    }
    must(it.diag.rc == CQL_OK || it.diag.offset <= (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    cql_limits lim = {0, data[0] & 0x0F, (data[0] >> 4) ? 1u << (data[0] >> 4) : 0};
    cql_reader r = cql_reader_make(data + 1, size - 1);
    cql_type *t = NULL;
    if (cql_type_parse(&r, NULL, &t) != CQL_OK)
        return 0;
    const uint8_t *p = data + 1 + r.off;
    int32_t n = (int32_t)(size - 1 - r.off);

    wander(t, p, n, &lim, 0);
    cql_diag d;
    if (cql_value_validate(t, p, n, &lim, &d) != CQL_OK) {
        must(d.what != NULL && d.offset <= (size_t)n);
        cql_type_free(t);
        return 0;
    }
    walk(t, p, n, &lim);

    cql_buf once = {0}, twice = {0};
    reencode(&once, t, p, n, &lim);
    const uint8_t *q = once.data + 4;
    int32_t m = (int32_t)(once.len - 4);
    must(cql_value_validate(t, q, m, &lim, NULL) == CQL_OK);
    reencode(&twice, t, q, m, &lim);
    must(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
    cql_buf_free(&once);
    cql_buf_free(&twice);
    cql_type_free(t);
    return 0;
}
