"""Every exception cqlio raises, under the names programs already catch.

Two families, as an async-cassandra program sees them:

* async-cassandra's own: ``AsyncCassandraError(message, cause=None)`` and its
  subclasses ``ConnectionError``, ``QueryError``, ``TimeoutError``,
  ``AuthenticationError``, ``ConfigurationError``.
* cassandra-driver's, which async-cassandra lets through unchanged: the server's
  errors (``Unavailable``, ``ReadTimeout``, ``InvalidRequest``, ...) with the
  driver's constructor signatures, attributes and message format, plus
  ``OperationTimedOut`` (a client-side deadline) and ``NoHostAvailable``.

Decisions:

* ``cqlio.ConnectionError`` is *not* a subclass of the builtin ConnectionError.
  async-cassandra's is not either, so ``except ConnectionError`` keeps meaning
  what it meant after the import rename; and an OSError subclass would take the
  ``(message, cause)`` arguments as ``(errno, strerror)``.
* Client-side timeouts (``OperationTimedOut``) *are* ``asyncio.TimeoutError``
  as well: async-cassandra's per-page and per-call timeouts come from
  ``asyncio.wait_for``, so both ``except OperationTimedOut`` and
  ``except asyncio.TimeoutError`` keep working.
* A failed ``connect()`` raises ``ConnectFailed``, which is both
  ``cqlio.ConnectionError`` (what async-cassandra raises) and
  ``NoHostAvailable`` with ``errors`` per host (what the driver raises).
  A request made while every host is down raises ``HostsDown``, of the
  same two classes.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Mapping, Optional

from .consistency import consistency_value_to_name

__all__ = [
    # async-cassandra
    "AsyncCassandraError", "ConnectionError", "QueryError", "TimeoutError",
    "AuthenticationError", "ConfigurationError", "ConnectFailed", "ConnectTimeout", "HostsDown",
    # cassandra-driver
    "DriverException", "RequestExecutionException", "RequestValidationException",
    "Unavailable", "Timeout", "ReadTimeout", "WriteTimeout", "CoordinationFailure",
    "ReadFailure", "WriteFailure", "FunctionFailure", "CDCWriteFailure", "CASWriteUnknown",
    "InvalidRequest", "SyntaxException", "Unauthorized", "ConfigurationException",
    "AlreadyExists", "AuthenticationFailed", "ProtocolException", "IsBootstrappingError",
    "Overloaded", "TruncateError", "ServerError", "OperationTimedOut", "NoHostAvailable",
]


# --------------------------------------------------------------------------
# async-cassandra's classes
# --------------------------------------------------------------------------

class AsyncCassandraError(Exception):
    """Base of the errors async-cassandra itself raises; ``cause`` is the
    underlying exception when there is one."""

    def __init__(self, message: str, cause: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


class ConnectionError(AsyncCassandraError):  # noqa: A001 - async-cassandra's name
    """Connecting failed, a connection broke, or the session/cluster is closed."""


class QueryError(AsyncCassandraError):
    """A query failed for a reason that is not one of the server's errors."""


class TimeoutError(AsyncCassandraError):  # noqa: A001 - async-cassandra's name
    """async-cassandra's timeout class (kept for ``except`` clauses). cqlio
    raises OperationTimedOut, which is also an asyncio.TimeoutError."""


class AuthenticationError(AsyncCassandraError):
    """Authentication could not be set up (for instance an unsupported provider)."""


class ConfigurationError(AsyncCassandraError):
    """The cluster or session was configured with a value cqlio cannot use."""


# --------------------------------------------------------------------------
# cassandra-driver's classes
# --------------------------------------------------------------------------

class DriverException(Exception):
    """Base of the driver-level errors."""


class RequestExecutionException(DriverException):
    """The server could not execute a valid request (replicas, timeouts...)."""


class RequestValidationException(DriverException):
    """The server refused the request itself (syntax, schema, permissions)."""


def _info_suffix(info: Mapping[str, Any]) -> str:
    return " info=" + repr(dict(info))


def _write_type_name(write_type: Any) -> Any:
    from .policies import WriteType

    if isinstance(write_type, int) and not isinstance(write_type, bool):
        return WriteType.value_to_name.get(write_type, write_type)
    return write_type


class Unavailable(RequestExecutionException):
    """Too few replicas were alive to even try the requested consistency."""

    consistency: Optional[int] = None
    required_replicas: Optional[int] = None
    alive_replicas: Optional[int] = None

    def __init__(self, summary_message: str, consistency: Optional[int] = None,
                 required_replicas: Optional[int] = None,
                 alive_replicas: Optional[int] = None) -> None:
        self.consistency = consistency
        self.required_replicas = required_replicas
        self.alive_replicas = alive_replicas
        Exception.__init__(self, summary_message + _info_suffix({
            "consistency": consistency_value_to_name(consistency),
            "required_replicas": required_replicas,
            "alive_replicas": alive_replicas,
        }))


class Timeout(RequestExecutionException):
    """Replicas did not answer the coordinator in time (server side)."""

    consistency: Optional[int] = None
    required_responses: Optional[int] = None
    received_responses: Optional[int] = None

    def __init__(self, summary_message: str, consistency: Optional[int] = None,
                 required_responses: Optional[int] = None,
                 received_responses: Optional[int] = None, **kwargs: Any) -> None:
        self.consistency = consistency
        self.required_responses = required_responses
        self.received_responses = received_responses
        info: Dict[str, Any] = {
            "consistency": consistency_value_to_name(consistency),
            "required_responses": required_responses,
            "received_responses": received_responses,
        }
        if "write_type" in kwargs:
            kwargs["write_type"] = _write_type_name(kwargs["write_type"])
        info.update(kwargs)
        Exception.__init__(self, summary_message + _info_suffix(info))


class ReadTimeout(Timeout):
    """A read timed out on the replicas; ``data_retrieved`` says whether the
    data replica answered."""

    data_retrieved: Optional[bool] = None

    def __init__(self, message: str, data_retrieved: Optional[bool] = None,
                 **kwargs: Any) -> None:
        Timeout.__init__(self, message, **kwargs)
        self.data_retrieved = data_retrieved


class WriteTimeout(Timeout):
    """A write timed out on the replicas; ``write_type`` is a WriteType value."""

    write_type: Any = None

    def __init__(self, message: str, write_type: Any = None, **kwargs: Any) -> None:
        kwargs["write_type"] = write_type
        Timeout.__init__(self, message, **kwargs)
        self.write_type = write_type


class CoordinationFailure(RequestExecutionException):
    """Replicas answered the coordinator with failures."""

    consistency: Optional[int] = None
    required_responses: Optional[int] = None
    received_responses: Optional[int] = None
    failures: Optional[int] = None
    error_code_map: Optional[Dict[str, int]] = None

    def __init__(self, summary_message: str, consistency: Optional[int] = None,
                 required_responses: Optional[int] = None,
                 received_responses: Optional[int] = None, failures: Optional[int] = None,
                 error_code_map: Optional[Dict[str, int]] = None) -> None:
        self.consistency = consistency
        self.required_responses = required_responses
        self.received_responses = received_responses
        self.failures = failures
        self.error_code_map = error_code_map
        info: Dict[str, Any] = {
            "consistency": consistency_value_to_name(consistency),
            "required_responses": required_responses,
            "received_responses": received_responses,
            "failures": failures,
        }
        if error_code_map is not None:
            info["error_code_map"] = {k: "0x%04x" % v if isinstance(v, int) else v
                                      for k, v in error_code_map.items()}
        Exception.__init__(self, summary_message + _info_suffix(info))


class ReadFailure(CoordinationFailure):
    data_retrieved: Optional[bool] = None

    def __init__(self, message: str, data_retrieved: Optional[bool] = None,
                 **kwargs: Any) -> None:
        CoordinationFailure.__init__(self, message, **kwargs)
        self.data_retrieved = data_retrieved


class WriteFailure(CoordinationFailure):
    write_type: Any = None

    def __init__(self, message: str, write_type: Any = None, **kwargs: Any) -> None:
        CoordinationFailure.__init__(self, message, **kwargs)
        self.write_type = write_type


class FunctionFailure(RequestExecutionException):
    """A user-defined function failed while the server executed it."""

    keyspace: Optional[str] = None
    function: Optional[str] = None
    arg_types: Optional[List[str]] = None

    def __init__(self, summary_message: str, keyspace: Optional[str] = None,
                 function: Optional[str] = None,
                 arg_types: Optional[List[str]] = None) -> None:
        self.keyspace = keyspace
        self.function = function
        self.arg_types = arg_types
        Exception.__init__(self, summary_message)


class CDCWriteFailure(RequestExecutionException):
    """A write to a CDC table failed because the CDC space is exhausted."""


class CASWriteUnknown(RequestExecutionException):
    """The outcome of a lightweight transaction is unknown (protocol v5)."""

    consistency: Optional[int] = None
    required_responses: Optional[int] = None
    received_responses: Optional[int] = None

    def __init__(self, summary_message: str, consistency: Optional[int] = None,
                 required_responses: Optional[int] = None,
                 received_responses: Optional[int] = None) -> None:
        self.consistency = consistency
        self.required_responses = required_responses
        self.received_responses = received_responses
        Exception.__init__(self, summary_message + _info_suffix({
            "consistency": consistency_value_to_name(consistency),
            "required_responses": required_responses,
            "received_responses": received_responses,
        }))


class Overloaded(RequestExecutionException):
    """The coordinator was overloaded (0x1001)."""


class IsBootstrappingError(RequestExecutionException):
    """The coordinator is still bootstrapping (0x1002)."""


class TruncateError(RequestExecutionException):
    """A TRUNCATE failed on the server (0x1003)."""


class ConfigurationException(RequestValidationException):
    """The request conflicts with the schema or configuration (0x2300)."""


class AlreadyExists(ConfigurationException):
    """CREATE of a keyspace or table that exists; ``table`` is None for a keyspace."""

    keyspace: Optional[str] = None
    table: Optional[str] = None

    def __init__(self, keyspace: Optional[str] = None, table: Optional[str] = None) -> None:
        if table:
            message = "Table '%s.%s' already exists" % (keyspace, table)
        else:
            message = "Keyspace '%s' already exists" % (keyspace,)
        Exception.__init__(self, message)
        self.keyspace = keyspace
        self.table = table


class InvalidRequest(RequestValidationException):
    """The server found the request invalid (unknown table, bad value...)."""


class SyntaxException(RequestValidationException):
    """The CQL text does not parse."""


class Unauthorized(RequestValidationException):
    """The logged-in user lacks a permission."""


class AuthenticationFailed(DriverException):
    """The server refused the credentials."""


class ProtocolException(DriverException):
    """The server reported a protocol error."""


class ServerError(DriverException):
    """Any other server error (0x0000 server error, 0x2500 unprepared,
    codes this version does not know); ``code`` says which."""


class OperationTimedOut(DriverException, asyncio.TimeoutError):
    """A client-side deadline passed (request timeout, page timeout, stream
    deadline). ``errors`` maps the host to what happened there."""

    errors: Optional[Dict[str, Any]] = None
    last_host: Optional[str] = None

    def __init__(self, errors: Optional[Dict[str, Any]] = None,
                 last_host: Optional[str] = None) -> None:
        self.errors = errors
        self.last_host = last_host
        Exception.__init__(self, "errors=%s, last_host=%s" % (errors, last_host))


class NoHostAvailable(Exception):
    """No host could be used; ``errors`` maps each host to its exception."""

    errors: Optional[Dict[str, BaseException]] = None

    def __init__(self, message: str, errors: Optional[Dict[str, BaseException]] = None) -> None:
        Exception.__init__(self, message, errors)
        self.errors = errors


# --------------------------------------------------------------------------
# The two classes connect() raises: each is what both APIs expect.
# --------------------------------------------------------------------------

class ConnectFailed(ConnectionError, NoHostAvailable):
    """``connect()`` failed: an async-cassandra ConnectionError and a driver
    NoHostAvailable at once. ``errors`` maps each host to its exception and
    ``cause`` is the first of them."""

    def __init__(self, message: str, errors: Optional[Dict[str, BaseException]] = None,
                 cause: Optional[BaseException] = None) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.errors = dict(errors or {})
        if cause is None and self.errors:
            cause = next(iter(self.errors.values()))
        self.cause = cause


class HostsDown(ConnectFailed):
    """A request failed at once because every host is down (no connection,
    and the last attempt to reconnect failed): a ConnectionError and a
    NoHostAvailable, as ConnectFailed is. ``errors`` maps the host (or
    "all hosts") to the error; the message says why each host went down."""


class ConnectTimeout(ConnectionError, asyncio.TimeoutError):
    """``connect(timeout=...)`` ran out of time: a ConnectionError (as
    async-cassandra reports it) and an asyncio.TimeoutError (as
    ``asyncio.wait_for`` reports it)."""

    def __init__(self, message: str, cause: Optional[BaseException] = None) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.cause = cause
