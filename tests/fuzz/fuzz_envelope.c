/* Envelope header decoding on arbitrary bytes: never a crash or an over-read,
 * and whatever decodes re-encodes to the same 9 bytes. */
#include "cqlio.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cql_envelope_header h;
    cql_diag d;
    uint32_t limit = size >= 13 ? (uint32_t)data[9] << 24 | (uint32_t)data[10] << 16 |
                                      (uint32_t)data[11] << 8 | data[12]
                                : 0;
    if (cql_envelope_header_decode(data, size, limit, &h, &d) == CQL_OK) {
        uint8_t again[CQL_ENVELOPE_HEADER_SIZE];
        cql_envelope_header_encode(&h, again);
        if (memcmp(again, data, CQL_ENVELOPE_HEADER_SIZE) != 0)
            abort();
    } else if (d.what == NULL || d.offset > size) {
        abort();
    }
    return 0;
}
