/* SUPPORTED ([string multimap]) decoding on arbitrary bytes: never a crash, an
 * over-read or a leak; every view returned lies inside the decoded object. */
#include "cqlio.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cql_supported *s = NULL;
    cql_diag d;
    if (cql_supported_decode(data, size, &s, &d) != CQL_OK) {
        if (s != NULL || d.what == NULL || d.offset > size)
            abort();
        return 0;
    }
    size_t total = 0;
    for (size_t i = 0; i < cql_supported_count(s); i++) {
        total += cql_supported_key(s, i).len;
        for (size_t j = 0; j < cql_supported_value_count(s, i); j++)
            total += cql_supported_value(s, i, j).len;
    }
    if (total > size)
        abort();
    cql_supported_free(s);
    return 0;
}
