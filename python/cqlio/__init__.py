"""cqlio: async-cassandra's API on a C core, on the caller's asyncio loop.

A program written for async-cassandra runs on cqlio after its imports are
renamed (``async_cassandra`` and ``cassandra`` -> ``cqlio``; ``cassandra.query``
-> ``cqlio.query`` and so on). Where cqlio differs on purpose: close() without
sleeps, bounded prefetching streams, parameters never interpolated, no
threads, a readable resource ledger (``session.resources()``).
"""
from __future__ import annotations

from ._corelink import CORE_IMPORT_ERROR, core as _core_module
from .cluster import EXEC_PROFILE_DEFAULT, AsyncCluster
from .consistency import ConsistencyLevel
from .errors import error_factory as _error_factory
from .exceptions import (
    AlreadyExists, AsyncCassandraError, AuthenticationError, AuthenticationFailed,
    CASWriteUnknown, CDCWriteFailure, ConfigurationError, ConfigurationException, ConnectFailed,
    ConnectionError, ConnectTimeout, CoordinationFailure, DriverException, FunctionFailure,
    HostsDown, InvalidRequest, IsBootstrappingError, NoHostAvailable, OperationTimedOut, Overloaded,
    ProtocolException, QueryError, ReadFailure, ReadTimeout, RequestExecutionException,
    RequestValidationException, ServerError, SyntaxException, Timeout, TimeoutError,
    TruncateError, Unauthorized, Unavailable, WriteFailure, WriteTimeout,
)
from .query import (BatchStatement, BatchType, BoundStatement, PreparedStatement,
                    SimpleStatement, UNSET_VALUE)
from .result import AsyncResultSet
from .retry_policy import AsyncRetryPolicy
from .rows import row_class as _row_class
from .session import AsyncCassandraSession
from .streaming import AsyncStreamingResultSet, StreamConfig, create_streaming_statement
from .udt import udt_factory as _udt_factory
from .util import Date, Duration, OrderedMapSerializedKey, SortedSet, Time

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "AsyncCluster", "AsyncCassandraSession", "AsyncResultSet", "AsyncStreamingResultSet",
    "StreamConfig", "create_streaming_statement", "AsyncRetryPolicy", "ConsistencyLevel",
    "EXEC_PROFILE_DEFAULT",
    "SimpleStatement", "PreparedStatement", "BoundStatement", "BatchStatement", "BatchType",
    "UNSET_VALUE",
    # async-cassandra's exceptions
    "AsyncCassandraError", "ConnectionError", "QueryError", "TimeoutError",
    "AuthenticationError", "ConfigurationError", "ConnectFailed", "ConnectTimeout", "HostsDown",
    # cassandra-driver's exceptions
    "DriverException", "RequestExecutionException", "RequestValidationException",
    "Unavailable", "Timeout", "ReadTimeout", "WriteTimeout", "CoordinationFailure",
    "ReadFailure", "WriteFailure", "FunctionFailure", "CDCWriteFailure", "CASWriteUnknown",
    "Overloaded", "TruncateError", "ServerError", "OperationTimedOut", "NoHostAvailable",
    "InvalidRequest", "SyntaxException", "Unauthorized", "AuthenticationFailed",
    "AlreadyExists", "ConfigurationException", "ProtocolException", "IsBootstrappingError",
]


def _register_types() -> None:
    """Hands the value classes, the two factories and the row class to the C
    extension, which builds Python values, exceptions and rows with them."""
    if _core_module is None:
        return
    _core_module.set_types(
        Date=Date, Time=Time, Duration=Duration, SortedSet=SortedSet,
        OrderedMapSerializedKey=OrderedMapSerializedKey,
        udt_factory=_udt_factory, error_factory=_error_factory, row_class=_row_class,
    )


_register_types()


def core_available() -> bool:
    """Whether the C extension (cqlio._core) was imported; see core_import_error()."""
    return _core_module is not None


def core_import_error() -> "BaseException | None":
    """Why cqlio._core could not be imported (None when it was)."""
    return CORE_IMPORT_ERROR
