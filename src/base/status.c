/* Status codes and diagnostics: the words every layer uses to say what failed. */
#include "cqlio.h"

#include <stdio.h>

const char *cql_version(void) { return CQLIO_VERSION_STRING; }

const char *cql_rc_str(cql_rc rc)
{
    switch (rc) {
    case CQL_OK: return "ok";
    case CQL_E_TRUNCATED: return "truncated";
    case CQL_E_MALFORMED: return "malformed";
    case CQL_E_LIMIT: return "over limit";
    case CQL_E_NOMEM: return "out of memory";
    case CQL_E_PROTOCOL: return "protocol violation";
    case CQL_E_ARG: return "invalid argument";
    case CQL_E_CLOSED: return "closed";
    case CQL_E_BUSY: return "no stream id free";
    case CQL_E_TIMEOUT: return "timed out";
    case CQL_E_SERVER: return "server error";
    case CQL_E_NETWORK: return "network error";
    case CQL_E_CANCELLED: return "cancelled";
    case CQL_E_TYPE: return "wrong type";
    case CQL_E_NO_HOST: return "no host available";
    }
    return "unknown status";
}

int cql_diag_format(const cql_diag *diag, char *buf, size_t cap)
{
    if (diag == NULL || diag->rc == CQL_OK)
        return snprintf(buf, cap, "ok");
    return snprintf(buf, cap, "%s at byte %zu: %s", cql_rc_str(diag->rc), diag->offset,
                    diag->what ? diag->what : "(no detail)");
}
