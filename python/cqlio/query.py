"""Statements and row factories under cassandra-driver's names.

Statements are plain descriptions — text or a prepared statement, values and
options. Nothing here talks to the server: AsyncCassandraSession turns a
statement into a call on the C core (see cqlio/_resolve.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ._corelink import UNSET
from .consistency import ConsistencyLevel, check_consistency
from .rows import dict_factory, named_tuple_factory, ordered_dict_factory, tuple_factory
from .tracing import QueryTrace, TraceEvent, TraceUnavailable

__all__ = [
    "Statement", "SimpleStatement", "PreparedStatement", "BoundStatement", "BatchStatement",
    "BatchType", "UNSET_VALUE", "dict_factory", "tuple_factory", "named_tuple_factory",
    "ordered_dict_factory", "QueryTrace", "TraceEvent", "TraceUnavailable",
]

UNSET_VALUE: Any = UNSET
"""Binds "unset": the column keeps its value (no tombstone, unlike None)."""


def _check_serial(value: Optional[int]) -> Optional[int]:
    value = check_consistency(value, "serial_consistency_level")
    if value is not None and not ConsistencyLevel.is_serial(value):
        raise ValueError("serial_consistency_level must be SERIAL or LOCAL_SERIAL, not %s"
                         % ConsistencyLevel.value_to_name.get(value, value))
    return value


def _check_fetch_size(value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("fetch_size must be an int, not %s" % type(value).__name__)
    if value <= 0:
        raise ValueError("fetch_size must be positive (None for the default)")
    return value


class Statement:
    """Options every statement carries (the driver's Statement attributes)."""

    query_string: Optional[str] = None

    def __init__(self, retry_policy: Any = None, consistency_level: Optional[int] = None,
                 routing_key: Optional[bytes] = None,
                 serial_consistency_level: Optional[int] = None,
                 fetch_size: Optional[int] = None, keyspace: Optional[str] = None,
                 custom_payload: Optional[Dict[str, bytes]] = None,
                 is_idempotent: bool = False) -> None:
        self.retry_policy = retry_policy
        self.consistency_level = consistency_level
        self.serial_consistency_level = serial_consistency_level
        self.fetch_size = fetch_size
        self.routing_key = routing_key
        self.keyspace = keyspace
        self.custom_payload = custom_payload
        self.is_idempotent = is_idempotent

    # validated on assignment, as the driver does, so a bad level fails where it is set
    @property
    def consistency_level(self) -> Optional[int]:
        return self._consistency_level

    @consistency_level.setter
    def consistency_level(self, value: Optional[int]) -> None:
        self._consistency_level = check_consistency(value)

    @property
    def serial_consistency_level(self) -> Optional[int]:
        return self._serial_consistency_level

    @serial_consistency_level.setter
    def serial_consistency_level(self, value: Optional[int]) -> None:
        self._serial_consistency_level = _check_serial(value)

    @property
    def fetch_size(self) -> Optional[int]:
        return self._fetch_size

    @fetch_size.setter
    def fetch_size(self, value: Optional[int]) -> None:
        self._fetch_size = _check_fetch_size(value)


class SimpleStatement(Statement):
    """A CQL text, with ``?``, ``:name``, ``%s`` or ``%(name)s`` markers when
    it is executed with values."""

    def __init__(self, query_string: str, retry_policy: Any = None,
                 consistency_level: Optional[int] = None, routing_key: Optional[bytes] = None,
                 serial_consistency_level: Optional[int] = None,
                 fetch_size: Optional[int] = None, keyspace: Optional[str] = None,
                 custom_payload: Optional[Dict[str, bytes]] = None,
                 is_idempotent: bool = False) -> None:
        if not isinstance(query_string, str):
            raise TypeError("query_string must be a str, not %s" % type(query_string).__name__)
        super().__init__(retry_policy=retry_policy, consistency_level=consistency_level,
                         routing_key=routing_key,
                         serial_consistency_level=serial_consistency_level,
                         fetch_size=fetch_size, keyspace=keyspace,
                         custom_payload=custom_payload, is_idempotent=is_idempotent)
        self._query_string = query_string

    @property
    def query_string(self) -> str:  # type: ignore[override]
        return self._query_string

    def __str__(self) -> str:
        return '<SimpleStatement query="%s", consistency=%s>' % (
            self._query_string, ConsistencyLevel.value_to_name.get(
                self.consistency_level, "Not Set") if self.consistency_level is not None
            else "Not Set")

    __repr__ = __str__


# What a PreparedStatement sends with each request (its cached core options
# are made again when one of these is set).
_OPTION_FIELDS = frozenset({
    "consistency_level", "serial_consistency_level", "fetch_size", "custom_payload",
    "is_idempotent", "_consistency_level", "_serial_consistency_level", "_fetch_size"})


class PreparedStatement:
    """A statement the server prepared (made by ``session.prepare``).

    Options set here (consistency_level, fetch_size, ...) are the defaults of
    every BoundStatement made from it."""

    # validated on assignment as a Statement's are: the execute fast path
    # sends them as they are
    consistency_level = Statement.consistency_level
    serial_consistency_level = Statement.serial_consistency_level
    fetch_size = Statement.fetch_size

    def __init__(self, prepared: Any, query_string: Optional[str] = None,
                 keyspace: Optional[str] = None) -> None:
        self._options: Optional[Dict[str, Any]] = None
        self._prepared = prepared  # the _core.Prepared
        self.query_string: str = query_string if query_string is not None else prepared.query
        self.keyspace = keyspace if keyspace is not None else getattr(prepared, "keyspace", None)
        self.consistency_level = None
        self.serial_consistency_level = None
        self.fetch_size = None
        self.custom_payload: Optional[Dict[str, bytes]] = None
        self.is_idempotent = False
        self.retry_policy: Any = None
        self.routing_key_indexes: Optional[List[int]] = None
        self._arity = len(prepared.param_names)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in _OPTION_FIELDS:
            object.__setattr__(self, "_options", None)  # made again on the next request

    def _core_options(self) -> Dict[str, Any]:
        """The core keywords for its requests (see _resolve.request_options),
        kept between requests until an option is set; not kept while a custom
        payload is set, as a dict can change in place."""
        options = self._options
        if options is None:
            from ._resolve import request_options  # (a cycle at import time otherwise)
            options = request_options(self)
            if not self.custom_payload:
                object.__setattr__(self, "_options", options)
        return options

    def _takes_as_is(self, values: Any) -> bool:
        """Whether ``values`` can go to the core unchanged: a list or tuple
        with a value for each marker (or None for a statement without
        markers). Anything else is bound first (BoundStatement.bind)."""
        cls = values.__class__
        if cls is tuple or cls is list:
            return len(values) == self._arity
        return values is None and self._arity == 0

    @property
    def query_id(self) -> bytes:
        return self._prepared.id

    @property
    def param_names(self) -> Tuple[str, ...]:
        """Names of the bind markers (the column names for ``?`` markers)."""
        return tuple(self._prepared.param_names)

    @property
    def param_types(self) -> Tuple[str, ...]:
        return tuple(self._prepared.param_types)

    @property
    def result_column_names(self) -> Tuple[str, ...]:
        return tuple(self._prepared.column_names)

    @property
    def result_column_types(self) -> Tuple[str, ...]:
        return tuple(self._prepared.column_types)

    def bind(self, values: Any = None) -> "BoundStatement":
        """A BoundStatement with ``values`` (a sequence in marker order, or a
        mapping by marker name)."""
        return BoundStatement(self).bind(values)

    def __str__(self) -> str:
        return '<PreparedStatement query="%s">' % (self.query_string,)

    __repr__ = __str__


class BoundStatement(Statement):
    """A prepared statement with its values.

    Binding follows cassandra-driver on protocol v4+: markers without a value
    are bound as UNSET_VALUE (a mapping may leave names out), and more values
    than markers is a ValueError. Types are checked by the C core against the
    prepared metadata when the statement is executed (TypeError naming the
    column)."""

    def __init__(self, prepared_statement: PreparedStatement, retry_policy: Any = None,
                 consistency_level: Optional[int] = None, routing_key: Optional[bytes] = None,
                 serial_consistency_level: Optional[int] = None,
                 fetch_size: Optional[int] = None, keyspace: Optional[str] = None,
                 custom_payload: Optional[Dict[str, bytes]] = None) -> None:
        ps = prepared_statement
        if not isinstance(ps, PreparedStatement):
            raise TypeError("BoundStatement needs a PreparedStatement, not %s" % type(ps).__name__)
        super().__init__(
            retry_policy=retry_policy if retry_policy is not None else ps.retry_policy,
            consistency_level=consistency_level if consistency_level is not None
            else ps.consistency_level,
            routing_key=routing_key,
            serial_consistency_level=serial_consistency_level
            if serial_consistency_level is not None else ps.serial_consistency_level,
            fetch_size=fetch_size if fetch_size is not None else ps.fetch_size,
            keyspace=keyspace if keyspace is not None else ps.keyspace,
            custom_payload=custom_payload if custom_payload is not None else ps.custom_payload,
            is_idempotent=ps.is_idempotent)
        self.prepared_statement = ps
        self.values: List[Any] = []

    @property
    def query_string(self) -> str:  # type: ignore[override]
        return self.prepared_statement.query_string

    def bind(self, values: Any = None) -> "BoundStatement":
        names = self.prepared_statement.param_names
        if values is None:
            values = ()
        if isinstance(values, Mapping):
            ordered: List[Any] = []
            lowered = None
            for name in names:
                if name in values:
                    ordered.append(values[name])
                    continue
                if lowered is None:
                    lowered = {str(k).lower(): v for k, v in values.items()}
                ordered.append(lowered.get(name.lower(), UNSET_VALUE))
            self.values = ordered
            return self
        if isinstance(values, (str, bytes, bytearray)):
            raise TypeError("values must be a sequence or a mapping, not %s"
                            % type(values).__name__)
        seq = list(values)
        if len(seq) > len(names):
            raise ValueError("Too many arguments provided to bind() (got %d, expected %d)"
                             % (len(seq), len(names)))
        seq.extend([UNSET_VALUE] * (len(names) - len(seq)))
        self.values = seq
        return self

    def __str__(self) -> str:
        return '<BoundStatement query="%s", values=%r>' % (self.query_string, self.values)

    __repr__ = __str__


class BatchType:
    """LOGGED (atomic), UNLOGGED, COUNTER; ``value`` is the protocol's number."""

    LOGGED: "BatchType"
    UNLOGGED: "BatchType"
    COUNTER: "BatchType"

    def __init__(self, name: str, value: int) -> None:
        self.name = name
        self.value = value

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return "BatchType.%s" % (self.name,)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BatchType):
            return self.value == other.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)


BatchType.LOGGED = BatchType("LOGGED", 0)
BatchType.UNLOGGED = BatchType("UNLOGGED", 1)
BatchType.COUNTER = BatchType("COUNTER", 2)


def batch_type_value(batch_type: Union[BatchType, int]) -> int:
    if isinstance(batch_type, BatchType):
        return batch_type.value
    if isinstance(batch_type, int) and not isinstance(batch_type, bool) and 0 <= batch_type <= 2:
        return batch_type
    raise ValueError("batch_type must be BatchType.LOGGED, UNLOGGED or COUNTER, not %r"
                     % (batch_type,))


class BatchStatement(Statement):
    """Statements applied together: texts (with or without values), bound
    statements, or prepared statements with their values. Texts with values
    are prepared when the batch is executed, never interpolated."""

    def __init__(self, batch_type: Union[BatchType, int] = BatchType.LOGGED,
                 retry_policy: Any = None, consistency_level: Optional[int] = None,
                 serial_consistency_level: Optional[int] = None, session: Any = None,
                 custom_payload: Optional[Dict[str, bytes]] = None) -> None:
        super().__init__(retry_policy=retry_policy, consistency_level=consistency_level,
                         serial_consistency_level=serial_consistency_level,
                         custom_payload=custom_payload)
        batch_type_value(batch_type)
        self.batch_type = batch_type
        self._statements_and_parameters: List[Tuple[Any, Any]] = []

    def add(self, statement: Any, parameters: Any = None) -> "BatchStatement":
        """Adds a str, SimpleStatement, PreparedStatement (bound here with
        ``parameters``) or BoundStatement."""
        if isinstance(statement, str):
            statement = SimpleStatement(statement)
        if isinstance(statement, PreparedStatement):
            statement = statement.bind(parameters)
            parameters = None
        elif isinstance(statement, BoundStatement):
            if parameters is not None:
                raise ValueError("parameters cannot be given with a BoundStatement")
        elif isinstance(statement, BatchStatement):
            raise TypeError("a batch cannot contain a batch")
        elif not isinstance(statement, SimpleStatement):
            raise TypeError("cannot add %s to a batch" % type(statement).__name__)
        if isinstance(statement, Statement) and statement.custom_payload:
            merged = dict(self.custom_payload or {})
            merged.update(statement.custom_payload)
            self.custom_payload = merged
        self._statements_and_parameters.append((statement, parameters))
        return self

    def add_all(self, statements: Iterable[Any], parameters: Iterable[Any]) -> "BatchStatement":
        """Adds each statement with the parameters at the same position."""
        for statement, params in zip(statements, parameters):
            self.add(statement, params)
        return self

    def clear(self) -> None:
        del self._statements_and_parameters[:]
        self.keyspace = None
        self.routing_key = None
        if self.custom_payload:
            self.custom_payload = None

    @property
    def entries(self) -> Sequence[Tuple[Any, Any]]:
        """(statement, parameters) pairs in the order they were added."""
        return tuple(self._statements_and_parameters)

    def __len__(self) -> int:
        return len(self._statements_and_parameters)

    def __str__(self) -> str:
        return "<BatchStatement type=%s, statements=%d>" % (
            self.batch_type, len(self._statements_and_parameters))

    __repr__ = __str__
