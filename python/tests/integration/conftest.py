"""Integration tests: cqlio against the local Cassandra node (127.0.0.1:9042).

Every test here needs the C extension (cqlio._core) and the node. When either
is missing the tests are skipped with the reason — or fail, when the
environment sets CQLIO_REQUIRE_INTEGRATION=1 (``make pytest`` and CI do, so a
missing build or server cannot pass as skipped).

After every test the ``session`` fixture waits (with a deadline, polling the
ledger) until the session's resource ledger is back to zero — everything but
connections and prepared statements — and fails the test otherwise.
"""
from __future__ import annotations

import asyncio
import os
import socket
import threading
from typing import Any

import pytest
import pytest_asyncio

import cqlio

from .helpers import (BIG_PARTITIONS, BIG_ROWS, HOST, KEYSPACE, KEYSPACE2, KEYSPACE_RF3,
                      PORT, busy, wait_ledger_clear)


def _why_unavailable() -> str:
    if not cqlio.core_available():
        return ("cqlio._core cannot be imported (the C extension is not built or not "
                "installed): %s" % (cqlio.core_import_error(),))
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            pass
    except OSError as exc:
        return ("no Cassandra node on %s:%d (%s); start one with scripts/cassandra start"
                % (HOST, PORT, exc))
    return ""


_REASON = _why_unavailable()
_REQUIRED = os.environ.get("CQLIO_REQUIRE_INTEGRATION") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if not str(item.fspath).startswith(here):
            continue
        item.add_marker(pytest.mark.integration)
        if _REASON and not _REQUIRED:
            item.add_marker(pytest.mark.skip(reason=_REASON))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _REASON and _REQUIRED and item.get_closest_marker("integration"):
        pytest.fail("CQLIO_REQUIRE_INTEGRATION=1 but " + _REASON, pytrace=False)


# --------------------------------------------------------------------------
# schema, made once per test run on a private loop
# --------------------------------------------------------------------------

SCHEMA = [
    "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % KEYSPACE,
    "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1}" % KEYSPACE2,
    "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 3}" % KEYSPACE_RF3,
    "CREATE TABLE IF NOT EXISTS %s.kv (k int PRIMARY KEY, v text)" % KEYSPACE,
    "CREATE TABLE IF NOT EXISTS %s.other_kv (k int PRIMARY KEY, v text)" % KEYSPACE2,
    "CREATE TABLE IF NOT EXISTS %s.kv (k int PRIMARY KEY, v text)" % KEYSPACE_RF3,
    "CREATE TABLE IF NOT EXISTS %s.rows (p int, c int, v text, PRIMARY KEY (p, c))" % KEYSPACE,
    "CREATE TABLE IF NOT EXISTS %s.big (p int, c int, v text, PRIMARY KEY (p, c))" % KEYSPACE,
    "CREATE TABLE IF NOT EXISTS %s.filled (name text PRIMARY KEY, n int)" % KEYSPACE,
    "CREATE TABLE IF NOT EXISTS %s.counters (k int PRIMARY KEY, n counter)" % KEYSPACE,
    "CREATE TYPE IF NOT EXISTS %s.address (street text, zip int)" % KEYSPACE,
    "CREATE TYPE IF NOT EXISTS %s.point (x double, y double)" % KEYSPACE,
    """CREATE TABLE IF NOT EXISTS %s.all_types (
        k int PRIMARY KEY,
        a_ascii ascii, a_bigint bigint, a_blob blob, a_boolean boolean, a_date date,
        a_decimal decimal, a_double double, a_duration duration, a_float float,
        a_inet inet, a_int int, a_smallint smallint, a_text text, a_time time,
        a_timestamp timestamp, a_timeuuid timeuuid, a_tinyint tinyint, a_uuid uuid,
        a_varchar varchar, a_varint varint,
        a_list list<int>, a_set set<text>, a_map map<text, int>,
        a_tuple tuple<int, text, boolean>, a_udt frozen<address>, a_point frozen<point>,
        a_vector vector<float, 3>,
        a_nested map<frozen<list<int>>, frozen<set<text>>>,
        a_list_of_udt list<frozen<address>>
    )""" % KEYSPACE,
]


async def _make_schema() -> None:
    async with cqlio.AsyncCluster([HOST], port=PORT) as cluster:
        session = await cluster.connect()
        for statement in SCHEMA:
            await session.execute(statement, timeout=60)


async def _fill_big() -> None:
    """BIG_ROWS rows in BIG_PARTITIONS partitions, once (a marker row says so)."""
    async with cqlio.AsyncCluster([HOST], port=PORT) as cluster:
        session = await cluster.connect(KEYSPACE)
        done = await session.execute("SELECT n FROM filled WHERE name = 'big'")
        if done.one() is not None and done.one().n == BIG_ROWS:
            return
        insert = await session.prepare("INSERT INTO big (p, c, v) VALUES (?, ?, ?)")
        per = BIG_ROWS // BIG_PARTITIONS
        sem = asyncio.Semaphore(32)

        async def one_batch(p: int, start: int) -> None:
            batch = cqlio.BatchStatement(cqlio.BatchType.UNLOGGED)
            for c in range(start, min(start + 100, per)):
                batch.add(insert, (p, c, "row-%d-%d" % (p, c)))
            async with sem:
                await session.execute_batch(batch, timeout=60)

        await asyncio.gather(*(one_batch(p, s) for p in range(BIG_PARTITIONS)
                               for s in range(0, per, 100)))
        await session.execute("INSERT INTO filled (name, n) VALUES ('big', %s)", (BIG_ROWS,))


def run_on_own_loop(make_coro: Any) -> None:
    """Runs a coroutine to completion on a new loop in its own thread, apart from
    the loops pytest-asyncio gives the tests."""
    failure = []

    def main() -> None:
        try:
            asyncio.run(make_coro())
        except BaseException as exc:  # handed to the caller
            failure.append(exc)

    t = threading.Thread(target=main, name="cqlio-test-setup")
    t.start()
    t.join()
    if failure:
        raise failure[0]


@pytest.fixture(scope="session")
def schema() -> str:
    run_on_own_loop(_make_schema)
    return KEYSPACE


@pytest.fixture(scope="session")
def big_table(schema: str) -> str:
    run_on_own_loop(_fill_big)
    return "big"


# --------------------------------------------------------------------------
# per-test cluster and session (a session lives on the loop of its test)
# --------------------------------------------------------------------------

@pytest_asyncio.fixture
async def cluster(schema: str):
    c = cqlio.AsyncCluster([HOST], port=PORT)
    try:
        yield c
    finally:
        await c.close()


@pytest_asyncio.fixture
async def session(cluster: cqlio.AsyncCluster):
    s = await cluster.connect(KEYSPACE)
    try:
        yield s
        if not s.is_closed:
            await wait_ledger_clear(s)
    finally:
        await s.close()
        assert not busy(s.resources())
