/* Type trees from arbitrary bytes: an [option] (first byte even) or a marshal
 * class name (odd). Never a crash, an over-read or a leak; and every tree
 * that parses formats consistently, clones to an equal tree, and survives
 * encode -> parse (and, from class names, class name -> parse) unchanged.
 * The first byte's upper bits pick small limits now and then, so the limit
 * paths are explored too. */
#include "proto/buf.h"
#include "proto/types.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_format(const cql_type *t)
{
    size_t n = cql_type_format(t, NULL, 0);
    char *full = malloc(n + 1);
    char small[4];
    if (full == NULL)
        return;
    if (cql_type_format(t, full, n + 1) != n || strlen(full) != n)
        abort();
    if (cql_type_format(t, small, sizeof small) != n || strlen(small) != (n < 3 ? n : 3) ||
        memcmp(small, full, strlen(small)) != 0)
        abort();
    free(full);
}

static void check_clone(const cql_type *t)
{
    cql_type *c = cql_type_clone(t);
    if (c == NULL || !cql_type_equal(t, c) || !cql_type_equal(c, t))
        abort();
    if (cql_type_fixed_size(c) != cql_type_fixed_size(t))
        abort();
    cql_type_free(c);
}

static void check_encoding(const cql_type *t, const cql_limits *lim)
{
    cql_buf b = {0};
    cql_type_encode(&b, t);
    if (b.failed == CQL_OK) {
        cql_reader r = cql_reader_make(b.data, b.len);
        cql_type *back = NULL;
        if (cql_type_parse(&r, lim, &back) != CQL_OK || r.off != b.len ||
            !cql_type_equal(t, back))
            abort();
        cql_type_free(back);
    } else if (b.failed != CQL_E_ARG) { /* only a string or count too long for its field */
        abort();
    }
    cql_buf_free(&b);
}

static void check_class_name(const cql_type *t, const cql_limits *lim)
{
    size_t n = cql_type_class_name(t, NULL, 0);
    char *name = malloc(n + 1);
    if (name == NULL)
        return;
    cql_type_class_name(t, name, n + 1);
    cql_type *back = NULL;
    if (cql_type_parse_class(name, n, lim, &back, NULL) != CQL_OK || !cql_type_equal(t, back))
        abort();
    cql_type_free(back);
    free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    /* 0 keeps a default; otherwise small limits, to reach every limit check */
    cql_limits lim = {0, (mode >> 1) & 0x07, (mode >> 4) ? 1u << (mode >> 4) : 0};
    data++;
    size--;
    cql_type *t = NULL;
    if ((mode & 1) == 0) {
        cql_reader r = cql_reader_make(data, size);
        if (cql_type_parse(&r, &lim, &t) != CQL_OK) {
            if (t != NULL || r.diag.what == NULL || r.diag.offset > size)
                abort();
            return 0;
        }
        if (r.off > size)
            abort();
    } else {
        cql_diag d;
        if (cql_type_parse_class((const char *)data, size, &lim, &t, &d) != CQL_OK) {
            if (t != NULL || d.what == NULL || d.offset > size)
                abort();
            return 0;
        }
        check_class_name(t, &lim);
    }
    check_format(t);
    check_clone(t);
    check_encoding(t, &lim);
    cql_type_free(t);
    return 0;
}
