"""Resource behaviour over many streams, and the event loop stays responsive.

These assert behaviour (nothing leaks; no long stall of the loop), with
generous bounds so that a loaded 2-core machine does not make them flaky."""
import asyncio
import gc
import warnings

import pytest

from cqlio import StreamConfig

from .helpers import BIG_ROWS, cqlio_object_count, rss_bytes, wait_ledger_clear

pytestmark = pytest.mark.asyncio


async def _abandon(session, n):
    config = StreamConfig(fetch_size=10)
    for i in range(n):
        r = await session.execute_stream("SELECT c FROM big WHERE p = %s LIMIT 50",
                                         (i % 10,), stream_config=config)
        async for _ in r:
            break
        del r  # dropped while open: released by reference counting


async def test_ten_thousand_abandoned_streams_leak_nothing(session, big_table):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        await _abandon(session, 1000)  # warm-up: caches, pools, allocator arenas
        await wait_ledger_clear(session)
        gc.collect()
        objects_before = cqlio_object_count()
        rss_before = rss_bytes()
        await _abandon(session, 10_000)
        await wait_ledger_clear(session)
        gc.collect()
    growth = rss_bytes() - rss_before
    assert growth < 2 * 1024 * 1024, "RSS grew by %d bytes" % growth
    assert cqlio_object_count() <= objects_before
    assert session.resources()["open_streams"] == 0


@pytest.mark.both_loops
async def test_heartbeat_task_never_waits_long_while_rows_stream(session, big_table):
    loop = asyncio.get_running_loop()
    worst = 0.0
    stop = False

    lateness = []

    async def heartbeat():
        nonlocal worst
        while not stop:
            t = loop.time()
            await asyncio.sleep(0.005)
            late = loop.time() - t - 0.005
            lateness.append(late)
            worst = max(worst, late)

    # The test process's own heap (pytest, every test module) is moved out of
    # the collector's way: a full collection over it stalls any loop for
    # ~20 ms, which says nothing about cqlio. Objects cqlio makes while
    # streaming are still collected as usual.
    gc.collect()
    gc.freeze()
    beat = asyncio.ensure_future(heartbeat())
    try:
        n = 0
        async with await session.execute_stream(
                "SELECT * FROM big", stream_config=StreamConfig(fetch_size=1000)) as r:
            async for _ in r:
                n += 1
                if n % 1000 == 0:
                    await asyncio.sleep(0)  # the consumer yields, as a real one would
    finally:
        stop = True
        await beat
        gc.unfreeze()
    assert n == BIG_ROWS
    # What this guards against is cqlio holding the loop — a blocking read, a
    # page converted in one go — which would show at every page, so in the
    # 99th percentile of the ticks. A single late tick is the machine: two
    # cores shared with the Cassandra it streams from preempt the process now
    # and then (21.9 ms once in CI), which says nothing about cqlio.
    # The machine's own lateness, measured the same way with nothing
    # streaming, is the reference: 20 ms is what cqlio may add to it.
    idle = []
    for _ in range(200):
        t = loop.time()
        await asyncio.sleep(0.005)
        idle.append(loop.time() - t - 0.005)
    idle.sort()
    lateness.sort()
    base = idle[int(len(idle) * 0.99)]
    p99 = lateness[int(len(lateness) * 0.99)]
    assert p99 < 0.020 + base, "the loop stalled for %.1f ms (99th percentile; %.1f ms idle)" % (
        p99 * 1000, base * 1000)
    assert worst < 0.100, "the loop stalled for %.1f ms" % (worst * 1000)
    await wait_ledger_clear(session)
