/*
 * varint and decimal cells as decimal text, for numbers of any size.
 *
 * The magnitude is divided by 10^9 repeatedly (schoolbook long division over
 * its bytes), each remainder giving nine digits; the digits are built right
 * to left in scratch space. Scratch for cells up to 64 bytes lives on the
 * stack; longer ones get one malloc, freed before returning.
 */
#include "proto/text.h"
#include "proto/values.h"

#include <stdlib.h>
#include <string.h>

#define SMALL_CELL 64
#define CHUNK 1000000000u /* 10^9: nine digits per division */

typedef struct digits {
    const char *d; /* most significant first, no leading zeros ("0" for zero) */
    size_t n;
    bool negative;
    uint8_t *heap;
    uint8_t stack[SMALL_CELL + SMALL_CELL * 3 + 12];
} digits;

/* Decimal digits of n bytes: at most 8 n log10(2) < 2.41 n, plus one, plus
 * up to eight zeros the last nine-digit chunk may add. */
static size_t max_digits(size_t n) { return n / 1000 * 2409 + (n % 1000) * 2409 / 1000 + 10; }

static bool to_digits(const uint8_t *p, size_t n, digits *out)
{
    size_t room = max_digits(n);
    uint8_t *mem = out->stack;
    out->heap = NULL;
    if (n + room > sizeof out->stack) {
        if (n > SIZE_MAX / 4 || (out->heap = malloc(n + room)) == NULL)
            return false;
        mem = out->heap;
    }
    uint8_t *mag = mem;
    char *dig = (char *)(mem + n);
    memcpy(mag, p, n);
    out->negative = (p[0] & 0x80) != 0;
    if (out->negative) { /* negate: invert, then add one from the low end */
        unsigned carry = 1;
        for (size_t i = n; i-- > 0;) {
            unsigned v = (unsigned)(uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    size_t start = 0, pos = room;
    while (start < n && mag[start] == 0)
        start++;
    while (start < n) {
        uint64_t rem = 0;
        for (size_t i = start; i < n; i++) {
            uint64_t cur = rem << 8 | mag[i];
            mag[i] = (uint8_t)(cur / CHUNK);
            rem = cur % CHUNK;
        }
        while (start < n && mag[start] == 0)
            start++;
        for (int k = 0; k < 9; k++) {
            dig[--pos] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    while (pos < room && dig[pos] == '0')
        pos++;
    if (pos == room)
        dig[--pos] = '0';
    out->d = dig + pos;
    out->n = room - pos;
    return true;
}


static void put_zeros(cql_text *o, size_t n)
{
    while (n-- > 0)
        cql_text_put(o, "0", 1);
}


static cql_rc finish(cql_text *o, size_t cap, size_t *len, cql_diag *diag)
{
    cql_text_end(o, cap);
    if (len != NULL)
        *len = o->len;
    if (diag != NULL) {
        diag->rc = CQL_OK;
        diag->offset = 0;
        diag->what = NULL;
    }
    return CQL_OK;
}

static cql_rc fail(cql_diag *diag, cql_rc rc, const char *what)
{
    if (diag != NULL) {
        diag->rc = rc;
        diag->offset = 0;
        diag->what = what;
    }
    return rc;
}

cql_rc cql_varint_text(const uint8_t *p, int32_t n, char *buf, size_t cap, size_t *len,
                       cql_diag *diag)
{
    if (n < 0 || (p == NULL && n > 0) || (buf == NULL && cap > 0))
        return fail(diag, CQL_E_ARG, "varint: null value or NULL output");
    if (n == 0)
        return fail(diag, CQL_E_MALFORMED, "varint: empty value");
    digits d;
    if (!to_digits(p, (size_t)n, &d))
        return fail(diag, CQL_E_NOMEM, "varint: scratch space for the digits");
    cql_text o = cql_text_make(buf, cap);
    if (d.negative)
        cql_text_put(&o, "-", 1);
    cql_text_put(&o, d.d, d.n);
    free(d.heap);
    return finish(&o, cap, len, diag);
}

/* Java's BigDecimal.toString(): plain notation when the scale is not
 * negative and the adjusted exponent (that of the first digit) is -6 or
 * more; otherwise one digit, the rest after a point, and E<sign><exponent>. */
cql_rc cql_decimal_text(const uint8_t *p, int32_t n, char *buf, size_t cap, size_t *len,
                        cql_diag *diag)
{
    int32_t scale;
    const uint8_t *unscaled;
    size_t ulen;
    cql_rc rc;
    if (buf == NULL && cap > 0)
        return fail(diag, CQL_E_ARG, "decimal: NULL output");
    if ((rc = cql_decode_decimal(p, n, &scale, &unscaled, &ulen, diag)) != CQL_OK)
        return rc;
    digits d;
    if (!to_digits(unscaled, ulen, &d))
        return fail(diag, CQL_E_NOMEM, "decimal: scratch space for the digits");
    cql_text o = cql_text_make(buf, cap);
    int64_t adjusted = -(int64_t)scale + (int64_t)d.n - 1;
    if (d.negative)
        cql_text_put(&o, "-", 1);
    if (scale >= 0 && adjusted >= -6) {
        size_t s = (size_t)scale;
        if (s == 0) {
            cql_text_put(&o, d.d, d.n);
        } else if (d.n > s) {
            cql_text_put(&o, d.d, d.n - s);
            cql_text_put(&o, ".", 1);
            cql_text_put(&o, d.d + d.n - s, s);
        } else {
            cql_text_put(&o, "0.", 2);
            put_zeros(&o, s - d.n);
            cql_text_put(&o, d.d, d.n);
        }
    } else {
        cql_text_put(&o, d.d, 1);
        if (d.n > 1) {
            cql_text_put(&o, ".", 1);
            cql_text_put(&o, d.d + 1, d.n - 1);
        }
        if (adjusted != 0) {
            cql_text_put(&o, adjusted > 0 ? "E+" : "E-", 2);
            cql_text_put_uint(&o, (uint64_t)(adjusted > 0 ? adjusted : -adjusted));
        }
    }
    free(d.heap);
    return finish(&o, cap, len, diag);
}
