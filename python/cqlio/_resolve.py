"""What the session sends for a statement: a text or a _core.Prepared, the
values in marker order, and the statement's options as core keywords.

Texts with values are prepared (through the session's cache) and bound, never
interpolated; texts without values go as they are.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Tuple

from .placeholders import order_values, scan
from .query import (BatchStatement, BoundStatement, PreparedStatement, SimpleStatement,
                    Statement, batch_type_value)

PrepareFn = Callable[[str], Awaitable[Any]]


class Request(NamedTuple):
    target: Any                 # str or _core.Prepared
    values: Optional[List[Any]]
    text: str                   # the CQL text, for messages and warnings
    statement: Optional[Statement]


def statement_options(statement: Optional[Statement]) -> Dict[str, Any]:
    """Core keywords from a statement's options (only those that are set)."""
    if statement is None:
        return {}
    opts: Dict[str, Any] = {}
    if statement.consistency_level is not None:
        opts["consistency"] = statement.consistency_level
    if statement.serial_consistency_level is not None:
        opts["serial_consistency"] = statement.serial_consistency_level
    if getattr(statement, "is_idempotent", False):
        opts["idempotent"] = True
    return opts


def request_options(statement: Optional[Statement], custom_payload: Optional[Dict[str, bytes]] = None,
                    execute_as: Optional[str] = None) -> Dict[str, Any]:
    """Every core keyword for a request of ``statement``: its options, its
    fetch size as page_size, and the merged custom payload (only what is set)."""
    opts = statement_options(statement)
    fetch_size = getattr(statement, "fetch_size", None)
    if fetch_size is not None:
        opts["page_size"] = fetch_size
    payload = merged_payload(statement, custom_payload, execute_as)
    if payload is not None:
        opts["custom_payload"] = payload
    return opts


def merged_payload(statement: Optional[Statement], custom_payload: Optional[Dict[str, bytes]],
                   execute_as: Optional[str] = None) -> Optional[Dict[str, bytes]]:
    """The statement's payload, then the call's, then ProxyExecute for execute_as."""
    payload: Dict[str, bytes] = {}
    if statement is not None and statement.custom_payload:
        payload.update(statement.custom_payload)
    if custom_payload:
        payload.update(custom_payload)
    if execute_as:
        payload["ProxyExecute"] = execute_as.encode("utf-8")
    return payload or None


async def resolve(query: Any, parameters: Any, prepare: PrepareFn) -> Request:
    """The Request for execute/execute_stream (not for batches)."""
    if isinstance(query, str):
        return await _resolve_text(query, parameters, None, prepare)
    if isinstance(query, SimpleStatement):
        return await _resolve_text(query.query_string, parameters, query, prepare)
    if isinstance(query, PreparedStatement):
        bound = query.bind(parameters)
        return Request(query._prepared, bound.values, query.query_string, bound)
    if isinstance(query, BoundStatement):
        if parameters is not None:
            raise ValueError("parameters cannot be given with a BoundStatement; bind them")
        ps = query.prepared_statement
        return Request(ps._prepared, list(query.values), ps.query_string, query)
    if isinstance(query, BatchStatement):
        raise TypeError("use execute_batch() for a BatchStatement")
    raise TypeError("query must be a str or a statement, not %s" % type(query).__name__)


async def _resolve_text(text: str, parameters: Any, statement: Optional[Statement],
                        prepare: PrepareFn) -> Request:
    if parameters is None:
        return Request(text, None, text, statement)
    markers = scan(text)
    if markers.style is None and not parameters:
        # no marker and nothing to bind: the text goes as it is
        return Request(markers.text, None, text, statement)
    prepared = await prepare(markers.text)
    values = order_values(markers, tuple(prepared.param_names), parameters)
    return Request(prepared, values, text, statement)


async def resolve_batch(batch: BatchStatement,
                        prepare: PrepareFn) -> Tuple[int, List[Tuple[Any, Optional[List[Any]]]]]:
    """(batch type value, [(text or Prepared, values), ...]) for _core.Session.batch."""
    entries: List[Tuple[Any, Optional[List[Any]]]] = []
    for statement, parameters in batch.entries:
        if isinstance(statement, BoundStatement):
            entries.append((statement.prepared_statement._prepared, list(statement.values)))
            continue
        req = await _resolve_text(statement.query_string, parameters, statement, prepare)
        entries.append((req.target, req.values))
    return batch_type_value(batch.batch_type), entries
