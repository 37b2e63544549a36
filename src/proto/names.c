/* Names of protocol constants, for messages people read. */
#include "cqlio.h"

const char *cql_consistency_str(uint16_t consistency)
{
    static const char *const names[] = {"ANY",          "ONE",         "TWO",    "THREE",
                                        "QUORUM",       "ALL",         "LOCAL_QUORUM",
                                        "EACH_QUORUM",  "SERIAL",      "LOCAL_SERIAL",
                                        "LOCAL_ONE"};
    return consistency < sizeof names / sizeof names[0] ? names[consistency] : "UNKNOWN";
}

const char *cql_error_code_str(int32_t code)
{
    switch (code) {
    case CQL_ERROR_SERVER: return "SERVER_ERROR";
    case CQL_ERROR_PROTOCOL: return "PROTOCOL_ERROR";
    case CQL_ERROR_BAD_CREDENTIALS: return "BAD_CREDENTIALS";
    case CQL_ERROR_UNAVAILABLE: return "UNAVAILABLE";
    case CQL_ERROR_OVERLOADED: return "OVERLOADED";
    case CQL_ERROR_IS_BOOTSTRAPPING: return "IS_BOOTSTRAPPING";
    case CQL_ERROR_TRUNCATE: return "TRUNCATE_ERROR";
    case CQL_ERROR_WRITE_TIMEOUT: return "WRITE_TIMEOUT";
    case CQL_ERROR_READ_TIMEOUT: return "READ_TIMEOUT";
    case CQL_ERROR_READ_FAILURE: return "READ_FAILURE";
    case CQL_ERROR_FUNCTION_FAILURE: return "FUNCTION_FAILURE";
    case CQL_ERROR_WRITE_FAILURE: return "WRITE_FAILURE";
    case CQL_ERROR_CDC_WRITE_FAILURE: return "CDC_WRITE_FAILURE";
    case CQL_ERROR_CAS_WRITE_UNKNOWN: return "CAS_WRITE_UNKNOWN";
    case CQL_ERROR_SYNTAX: return "SYNTAX_ERROR";
    case CQL_ERROR_UNAUTHORIZED: return "UNAUTHORIZED";
    case CQL_ERROR_INVALID: return "INVALID";
    case CQL_ERROR_CONFIG: return "CONFIG_ERROR";
    case CQL_ERROR_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case CQL_ERROR_UNPREPARED: return "UNPREPARED";
    }
    return "UNKNOWN_ERROR";
}

const char *cql_opcode_str(uint8_t opcode)
{
    switch (opcode) {
    case CQL_OP_ERROR: return "ERROR";
    case CQL_OP_STARTUP: return "STARTUP";
    case CQL_OP_READY: return "READY";
    case CQL_OP_AUTHENTICATE: return "AUTHENTICATE";
    case CQL_OP_OPTIONS: return "OPTIONS";
    case CQL_OP_SUPPORTED: return "SUPPORTED";
    case CQL_OP_QUERY: return "QUERY";
    case CQL_OP_RESULT: return "RESULT";
    case CQL_OP_PREPARE: return "PREPARE";
    case CQL_OP_EXECUTE: return "EXECUTE";
    case CQL_OP_REGISTER: return "REGISTER";
    case CQL_OP_EVENT: return "EVENT";
    case CQL_OP_BATCH: return "BATCH";
    case CQL_OP_AUTH_CHALLENGE: return "AUTH_CHALLENGE";
    case CQL_OP_AUTH_RESPONSE: return "AUTH_RESPONSE";
    case CQL_OP_AUTH_SUCCESS: return "AUTH_SUCCESS";
    }
    return "UNKNOWN_OPCODE";
}
