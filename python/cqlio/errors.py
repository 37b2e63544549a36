"""From the C core's error description (a dict) to the exception to raise.

The C core calls ``error_factory(info)`` for every failure (registered with
``_core.set_types``). ``info`` has ``category`` ('client', 'server',
'network', 'timeout'), ``rc`` (a cql_rc), ``message`` (one sentence saying
what and where), ``host``, and for server errors ``code``,
``server_message`` and the per-code fields (consistency, required, alive,
received, block_for, data_present, write_type, contentions, failures,
keyspace, table, function, arg_types, unprepared_id; optionally
``reasons``, a {host: failure code} map from protocol v5).

Mapping:
  server  -> the driver-level class of the code (Unavailable, ReadTimeout,
             InvalidRequest, ...), with the driver's attributes
  timeout -> OperationTimedOut (a client-side deadline; also asyncio.TimeoutError)
  network -> cqlio.ConnectionError
  client  -> TypeError (a value of the wrong type), ValueError (an invalid
             argument or a value out of range), MemoryError,
             cqlio.ConnectionError (the session is closed), OperationTimedOut,
             else QueryError
Every exception also gets ``host`` and ``rc`` attributes (and ``code`` for
server errors). The factory never raises: a malformed dict still yields a
QueryError carrying the message.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping, Optional

from . import exceptions as E
from .policies import WriteType

# cql_rc values (include/cqlio.h)
RC_TRUNCATED, RC_MALFORMED, RC_LIMIT, RC_NOMEM, RC_PROTOCOL, RC_ARG, RC_CLOSED = 1, 2, 3, 4, 5, 6, 7
RC_BUSY, RC_TIMEOUT, RC_SERVER, RC_NETWORK, RC_CANCELLED, RC_TYPE = 8, 9, 10, 11, 12, 13
RC_NO_HOST = 14

# server error codes (include/cqlio.h, cql_error_code)
SERVER_ERROR = 0x0000
PROTOCOL_ERROR = 0x000A
BAD_CREDENTIALS = 0x0100
UNAVAILABLE = 0x1000
OVERLOADED = 0x1001
IS_BOOTSTRAPPING = 0x1002
TRUNCATE_ERROR = 0x1003
WRITE_TIMEOUT = 0x1100
READ_TIMEOUT = 0x1200
READ_FAILURE = 0x1300
FUNCTION_FAILURE = 0x1400
WRITE_FAILURE = 0x1500
CDC_WRITE_FAILURE = 0x1600
CAS_WRITE_UNKNOWN = 0x1700
SYNTAX_ERROR = 0x2000
UNAUTHORIZED = 0x2100
INVALID = 0x2200
CONFIG_ERROR = 0x2300
ALREADY_EXISTS = 0x2400
UNPREPARED = 0x2500

# The driver's one-line summaries, which its messages quote in brackets.
SUMMARIES: Dict[int, str] = {
    SERVER_ERROR: "Server error",
    PROTOCOL_ERROR: "Protocol error",
    BAD_CREDENTIALS: "Bad credentials",
    UNAVAILABLE: "Unavailable exception",
    OVERLOADED: "Coordinator node overloaded",
    IS_BOOTSTRAPPING: "Coordinator node is bootstrapping",
    TRUNCATE_ERROR: "Error during truncate",
    WRITE_TIMEOUT: "Coordinator node timed out waiting for replica nodes' responses",
    READ_TIMEOUT: "Coordinator node timed out waiting for replica nodes' responses",
    READ_FAILURE: "Replica(s) failed to execute read",
    FUNCTION_FAILURE: "User Defined Function failure",
    WRITE_FAILURE: "Replica(s) failed to execute write",
    CDC_WRITE_FAILURE: "Failed to execute write due to CDC space exhaustion.",
    CAS_WRITE_UNKNOWN: "The outcome of the lightweight transaction is unknown",
    SYNTAX_ERROR: "Syntax error in CQL query",
    UNAUTHORIZED: "Unauthorized",
    INVALID: "Invalid query",
    CONFIG_ERROR: "Query invalid because of configuration issue",
    ALREADY_EXISTS: "Item already exists",
    UNPREPARED: "Query not prepared",
}


def summary_message(code: int, server_message: str) -> str:
    """The driver's message format: Error from server: code=2200 [Invalid query] message="..." """
    return 'Error from server: code=%04x [%s] message="%s"' % (
        code, SUMMARIES.get(code, "Unknown error"), server_message)


def _write_type(info: Mapping[str, Any]) -> Any:
    name = info.get("write_type") or None
    if name is None:
        return None
    return WriteType.name_to_value.get(name, name)


def _error_code_map(info: Mapping[str, Any]) -> Optional[Dict[str, int]]:
    reasons = info.get("reasons")
    if isinstance(reasons, Mapping):
        return dict(reasons)
    if isinstance(reasons, (list, tuple)):  # [(host, code), ...]
        try:
            return {str(h): int(c) for h, c in reasons}
        except (TypeError, ValueError):
            return None
    return None


# "...: INVALID (0x2200): Keyspace 'x' does not exist": how the core's message
# names a server error it carries without the server's fields (the handshake's).
_CODE_IN_MESSAGE = re.compile(r"\b[A-Z_]+ \(0x([0-9a-fA-F]{4})\): (.*)$", re.S)


def _server_error(info: Mapping[str, Any]) -> BaseException:
    if "code" in info:
        code = int(info["code"])
        text = str(info.get("server_message", info.get("message", "")))
    else:  # a server error from the handshake: code and text are in the message
        found = _CODE_IN_MESSAGE.search(str(info.get("message", "")))
        code = int(found.group(1), 16) if found else SERVER_ERROR
        text = found.group(2) if found else str(info.get("message", ""))
    msg = summary_message(code, text)
    cl = info.get("consistency")
    exc: BaseException
    if code == UNAVAILABLE:
        exc = E.Unavailable(msg, consistency=cl, required_replicas=info.get("required"),
                            alive_replicas=info.get("alive"))
    elif code == READ_TIMEOUT:
        exc = E.ReadTimeout(msg, consistency=cl, required_responses=info.get("block_for"),
                            received_responses=info.get("received"),
                            data_retrieved=bool(info.get("data_present", False)))
    elif code == WRITE_TIMEOUT:
        exc = E.WriteTimeout(msg, consistency=cl, required_responses=info.get("block_for"),
                             received_responses=info.get("received"),
                             write_type=_write_type(info))
    elif code == READ_FAILURE:
        exc = E.ReadFailure(msg, consistency=cl, required_responses=info.get("block_for"),
                            received_responses=info.get("received"),
                            failures=info.get("failures"),
                            error_code_map=_error_code_map(info),
                            data_retrieved=bool(info.get("data_present", False)))
    elif code == WRITE_FAILURE:
        exc = E.WriteFailure(msg, consistency=cl, required_responses=info.get("block_for"),
                             received_responses=info.get("received"),
                             failures=info.get("failures"),
                             error_code_map=_error_code_map(info),
                             write_type=_write_type(info))
    elif code == FUNCTION_FAILURE:
        exc = E.FunctionFailure(msg, keyspace=info.get("keyspace") or None,
                                function=info.get("function") or None,
                                arg_types=list(info.get("arg_types") or []))
    elif code == CAS_WRITE_UNKNOWN:
        exc = E.CASWriteUnknown(msg, consistency=cl, required_responses=info.get("block_for"),
                                received_responses=info.get("received"))
    elif code == ALREADY_EXISTS:
        exc = E.AlreadyExists(keyspace=info.get("keyspace") or None,
                              table=info.get("table") or None)
    else:
        cls: Callable[[str], BaseException] = _SIMPLE_SERVER_CLASSES.get(code, E.ServerError)
        exc = cls(msg)
    exc.code = code  # type: ignore[attr-defined]
    exc.server_message = text  # type: ignore[attr-defined]
    return exc


_SIMPLE_SERVER_CLASSES: Dict[int, Callable[[str], BaseException]] = {
    PROTOCOL_ERROR: E.ProtocolException,
    BAD_CREDENTIALS: E.AuthenticationFailed,
    OVERLOADED: E.Overloaded,
    IS_BOOTSTRAPPING: E.IsBootstrappingError,
    TRUNCATE_ERROR: E.TruncateError,
    CDC_WRITE_FAILURE: E.CDCWriteFailure,
    SYNTAX_ERROR: E.SyntaxException,
    UNAUTHORIZED: E.Unauthorized,
    INVALID: E.InvalidRequest,
    CONFIG_ERROR: E.ConfigurationException,
}


def _timeout_error(info: Mapping[str, Any]) -> BaseException:
    host = info.get("host") or None
    return E.OperationTimedOut(errors={host or "client": info.get("message", "timed out")},
                               last_host=host)


def _client_error(info: Mapping[str, Any]) -> BaseException:
    rc = info.get("rc")
    msg = str(info.get("message", "client error"))
    if rc == RC_TYPE:
        return TypeError(msg)
    if rc in (RC_ARG, RC_LIMIT):
        return ValueError(msg)
    if rc == RC_NOMEM:
        return MemoryError(msg)
    if rc == RC_CLOSED:
        return E.ConnectionError(msg)
    if rc == RC_TIMEOUT:
        return _timeout_error(info)
    return E.QueryError(msg)


def error_factory(info: Mapping[str, Any]) -> BaseException:
    """The exception for one failure described by the C core (never raises)."""
    try:
        category = info.get("category")
        if category == "server":
            exc = _server_error(info)
        elif category == "timeout":
            exc = _timeout_error(info)
        elif category == "network" and info.get("rc") == RC_NO_HOST:
            message = str(info.get("message", "no host available"))
            exc = E.HostsDown(message, {info.get("host") or "all hosts":
                                        E.ConnectionError(message)})
        elif category == "network":
            exc = E.ConnectionError(str(info.get("message", "network error")))
        else:
            exc = _client_error(info)
        try:
            exc.host = info.get("host") or None  # type: ignore[attr-defined]
            exc.rc = info.get("rc")  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - every class here takes attributes
            pass
        return exc
    except Exception as failure:  # a malformed description must not hide the error
        try:
            message = str(info.get("message"))  # type: ignore[union-attr]
        except Exception:
            message = repr(info)
        return E.QueryError(message, cause=failure)
