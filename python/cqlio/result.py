"""AsyncResultSet: every row of a query, already fetched.

``session.execute`` reads all pages before returning (as async-cassandra
does), so this object holds plain data and no link to the C core (nor to the
session, except a traced query's result, to read its trace). For results too
big to hold, use ``session.execute_stream``.
"""
from __future__ import annotations

import uuid
from typing import Any, AsyncIterator, Iterator, List, Optional, Sequence, Tuple

from .rows import shape_rows
from .tracing import QueryTrace


class AsyncResultSet:
    """Rows (after the session's row factory) and the metadata of the last page."""

    def __init__(self, rows: Optional[List[Any]] = None, *,
                 column_names: Sequence[str] = (), column_types: Sequence[str] = (),
                 paging_state: Optional[bytes] = None, has_more_pages: bool = False,
                 was_applied: bool = True, warnings: Sequence[str] = (),
                 tracing_id: Optional[bytes] = None,
                 custom_payload: Optional[dict] = None) -> None:
        self._rows: List[Any] = rows if rows is not None else []
        self._index = 0
        self.column_names: Tuple[str, ...] = tuple(column_names)
        self.column_types: Tuple[str, ...] = tuple(column_types)
        self.paging_state = paging_state
        self.has_more_pages = has_more_pages
        self._was_applied = was_applied
        self.warnings: List[str] = list(warnings)
        self.tracing_id = tracing_id
        self.custom_payload = custom_payload

    _session: Any = None  # for get_query_trace: set on traced results only

    @classmethod
    def from_pages(cls, pages: Sequence[Any], row_factory: Any,
                   session: Any = None) -> "AsyncResultSet":
        """One result from the _core.Page objects of a query, first to last;
        row_factory None: the pages' rows are the program's already.
        ``session`` reads the trace of a traced query (get_query_trace)."""
        first, last = pages[0], pages[-1]
        if len(pages) == 1:  # the common case, without copies
            rows = shape_rows(row_factory, first)
            warnings = first.warnings
        else:
            rows, warnings = [], []
            for page in pages:
                rows.extend(shape_rows(row_factory, page))
                warnings.extend(page.warnings)
        # set directly: this runs once per request, __init__'s checks are for programs
        self = cls.__new__(cls)
        self._rows = rows
        self._index = 0
        self.column_names = first.column_names
        self.column_types = first.column_types
        self.paging_state = last.paging_state
        self.has_more_pages = last.has_more_pages
        self._was_applied = first.was_applied
        self.warnings = warnings
        self.tracing_id = first.tracing_id
        self.custom_payload = first.custom_payload
        if session is not None and first.tracing_id is not None:
            self._session = session
        return self

    # -- async iteration (async-cassandra's interface) ----------------------
    def __aiter__(self) -> AsyncIterator[Any]:
        self._index = 0
        return self

    async def __anext__(self) -> Any:
        if self._index >= len(self._rows):
            raise StopAsyncIteration
        row = self._rows[self._index]
        self._index += 1
        return row

    # -- the list-like interface --------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return self._rows[index]

    def __bool__(self) -> bool:
        return bool(self._rows)

    @property
    def rows(self) -> List[Any]:
        return self._rows

    def one(self) -> Any:
        """The first row, or None when there is none."""
        return self._rows[0] if self._rows else None

    def all(self) -> List[Any]:
        return self._rows

    @property
    def current_rows(self) -> List[Any]:
        return self._rows

    @property
    def was_applied(self) -> bool:
        """For a lightweight transaction (IF ...): whether it was applied.
        True for statements without an [applied] column."""
        return self._was_applied

    def get_query_trace(self, max_wait: Optional[float] = None) -> Any:
        """The trace of a query executed with ``trace=True`` (None for any
        other): a QueryTrace whose ``trace_id`` is known now; ``await
        trace.populate()`` reads the server's record of it, waiting up to
        ``max_wait`` seconds (default 2) for it to be complete (the driver
        reads it here, with blocking queries)."""
        if self.tracing_id is None or self._session is None:
            return None
        return QueryTrace(uuid.UUID(bytes=self.tracing_id), self._session,
                          2.0 if max_wait is None else max_wait)

    def __repr__(self) -> str:
        return "<AsyncResultSet rows=%d columns=%r>" % (len(self._rows), self.column_names)
