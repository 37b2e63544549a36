/* CQL values (v5 §5, §6): decoders, iterator, validator, encoders. */
#include "harness.h"
#include "proto/values.h"

#include <math.h>
#include <stdlib.h>

/* A type from its marshal class name (short names are fine). */
static cql_type *T(const char *cls)
{
    cql_type *t = NULL;
    cql_limits lim = {0, 64, 0};
    if (cql_type_parse_class(cls, strlen(cls), &lim, &t, NULL) != CQL_OK)
        fprintf(stderr, "  bad class name in a test: %s\n", cls);
    return t;
}

/* The one [bytes] cell that b holds from `at` on. */
static bool cell_at(const cql_buf *b, size_t at, const uint8_t **p, int32_t *n)
{
    cql_reader r = cql_reader_make(b->data + at, b->len - at);
    return cql_read_bytes(&r, p, n, "cell") && r.off == b->len - at;
}

static bool bytes_are(const cql_buf *b, const uint8_t *want, size_t n)
{
    if (b->len == n && memcmp(b->data, want, n) == 0)
        return true;
    fprintf(stderr, "  buffer:");
    for (size_t i = 0; i < b->len; i++)
        fprintf(stderr, " %02X", b->data[i]);
    fprintf(stderr, "\n");
    return false;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------ */

TEST(varint_examples_of_the_spec_decode_and_encode)
{
    static const struct {
        int64_t v;
        uint8_t bytes[2];
        size_t n;
    } table[] = {{0, {0x00}, 1},   {1, {0x01}, 1},          {127, {0x7F}, 1},
                 {128, {0x00, 0x80}, 2}, {129, {0x00, 0x81}, 2}, {-1, {0xFF}, 1},
                 {-128, {0x80}, 1}, {-129, {0xFF, 0x7F}, 2}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        int64_t v = 0;
        CHECK_EQ_INT(cql_decode_varint(table[i].bytes, (int32_t)table[i].n, &v, NULL), CQL_OK);
        CHECK_EQ_INT(v, table[i].v);
        uint8_t out[8];
        size_t n = cql_varint_from_int64(table[i].v, out);
        CHECK_EQ_INT(n, table[i].n);
        CHECK(memcmp(out, table[i].bytes, n) == 0);
        char text[8];
        snprintf(text, sizeof text, "%lld", (long long)table[i].v);
        char got[8];
        size_t len;
        CHECK_EQ_INT(cql_varint_text(table[i].bytes, (int32_t)table[i].n, got, sizeof got, &len,
                                     NULL),
                     CQL_OK);
        CHECK(strcmp(got, text) == 0 && len == strlen(text));
    }
}

TEST(boolean_is_one_byte_and_any_non_zero_is_true)
{
    const uint8_t f = 0x00, t = 0x01, other = 0x7E, two[2] = {0, 1};
    bool v = true;
    CHECK(cql_decode_boolean(&f, 1, &v, NULL) == CQL_OK && !v);
    CHECK(cql_decode_boolean(&t, 1, &v, NULL) == CQL_OK && v);
    CHECK(cql_decode_boolean(&other, 1, &v, NULL) == CQL_OK && v);
    cql_diag d;
    CHECK_EQ_INT(cql_decode_boolean(two, 2, &v, &d), CQL_E_MALFORMED);
    CHECK(strstr(d.what, "boolean") != NULL);
}

TEST(fixed_size_decoders_refuse_other_sizes_null_and_empty)
{
    uint8_t bytes[17] = {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
                         0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10};
    union {
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        float f;
        double d;
        uint32_t u32;
        uint8_t u[16];
    } out;
    static const int sizes[] = {1, 2, 4, 8, 8, 8, 4, 8, 4, 8, 16, 16};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        int want = sizes[k];
        for (int n = -2; n <= want + 1; n++) {
            cql_diag d = {CQL_OK, 0, NULL};
            cql_rc rc = CQL_OK;
            switch (k) {
            case 0: rc = cql_decode_tinyint(bytes, n, &out.i8, &d); break;
            case 1: rc = cql_decode_smallint(bytes, n, &out.i16, &d); break;
            case 2: rc = cql_decode_int(bytes, n, &out.i32, &d); break;
            case 3: rc = cql_decode_bigint(bytes, n, &out.i64, &d); break;
            case 4: rc = cql_decode_counter(bytes, n, &out.i64, &d); break;
            case 5: rc = cql_decode_timestamp(bytes, n, &out.i64, &d); break;
            case 6: rc = cql_decode_float(bytes, n, &out.f, &d); break;
            case 7: rc = cql_decode_double(bytes, n, &out.d, &d); break;
            case 8: rc = cql_decode_date(bytes, n, &out.u32, &d); break;
            case 9: rc = cql_decode_time(bytes, n, &out.i64, &d); break;
            case 10: rc = cql_decode_uuid(bytes, n, out.u, &d); break;
            default: rc = cql_decode_timeuuid(bytes, n, out.u, &d); break;
            }
            cql_rc want_rc = n < 0 ? CQL_E_ARG : n == want ? CQL_OK : CQL_E_MALFORMED;
            if (k == 9 && n == want)
                want_rc = CQL_E_MALFORMED; /* 0x1010... ns is past midnight */
            CHECK_EQ_INT(rc, want_rc);
            CHECK(rc == CQL_OK || (d.what != NULL && d.offset <= (size_t)(n > 0 ? n : 0)));
        }
    }
}

TEST(integer_extremes_round_trip)
{
    cql_buf b = {0};
    const uint8_t *p;
    int32_t n;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    const int8_t e8[] = {INT8_MIN, -1, 0, 1, INT8_MAX};
    for (size_t i = 0; i < 5; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_tinyint(&b, e8[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 1);
        CHECK(cql_decode_tinyint(p, n, &i8, NULL) == CQL_OK && i8 == e8[i]);
    }
    const int16_t e16[] = {INT16_MIN, -1, 0, 1, INT16_MAX};
    for (size_t i = 0; i < 5; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_smallint(&b, e16[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 2);
        CHECK(cql_decode_smallint(p, n, &i16, NULL) == CQL_OK && i16 == e16[i]);
    }
    const int32_t e32[] = {INT32_MIN, -1, 0, 1, INT32_MAX};
    for (size_t i = 0; i < 5; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_int(&b, e32[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 4);
        CHECK(cql_decode_int(p, n, &i32, NULL) == CQL_OK && i32 == e32[i]);
    }
    const int64_t e64[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX};
    for (size_t i = 0; i < 6; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_bigint(&b, e64[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 8);
        CHECK(cql_decode_bigint(p, n, &i64, NULL) == CQL_OK && i64 == e64[i]);
        CHECK(cql_decode_counter(p, n, &i64, NULL) == CQL_OK && i64 == e64[i]);
        CHECK(cql_decode_timestamp(p, n, &i64, NULL) == CQL_OK && i64 == e64[i]);
        b.len = 0;
        CHECK_EQ_INT(cql_encode_varint(&b, e64[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n));
        CHECK(cql_decode_varint(p, n, &i64, NULL) == CQL_OK && i64 == e64[i]);
        b.len = 0;
        CHECK_EQ_INT(cql_encode_decimal(&b, INT32_MIN, e64[i]), CQL_OK);
        int32_t scale;
        const uint8_t *u;
        size_t ulen;
        CHECK(cell_at(&b, 0, &p, &n));
        CHECK(cql_decode_decimal(p, n, &scale, &u, &ulen, NULL) == CQL_OK && scale == INT32_MIN);
        CHECK(cql_decode_varint(u, (int32_t)ulen, &i64, NULL) == CQL_OK && i64 == e64[i]);
    }
    /* INT8_MIN as a bigint is eight bytes, as a varint one */
    uint8_t out[8];
    CHECK_EQ_INT(cql_varint_from_int64(INT64_MIN, out), 8);
    CHECK(out[0] == 0x80);
    cql_buf_free(&b);
}

TEST(floats_round_trip_nan_infinities_and_negative_zero)
{
    cql_buf b = {0};
    const uint8_t *p;
    int32_t n;
    const float fs[] = {0.0f, -0.0f, 1.5f, -3.25e38f, 1e-45f, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        float f;
        b.len = 0;
        CHECK_EQ_INT(cql_encode_float(&b, fs[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 4);
        CHECK_EQ_INT(cql_decode_float(p, n, &f, NULL), CQL_OK);
        CHECK(memcmp(&f, &fs[i], sizeof f) == 0);
    }
    const double ds[] = {0.0, -0.0, 2.5, -1.7976931348623157e308, 5e-324, INFINITY, -INFINITY,
                         NAN};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        double d;
        b.len = 0;
        CHECK_EQ_INT(cql_encode_double(&b, ds[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n) && n == 8);
        CHECK_EQ_INT(cql_decode_double(p, n, &d, NULL), CQL_OK);
        CHECK(memcmp(&d, &ds[i], sizeof d) == 0);
    }
    /* 1.0f is 3F 80 00 00 on the wire whatever the host's byte order */
    b.len = 0;
    cql_encode_float(&b, 1.0f);
    const uint8_t one[] = {0, 0, 0, 4, 0x3F, 0x80, 0x00, 0x00};
    CHECK(bytes_are(&b, one, sizeof one));
    cql_buf_free(&b);
}

TEST(dates_follow_the_spec_examples_before_1970_and_far_ahead)
{
    int64_t y;
    unsigned m, d;
    cql_days_to_civil(cql_date_to_days(0), &y, &m, &d);
    CHECK(y == -5877641 && m == 6 && d == 23);
    cql_days_to_civil(cql_date_to_days(CQL_DATE_EPOCH), &y, &m, &d);
    CHECK(y == 1970 && m == 1 && d == 1);
    /* the spec's "2^32: 5881580-07-11" is the top of the range, 2^32 - 1
     * (Java's LocalDate.ofEpochDay(Integer.MAX_VALUE)); 2^32 itself would be
     * the day after */
    cql_days_to_civil(cql_date_to_days(UINT32_MAX), &y, &m, &d);
    CHECK(y == 5881580 && m == 7 && d == 11);
    cql_days_to_civil(INT64_C(1) << 31, &y, &m, &d);
    CHECK(y == 5881580 && m == 7 && d == 12);

    int64_t days;
    CHECK(cql_days_from_civil(1900, 1, 1, &days) && days == -25567);
    CHECK(cql_days_from_civil(1969, 12, 31, &days) && days == -1);
    CHECK(cql_days_from_civil(9999, 12, 31, &days) && days == 2932896);
    CHECK(cql_days_from_civil(-5877641, 6, 23, &days) && days == -(int64_t)CQL_DATE_EPOCH);
    CHECK(cql_days_from_civil(2000, 2, 29, &days));
    CHECK(cql_days_from_civil(2024, 2, 29, &days));
    CHECK(!cql_days_from_civil(1900, 2, 29, &days));
    CHECK(!cql_days_from_civil(2023, 2, 29, &days));
    CHECK(!cql_days_from_civil(2023, 4, 31, &days));
    CHECK(!cql_days_from_civil(2023, 13, 1, &days));
    CHECK(!cql_days_from_civil(2023, 0, 1, &days));

    for (int64_t raw = 0; raw <= UINT32_MAX; raw += 99991) {
        int64_t back;
        cql_days_to_civil(cql_date_to_days((uint32_t)raw), &y, &m, &d);
        CHECK(cql_days_from_civil(y, m, d, &back) && back == cql_date_to_days((uint32_t)raw));
    }

    uint32_t raw;
    CHECK(cql_date_from_days(-25567, &raw) && raw == CQL_DATE_EPOCH - 25567);
    CHECK(cql_date_from_days(-(int64_t)CQL_DATE_EPOCH, &raw) && raw == 0);
    CHECK(!cql_date_from_days(-(int64_t)CQL_DATE_EPOCH - 1, &raw));
    CHECK(cql_date_from_days((int64_t)CQL_DATE_EPOCH - 1, &raw) && raw == UINT32_MAX);
    CHECK(!cql_date_from_days(CQL_DATE_EPOCH, &raw));

    cql_buf b = {0};
    const uint8_t *p;
    int32_t n;
    const uint32_t raws[] = {0, CQL_DATE_EPOCH - 25567, CQL_DATE_EPOCH, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        uint32_t got;
        b.len = 0;
        CHECK_EQ_INT(cql_encode_date(&b, raws[i]), CQL_OK);
        CHECK(cell_at(&b, 0, &p, &n));
        CHECK(cql_decode_date(p, n, &got, NULL) == CQL_OK && got == raws[i]);
    }
    cql_buf_free(&b);
}

TEST(time_is_checked_against_a_day)
{
    cql_buf b = {0};
    CHECK_EQ_INT(cql_encode_time(&b, -1), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_time(&b, CQL_TIME_MAX_NS + 1), CQL_E_ARG);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(cql_encode_time(&b, CQL_TIME_MAX_NS), CQL_OK);
    const uint8_t *p;
    int32_t n;
    int64_t ns;
    CHECK(cell_at(&b, 0, &p, &n));
    CHECK(cql_decode_time(p, n, &ns, NULL) == CQL_OK && ns == CQL_TIME_MAX_NS);
    const uint8_t day[8] = {0x00, 0x00, 0x4E, 0x94, 0x91, 0x4F, 0x00, 0x00}; /* 86400 s */
    const uint8_t neg[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK_EQ_INT(cql_decode_time(day, 8, &ns, NULL), CQL_E_MALFORMED);
    CHECK_EQ_INT(cql_decode_time(neg, 8, &ns, NULL), CQL_E_MALFORMED);

    CHECK(cql_time_from_parts(23, 59, 59, 999999999, &ns) && ns == CQL_TIME_MAX_NS);
    CHECK(!cql_time_from_parts(24, 0, 0, 0, &ns));
    CHECK(!cql_time_from_parts(0, 0, 0, 1000000000, &ns));
    unsigned h, m, s;
    uint32_t nanos;
    cql_time_to_parts(INT64_C(45296000000007), &h, &m, &s, &nanos); /* 12:34:56.000000007 */
    CHECK(h == 12 && m == 34 && s == 56 && nanos == 7);
    cql_buf_free(&b);
}

TEST(uuids_inets_and_timeuuid_versions)
{
    uint8_t v1[16] = {0xC1, 0xD2, 0xE3, 0xF4, 0x01, 0x02, 0x11, 0xEE,
                      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    uint8_t v4[16] = {0xC1, 0xD2, 0xE3, 0xF4, 0x01, 0x02, 0x41, 0xEE,
                      0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    uint8_t out[16];
    cql_diag d;
    CHECK_EQ_INT(cql_decode_timeuuid(v1, 16, out, NULL), CQL_OK);
    CHECK(memcmp(out, v1, 16) == 0);
    CHECK_EQ_INT(cql_decode_timeuuid(v4, 16, out, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 6);
    CHECK_EQ_INT(cql_decode_uuid(v4, 16, out, NULL), CQL_OK);

    cql_buf b = {0};
    CHECK_EQ_INT(cql_encode_timeuuid(&b, v4), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_timeuuid(&b, v1), CQL_OK);
    CHECK_EQ_INT(cql_encode_uuid(&b, v4), CQL_OK);
    CHECK_EQ_INT(b.len, 40);

    const uint8_t ip4[4] = {127, 0, 0, 1};
    size_t len;
    b.len = 0;
    CHECK_EQ_INT(cql_encode_inet(&b, ip4, 4), CQL_OK);
    CHECK_EQ_INT(cql_encode_inet(&b, v1, 16), CQL_OK);
    CHECK_EQ_INT(cql_encode_inet(&b, v1, 5), CQL_E_ARG);
    CHECK_EQ_INT(b.len, 28);
    CHECK(cql_decode_inet(b.data + 4, 4, out, &len, NULL) == CQL_OK && len == 4);
    CHECK(memcmp(out, ip4, 4) == 0);
    CHECK(cql_decode_inet(b.data + 12, 16, out, &len, NULL) == CQL_OK && len == 16);
    CHECK_EQ_INT(cql_decode_inet(v1, 5, out, &len, NULL), CQL_E_MALFORMED);
    CHECK_EQ_INT(cql_decode_inet(v1, 0, out, &len, NULL), CQL_E_MALFORMED);
    cql_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* vints and durations                                                       */
/* ------------------------------------------------------------------------ */

TEST(vints_follow_cassandra_vintcoding)
{
    cql_buf b = {0};
    /* the spec's example: 256000 is [110]00011 11101000 00000000 */
    cql_vint_put(&b, 256000);
    const uint8_t spec[] = {0xC3, 0xE8, 0x00};
    CHECK(bytes_are(&b, spec, sizeof spec));

    static const struct {
        uint64_t v;
        size_t size;
    } sizes[] = {{0, 1},
                 {127, 1},
                 {128, 2},
                 {(1u << 14) - 1, 2},
                 {1u << 14, 3},
                 {(UINT64_C(1) << 56) - 1, 8},
                 {UINT64_C(1) << 56, 9},
                 {UINT64_MAX, 9}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK_EQ_INT(cql_vint_size(sizes[i].v), sizes[i].size);
        b.len = 0;
        cql_vint_put(&b, sizes[i].v);
        CHECK_EQ_INT(b.len, sizes[i].size);
        cql_reader r = cql_reader_make(b.data, b.len);
        uint64_t v = 0;
        CHECK(cql_vint_read(&r, &v, "vint") && v == sizes[i].v && r.off == b.len);
        /* cut short, it is truncated at its first byte */
        if (b.len > 1) {
            r = cql_reader_make(b.data, b.len - 1);
            CHECK(!cql_vint_read(&r, &v, "vint"));
            CHECK(r.diag.rc == CQL_E_TRUNCATED && r.diag.offset == 0);
        }
    }
    /* zig-zag: 0, -1, 1, -2 are 0, 1, 2, 3 */
    const int64_t s[] = {0, -1, 1, -2, INT64_MIN, INT64_MAX};
    const uint64_t z[] = {0, 1, 2, 3, UINT64_MAX, UINT64_MAX - 1};
    for (size_t i = 0; i < 6; i++) {
        b.len = 0;
        cql_vint_put_signed(&b, s[i]);
        cql_reader r = cql_reader_make(b.data, b.len);
        uint64_t u;
        CHECK(cql_vint_read(&r, &u, "vint") && u == z[i]);
        r = cql_reader_make(b.data, b.len);
        int64_t v;
        CHECK(cql_vint_read_signed(&r, &v, "vint") && v == s[i]);
    }
    /* an over-long encoding is still read, as Cassandra reads it */
    const uint8_t overlong[] = {0x80, 0x05};
    cql_reader r = cql_reader_make(overlong, 2);
    uint64_t v;
    CHECK(cql_vint_read(&r, &v, "vint") && v == 5);
    cql_buf_free(&b);
}

TEST(durations_are_three_zigzag_vints)
{
    static const struct {
        cql_duration d;
        uint8_t bytes[27];
        size_t n;
    } table[] = {
        {{1, 2, 3}, {0x02, 0x04, 0x06}, 3},
        {{-1, -2, -3}, {0x01, 0x03, 0x05}, 3},
        {{1, 2, 1000}, {0x02, 0x04, 0x87, 0xD0}, 4},
        {{0, 0, -1}, {0x00, 0x00, 0x01}, 3},
        {{INT32_MIN, INT32_MIN, INT64_MIN},
         {0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
          0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
         19},
    };
    cql_buf b = {0};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_duration(&b, table[i].d), CQL_OK);
        const uint8_t *p;
        int32_t n;
        CHECK(cell_at(&b, 0, &p, &n));
        CHECK((size_t)n == table[i].n && memcmp(p, table[i].bytes, table[i].n) == 0);
        cql_duration d = {9, 9, 9};
        CHECK_EQ_INT(cql_decode_duration(table[i].bytes, (int32_t)table[i].n, &d, NULL), CQL_OK);
        CHECK(d.months == table[i].d.months && d.days == table[i].d.days &&
              d.nanoseconds == table[i].d.nanoseconds);
    }
    cql_duration max = {INT32_MAX, INT32_MAX, INT64_MAX}, got;
    b.len = 0;
    CHECK_EQ_INT(cql_encode_duration(&b, max), CQL_OK);
    CHECK(cql_decode_duration(b.data + 4, (int32_t)b.len - 4, &got, NULL) == CQL_OK &&
          got.nanoseconds == INT64_MAX && got.months == INT32_MAX);

    /* mixed signs */
    cql_duration mixed = {1, -1, 0};
    b.len = 0;
    CHECK_EQ_INT(cql_encode_duration(&b, mixed), CQL_E_ARG);
    CHECK_EQ_INT(b.len, 0);
    const uint8_t mixed_bytes[] = {0x02, 0x01, 0x00};
    cql_diag d;
    CHECK_EQ_INT(cql_decode_duration(mixed_bytes, 3, &got, &d), CQL_E_MALFORMED);
    /* months of 2^32 (zig-zag 2^33: five bytes [11110]000 ...) */
    const uint8_t wide[] = {0xF2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ_INT(cql_decode_duration(wide, 7, &got, &d), CQL_E_MALFORMED);
    CHECK(strstr(d.what, "months") != NULL);
    const uint8_t trailing[] = {0x02, 0x04, 0x06, 0x00};
    CHECK_EQ_INT(cql_decode_duration(trailing, 4, &got, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 3);
    const uint8_t cut[] = {0x02, 0x04, 0x87};
    CHECK_EQ_INT(cql_decode_duration(cut, 3, &got, &d), CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 2);
    cql_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Big numbers                                                               */
/* ------------------------------------------------------------------------ */

/* 10^k as big-endian two's complement (negated when neg), in out; its size. */
static size_t power_of_ten(unsigned k, bool neg, uint8_t *out, size_t cap)
{
    memset(out, 0, cap);
    out[cap - 1] = 1;
    for (unsigned i = 0; i < k; i++) {
        unsigned carry = 0;
        for (size_t j = cap; j-- > 0;) {
            unsigned v = out[j] * 10u + carry;
            out[j] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    size_t start = 0;
    while (start < cap - 1 && out[start] == 0 && (out[start + 1] & 0x80) == 0)
        start++;
    if (neg) {
        unsigned carry = 1;
        for (size_t j = cap; j-- > start;) {
            unsigned v = (uint8_t)~out[j] + carry;
            out[j] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    memmove(out, out + start, cap - start);
    return cap - start;
}

TEST(varints_beyond_64_bits_are_a_limit_but_format_in_full)
{
    uint8_t big[160];
    char text[512], want[512];
    size_t len;
    int64_t v;
    for (unsigned k = 17; k <= 300; k += 283) { /* 10^17 fits, 10^300 is 125 bytes */
        for (int neg = 0; neg < 2; neg++) {
            size_t n = power_of_ten(k, neg, big, sizeof big);
            snprintf(want, sizeof want, "%s1", neg ? "-" : "");
            for (unsigned i = 0; i < k; i++)
                strcat(want, "0");
            CHECK_EQ_INT(cql_varint_text(big, (int32_t)n, text, sizeof text, &len, NULL), CQL_OK);
            CHECK(strcmp(text, want) == 0 && len == strlen(want));
            CHECK_EQ_INT(cql_decode_varint(big, (int32_t)n, &v, NULL),
                         k < 19 ? CQL_OK : CQL_E_LIMIT);
        }
    }
    /* 2^64 and -2^64, one byte past int64 */
    const uint8_t two64[] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t minus64[] = {0xFF, 0, 0, 0, 0, 0, 0, 0, 0};
    cql_diag d;
    CHECK_EQ_INT(cql_decode_varint(two64, 9, &v, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 0);
    CHECK_EQ_INT(cql_varint_text(two64, 9, text, sizeof text, &len, NULL), CQL_OK);
    CHECK(strcmp(text, "18446744073709551616") == 0);
    CHECK_EQ_INT(cql_varint_text(minus64, 9, text, sizeof text, &len, NULL), CQL_OK);
    CHECK(strcmp(text, "-18446744073709551616") == 0);
    /* redundant sign bytes are still the same number */
    const uint8_t padded[] = {0xFF, 0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0};
    CHECK(cql_decode_varint(padded, 11, &v, NULL) == CQL_OK && v == INT64_MIN);
    CHECK_EQ_INT(cql_varint_text(padded, 11, text, sizeof text, &len, NULL), CQL_OK);
    CHECK(strcmp(text, "-9223372036854775808") == 0);
    /* measuring, and a short buffer */
    CHECK(cql_varint_text(two64, 9, NULL, 0, &len, NULL) == CQL_OK && len == 20);
    char small[5];
    CHECK(cql_varint_text(two64, 9, small, sizeof small, &len, NULL) == CQL_OK && len == 20);
    CHECK(strcmp(small, "1844") == 0);
    CHECK_EQ_INT(cql_varint_text(two64, 0, text, sizeof text, &len, NULL), CQL_E_MALFORMED);
    CHECK_EQ_INT(cql_varint_text(two64, -1, text, sizeof text, &len, NULL), CQL_E_ARG);
}

static bool decimal_is(int32_t scale, int64_t unscaled, const char *want)
{
    cql_buf b = {0};
    char text[128];
    size_t len = 0;
    cql_encode_decimal(&b, scale, unscaled);
    cql_rc rc = cql_decimal_text(b.data + 4, (int32_t)b.len - 4, text, sizeof text, &len, NULL);
    cql_buf_free(&b);
    if (rc != CQL_OK || strcmp(text, want) != 0 || len != strlen(want)) {
        fprintf(stderr, "  decimal %lld E-%d: \"%s\", expected \"%s\"\n", (long long)unscaled,
                scale, text, want);
        return false;
    }
    return true;
}

TEST(decimals_format_as_java_bigdecimal_does)
{
    CHECK(decimal_is(0, 123, "123"));
    CHECK(decimal_is(2, 150, "1.50"));
    CHECK(decimal_is(2, -150, "-1.50"));
    CHECK(decimal_is(3, 5, "0.005"));
    CHECK(decimal_is(6, 1, "0.000001"));
    CHECK(decimal_is(7, 1, "1E-7"));
    CHECK(decimal_is(10, 123, "1.23E-8"));
    CHECK(decimal_is(-3, 123, "1.23E+5"));
    CHECK(decimal_is(-1, -7, "-7E+1"));
    CHECK(decimal_is(0, 0, "0"));
    CHECK(decimal_is(2, 0, "0.00"));
    CHECK(decimal_is(-2, 0, "0E+2"));
    CHECK(decimal_is(INT32_MIN, 1, "1E+2147483648"));
    CHECK(decimal_is(INT32_MAX, -12, "-1.2E-2147483646"));
    CHECK(decimal_is(0, INT64_MIN, "-9223372036854775808"));
}

TEST(decimals_beyond_64_bits_round_trip)
{
    uint8_t big[64];
    size_t n = power_of_ten(40, false, big, sizeof big);
    cql_buf b = {0};
    CHECK_EQ_INT(cql_encode_decimal_raw(&b, 20, big, n), CQL_OK);
    const uint8_t *p;
    int32_t len;
    REQUIRE(cell_at(&b, 0, &p, &len));
    int32_t scale;
    const uint8_t *u;
    size_t ulen;
    CHECK(cql_decode_decimal(p, len, &scale, &u, &ulen, NULL) == CQL_OK && scale == 20);
    CHECK(ulen == n && memcmp(u, big, n) == 0);
    char text[128];
    size_t tlen;
    CHECK_EQ_INT(cql_decimal_text(p, len, text, sizeof text, &tlen, NULL), CQL_OK);
    CHECK(strcmp(text, "100000000000000000000.00000000000000000000") == 0);
    CHECK_EQ_INT(cql_decode_decimal(p, 4, &scale, &u, &ulen, NULL), CQL_E_MALFORMED);
    CHECK_EQ_INT(cql_encode_decimal_raw(&b, 0, big, 0), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_varint_raw(&b, big, 0), CQL_E_ARG);
    cql_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Text, blobs, null                                                          */
/* ------------------------------------------------------------------------ */

TEST(text_and_blobs_round_trip_empty_and_non_ascii)
{
    const char *texts[] = {"", "plain", "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xF0\x9D\x84\x9E"};
    cql_buf b = {0};
    for (size_t i = 0; i < 3; i++) {
        b.len = 0;
        CHECK_EQ_INT(cql_encode_text(&b, texts[i], strlen(texts[i])), CQL_OK);
        const uint8_t *p;
        int32_t n;
        cql_str s = {"", 0};
        CHECK(cell_at(&b, 0, &p, &n));
        CHECK_EQ_INT(cql_decode_text(p, n, true, &s, NULL), CQL_OK);
        CHECK(s.len == strlen(texts[i]) && memcmp(s.ptr, texts[i], s.len) == 0);
    }
    b.len = 0;
    CHECK_EQ_INT(cql_encode_blob(&b, "", 0), CQL_OK);
    CHECK_EQ_INT(cql_encode_blob(&b, "\x00\xFF", 2), CQL_OK);
    const uint8_t blobs[] = {0, 0, 0, 0, 0, 0, 0, 2, 0x00, 0xFF};
    CHECK(bytes_are(&b, blobs, sizeof blobs));
    cql_str s;
    CHECK(cql_decode_blob(blobs + 8, 2, &s, NULL) == CQL_OK && s.len == 2);
    CHECK(cql_decode_blob(blobs, 0, &s, NULL) == CQL_OK && s.len == 0 && s.ptr != NULL);

    b.len = 0;
    CHECK_EQ_INT(cql_encode_ascii(&b, "caf\xC3\xA9", 5), CQL_E_ARG);
    CHECK_EQ_INT(cql_encode_text(&b, "\xC3", 1), CQL_E_ARG);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(cql_encode_ascii(&b, "cafe", 4), CQL_OK);
    cql_diag d;
    CHECK_EQ_INT(cql_decode_ascii((const uint8_t *)"caf\xC3\xA9", 5, &s, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 3);
    CHECK_EQ_INT(cql_decode_text((const uint8_t *)"ok\xFF", 3, false, &s, NULL), CQL_OK);
    cql_buf_free(&b);
}

TEST(utf8_validation_rejects_overlongs_surrogates_and_beyond_unicode)
{
    static const struct {
        const char *s;
        bool valid;
        size_t bad;
    } cases[] = {
        {"\x7F", true, 0},
        {"\xC2\x80", true, 0},
        {"\xF0\x9F\x98\x80", true, 0},
        {"\xF4\x8F\xBF\xBF", true, 0},
        {"a\xC0\x80", false, 1},         /* overlong NUL */
        {"ab\xE0\x9F\xBF", false, 2},    /* overlong three-byte */
        {"\xED\xA0\x80", false, 0},      /* a UTF-16 surrogate */
        {"\xF4\x90\x80\x80", false, 0},  /* above U+10FFFF */
        {"\xF0\x8F\xBF\xBF", false, 0},  /* overlong four-byte */
        {"xy\xE2\x82", false, 2},        /* cut short */
        {"\xE2\x28\xA1", false, 0},      /* bad continuation */
        {"\x80", false, 0},              /* a lone continuation */
        {"\xF8\x88\x80\x80\x80", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = 99;
        bool valid = cql_utf8_valid((const uint8_t *)cases[i].s, strlen(cases[i].s), &bad);
        CHECK_EQ_INT(valid, cases[i].valid);
        if (!cases[i].valid)
            CHECK_EQ_INT(bad, cases[i].bad);
    }
}

TEST(null_unset_and_raw_cells_encode_their_lengths)
{
    cql_buf b = {0};
    CHECK_EQ_INT(cql_encode_null(&b), CQL_OK);
    CHECK_EQ_INT(cql_encode_unset(&b), CQL_OK);
    CHECK_EQ_INT(cql_encode_cell(&b, NULL, -1), CQL_OK);
    CHECK_EQ_INT(cql_encode_cell(&b, (const uint8_t *)"ab", 2), CQL_OK);
    CHECK_EQ_INT(cql_encode_cell(&b, NULL, -3), CQL_E_ARG);
    const uint8_t want[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF,
                            0xFF, 0xFF, 0x00, 0x00, 0x00, 0x02, 'a', 'b'};
    CHECK(bytes_are(&b, want, sizeof want));
    CHECK(cql_value_is_null(-1) && cql_value_is_null(-2) && !cql_value_is_null(0));
    int32_t v;
    CHECK_EQ_INT(cql_decode_int(NULL, -1, &v, NULL), CQL_E_ARG);
    cql_type *t = T("Int32Type");
    CHECK_EQ_INT(cql_value_validate(t, NULL, -1, NULL, NULL), CQL_OK);
    CHECK_EQ_INT(cql_value_validate(t, NULL, -2, NULL, NULL), CQL_OK);
    CHECK_EQ_INT(cql_value_validate(t, NULL, -3, NULL, NULL), CQL_E_MALFORMED);
    cql_type_free(t);
    cql_buf_free(&b);
}

TEST(buffer_failures_are_reported_by_every_encoder)
{
    cql_buf b = {0};
    b.limit = 2;
    CHECK_EQ_INT(cql_encode_int(&b, 1), CQL_E_LIMIT);
    CHECK_EQ_INT(cql_encode_boolean(&b, true), CQL_E_LIMIT); /* sticky */
    cql_buf_free(&b);

    cql_type *list = T("ListType(Int32Type)");
    cql_buf failed = {0};
    cql_encode_frame f;
    failed.failed = CQL_E_NOMEM; /* as after an allocation failure */
    CHECK_EQ_INT(cql_encode_text(&failed, "x", 1), CQL_E_NOMEM);
    CHECK_EQ_INT(cql_encode_begin(&failed, &f, list), CQL_E_NOMEM);
    CHECK_EQ_INT(cql_encode_end(&failed, &f), CQL_E_NOMEM);
    CHECK_EQ_INT(failed.len, 0);
    cql_type_free(list);
}

/* ------------------------------------------------------------------------ */
/* Composites                                                                */
/* ------------------------------------------------------------------------ */

TEST(list_of_int_has_the_spec_layout_and_iterates_back)
{
    cql_type *t = T("ListType(Int32Type)");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f;
    CHECK_EQ_INT(cql_encode_begin(&b, &f, t), CQL_OK);
    for (int32_t i = 1; i <= 3; i++)
        cql_encode_int(&b, i);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t want[] = {0, 0, 0, 28, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1,
                            0, 0, 0, 4,  0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 3};
    CHECK(bytes_are(&b, want, sizeof want));

    cql_value_iter it;
    CHECK_EQ_INT(cql_value_iter_begin(&it, t, b.data + 4, 28, NULL, NULL), CQL_OK);
    const uint8_t *p;
    int32_t n, v, expect = 1;
    const cql_type *et;
    while (cql_value_iter_next(&it, &p, &n, &et)) {
        CHECK(et == t->children[0]);
        CHECK(cql_decode_int(p, n, &v, NULL) == CQL_OK && v == expect);
        expect++;
    }
    CHECK_EQ_INT(it.diag.rc, CQL_OK);
    CHECK_EQ_INT(expect, 4);
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 28, NULL, NULL), CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

/* {"a": [1], "b": []} as map<text, frozen<list<int>>> */
static void write_map(cql_buf *b, const cql_type *t)
{
    cql_encode_frame m, l;
    cql_encode_begin(b, &m, t);
    cql_encode_text(b, "a", 1);
    cql_encode_begin(b, &l, t->children[1]);
    cql_encode_int(b, 1);
    cql_encode_end(b, &l);
    cql_encode_text(b, "b", 1);
    cql_encode_begin(b, &l, t->children[1]);
    cql_encode_end(b, &l);
    cql_encode_end(b, &m);
}

TEST(nested_map_of_lists_round_trips)
{
    cql_type *t = T("MapType(UTF8Type,FrozenType(ListType(Int32Type)))");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    write_map(&b, t);
    REQUIRE(b.failed == CQL_OK);
    const uint8_t want[] = {0, 0, 0, 38, 0, 0, 0, 2,           /* 2 entries */
                            0, 0, 0, 1,  'a',                  /* key */
                            0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, /* [1] */
                            0, 0, 0, 1,  'b',                  /* key */
                            0, 0, 0, 4,  0, 0, 0, 0};          /* [] */
    CHECK(bytes_are(&b, want, sizeof want));
    const uint8_t *p;
    int32_t n;
    REQUIRE(cell_at(&b, 0, &p, &n));
    CHECK_EQ_INT(cql_value_validate(t, p, n, NULL, NULL), CQL_OK);

    cql_value_iter it, inner;
    const uint8_t *ep;
    int32_t en;
    const cql_type *et;
    CHECK_EQ_INT(cql_value_iter_begin(&it, t, p, n, NULL, NULL), CQL_OK);
    CHECK(cql_value_iter_next(&it, &ep, &en, &et) && et->kind == CQL_TYPE_VARCHAR && en == 1);
    CHECK(cql_value_iter_next(&it, &ep, &en, &et) && et->kind == CQL_TYPE_LIST && en == 12);
    CHECK_EQ_INT(cql_value_iter_begin(&inner, et, ep, en, NULL, NULL), CQL_OK);
    CHECK(cql_value_iter_next(&inner, &ep, &en, &et) && et->kind == CQL_TYPE_INT);
    CHECK(!cql_value_iter_next(&inner, &ep, &en, &et) && inner.diag.rc == CQL_OK);
    CHECK(cql_value_iter_next(&it, &ep, &en, &et) && en == 1 && ep[0] == 'b');
    CHECK(cql_value_iter_next(&it, &ep, &en, &et) && en == 4);
    CHECK(!cql_value_iter_next(&it, &ep, &en, &et) && it.diag.rc == CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(sets_and_tuples_carry_nulls_and_mixed_types)
{
    cql_type *t = T("TupleType(Int32Type,UTF8Type,SetType(DurationType))");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f, s;
    cql_encode_begin(&b, &f, t);
    cql_encode_null(&b);
    cql_encode_text(&b, "x", 1);
    cql_encode_begin(&b, &s, t->children[2]);
    cql_encode_duration(&b, (cql_duration){-1, 0, -5});
    cql_encode_duration(&b, (cql_duration){0, 1, 0});
    cql_encode_end(&b, &s);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t *p;
    int32_t n;
    REQUIRE(cell_at(&b, 0, &p, &n));
    CHECK_EQ_INT(cql_value_validate(t, p, n, NULL, NULL), CQL_OK);
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    cql_value_iter_begin(&it, t, p, n, NULL, NULL);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == -1 && ep == NULL);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 1);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 4 + 4 + 3 + 4 + 3);
    CHECK(!cql_value_iter_next(&it, &ep, &en, NULL) && it.diag.rc == CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(udt_values_may_stop_early_but_not_run_past_the_fields)
{
    cql_type *t = T("UserType(ks,61,78:Int32Type,79:UTF8Type,7a:BooleanType)");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f;
    cql_encode_begin(&b, &f, t);
    cql_encode_int(&b, 7);
    cql_encode_text(&b, "y", 1);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t *p;
    int32_t n;
    REQUIRE(cell_at(&b, 0, &p, &n));
    CHECK_EQ_INT(cql_value_validate(t, p, n, NULL, NULL), CQL_OK);
    cql_value_iter it;
    const cql_type *et;
    int count = 0;
    cql_value_iter_begin(&it, t, p, n, NULL, NULL);
    while (cql_value_iter_next(&it, NULL, NULL, &et))
        CHECK(et == t->children[count++]);
    CHECK(count == 2 && it.diag.rc == CQL_OK);

    /* a fourth field in a three-field UDT */
    cql_buf four = {0};
    cql_encode_int(&four, 7);
    cql_encode_text(&four, "y", 1);
    cql_encode_boolean(&four, true);
    cql_encode_boolean(&four, false);
    cql_diag d;
    CHECK_EQ_INT(cql_value_validate(t, four.data, (int32_t)four.len, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 18);
    cql_buf_free(&four);

    /* and the encoder refuses to write one, leaving the buffer as it was */
    size_t before = b.len;
    cql_encode_begin(&b, &f, t);
    for (int i = 0; i < 4; i++)
        cql_encode_boolean(&b, true);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(vector_of_floats_is_packed_without_lengths)
{
    cql_type *t = T("VectorType(FloatType , 3)");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f;
    cql_encode_begin(&b, &f, t);
    cql_encode_float(&b, 1.0f);
    cql_encode_float(&b, -2.0f);
    cql_encode_float(&b, NAN);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t want[] = {0, 0, 0, 12, 0x3F, 0x80, 0, 0, 0xC0, 0x00, 0, 0, 0x7F, 0xC0, 0, 0};
    CHECK(bytes_are(&b, want, sizeof want));
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 12, NULL, NULL), CQL_OK);
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    float v;
    cql_value_iter_begin(&it, t, b.data + 4, 12, NULL, NULL);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 4);
    CHECK(cql_decode_float(ep, en, &v, NULL) == CQL_OK && v == 1.0f);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL));
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL));
    CHECK(cql_decode_float(ep, en, &v, NULL) == CQL_OK && isnan(v));
    CHECK(!cql_value_iter_next(&it, &ep, &en, NULL) && it.diag.rc == CQL_OK);
    cql_diag d;
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 11, NULL, &d), CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 11);
    const uint8_t thirteen[13] = {0};
    CHECK_EQ_INT(cql_value_validate(t, thirteen, 13, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 12);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(vector_of_text_prefixes_each_element_with_an_unsigned_vint)
{
    cql_type *t = T("VectorType(UTF8Type , 3)");
    REQUIRE(t != NULL);
    char long_text[200];
    memset(long_text, 'z', sizeof long_text);
    cql_buf b = {0};
    cql_encode_frame f;
    cql_encode_begin(&b, &f, t);
    cql_encode_text(&b, "a", 1);
    cql_encode_text(&b, "", 0);
    cql_encode_text(&b, long_text, sizeof long_text);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    /* 200 needs two vint bytes: [10]000000 11001000 */
    const uint8_t head[] = {0, 0, 0, 205, 0x01, 'a', 0x00, 0x80, 0xC8, 'z'};
    CHECK(b.len == 4 + 205 && memcmp(b.data, head, sizeof head) == 0);
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 205, NULL, NULL), CQL_OK);
    cql_value_iter it;
    const uint8_t *ep;
    int32_t en;
    cql_value_iter_begin(&it, t, b.data + 4, 205, NULL, NULL);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 1 && ep[0] == 'a');
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 0);
    CHECK(cql_value_iter_next(&it, &ep, &en, NULL) && en == 200 && ep[199] == 'z');
    CHECK(!cql_value_iter_next(&it, &ep, &en, NULL) && it.diag.rc == CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(vector_of_smallint_is_length_prefixed_as_cassandra_writes_it)
{
    /* Cassandra 5's ShortType has no valueLengthIfFixed(), so its vectors
     * carry a size before each element although it is always 2 */
    cql_type *t = T("VectorType(ShortType , 2)");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f;
    cql_encode_begin(&b, &f, t);
    cql_encode_smallint(&b, 1);
    cql_encode_smallint(&b, -1);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t want[] = {0, 0, 0, 6, 0x02, 0x00, 0x01, 0x02, 0xFF, 0xFF};
    CHECK(bytes_are(&b, want, sizeof want));
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 6, NULL, NULL), CQL_OK);
    const uint8_t wrong_size[] = {0x01, 0x00, 0x02, 0xFF, 0xFF};
    cql_diag d;
    CHECK_EQ_INT(cql_value_validate(t, wrong_size, 5, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 1);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(vectors_of_vectors_are_packed_flat)
{
    cql_type *t = T("VectorType(VectorType(Int32Type , 2) , 2)");
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame f, g;
    cql_encode_begin(&b, &f, t);
    for (int32_t i = 0; i < 2; i++) {
        cql_encode_begin(&b, &g, t->children[0]);
        cql_encode_int(&b, 2 * i);
        cql_encode_int(&b, 2 * i + 1);
        cql_encode_end(&b, &g);
    }
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_OK);
    const uint8_t want[] = {0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
    CHECK(bytes_are(&b, want, sizeof want));
    CHECK_EQ_INT(cql_value_validate(t, b.data + 4, 16, NULL, NULL), CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(encoder_refuses_bad_composites_and_rolls_back)
{
    cql_type *vec = T("VectorType(FloatType , 2)");
    cql_type *vtext = T("VectorType(UTF8Type , 1)");
    cql_type *map = T("MapType(Int32Type,Int32Type)");
    cql_type *i = T("Int32Type");
    cql_buf b = {0};
    cql_encode_frame f;
    cql_encode_int(&b, 42);
    size_t before = b.len;

    cql_encode_begin(&b, &f, vec); /* one element of two */
    cql_encode_float(&b, 1.0f);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_encode_begin(&b, &f, vec); /* a double in a float vector */
    cql_encode_float(&b, 1.0f);
    cql_encode_double(&b, 1.0);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_encode_begin(&b, &f, vtext); /* a null element */
    cql_encode_null(&b);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_encode_begin(&b, &f, map); /* a key without its value */
    cql_encode_int(&b, 1);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_encode_begin(&b, &f, map); /* unset is for bound values, not elements */
    cql_encode_int(&b, 1);
    cql_encode_unset(&b);
    CHECK_EQ_INT(cql_encode_end(&b, &f), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    CHECK_EQ_INT(cql_encode_begin(&b, &f, i), CQL_E_ARG);
    CHECK_EQ_INT(b.len, before);
    cql_buf_free(&b);
    cql_type_free(vec);
    cql_type_free(vtext);
    cql_type_free(map);
    cql_type_free(i);
}

/* ------------------------------------------------------------------------ */
/* Hostile and broken cells                                                  */
/* ------------------------------------------------------------------------ */

static void check_every_truncation_fails(const cql_type *t, const uint8_t *p, size_t n)
{
    CHECK_EQ_INT(cql_value_validate(t, p, (int32_t)n, NULL, NULL), CQL_OK);
    for (size_t len = 1; len < n; len++) {
        cql_diag d = {CQL_OK, 0, NULL};
        cql_rc rc = cql_value_validate(t, p, (int32_t)len, NULL, &d);
        if (rc == CQL_OK)
            fprintf(stderr, "  a prefix of %zu of %zu bytes validates\n", len, n);
        CHECK(rc != CQL_OK);
        CHECK(d.offset <= len);
        CHECK(d.what != NULL);
    }
}

TEST(every_truncation_of_a_valid_encoding_fails_cleanly)
{
    cql_buf b = {0};
    cql_type *map = T("MapType(UTF8Type,FrozenType(ListType(Int32Type)))");
    write_map(&b, map);
    check_every_truncation_fails(map, b.data + 4, b.len - 4);

    cql_type *vf = T("VectorType(FloatType , 3)");
    const uint8_t floats[12] = {0x3F, 0x80};
    check_every_truncation_fails(vf, floats, sizeof floats);

    cql_type *vt = T("VectorType(AsciiType , 2)");
    const uint8_t texts[] = {0x02, 'h', 'i', 0x01, '!'};
    check_every_truncation_fails(vt, texts, sizeof texts);

    cql_type *ld = T("ListType(DecimalType)");
    b.len = 0;
    cql_encode_frame f;
    cql_encode_begin(&b, &f, ld);
    cql_encode_decimal(&b, 3, -123456789);
    cql_encode_decimal(&b, -1, 1);
    cql_encode_end(&b, &f);
    check_every_truncation_fails(ld, b.data + 4, b.len - 4);

    cql_type *dur = T("DurationType");
    const uint8_t d[] = {0x02, 0x04, 0x87, 0xD0};
    check_every_truncation_fails(dur, d, sizeof d);
    CHECK_EQ_INT(cql_value_validate(dur, d, 0, NULL, NULL), CQL_E_MALFORMED); /* empty */

    /* a tuple may stop at a field boundary; anywhere else it is broken */
    cql_type *tuple = T("TupleType(Int32Type,Int32Type)");
    b.len = 0;
    cql_encode_begin(&b, &f, tuple);
    cql_encode_int(&b, 1);
    cql_encode_int(&b, 2);
    cql_encode_end(&b, &f);
    for (size_t len = 0; len < 16; len++) {
        cql_diag dg;
        cql_rc rc = cql_value_validate(tuple, b.data + 4, (int32_t)len, NULL, &dg);
        CHECK_EQ_INT(rc, len % 8 == 0 ? CQL_OK : CQL_E_TRUNCATED);
        CHECK(rc == CQL_OK || dg.offset <= len);
    }
    cql_buf_free(&b);
    cql_type_free(map);
    cql_type_free(vf);
    cql_type_free(vt);
    cql_type_free(ld);
    cql_type_free(dur);
    cql_type_free(tuple);
}

TEST(hostile_counts_fail_without_reading_or_allocating)
{
    cql_type *list = T("ListType(Int32Type)");
    cql_type *map = T("MapType(Int32Type,Int32Type)");
    uint8_t cell[20] = {0};
    cql_limits wide = {0, 0, UINT32_MAX};
    cql_diag d;

    /* 2^31 elements: not even an [int] count, it reads as negative */
    cell[0] = 0x80;
    CHECK_EQ_INT(cql_value_validate(list, cell, 20, &wide, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 0);
    /* 2^31 - 1: over the default limit, and past the 16 bytes left */
    cell[0] = 0x7F, cell[1] = cell[2] = cell[3] = 0xFF;
    CHECK_EQ_INT(cql_value_validate(list, cell, 20, NULL, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(cql_value_validate(list, cell, 20, &wide, &d), CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 0);
    cql_value_iter it;
    CHECK_EQ_INT(cql_value_iter_begin(&it, list, cell, 20, &wide, NULL), CQL_E_TRUNCATED);
    CHECK(!cql_value_iter_next(&it, NULL, NULL, NULL));
    /* 2^30 map entries are 2^31 elements: the product must not wrap */
    cell[0] = 0x40, cell[1] = cell[2] = cell[3] = 0x00;
    CHECK_EQ_INT(cql_value_validate(map, cell, 20, &wide, &d), CQL_E_TRUNCATED);
    /* two elements of which the second claims 2^31 - 1 bytes */
    const uint8_t lying[] = {0, 0, 0, 2, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF};
    CHECK_EQ_INT(cql_value_validate(list, lying, sizeof lying, NULL, &d), CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 8);
    /* an element length below -1 */
    const uint8_t minus3[] = {0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFD};
    CHECK_EQ_INT(cql_value_validate(list, minus3, sizeof minus3, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 4);

    /* a million-dimension vector in 20 bytes, and one over a caller's limit */
    cql_type *vtext = T("VectorType(UTF8Type , 1000000)");
    CHECK_EQ_INT(cql_value_validate(vtext, cell, 20, NULL, &d), CQL_E_TRUNCATED);
    cql_limits ten = {0, 0, 10};
    cql_type *vf = T("VectorType(FloatType , 11)");
    uint8_t floats[44] = {0};
    CHECK_EQ_INT(cql_value_validate(vf, floats, 44, &ten, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(cql_value_validate(vf, floats, 44, NULL, &d), CQL_OK);
    cql_type_free(list);
    cql_type_free(map);
    cql_type_free(vtext);
    cql_type_free(vf);
}

TEST(depth_beyond_the_limit_fails)
{
    /* list<list<...<int>>>, 40 levels, each list holding one element */
    char cls[1024] = "";
    for (int i = 0; i < 39; i++)
        strcat(cls, "ListType(");
    strcat(cls, "Int32Type");
    for (int i = 0; i < 39; i++)
        strcat(cls, ")");
    cql_type *t = T(cls);
    REQUIRE(t != NULL);
    cql_buf b = {0};
    cql_encode_frame frames[39];
    const cql_type *level = t;
    for (int i = 0; i < 39; i++) {
        cql_encode_begin(&b, &frames[i], level);
        level = level->children[0];
    }
    cql_encode_int(&b, 5);
    for (int i = 39; i-- > 0;)
        CHECK_EQ_INT(cql_encode_end(&b, &frames[i]), CQL_OK);
    const uint8_t *p;
    int32_t n;
    REQUIRE(cell_at(&b, 0, &p, &n));
    cql_diag d;
    CHECK_EQ_INT(cql_value_validate(t, p, n, NULL, &d), CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 32 * 8); /* the 33rd cell, past 32 count-and-length headers */
    cql_limits deep = {0, 40, 0};
    CHECK_EQ_INT(cql_value_validate(t, p, n, &deep, &d), CQL_OK);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(iterator_refuses_scalars_nulls_and_trailing_bytes)
{
    cql_type *i = T("Int32Type");
    cql_type *list = T("ListType(Int32Type)");
    cql_value_iter it;
    cql_diag d;
    const uint8_t one[] = {0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 9, 0xEE};
    CHECK_EQ_INT(cql_value_iter_begin(&it, i, one, 4, NULL, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_value_iter_begin(&it, list, NULL, -1, NULL, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_value_iter_begin(&it, NULL, one, 4, NULL, &d), CQL_E_ARG);
    CHECK_EQ_INT(cql_value_iter_begin(&it, list, one, sizeof one, NULL, &d), CQL_OK);
    CHECK(cql_value_iter_next(&it, NULL, NULL, NULL));
    CHECK(!cql_value_iter_next(&it, NULL, NULL, NULL));
    CHECK_EQ_INT(it.diag.rc, CQL_E_MALFORMED);
    CHECK_EQ_INT(it.diag.offset, 12);
    CHECK(!cql_value_iter_next(&it, NULL, NULL, NULL)); /* and it stays failed */
    CHECK(!cql_value_iter_next(NULL, NULL, NULL, NULL));
    CHECK_EQ_INT(cql_value_validate(list, one, sizeof one, NULL, &d), CQL_E_MALFORMED);
    CHECK(strstr(d.what, "after the last element") != NULL);
    cql_type_free(i);
    cql_type_free(list);
}

TEST(empty_cells_are_legacy_values_for_old_types_only)
{
    static const struct {
        const char *cls;
        cql_rc rc;
    } cases[] = {
        {"Int32Type", CQL_OK},      {"LongType", CQL_OK},        {"UUIDType", CQL_OK},
        {"IntegerType", CQL_OK},    {"DecimalType", CQL_OK},     {"InetAddressType", CQL_OK},
        {"UTF8Type", CQL_OK},       {"ListType(Int32Type)", CQL_OK},
        {"VectorType(FloatType , 2)", CQL_OK},
        {"ShortType", CQL_E_MALFORMED}, {"ByteType", CQL_E_MALFORMED},
        {"SimpleDateType", CQL_E_MALFORMED}, {"TimeType", CQL_E_MALFORMED},
        {"DurationType", CQL_E_MALFORMED},
    };
    const uint8_t none[1] = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cql_type *t = T(cases[k].cls);
        CHECK_EQ_INT(cql_value_validate(t, none, 0, NULL, NULL), cases[k].rc);
        cql_type_free(t);
    }
    cql_type *list = T("ListType(Int32Type)");
    cql_value_iter it;
    CHECK_EQ_INT(cql_value_iter_begin(&it, list, none, 0, NULL, NULL), CQL_OK);
    CHECK(!cql_value_iter_next(&it, NULL, NULL, NULL) && it.diag.rc == CQL_OK);
    cql_type_free(list);
}

TEST(validate_checks_text_times_and_timeuuids_inside_composites)
{
    cql_type *t = T("ListType(AsciiType)");
    const uint8_t bad_ascii[] = {0, 0, 0, 1, 0, 0, 0, 2, 'o', 0xC3};
    cql_diag d;
    CHECK_EQ_INT(cql_value_validate(t, bad_ascii, sizeof bad_ascii, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 9);
    cql_type_free(t);

    t = T("TupleType(UTF8Type,TimeType,TimeUUIDType)");
    const uint8_t bad_utf8[] = {0, 0, 0, 2, 0xC0, 0x80};
    CHECK_EQ_INT(cql_value_validate(t, bad_utf8, sizeof bad_utf8, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 4);
    const uint8_t bad_time[] = {0, 0, 0, 0, 0, 0, 0, 8, 0x80, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(cql_value_validate(t, bad_time, sizeof bad_time, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 8);
    uint8_t bad_uuid[4 + 12 + 20] = {0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16};
    bad_uuid[20 + 6] = 0x40;
    CHECK_EQ_INT(cql_value_validate(t, bad_uuid, sizeof bad_uuid, NULL, &d), CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 26);
    cql_type_free(t);
}

int main(void)
{
    RUN(varint_examples_of_the_spec_decode_and_encode);
    RUN(boolean_is_one_byte_and_any_non_zero_is_true);
    RUN(fixed_size_decoders_refuse_other_sizes_null_and_empty);
    RUN(integer_extremes_round_trip);
    RUN(floats_round_trip_nan_infinities_and_negative_zero);
    RUN(dates_follow_the_spec_examples_before_1970_and_far_ahead);
    RUN(time_is_checked_against_a_day);
    RUN(uuids_inets_and_timeuuid_versions);
    RUN(vints_follow_cassandra_vintcoding);
    RUN(durations_are_three_zigzag_vints);
    RUN(varints_beyond_64_bits_are_a_limit_but_format_in_full);
    RUN(decimals_format_as_java_bigdecimal_does);
    RUN(decimals_beyond_64_bits_round_trip);
    RUN(text_and_blobs_round_trip_empty_and_non_ascii);
    RUN(utf8_validation_rejects_overlongs_surrogates_and_beyond_unicode);
    RUN(null_unset_and_raw_cells_encode_their_lengths);
    RUN(buffer_failures_are_reported_by_every_encoder);
    RUN(list_of_int_has_the_spec_layout_and_iterates_back);
    RUN(nested_map_of_lists_round_trips);
    RUN(sets_and_tuples_carry_nulls_and_mixed_types);
    RUN(udt_values_may_stop_early_but_not_run_past_the_fields);
    RUN(vector_of_floats_is_packed_without_lengths);
    RUN(vector_of_text_prefixes_each_element_with_an_unsigned_vint);
    RUN(vector_of_smallint_is_length_prefixed_as_cassandra_writes_it);
    RUN(vectors_of_vectors_are_packed_flat);
    RUN(encoder_refuses_bad_composites_and_rolls_back);
    RUN(every_truncation_of_a_valid_encoding_fails_cleanly);
    RUN(hostile_counts_fail_without_reading_or_allocating);
    RUN(depth_beyond_the_limit_fails);
    RUN(iterator_refuses_scalars_nulls_and_trailing_bytes);
    RUN(empty_cells_are_legacy_values_for_old_types_only);
    RUN(validate_checks_text_times_and_timeuuids_inside_composites);
    return harness_done();
}
