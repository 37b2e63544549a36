"""AsyncStreamingResultSet's own logic, over a stand-in for _core.Stream (the
extension's object: pages one at a time through asyncio futures, close()).
The same scenarios run against the real server in integration/test_streaming.py."""
import asyncio
import gc
import logging
import warnings
import weakref
from types import SimpleNamespace

import pytest

import cqlio
from cqlio.query import named_tuple_factory, tuple_factory
from cqlio.streaming import AsyncStreamingResultSet, StreamConfig

pytestmark = pytest.mark.asyncio


def page(rows, more=True):
    return SimpleNamespace(rows=rows, column_names=("n",), column_types=("int",),
                           paging_state=b"s" if more else None, has_more_pages=more,
                           warnings=[], tracing_id=None, was_applied=True, custom_payload=None)


class StandInStream:
    """Hands out the given pages; ``hang_at`` leaves that page pending until close()."""

    def __init__(self, pages, error_at=None, hang_at=None):
        self.pages = list(pages)
        self.error_at = error_at
        self.hang_at = hang_at
        self.served = 0
        self.closed = False
        self.pending = None

    def next_page(self):
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        if self.closed:
            fut.set_exception(cqlio.ConnectionError("stream closed"))
            return fut
        i = self.served
        self.served += 1
        if i == self.hang_at:
            self.pending = fut
        elif i == self.error_at:
            loop.call_soon(fut.set_exception, cqlio.OperationTimedOut({"h": "page timeout"}, "h"))
        elif i < len(self.pages):
            loop.call_soon(fut.set_result, self.pages[i])
        else:
            loop.call_soon(fut.set_result, None)
        return fut

    def deliver(self):
        """The page held back by ``hang_at`` arrives."""
        self.pending.set_result(self.pages[self.hang_at])

    def close(self):
        self.closed = True
        if self.pending is not None and not self.pending.done():
            self.pending.set_exception(cqlio.QueryError("cancelled by close"))


def stream_of(*pages_, factory=tuple_factory, config=None, **kw):
    core = StandInStream(pages_, **kw)
    return core, AsyncStreamingResultSet(core, "SELECT n FROM t", config or StreamConfig(),
                                         factory)


async def test_rows_of_all_pages_and_an_empty_middle_page_does_not_end_it():
    seen = []
    config = StreamConfig(page_callback=lambda n, rows: seen.append((n, rows)))
    core, rs = stream_of(page([(1,), (2,)]), page([]), page([(3,)], more=False), config=config)
    async with rs:
        assert [r async for r in rs] == [(1,), (2,), (3,)]
    assert rs.page_number == 3 and rs.total_rows_fetched == 3
    assert seen == [(1, 2), (2, 0), (3, 1)]
    assert core.closed and rs.is_closed


async def test_pages_are_lists_and_rows_taken_are_not_repeated():
    core, rs = stream_of(page([(1,), (2,)]), page([]), page([(3,), (4,)], more=False),
                         factory=named_tuple_factory)
    await rs._start()
    first = await rs.__anext__()
    assert first.n == 1
    pages = [p async for p in rs.pages()]
    assert pages == [[(2,)], [(3,), (4,)]]
    assert core.closed


async def test_close_is_idempotent_and_ends_iteration():
    core, rs = stream_of(page([(1,)]), page([(2,)], more=False))
    await rs._start()
    await rs.close()
    await rs.close()
    assert core.closed
    assert [r async for r in rs] == []


async def test_close_from_another_task_ends_a_waiting_iteration():
    core, rs = stream_of(page([(1,)]), hang_at=1)
    await rs._start()

    async def consume():
        return [r async for r in rs]

    task = asyncio.ensure_future(consume())
    while core.pending is None:
        await asyncio.sleep(0)
    await rs.close()
    assert await asyncio.wait_for(task, 1) == [(1,)]


async def test_cancelled_page_wait_keeps_the_fetch_and_its_page():
    core, rs = stream_of(page([(1,)]), page([(2,)], more=False), hang_at=1)
    await rs._start()
    await rs.__anext__()
    task = asyncio.ensure_future(rs.__anext__())
    while core.pending is None:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not core.pending.done()  # the fetch was not cancelled with the task
    assert not rs.is_closed
    core.deliver()
    assert [r async for r in rs] == [(2,)]  # the page comes with the next wait
    assert core.served == 3  # fetched once: page 1, page 2, the end
    assert core.closed


async def test_close_after_a_cancelled_wait_abandons_the_fetch_quietly(caplog):
    core, rs = stream_of(page([(1,)]), hang_at=1)
    await rs._start()
    await rs.__anext__()
    task = asyncio.ensure_future(rs.__anext__())
    while core.pending is None:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pending = core.pending
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        await rs.close()
        del pending, task
        gc.collect()
    assert core.closed and rs.is_closed
    assert "never retrieved" not in caplog.text


async def test_page_error_is_raised_once_then_reported():
    core, rs = stream_of(page([(1,)]), error_at=1)
    await rs._start()
    assert await rs.__anext__() == (1,)
    with pytest.raises(cqlio.OperationTimedOut):
        await rs.__anext__()
    assert core.closed
    with pytest.raises(cqlio.QueryError) as info:
        await rs.__anext__()
    assert isinstance(info.value.cause, cqlio.OperationTimedOut)


async def test_two_waiters_are_refused():
    core, rs = stream_of(page([(1,)]), hang_at=1)
    await rs._start()
    await rs.__anext__()
    task = asyncio.ensure_future(rs.__anext__())
    while core.pending is None:
        await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="already waiting"):
        await rs.__anext__()
    await rs.close()
    with pytest.raises(StopAsyncIteration):
        await task


async def test_callback_errors_are_logged_not_raised(caplog):
    def bad(n, rows):
        raise RuntimeError("callback bug")

    core, rs = stream_of(page([(1,)], more=False), config=StreamConfig(page_callback=bad))
    with caplog.at_level(logging.WARNING, logger="cqlio"):
        async with rs:
            assert [r async for r in rs] == [(1,)]
    assert "page_callback failed" in caplog.text


async def test_dropped_without_close_is_released_with_a_resource_warning():
    core, rs = stream_of(page([(1,)]), page([(2,)], more=False))
    await rs._start()
    ref = weakref.ref(rs)
    gc.disable()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del rs
        assert ref() is None  # freed by reference counting: no cycle
    finally:
        gc.enable()
    assert core.closed
    assert any(issubclass(w.category, ResourceWarning) and "SELECT n FROM t" in str(w.message)
               for w in caught)


async def test_no_warning_for_a_stream_read_to_its_end():
    core, rs = stream_of(page([(1,)], more=False))
    assert [r async for r in rs] == [(1,)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del rs
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


async def test_exception_in_the_loop_body_with_async_with_closes():
    core, rs = stream_of(page([(1,), (2,)]), page([(3,)], more=False))
    await rs._start()
    with pytest.raises(ValueError):
        async with rs:
            async for _ in rs:
                raise ValueError("bad data")
    assert core.closed and core.served == 1


async def test_page_arriving_with_the_cancellation_is_kept():
    """The page lands and the task is cancelled before it resumes: the
    CancelledError wins, and the page must go to the next wait."""
    core, rs = stream_of(page([(1,)]), page([(2,)], more=False), hang_at=1)
    await rs._start()
    await rs.__anext__()
    task = asyncio.ensure_future(rs.__anext__())
    while core.pending is None:
        await asyncio.sleep(0)
    core.deliver()
    await asyncio.sleep(0)  # the shield's outer future completes; the task is woken
    task.cancel()           # ... and cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [r async for r in rs] == [(2,)]
