"""Streaming on the real node: every way out of a stream releases everything
(the ledger is back to zero after each test — see the session fixture)."""
import asyncio
import gc
import warnings

import pytest

import cqlio
from cqlio import StreamConfig, create_streaming_statement

from .helpers import BIG_ROWS, wait_ledger_clear, wait_until

pytestmark = pytest.mark.asyncio

PARTITION = "SELECT c, v FROM big WHERE p = %s"
PER_PARTITION = 10_000


@pytest.mark.both_loops
async def test_normal_end(session, big_table):
    pages = []
    config = StreamConfig(fetch_size=1000, page_callback=lambda n, rows: pages.append(rows))
    async with await session.execute_stream(PARTITION, (3,), stream_config=config) as result:
        cs = [row.c async for row in result]
    assert cs == list(range(PER_PARTITION))
    assert result.total_rows_fetched == PER_PARTITION
    assert result.page_number >= 10 and sum(pages) == PER_PARTITION
    assert result.is_closed


async def test_pages(session, big_table):
    async with await session.execute_stream(
            create_streaming_statement("SELECT c FROM big WHERE p = 4", fetch_size=2500)) as result:
        sizes = [len(page) async for page in result.pages()]
    assert sum(sizes) == PER_PARTITION and max(sizes) == 2500


async def test_exception_inside_async_for_closes(session, big_table):
    with pytest.raises(ValueError, match="bad data"):
        async with await session.execute_stream(PARTITION, (5,),
                                                stream_config=StreamConfig(fetch_size=100)) as r:
            async for row in r:
                if row.c == 150:
                    raise ValueError("bad data")
    assert r.is_closed
    await wait_ledger_clear(session)


async def test_break_after_n_rows(session, big_table):
    async with await session.execute_stream(PARTITION, (6,),
                                            stream_config=StreamConfig(fetch_size=100)) as r:
        n = 0
        async for _ in r:
            n += 1
            if n == 250:
                break
    assert n == 250 and r.is_closed
    await wait_ledger_clear(session)


async def test_task_cancelled_while_awaiting_a_page(session, big_table):
    config = StreamConfig(fetch_size=50_000, prefetch_pages=0)
    result = await session.execute_stream("SELECT * FROM big", stream_config=config)

    async def consume():
        async with result:
            async for _ in result:
                pass

    task = asyncio.ensure_future(consume())
    await wait_until(lambda: result.total_rows_fetched > 0
                     and session.resources()["in_flight"] > 0, what="a page fetch in flight")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert result.is_closed
    await wait_ledger_clear(session)


async def test_wait_for_around_each_row_loses_and_repeats_nothing(session, big_table):
    """A cancelled page wait (here by asyncio.wait_for) leaves the stream usable:
    the page being fetched comes with the next wait."""
    config = StreamConfig(fetch_size=500, prefetch_pages=0)
    cancelled = 0
    cs = []
    async with await session.execute_stream(PARTITION, (1,), stream_config=config) as result:
        while True:
            try:
                row = await asyncio.wait_for(result.__anext__(), 0.0005)
            except asyncio.TimeoutError:
                cancelled += 1
                continue
            except StopAsyncIteration:
                break
            cs.append(row.c)
    assert cs == list(range(PER_PARTITION))
    assert cancelled > 0  # page waits really were cancelled
    await wait_ledger_clear(session)


async def test_per_page_timeout(session, big_table):
    config = StreamConfig(fetch_size=50_000, timeout_seconds=0.001)
    with pytest.raises(cqlio.OperationTimedOut) as info:
        async with await session.execute_stream("SELECT * FROM big", stream_config=config) as r:
            async for _ in r:
                pass
    assert isinstance(info.value, asyncio.TimeoutError)
    await wait_ledger_clear(session)


async def test_whole_stream_deadline(session, big_table):
    config = StreamConfig(fetch_size=100, deadline_seconds=0.05, prefetch_pages=0)
    with pytest.raises(cqlio.OperationTimedOut):
        async with await session.execute_stream("SELECT * FROM big", stream_config=config) as r:
            async for _ in r:
                await asyncio.sleep(0.001)
    await wait_ledger_clear(session)


async def test_max_pages(session, big_table):
    config = StreamConfig(fetch_size=100, max_pages=3)
    async with await session.execute_stream(PARTITION, (7,), stream_config=config) as r:
        rows = [row async for row in r]
    assert len(rows) == 300 and r.page_number == 3


async def test_no_context_manager_leaks_nothing(session, big_table):
    """The seed's bad pattern: no async with, an exception in the loop, the
    result dropped. Reference counting closes it, with a ResourceWarning."""

    async def export():
        result = await session.execute_stream(PARTITION, (8,),
                                              stream_config=StreamConfig(fetch_size=100))
        async for row in result:
            if row.c == 42:
                raise ValueError("Bad data!")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            await export()
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) and "big" in str(w.message)
               for w in caught)
    await wait_ledger_clear(session)


async def test_concurrent_streams(session, big_table):
    async def count(p):
        async with await session.execute_stream(PARTITION, (p,),
                                                stream_config=StreamConfig(fetch_size=700)) as r:
            total = 0
            async for row in r:
                assert row.v == "row-%d-%d" % (p, row.c)
                total += 1
            return total

    assert await asyncio.gather(*(count(p) for p in range(10))) == [PER_PARTITION] * 10


async def test_whole_table(session, big_table):
    async with await session.execute_stream("SELECT p FROM big",
                                            stream_config=StreamConfig(fetch_size=5000)) as r:
        n = 0
        async for _ in r:
            n += 1
    assert n == BIG_ROWS


async def test_cancel_and_close_from_another_task(session, big_table):
    result = await session.execute_stream("SELECT * FROM big",
                                          stream_config=StreamConfig(fetch_size=1000))
    seen = []

    async def consume():
        async for row in result:
            seen.append(row)
            await asyncio.sleep(0)

    task = asyncio.ensure_future(consume())
    await wait_until(lambda: len(seen) >= 1500, what="rows to flow")
    await result.cancel()
    await asyncio.wait_for(task, 5)  # iteration simply ends
    assert result.is_closed and len(seen) < BIG_ROWS
    await wait_ledger_clear(session)


async def test_resume_from_paging_state(session, big_table):
    async with await session.execute_stream(PARTITION, (9,),
                                            stream_config=StreamConfig(fetch_size=100,
                                                                       max_pages=1)) as r:
        first = [row.c async for row in r]
        state = r.paging_state
    assert first == list(range(100)) and state
    async with await session.execute_stream(PARTITION, (9,), paging_state=state,
                                            stream_config=StreamConfig(fetch_size=100,
                                                                       max_pages=1)) as r:
        second = [row.c async for row in r]
    assert second == list(range(100, 200))


async def test_a_bad_query_fails_in_execute_stream(session):
    with pytest.raises(cqlio.InvalidRequest):
        await session.execute_stream("SELECT * FROM no_such_table")
    await wait_ledger_clear(session)


async def test_statement_options_and_payload_reach_every_page(session, big_table):
    statement = cqlio.SimpleStatement(
        PARTITION, consistency_level=cqlio.ConsistencyLevel.ONE,
        serial_consistency_level=cqlio.ConsistencyLevel.LOCAL_SERIAL, is_idempotent=True)
    config = StreamConfig(fetch_size=2000)
    async with await session.execute_stream(statement, (4,), stream_config=config, trace=True,
                                            custom_payload={"tag": b"stream"}) as result:
        assert len([row async for row in result]) == PER_PARTITION
    assert result.page_number >= 5
    # the payload goes to the core (which checks it) rather than being dropped
    with pytest.raises(TypeError, match="custom_payload maps str to bytes"):
        await session.execute_stream(PARTITION, (4,), custom_payload={"tag": "not bytes"})
    with pytest.raises(TypeError, match="custom_payload maps str to bytes"):
        await session.execute_stream(PARTITION, (4,), execute_as=None,
                                     custom_payload={1: b"key not str"})


async def test_a_stream_s_server_error_keeps_the_server_s_fields(session, big_table):
    with pytest.raises(cqlio.AlreadyExists) as info:
        await session.execute_stream("CREATE TABLE big (p int PRIMARY KEY)")
    assert info.value.table == "big" and info.value.keyspace == session.keyspace
    assert info.value.__cause__ is not info.value
