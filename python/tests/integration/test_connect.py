"""Connecting, closing, keyspaces and the closed-session rules, on the real node."""
import asyncio

import pytest

import cqlio

from .helpers import HOST, KEYSPACE, KEYSPACE2, PORT, busy, wait_ledger_clear, wait_until

pytestmark = pytest.mark.asyncio


@pytest.mark.both_loops
async def test_connect_execute_close(cluster):
    session = await cluster.connect()
    try:
        rs = await session.execute("SELECT release_version FROM system.local")
        assert rs.one().release_version.startswith(("4.", "5."))
        assert session.protocol_version in (4, 5)
        assert session.keyspace is None
        res = session.resources()
        assert res["connections"] >= 1 and not busy(res)
    finally:
        await session.close()
    assert session.is_closed
    assert set(session.resources().values()) == {0}


async def test_async_with_cluster_and_session_release_everything(schema):
    async with cqlio.AsyncCluster([HOST], port=PORT) as cluster:
        async with await cluster.connect(KEYSPACE) as session:
            assert session.keyspace == KEYSPACE
            await session.execute("SELECT * FROM kv LIMIT 1")
        assert session.is_closed
        other = await cluster.connect()
    assert cluster.is_closed and other.is_closed  # the cluster closed what it made


async def test_host_names_are_resolved(schema):
    async with cqlio.AsyncCluster(["localhost"], port=PORT) as cluster:
        session = await cluster.connect()
        assert (await session.execute("SELECT key FROM system.local")).one().key == "local"


async def test_nothing_listening_is_connect_failed_with_errors_per_host(schema):
    async with cqlio.AsyncCluster(["127.0.0.1", "127.0.0.2"], port=1,
                                  connect_timeout=2) as cluster:
        with pytest.raises(cqlio.ConnectFailed) as info:
            await cluster.connect()
    e = info.value
    assert isinstance(e, cqlio.ConnectionError) and isinstance(e, cqlio.NoHostAvailable)
    # one entry per host tried, in order, each its own error naming its host
    assert list(e.errors) == ["127.0.0.1:1", "127.0.0.2:1"]
    for host, error in e.errors.items():
        assert isinstance(error, cqlio.ConnectionError) and error.host == host
        assert "connection refused" in str(error) and host in str(error)
    assert "127.0.0.2:1" in str(e)


async def test_connect_timeout_when_the_handshake_never_ends(schema):
    """A local listener that accepts and never answers: connect(timeout=) gives up."""
    accepted = []

    async def silent(reader, writer):
        accepted.append(writer)
        await reader.read()  # until the client goes away

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with cqlio.AsyncCluster(["127.0.0.1"], port=port, connect_timeout=30) as cluster:
            with pytest.raises(cqlio.ConnectTimeout) as info:
                await cluster.connect(timeout=0.5)
        assert isinstance(info.value, asyncio.TimeoutError)
        assert isinstance(info.value, cqlio.ConnectionError)
        assert accepted
    finally:
        for w in accepted:
            w.close()
        server.close()
        await server.wait_closed()


async def test_missing_keyspace_is_invalid_request(cluster):
    with pytest.raises(cqlio.InvalidRequest):
        await cluster.connect("cqlio_no_such_keyspace")


async def test_closed_session_refuses_work_with_connection_error(cluster):
    session = await cluster.connect(KEYSPACE)
    prepared = await session.prepare("SELECT v FROM kv WHERE k = ?")
    await session.close()
    await session.close()  # idempotent
    calls = [
        lambda: session.execute("SELECT * FROM kv"),
        lambda: session.execute(prepared, (1,)),
        lambda: session.execute_stream("SELECT * FROM kv"),
        lambda: session.prepare("SELECT * FROM kv"),
        lambda: session.execute_batch(cqlio.BatchStatement()),
        lambda: session.set_keyspace(KEYSPACE2),
    ]
    for call in calls:
        with pytest.raises(cqlio.ConnectionError, match="closed"):
            await call()


async def test_close_fails_pending_requests_with_connection_error(cluster, big_table):
    session = await cluster.connect(KEYSPACE)
    task = asyncio.ensure_future(session.execute("SELECT * FROM big WHERE p = 2"))
    await wait_until(lambda: session.resources()["in_flight"] > 0, what="a request in flight")
    await session.close()
    with pytest.raises(cqlio.ConnectionError):
        await task
    assert set(session.resources().values()) == {0}


async def test_set_keyspace_switches_and_validates(session):
    with pytest.raises(ValueError, match="Invalid keyspace name"):
        await session.set_keyspace("x; DROP KEYSPACE y")
    with pytest.raises(ValueError):
        await session.set_keyspace("")
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (500, "first keyspace"))
    await session.set_keyspace(KEYSPACE2)
    assert session.keyspace == KEYSPACE2
    await session.execute("INSERT INTO other_kv (k, v) VALUES (%s, %s)", (1, "second"))
    assert (await session.execute("SELECT v FROM other_kv WHERE k = 1")).one().v == "second"
    with pytest.raises(cqlio.InvalidRequest):
        await session.execute("SELECT * FROM kv")  # not in this keyspace
    await session.set_keyspace(KEYSPACE)
    assert (await session.execute("SELECT v FROM kv WHERE k = 500")).one().v == "first keyspace"
    res = await wait_ledger_clear(session)
    assert res["connections"] >= 1


async def test_set_keyspace_to_a_missing_keyspace_keeps_the_old_one(session):
    with pytest.raises(cqlio.InvalidRequest):
        await session.set_keyspace("cqlio_no_such_keyspace")
    assert session.keyspace == KEYSPACE
    await session.execute("SELECT * FROM kv LIMIT 1")


async def test_stream_opened_before_set_keyspace_keeps_reading(session, big_table):
    async with await session.execute_stream(
            "SELECT c FROM big WHERE p = 1", stream_config=cqlio.StreamConfig(fetch_size=100)
    ) as stream:
        await session.set_keyspace(KEYSPACE2)
        n = 0
        async for _ in stream:
            n += 1
    assert n == 10_000


async def test_session_resources_has_the_ledger_keys(session):
    assert set(session.resources()) >= {
        "connections", "in_flight", "reserved_streams", "queued", "pending_futures",
        "prepared", "open_streams", "buffered_pages", "buffered_bytes"}


async def test_session_accepts_new_attributes(session):
    session.my_suite_data = {"x": 1}
    assert session.my_suite_data == {"x": 1}


async def test_prepared_statements_survive_set_keyspace(session):
    """A statement keeps the keyspace it was prepared in, as with the driver."""
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (501, "prepared before"))
    qualified = await session.prepare("SELECT v FROM %s.kv WHERE k = ?" % KEYSPACE)
    unqualified = await session.prepare("SELECT v FROM kv WHERE k = ?")
    await session.set_keyspace(KEYSPACE2)
    assert (await session.execute(qualified, (501,))).one().v == "prepared before"
    assert (await session.execute(unqualified, (501,))).one().v == "prepared before"


async def test_a_request_fails_at_once_when_every_host_is_down(schema):
    """A node reached through a local forwarder that goes away after connect:
    the next request raises HostsDown (a NoHostAvailable) as soon as the
    reconnect is refused, not at its 60 s request timeout."""
    pipes = []

    async def forward(reader, writer):
        up_reader, up_writer = await asyncio.open_connection(HOST, PORT)
        pipes.extend([writer, up_writer])

        async def pump(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    server = await asyncio.start_server(forward, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with cqlio.AsyncCluster(["127.0.0.1"], port=port, request_timeout=60) as cluster:
        session = await cluster.connect()
        assert (await session.execute("SELECT key FROM system.local")).one().key == "local"
        server.close()
        await server.wait_closed()
        for w in pipes:
            w.transport.abort()
        await wait_until(lambda: session.resources()["connections"] == 0)
        with pytest.raises(cqlio.HostsDown) as info:
            await asyncio.wait_for(session.execute("SELECT key FROM system.local"), 20)
        e = info.value
        assert isinstance(e, cqlio.NoHostAvailable) and isinstance(e, cqlio.ConnectionError)
        assert list(e.errors) == ["127.0.0.1:%d" % port] and "is down" in str(e)
        await wait_ledger_clear(session)  # nothing waits or stays in flight
        await session.close()
