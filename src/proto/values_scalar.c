/*
 * Scalar cells (values.h): vints, the typed decoders, UTF-8 validation and
 * calendar arithmetic. Every decoder checks the cell's size before reading
 * it, so a decoder never reads outside (p, n).
 */
#include "proto/values.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Variable-length integers                                                  */
/* ------------------------------------------------------------------------ */

size_t cql_vint_size(uint64_t v)
{
    /* s bytes (s <= 8) carry 7 * s value bits; 9 bytes carry all 64 */
    for (size_t s = 1; s <= 8; s++)
        if ((v >> (7 * s)) == 0)
            return s;
    return 9;
}

bool cql_vint_read(cql_reader *r, uint64_t *v, const char *what)
{
    size_t at = r->off;
    uint8_t first;
    if (!cql_read_u8(r, &first, what))
        return false;
    unsigned extra = 0;
    while (extra < 8 && (first & (0x80u >> extra)) != 0)
        extra++;
    if (extra > cql_reader_left(r)) {
        r->off = at;
        return cql_reader_fail(r, CQL_E_TRUNCATED, at, what);
    }
    uint64_t value = first & (0xFFu >> extra);
    for (unsigned i = 0; i < extra; i++)
        value = value << 8 | r->buf[r->off++];
    *v = value;
    return true;
}

bool cql_vint_read_signed(cql_reader *r, int64_t *v, const char *what)
{
    uint64_t u;
    if (!cql_vint_read(r, &u, what))
        return false;
    /* zig-zag: 0, -1, 1, -2, ... are 0, 1, 2, 3, ...; ~x is -x - 1 */
    int64_t half = (int64_t)(u >> 1);
    *v = (u & 1) ? ~half : half;
    return true;
}

size_t cql_vint_encode(uint64_t v, uint8_t out[9])
{
    size_t s = cql_vint_size(v);
    for (size_t i = s; i-- > 0;) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
    out[0] |= (uint8_t)~(0xFFu >> (s - 1)); /* s - 1 leading ones: the extra bytes */
    return s;
}

void cql_vint_put(cql_buf *b, uint64_t v)
{
    uint8_t out[9];
    cql_buf_put(b, out, cql_vint_encode(v, out));
}

void cql_vint_put_signed(cql_buf *b, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    cql_vint_put(b, u);
}

/* ------------------------------------------------------------------------ */
/* Fixed-size scalars                                                        */
/* ------------------------------------------------------------------------ */

/* Diagnostics for the decoders below (the fixed-size ones live inline in values.h). */
static cql_rc report(cql_diag *diag, cql_rc rc, size_t offset, const char *what)
{
    return cql_value_report_(diag, rc, offset, what);
}

static cql_rc ok(cql_diag *diag) { return report(diag, CQL_OK, 0, NULL); }

static uint64_t be(const uint8_t *p, size_t n) { return cql_value_be_(p, n); }

static int64_t sign_extend(uint64_t v, size_t bytes) { return cql_value_sign_extend_(v, bytes); }

cql_rc cql_decode_inet(const uint8_t *p, int32_t n, uint8_t out[16], size_t *len,
                       cql_diag *diag)
{
    if (n < 0 || out == NULL || len == NULL || (p == NULL && n > 0))
        return report(diag, CQL_E_ARG, 0, "inet: null value or NULL output");
    if (n != 4 && n != 16)
        return report(diag, CQL_E_MALFORMED, 0, "inet: value is not 4 or 16 bytes");
    memcpy(out, p, (size_t)n);
    *len = (size_t)n;
    return ok(diag);
}

/* ------------------------------------------------------------------------ */
/* Variable-size scalars                                                     */
/* ------------------------------------------------------------------------ */

cql_rc cql_decode_duration(const uint8_t *p, int32_t n, cql_duration *out, cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return report(diag, CQL_E_ARG, 0, "duration: null value or NULL output");
    if (n == 0)
        return report(diag, CQL_E_MALFORMED, 0, "duration: empty value");
    cql_reader r = cql_reader_make(p, (size_t)n);
    int64_t months = 0, days = 0, nanos = 0;
    size_t at_days, at_nanos;
    cql_vint_read_signed(&r, &months, "duration: months");
    at_days = r.off;
    cql_vint_read_signed(&r, &days, "duration: days");
    at_nanos = r.off;
    cql_vint_read_signed(&r, &nanos, "duration: nanoseconds");
    if (!cql_reader_ok(&r))
        return cql_reader_report(&r, diag);
    if (months < INT32_MIN || months > INT32_MAX)
        return report(diag, CQL_E_MALFORMED, 0, "duration: months beyond 32 bits");
    if (days < INT32_MIN || days > INT32_MAX)
        return report(diag, CQL_E_MALFORMED, at_days, "duration: days beyond 32 bits");
    if (!((months >= 0 && days >= 0 && nanos >= 0) || (months <= 0 && days <= 0 && nanos <= 0)))
        return report(diag, CQL_E_MALFORMED, at_nanos, "duration: parts of different signs");
    if (cql_reader_left(&r) != 0)
        return report(diag, CQL_E_MALFORMED, r.off, "duration: bytes after the nanoseconds");
    out->months = (int32_t)months;
    out->days = (int32_t)days;
    out->nanoseconds = nanos;
    return ok(diag);
}

cql_rc cql_decode_varint(const uint8_t *p, int32_t n, int64_t *out, cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return report(diag, CQL_E_ARG, 0, "varint: null value or NULL output");
    if (n == 0)
        return report(diag, CQL_E_MALFORMED, 0, "varint: empty value");
    size_t len = (size_t)n, low = len > 8 ? len - 8 : 0;
    /* bytes above the low 8 must only repeat the sign */
    uint8_t fill = (p[low] & 0x80) ? 0xFF : 0x00;
    for (size_t i = 0; i < low; i++)
        if (p[i] != fill)
            return report(diag, CQL_E_LIMIT, i, "varint: beyond 64 bits");
    *out = sign_extend(be(p + low, len - low), len - low);
    return ok(diag);
}

cql_rc cql_decode_decimal(const uint8_t *p, int32_t n, int32_t *scale, const uint8_t **unscaled,
                          size_t *unscaled_len, cql_diag *diag)
{
    if (n < 0 || scale == NULL || unscaled == NULL || unscaled_len == NULL ||
        (p == NULL && n > 0))
        return report(diag, CQL_E_ARG, 0, "decimal: null value or NULL output");
    if (n < 5)
        return report(diag, CQL_E_MALFORMED, 0, "decimal: shorter than a scale and one byte");
    *scale = (int32_t)sign_extend(be(p, 4), 4);
    *unscaled = p + 4;
    *unscaled_len = (size_t)n - 4;
    return ok(diag);
}

/* ------------------------------------------------------------------------ */
/* Text                                                                      */
/* ------------------------------------------------------------------------ */

static bool cont(uint8_t c) { return (c & 0xC0) == 0x80; }

bool cql_utf8_valid(const uint8_t *p, size_t n, size_t *bad_at)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            if (c == 0xED)
                hi = 0x9F; /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            break;
        }
        if (n - i <= need || p[i + 1] < lo || p[i + 1] > hi)
            break;
        size_t k = 2;
        while (k <= need && cont(p[i + k]))
            k++;
        if (k <= need)
            break;
        i += need + 1;
    }
    if (i < n && bad_at != NULL)
        *bad_at = i;
    return i == n;
}

cql_rc cql_decode_ascii(const uint8_t *p, int32_t n, cql_str *out, cql_diag *diag)
{
    if (n < 0 || out == NULL || (p == NULL && n > 0))
        return report(diag, CQL_E_ARG, 0, "ascii: null value or NULL output");
    for (size_t i = 0; i < (size_t)n; i++)
        if (p[i] >= 0x80)
            return report(diag, CQL_E_MALFORMED, i, "ascii: byte above 0x7F");
    out->ptr = n > 0 ? (const char *)p : "";
    out->len = (size_t)n;
    return ok(diag);
}

/* ------------------------------------------------------------------------ */
/* Dates and times                                                           */
/* ------------------------------------------------------------------------ */

int64_t cql_date_to_days(uint32_t raw) { return (int64_t)raw - (int64_t)CQL_DATE_EPOCH; }

bool cql_date_from_days(int64_t days, uint32_t *raw)
{
    if (days < -(int64_t)CQL_DATE_EPOCH || days > (int64_t)UINT32_MAX - (int64_t)CQL_DATE_EPOCH)
        return false;
    *raw = (uint32_t)(days + (int64_t)CQL_DATE_EPOCH);
    return true;
}

/* The calendar repeats every 400 years (146097 days). Counting years from
 * 1 March puts the leap day last, so a day of the year maps to a month with
 * one linear formula: the month lengths from March on follow (153 m + 2) / 5. */
#define DAYS_PER_ERA 146097
#define MARCH_1_YEAR_0 719468 /* days from 0000-03-01 to 1970-01-01 */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool cql_days_from_civil(int64_t year, unsigned month, unsigned day, int64_t *days)
{
    static const unsigned length[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < -1000000000 || year > 1000000000 || month < 1 || month > 12 || day < 1 ||
        day > length[month - 1] + (month == 2 && leap(year)))
        return false;
    int64_t y = year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;
    int64_t m = month > 2 ? (int64_t)month - 3 : (int64_t)month + 9;
    int64_t day_of_year = (153 * m + 2) / 5 + (int64_t)day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    *days = era * DAYS_PER_ERA + day_of_era - MARCH_1_YEAR_0;
    return true;
}

void cql_days_to_civil(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + MARCH_1_YEAR_0;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)m;
    *year = yoe + era * 400 + (m <= 2);
}

#define NS_PER_SECOND INT64_C(1000000000)

bool cql_time_from_parts(unsigned hours, unsigned minutes, unsigned seconds, uint32_t nanos,
                         int64_t *ns)
{
    if (hours > 23 || minutes > 59 || seconds > 59 || nanos >= NS_PER_SECOND)
        return false;
    *ns = ((int64_t)hours * 3600 + (int64_t)minutes * 60 + (int64_t)seconds) * NS_PER_SECOND +
          (int64_t)nanos;
    return true;
}

void cql_time_to_parts(int64_t ns, unsigned *hours, unsigned *minutes, unsigned *seconds,
                       uint32_t *nanos)
{
    int64_t s = ns / NS_PER_SECOND;
    *nanos = (uint32_t)(ns % NS_PER_SECOND);
    *seconds = (unsigned)(s % 60);
    *minutes = (unsigned)(s / 60 % 60);
    *hours = (unsigned)(s / 3600);
}
