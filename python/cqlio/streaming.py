"""Streaming results: rows page by page, in bounded memory.

AsyncStreamingResultSet holds the C core's stream (``_core.Stream``) and
nothing that points back at it or at the session, so dropping it without
``close()`` frees it by reference counting — the C stream is closed at once
and a ResourceWarning names the query. ``async with`` stays the documented
idiom; it closes on every way out (end, error, break, cancellation).

What the C stream does underneath: it keeps up to ``prefetch_pages`` pages
fetched ahead while the consumer works; ``close()`` abandons a fetch in
flight; a page that takes longer than ``timeout_seconds``, or a stream that
runs past ``deadline_seconds``, fails with OperationTimedOut. A task cancelled
while it waits for a page leaves the stream usable: the fetch goes on and its
page is kept for the next wait (``async with`` closes the stream on the way
out, which abandons the fetch). The end is the
server's has_more_pages flag alone: an empty page in the middle does not end
the stream.
"""
from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, List, Optional

from .exceptions import QueryError
from .query import SimpleStatement
from .rows import shape_rows

log = logging.getLogger("cqlio")

__all__ = ["StreamConfig", "AsyncStreamingResultSet", "create_streaming_statement"]


@dataclass
class StreamConfig:
    """How a stream fetches.

    fetch_size: rows per page. max_pages: stop after this many pages (None:
    all). page_callback(page_number, rows_in_this_page): called as each page
    is received. timeout_seconds: limit for each page wait. prefetch_pages:
    pages fetched ahead of the consumer (0: only on demand). deadline_seconds:
    limit for the whole stream."""

    fetch_size: int = 1000
    max_pages: Optional[int] = None
    page_callback: Optional[Callable[[int, int], None]] = None
    timeout_seconds: Optional[float] = None
    prefetch_pages: int = 1
    deadline_seconds: Optional[float] = None

    def __post_init__(self) -> None:
        if isinstance(self.fetch_size, bool) or not isinstance(self.fetch_size, int) \
                or self.fetch_size <= 0:
            raise ValueError("fetch_size must be a positive int, not %r" % (self.fetch_size,))
        if self.max_pages is not None and (not isinstance(self.max_pages, int)
                                           or self.max_pages <= 0):
            raise ValueError("max_pages must be a positive int or None, not %r"
                             % (self.max_pages,))
        if not isinstance(self.prefetch_pages, int) or self.prefetch_pages < 0:
            raise ValueError("prefetch_pages must be an int >= 0, not %r"
                             % (self.prefetch_pages,))
        for name in ("timeout_seconds", "deadline_seconds"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError("%s must be positive or None, not %r" % (name, value))
        if self.page_callback is not None and not callable(self.page_callback):
            raise TypeError("page_callback must be callable")


def create_streaming_statement(query: str, fetch_size: int = 1000,
                               consistency_level: Optional[int] = None) -> SimpleStatement:
    """A SimpleStatement meant for execute_stream, with its page size."""
    return SimpleStatement(query, fetch_size=fetch_size, consistency_level=consistency_level)


def _retrieve(fut: Any) -> None:
    if not fut.cancelled():
        fut.exception()  # an abandoned fetch's error is expected: mark it seen


def _retrieve_when_done(fut: Any) -> None:
    """Keeps asyncio from logging "exception was never retrieved" for a fetch
    nobody waits for any more."""
    if fut.done():
        _retrieve(fut)
    else:
        fut.add_done_callback(_retrieve)


def _task_is_cancelling() -> bool:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else True


class AsyncStreamingResultSet:
    """Rows of one query, fetched page by page.

    ``async for row in result`` or ``async for page in result.pages()``;
    ``page_number`` and ``total_rows_fetched`` count what was received;
    ``paging_state`` resumes after the current page."""

    def __init__(self, stream: Any, query: str, config: StreamConfig,
                 row_factory: Optional[Callable[..., List[Any]]]) -> None:
        # row_factory None: the core builds the rows (named tuples) itself
        self._stream: Any = stream          # _core.Stream until released
        self._query = query
        self._config = config
        self._row_factory = row_factory
        self._rows: List[Any] = []
        self._index = 0
        self._closed = False                # close() or cancel() was called
        self._failure: Optional[BaseException] = None
        self._waiting = False
        self._inflight: Any = None          # the fetch being waited for (an asyncio future)
        self._paging_state: Optional[bytes] = None
        self.page_number = 0
        self.total_rows_fetched = 0

    async def _start(self) -> None:
        """Waits for the first page, so that a bad query fails in execute_stream."""
        rows = await self._fetch_page()
        self._rows = rows or []
        self._index = 0

    # -- the C stream ------------------------------------------------------
    def _release(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()  # abandons a fetch in flight
        fut, self._inflight = self._inflight, None
        if fut is not None:
            _retrieve_when_done(fut)

    async def _fetch_page(self) -> Optional[List[Any]]:
        """The next page's rows (maybe empty), or None at the end."""
        if self._failure is not None:
            raise QueryError("the stream stopped earlier: %s" % (self._failure,),
                             cause=self._failure)
        if self._stream is None:
            return None
        if self._waiting:
            raise RuntimeError("another task is already waiting for a page of this stream")
        fut = self._inflight
        if fut is None:
            # (no local reference to the core stream: a traceback keeping this
            # frame must not keep the stream alive after close())
            fut = self._inflight = self._stream.next_page()
        self._waiting = True
        try:
            # Shielded: a cancelled task does not cancel the fetch, so the page
            # it brings is kept for the next wait (asyncio.wait_for around
            # __anext__ loses no row). close() abandons the fetch in the core.
            page = await asyncio.shield(fut)
        except asyncio.CancelledError:
            if not fut.done() or _task_is_cancelling():
                # This task was cancelled: the fetch goes on, or its page came
                # just as the cancellation did; either way it is kept for the
                # next wait (unless close() already let it go).
                raise
            self._inflight = None  # the fetch itself was cancelled
            if self._closed:
                return None
            failure = QueryError("the page fetch was cancelled")
            self._failure = failure
            self._release()
            raise failure from None
        except BaseException as exc:
            self._inflight = None
            if self._closed:
                return None  # close() abandoned this fetch
            self._failure = exc
            self._release()
            raise
        finally:
            self._waiting = False
            fut = None  # an exception's traceback holds this frame: drop the future from it
        self._inflight = None
        if page is None:
            self._release()
            return None
        rows = shape_rows(self._row_factory, page)
        self.page_number += 1
        self.total_rows_fetched += len(rows)
        self._paging_state = page.paging_state
        callback = self._config.page_callback
        if callback is not None:
            try:
                callback(self.page_number, len(rows))
            except Exception:
                log.warning("page_callback failed for page %d of %r", self.page_number,
                            self._query, exc_info=True)
        return rows

    # -- rows --------------------------------------------------------------
    def __aiter__(self) -> "AsyncStreamingResultSet":
        return self

    async def __anext__(self) -> Any:
        while self._index >= len(self._rows):
            self._rows = []  # let the consumed page go before waiting
            self._index = 0
            rows = await self._fetch_page()
            if rows is None:
                raise StopAsyncIteration
            self._rows = rows
        row = self._rows[self._index]
        self._index += 1
        return row

    # -- pages -------------------------------------------------------------
    def pages(self) -> AsyncIterator[List[Any]]:
        """The rows page by page (lists); rows already taken one by one are
        not repeated. Empty pages in the middle of a result are skipped."""
        return _Pages(self)

    # -- state -------------------------------------------------------------
    @property
    def paging_state(self) -> Optional[bytes]:
        """Where the next page starts (None after the last page)."""
        return self._paging_state

    @property
    def is_closed(self) -> bool:
        return self._stream is None

    # -- closing -----------------------------------------------------------
    async def close(self) -> None:
        """Stops the stream: a fetch in flight is abandoned, buffered pages
        are freed. Idempotent; iteration afterwards ends."""
        self._closed = True
        self._rows = []
        self._index = 0
        self._release()

    async def cancel(self) -> None:
        """Same as close(): stop fetching and release everything."""
        await self.close()

    async def __aenter__(self) -> "AsyncStreamingResultSet":
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is None:
            return
        self._stream = None
        try:
            stream.close()
            fut = getattr(self, "_inflight", None)
            if fut is not None:
                _retrieve_when_done(fut)
        except Exception:  # pragma: no cover - nothing to report to at this point
            pass
        warnings.warn("a streaming result for %r was not closed; it was released now. "
                      "Use 'async with await session.execute_stream(...)'." % (self._query,),
                      ResourceWarning)

    def __repr__(self) -> str:
        return "<AsyncStreamingResultSet query=%r pages=%d rows=%d%s>" % (
            self._query, self.page_number, self.total_rows_fetched,
            " closed" if self._stream is None else "")


class _Pages:
    """The iterator of AsyncStreamingResultSet.pages()."""

    def __init__(self, result: AsyncStreamingResultSet) -> None:
        self._result = result

    def __aiter__(self) -> "_Pages":
        return self

    async def __anext__(self) -> List[Any]:
        r = self._result
        if r._index < len(r._rows):
            rest = r._rows[r._index:] if r._index else r._rows
            r._rows, r._index = [], 0
            return rest
        while True:
            rows = await r._fetch_page()
            if rows is None:
                raise StopAsyncIteration
            if rows:
                return rows
