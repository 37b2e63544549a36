"""AsyncCassandraSession: async-cassandra's session over a _core.Session.

All work runs on the caller's event loop (the C core is driven by it). The
session owns its core session; closing it releases everything before
``close()`` returns (no sleep, no thread).
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional

from . import exceptions as E
from ._resolve import merged_payload, request_options, resolve, resolve_batch, statement_options
from .prepared_cache import PreparedCache
from .query import BatchStatement, PreparedStatement, SimpleStatement
from .result import AsyncResultSet
from .rows import named_tuple_factory
from .streaming import AsyncStreamingResultSet, StreamConfig

__all__ = ["AsyncCassandraSession", "EXEC_PROFILE_DEFAULT", "RESOURCE_KEYS"]

_KEYSPACE_RE = re.compile(r"[A-Za-z0-9_]+")

# The C core's ledger (docs/c-api.md): after a piece of work, everything but
# connections and prepared is back to zero.
RESOURCE_KEYS = ("connections", "in_flight", "reserved_streams", "queued", "pending_futures",
                 "prepared", "open_streams", "buffered_pages", "buffered_bytes")
_BUSY_KEYS = ("in_flight", "queued", "pending_futures", "open_streams")

# Exceptions that reach the caller unchanged; anything else becomes QueryError.
_PASS_THROUGH = (E.AsyncCassandraError, E.DriverException, E.NoHostAvailable, TypeError,
                 ValueError, KeyError, MemoryError)


class _ExecProfileDefault:
    """The driver's name for "the default execution profile" (a sentinel)."""

    def __repr__(self) -> str:
        return "EXEC_PROFILE_DEFAULT"

    def __reduce__(self) -> str:
        return "EXEC_PROFILE_DEFAULT"


EXEC_PROFILE_DEFAULT: Any = _ExecProfileDefault()


def check_keyspace_name(name: Any) -> str:
    """A keyspace name made of letters, digits and underscores, else ValueError:
    it is sent as an identifier, so nothing else may get into it."""
    if not isinstance(name, str) or not _KEYSPACE_RE.fullmatch(name):
        raise ValueError("Invalid keyspace name: %r. Keyspace names must contain only "
                         "alphanumeric characters and underscores." % (name,))
    return name


def _wrapped(exc: Exception, what: str) -> E.QueryError:
    """The QueryError for an exception that does not reach the caller as it
    is (callers re-raise _PASS_THROUGH ones with a bare ``raise``: an
    exception raised ``from`` itself would be its own cause)."""
    return E.QueryError("%s: %s" % (what, exc), cause=exc)


def _timed_out(timeout: float) -> E.OperationTimedOut:
    return E.OperationTimedOut(errors={"client": "no answer within %g s" % timeout})


class AsyncCassandraSession:
    """A connected session. Made by ``await AsyncCluster.connect()``.

    ``row_factory`` (default named_tuple_factory) shapes every row; a program
    may set it, and any other attribute it likes."""

    def __init__(self, core: Any, cluster: Any = None, keyspace: Optional[str] = None,
                 open_core: Optional[Callable[[Optional[str]], Awaitable[Any]]] = None,
                 prepared_cache_size: int = 512) -> None:
        self._core: Any = core
        self._cluster = cluster
        self._keyspace = keyspace
        self._open_core = open_core
        self._retired: List[Any] = []  # core sessions replaced by set_keyspace, still busy
        self._cache = PreparedCache(prepared_cache_size)
        self._closed = False
        self.row_factory = named_tuple_factory
        self.default_timeout: Optional[float] = None

    @property
    def row_factory(self) -> Callable[..., List[Any]]:
        return self._row_factory

    @row_factory.setter
    def row_factory(self, factory: Callable[..., List[Any]]) -> None:
        if not callable(factory):
            raise TypeError("row_factory must be callable, not %s" % type(factory).__name__)
        self._row_factory = factory
        # what the core is told: None when it builds the default rows itself
        self._shaping = None if factory is named_tuple_factory else factory

    # -- state -------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def keyspace(self) -> Optional[str]:
        return self._keyspace

    @property
    def cluster(self) -> Any:
        return self._cluster

    @property
    def protocol_version(self) -> Optional[int]:
        return None if self._core is None else self._core.protocol_version

    def _live_core(self) -> Any:
        if self._closed or self._core is None:
            raise E.ConnectionError("Session is closed")
        if self._retired:
            self._reap()
        return self._core

    def _check_still_open(self, core: Any) -> None:
        if self._closed:
            raise E.ConnectionError("Session is closed")

    # -- the ledger ----------------------------------------------------------
    def resources(self) -> Dict[str, int]:
        """What the session holds now (the C core's ledger, summed over its core
        sessions): connections, in_flight, reserved_streams, queued,
        pending_futures, prepared, open_streams, buffered_pages, buffered_bytes.
        All zero once closed."""
        total = dict.fromkeys(RESOURCE_KEYS, 0)
        if self._closed:
            return total
        for core in [self._core] + self._retired:
            if core is None:
                continue
            for key, value in core.resources().items():
                total[key] = total.get(key, 0) + value
        return total

    # -- preparing ---------------------------------------------------------
    async def _prepared(self, core: Any, text: str, timeout: Optional[float] = None) -> Any:
        """The _core.Prepared for ``text``, from the LRU or the server."""
        prepared = self._cache.get(text)
        if prepared is not None:
            return prepared
        fut = core.prepare(text)
        try:
            if timeout is None:
                prepared = await fut
            else:
                prepared = await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError as exc:
            if timeout is None or isinstance(exc, E.OperationTimedOut):
                raise
            raise _timed_out(timeout) from None
        finally:
            del fut  # its exception's traceback holds this frame: no cycle
        self._check_still_open(core)
        if core is self._core:
            self._cache.put(text, prepared)
        return prepared

    async def prepare(self, query: Any, custom_payload: Optional[Dict[str, bytes]] = None,
                      timeout: Optional[float] = None) -> PreparedStatement:
        """A PreparedStatement (cached per session by text)."""
        core = self._live_core()
        text = query.query_string if isinstance(query, SimpleStatement) else query
        if not isinstance(text, str):
            raise TypeError("prepare() needs a str or a SimpleStatement, not %s"
                            % type(query).__name__)
        try:
            prepared = await self._prepared(core, text, timeout)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            raise _wrapped(exc, "Statement preparation failed") from exc
        return PreparedStatement(prepared, text)

    async def _named_rows(self, text: str, values: Any,
                          consistency: Optional[int] = None) -> List[Any]:
        """The first page's rows of a query as named tuples built by the core,
        whatever the program's row factory (for the package's own reads:
        traces)."""
        core = self._live_core()
        prepared = await self._prepared(core, text)
        options = {} if consistency is None else {"consistency": consistency}
        page = await core.execute(prepared, list(values), None, True, **options)
        return page.rows

    # -- executing -----------------------------------------------------------
    async def execute(self, query: Any, parameters: Any = None, trace: bool = False,
                      custom_payload: Optional[Dict[str, bytes]] = None,
                      timeout: Optional[float] = None,
                      execution_profile: Any = EXEC_PROFILE_DEFAULT,
                      paging_state: Optional[bytes] = None, host: Any = None,
                      execute_as: Optional[str] = None) -> AsyncResultSet:
        """Runs a statement and returns all of its rows (every page is read).

        ``parameters`` fill ``?``, ``:name``, ``%s`` or ``%(name)s`` markers by
        preparing the statement and binding them — never by text
        substitution. ``timeout`` applies to each request (page).
        ``execution_profile`` and ``host`` are accepted for compatibility and
        not used yet."""
        if isinstance(query, BatchStatement):
            return await self.execute_batch(query, trace=trace, custom_payload=custom_payload,
                                            timeout=timeout, execution_profile=execution_profile)
        core = self._live_core()
        if timeout is None:
            timeout = self.default_timeout
        shaping = self._shaping
        try:
            if (query.__class__ is PreparedStatement and query._takes_as_is(parameters)
                    and not (trace or custom_payload or paging_state or execute_as)):
                # the common request, without a BoundStatement: the values go
                # to the core as they are (it checks each against its column)
                page = await core.execute(query._prepared, parameters, timeout, shaping is None,
                                          **query._core_options())
                if not page.has_more_pages:
                    return AsyncResultSet.from_pages((page,), shaping)
                pages = [page]
                target, values, statement = query._prepared, parameters, query
            else:
                req = await resolve(query, parameters, lambda text: self._prepared(core, text))
                self._check_still_open(core)
                pages = []
                target, values, statement = req.target, req.values, req.statement
            kwargs = request_options(statement, custom_payload, execute_as)
            trace_asked = False
            state = pages[-1].paging_state if pages else paging_state
            while not pages or (pages[-1].has_more_pages and state is not None):
                page = await core.execute(target, values, timeout, shaping is None,
                                          paging_state=state, trace=trace, **kwargs)
                pages.append(page)
                state = page.paging_state
                trace_asked, trace = trace_asked or trace, False  # the first request's trace
            return AsyncResultSet.from_pages(pages, shaping, self if trace_asked else None)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            raise _wrapped(exc, "Query execution failed") from exc

    async def execute_stream(self, query: Any, parameters: Any = None,
                             stream_config: Optional[StreamConfig] = None, trace: bool = False,
                             custom_payload: Optional[Dict[str, bytes]] = None,
                             timeout: Optional[float] = None,
                             execution_profile: Any = EXEC_PROFILE_DEFAULT,
                             paging_state: Optional[bytes] = None, host: Any = None,
                             execute_as: Optional[str] = None) -> AsyncStreamingResultSet:
        """Starts a stream and returns once its first page arrived (so a bad
        query fails here). Use it as ``async with await session.execute_stream(...)``.

        Page size: ``stream_config.fetch_size``, else the statement's
        fetch_size, else 1000. ``timeout`` is the per-page limit when the
        config sets none. The statement's consistency, serial consistency
        and idempotence, ``custom_payload`` and ``execute_as`` apply to every
        page's request; ``trace`` traces each of them."""
        core = self._live_core()
        if stream_config is None:
            fetch_size = getattr(query, "fetch_size", None)
            stream_config = StreamConfig(fetch_size=fetch_size) if fetch_size else StreamConfig()
        config = stream_config
        page_timeout = config.timeout_seconds if config.timeout_seconds is not None else timeout
        try:
            req = await resolve(query, parameters, lambda text: self._prepared(core, text))
            self._check_still_open(core)
            options = statement_options(req.statement)
            payload = merged_payload(req.statement, custom_payload, execute_as)
            # built in one expression: no local keeps the core stream alive
            # after the result closes it (a traceback would keep the frame)
            result = AsyncStreamingResultSet(
                core.stream(req.target, req.values, page_size=config.fetch_size,
                            prefetch=config.prefetch_pages, max_pages=config.max_pages or 0,
                            page_timeout=page_timeout, deadline=config.deadline_seconds,
                            paging_state=paging_state, named_rows=self._shaping is None,
                            trace=trace, custom_payload=payload, **options),
                req.text, config, self._shaping)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            raise _wrapped(exc, "Streaming query execution failed") from exc
        try:
            await result._start()
        except BaseException as exc:
            await result.close()
            if isinstance(exc, Exception) and not isinstance(exc, _PASS_THROUGH):
                raise _wrapped(exc, "Streaming query execution failed") from exc
            raise
        return result

    async def execute_batch(self, batch_statement: BatchStatement, trace: bool = False,
                            custom_payload: Optional[Dict[str, bytes]] = None,
                            timeout: Optional[float] = None,
                            execution_profile: Any = EXEC_PROFILE_DEFAULT) -> AsyncResultSet:
        """Runs a BatchStatement; texts with values in it are prepared first."""
        if not isinstance(batch_statement, BatchStatement):
            raise TypeError("execute_batch() needs a BatchStatement, not %s"
                            % type(batch_statement).__name__)
        core = self._live_core()
        if timeout is None:
            timeout = self.default_timeout
        try:
            batch_type, entries = await resolve_batch(
                batch_statement, lambda text: self._prepared(core, text))
            self._check_still_open(core)
            kwargs = statement_options(batch_statement)
            page = await core.batch(batch_type, entries, timeout=timeout, trace=trace,
                                    custom_payload=merged_payload(batch_statement, custom_payload),
                                    **kwargs)
            return AsyncResultSet.from_pages([page], self._row_factory, self if trace else None)
        except _PASS_THROUGH:
            raise
        except Exception as exc:
            raise _wrapped(exc, "Batch execution failed") from exc

    # -- keyspace ------------------------------------------------------------
    async def set_keyspace(self, keyspace: str) -> None:
        """Switches the session to ``keyspace`` (letters, digits, underscores).

        The C core sets a keyspace per connection at connect time, so this
        opens a new core session on that keyspace and then swaps it in; the
        old one is closed as soon as no request or stream uses it (streams
        opened before keep reading from it)."""
        check_keyspace_name(keyspace)
        self._live_core()
        if self._open_core is None:
            raise E.ConfigurationError("this session cannot open connections on another keyspace")
        new_core = await self._open_core(keyspace)
        if self._closed:
            new_core.close()
            raise E.ConnectionError("Session is closed")
        old, self._core = self._core, new_core
        self._keyspace = keyspace
        self._cache.clear()
        self._retired.append(old)
        self._reap()

    def _reap(self) -> None:
        """Closes the retired core sessions that nothing uses any more."""
        still_busy = []
        for core in self._retired:
            res = core.resources()
            if any(res.get(k, 0) for k in _BUSY_KEYS):
                still_busy.append(core)
            else:
                core.close()
        self._retired = still_busy

    # -- closing -------------------------------------------------------------
    async def close(self) -> None:
        """Closes the session: pending requests fail with ConnectionError,
        open streams end, and every connection and buffer is released before
        this returns. Idempotent."""
        if self._closed:
            return
        self._closed = True
        cores, self._retired = [self._core] + self._retired, []
        self._core = None
        self._cache.clear()
        for core in cores:
            if core is not None:
                core.close()
        if self._cluster is not None:
            self._cluster._forget(self)

    shutdown = close

    async def __aenter__(self) -> "AsyncCassandraSession":
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return "<AsyncCassandraSession keyspace=%r%s>" % (
            self._keyspace, " closed" if self._closed else "")
