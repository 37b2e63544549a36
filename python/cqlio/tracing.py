"""Query traces: what the server recorded for a request sent with ``trace=True``.

``result.get_query_trace()`` returns a QueryTrace at once, knowing only its
id; ``await trace.populate()`` reads the rest from the server's
system_traces tables (the driver reads them with blocking queries inside
``get_query_trace``; on an event loop that would stall every other task).
"""
from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any, Dict, List, Optional

from .exceptions import DriverException

__all__ = ["QueryTrace", "TraceEvent", "TraceUnavailable"]

_SESSION = ("SELECT request, coordinator, duration, parameters, started_at, client "
            "FROM system_traces.sessions WHERE session_id = ?")
_EVENTS = ("SELECT event_id, activity, source, source_elapsed, thread "
           "FROM system_traces.events WHERE session_id = ?")


class TraceUnavailable(DriverException):
    """The trace was not complete on the server within ``max_wait`` seconds."""


class TraceEvent:
    """One step the server recorded: what, where, when, on which thread."""

    def __init__(self, description: str, timeuuid: uuid.UUID, source: Any,
                 source_elapsed: Optional[int], thread_name: Optional[str]) -> None:
        self.description = description
        self.datetime = datetime.datetime.fromtimestamp(
            (timeuuid.time - 0x01B21DD213814000) / 1e7, datetime.timezone.utc)
        self.source = source
        self.source_elapsed = (datetime.timedelta(microseconds=source_elapsed)
                               if source_elapsed is not None else None)
        self.thread_name = thread_name

    def __str__(self) -> str:
        return "%s on %s[%s] at %s" % (self.description, self.source, self.thread_name,
                                       self.datetime)


class QueryTrace:
    """A request's trace: ``trace_id`` at once; ``request_type``,
    ``duration``, ``coordinator``, ``parameters``, ``started_at``, ``client``
    and ``events`` once ``await populate()`` has returned."""

    def __init__(self, trace_id: uuid.UUID, session: Any, max_wait: Optional[float] = 2.0) -> None:
        self.trace_id = trace_id
        self._session = session
        self._max_wait = max_wait
        self.request_type: Optional[str] = None
        self.duration: Optional[datetime.timedelta] = None
        self.client: Any = None
        self.coordinator: Any = None
        self.parameters: Optional[Dict[str, str]] = None
        self.started_at: Optional[datetime.datetime] = None
        self.events: List[TraceEvent] = []

    async def populate(self, max_wait: Any = ..., wait_for_complete: bool = True,
                       query_cl: Optional[int] = None) -> "QueryTrace":
        """Reads the trace (polling until the server has finished writing it,
        when ``wait_for_complete``); TraceUnavailable after ``max_wait``
        seconds (None: no limit; by default what get_query_trace was given,
        else 2). Returns the trace itself. Rows are read as the core builds
        them, whatever the session's row factory."""
        if max_wait is ...:
            max_wait = self._max_wait
        loop = asyncio.get_running_loop()
        deadline = None if max_wait is None else loop.time() + max_wait
        pause = 0.003
        while True:
            rows = await self._session._named_rows(_SESSION, (self.trace_id,), query_cl)
            row = rows[0] if rows else None
            # duration is written last: without it the trace is still being written
            if row is not None and (row.duration is not None or not wait_for_complete):
                break
            if deadline is not None and loop.time() + pause > deadline:
                raise TraceUnavailable("the trace of %s was not complete within %s s"
                                       % (self.trace_id, max_wait))
            await asyncio.sleep(pause)  # the server writes traces in the background
            pause = min(pause * 2, 0.25)
        self.request_type = row.request
        self.duration = (datetime.timedelta(microseconds=row.duration)
                         if row.duration is not None else None)
        self.coordinator = row.coordinator
        self.parameters = dict(row.parameters or {})
        self.started_at = row.started_at
        self.client = row.client
        events = await self._session._named_rows(_EVENTS, (self.trace_id,), query_cl)
        self.events = [TraceEvent(e.activity, e.event_id, e.source, e.source_elapsed, e.thread)
                       for e in events]
        return self

    def __str__(self) -> str:
        return "<QueryTrace %s %s %s>" % (self.trace_id, self.request_type or "(not populated)",
                                          self.duration or "")

    __repr__ = __str__
