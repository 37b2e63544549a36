"""execute, prepare, batches, parameters and errors against the real node."""
import asyncio
import random

import pytest

import cqlio
from cqlio import ConsistencyLevel
from cqlio.query import (BatchStatement, BatchType, SimpleStatement, UNSET_VALUE, dict_factory,
                         tuple_factory)

from .helpers import KEYSPACE_RF3, wait_ledger_clear, wait_until

pytestmark = pytest.mark.asyncio


async def read_v(session, k):
    row = (await session.execute("SELECT v FROM kv WHERE k = %s", (k,))).one()
    return None if row is None else row.v


@pytest.mark.both_loops
async def test_every_marker_style_binds_values(session):
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (1, "format"))
    await session.execute("INSERT INTO kv (k, v) VALUES (%(k)s, %(v)s)", {"v": "pyformat", "k": 2})
    await session.execute("INSERT INTO kv (k, v) VALUES (?, ?)", [3, "qmark"])
    await session.execute("INSERT INTO kv (k, v) VALUES (:k, :v)", {"k": 4, "v": "named"})
    await session.execute(SimpleStatement("INSERT INTO kv (k, v) VALUES (%s, %s)"), (5, "stmt"))
    assert [await read_v(session, k) for k in range(1, 6)] == \
        ["format", "pyformat", "qmark", "named", "stmt"]


async def test_values_are_never_interpolated(session):
    evil = "x'); DROP TABLE kv; --"
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (10, evil))
    await session.execute("INSERT INTO kv (k, v) VALUES (%(k)s, %(v)s)", {"k": 11, "v": evil})
    await session.execute("INSERT INTO kv (k, v) VALUES (?, ?)", (12, evil))
    assert [await read_v(session, k) for k in (10, 11, 12)] == [evil, evil, evil]
    # the table is still there, and a marker inside a literal stayed text
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, 'literal %s and ?')", (13,))
    assert await read_v(session, 13) == "literal %s and ?"


async def test_statements_with_values_are_prepared_once(session):
    for i in range(5):
        await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (20 + i, "v%d" % i))
    cache = session._cache
    assert "INSERT INTO kv (k, v) VALUES (?, ?)" in cache and cache.hits >= 4


async def test_parameter_mismatches_are_reported(session):
    with pytest.raises(KeyError, match="v"):
        await session.execute("INSERT INTO kv (k, v) VALUES (%(k)s, %(v)s)", {"k": 1})
    with pytest.raises(ValueError, match="extra"):
        await session.execute("INSERT INTO kv (k, v) VALUES (%(k)s, %(v)s)",
                              {"k": 1, "v": "x", "extra": 2})
    with pytest.raises(ValueError, match="2 bind markers, 1 value"):
        await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (1,))


async def test_wrong_value_type_is_a_type_error_naming_the_column(session):
    with pytest.raises(TypeError) as info:
        await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", ("not an int", "x"))
    assert '"k"' in str(info.value) or "'k'" in str(info.value) or " k " in str(info.value)
    assert "int" in str(info.value) and "str" in str(info.value)


async def test_int_out_of_range_is_a_value_error(session):
    with pytest.raises(ValueError):
        await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (2 ** 40, "x"))


async def test_execute_reads_every_page(session):
    await session.execute("DELETE FROM rows WHERE p = 1")
    insert = await session.prepare("INSERT INTO rows (p, c, v) VALUES (?, ?, ?)")
    await asyncio.gather(*(session.execute(insert, (1, c, str(c))) for c in range(25)))
    rs = await session.execute(SimpleStatement("SELECT c FROM rows WHERE p = 1", fetch_size=10))
    assert [r.c for r in rs] == list(range(25))
    assert rs.has_more_pages is False and rs.paging_state is None
    assert rs.column_names == ("c",) and rs.column_types == ("int",)


async def test_prepared_statements(session):
    insert = await session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
    assert isinstance(insert, cqlio.PreparedStatement)
    assert insert.param_names == ("k", "v")
    await session.execute(insert, (30, "a"))
    await session.execute(insert.bind({"k": 31, "v": "b"}))
    await session.execute(insert, {"k": 32})  # v left unset
    select = await session.prepare("SELECT k, v FROM kv WHERE k = ?")
    assert (await session.execute(select, (30,))).one() == (30, "a")
    assert (await session.execute(select, [31])).one().v == "b"
    assert (await session.execute(select, [32])).one().v is None
    again = await session.prepare("SELECT k, v FROM kv WHERE k = ?")
    assert again._prepared is select._prepared  # from the session's cache


async def test_unset_leaves_the_column_alone(session):
    insert = await session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
    await session.execute(insert, (40, "kept"))
    await session.execute(insert, (40, UNSET_VALUE))
    assert await read_v(session, 40) == "kept"


async def test_batches(session):
    insert = await session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
    batch = BatchStatement(BatchType.LOGGED, consistency_level=ConsistencyLevel.ONE)
    batch.add("INSERT INTO kv (k, v) VALUES (50, 'plain')")
    batch.add("INSERT INTO kv (k, v) VALUES (%s, %s)", (51, "with values"))
    batch.add(insert, (52, "prepared"))
    batch.add(insert.bind((53, "bound")))
    await session.execute_batch(batch)
    assert [await read_v(session, k) for k in range(50, 54)] == \
        ["plain", "with values", "prepared", "bound"]
    await session.execute(BatchStatement(BatchType.UNLOGGED).add(insert, (54, "via execute")))
    assert await read_v(session, 54) == "via execute"


async def test_counter_batch(session):
    await session.execute("TRUNCATE counters")
    batch = BatchStatement(BatchType.COUNTER)
    batch.add("UPDATE counters SET n = n + %s WHERE k = %s", (5, 1))
    batch.add("UPDATE counters SET n = n + %s WHERE k = %s", (2, 1))
    await session.execute_batch(batch)
    assert (await session.execute("SELECT n FROM counters WHERE k = 1")).one().n == 7


async def test_lightweight_transaction_was_applied(session):
    # a key never used before: mixing a plain DELETE with LWTs on one row is
    # unreliable in Cassandra (client and Paxos timestamps)
    k = random.randint(10 ** 6, 2 ** 31 - 1)
    first = await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s) IF NOT EXISTS", (k, "a"))
    second = await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s) IF NOT EXISTS", (k, "b"))
    assert first.was_applied is True and second.was_applied is False
    assert second.one().v == "a"  # a refused LWT returns the current row
    assert await read_v(session, k) == "a"


async def test_row_factories(session):
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (70, "row"))
    rs = await session.execute("SELECT k, v FROM kv WHERE k = 70")
    row = rs.one()
    assert row.k == 70 and row[1] == "row" and row == (70, "row")
    assert row._asdict() == {"k": 70, "v": "row"} and row._fields == ("k", "v")
    session.row_factory = dict_factory
    assert (await session.execute("SELECT k, v FROM kv WHERE k = 70")).one() == \
        {"k": 70, "v": "row"}
    session.row_factory = tuple_factory
    assert type((await session.execute("SELECT k, v FROM kv WHERE k = 70")).one()) is tuple


async def test_prepared_rows_are_built_by_the_core_as_one_named_class(session):
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (71, "a"))
    ps = await session.prepare("SELECT k, v FROM kv WHERE k = ?")
    first = (await session.execute(ps, (71,))).one()
    second = (await session.execute(ps, [71])).one()
    # the same class for every request of the statement (cached on it), and
    # the class the Python factory would make: rows compare as tuples
    assert type(first) is type(second) and first == second == (71, "a")
    assert first.v == "a" and first._fields == ("k", "v")
    assert type(first) is cqlio.rows.make_namedtuple_class("Row", ("k", "v"))
    session.row_factory = dict_factory
    assert (await session.execute(ps, (71,))).one() == {"k": 71, "v": "a"}
    session.row_factory = cqlio.rows.named_tuple_factory
    assert (await session.execute(ps, (71,))).one().v == "a"


async def test_only_rows_that_could_join_a_cycle_are_tracked_by_the_collector(session):
    import gc
    await session.execute("CREATE TABLE IF NOT EXISTS gc_rows (k int PRIMARY KEY, l list<int>, "
                          "t frozen<tuple<int, text>>)")
    await session.execute("INSERT INTO gc_rows (k, l, t) VALUES (1, [1, 2], (3, 'x'))")
    plain = (await session.execute("SELECT k, t FROM gc_rows WHERE k = 1")).one()
    with_list = (await session.execute("SELECT k, l FROM gc_rows WHERE k = 1")).one()
    assert plain == (1, (3, "x")) and with_list == (1, [1, 2])
    assert not gc.is_tracked(plain)        # numbers, text, a tuple of them: no cycle possible
    assert gc.is_tracked(with_list)        # a list could come to hold the row itself
    session.row_factory = tuple_factory
    assert not gc.is_tracked((await session.execute("SELECT k, t FROM gc_rows WHERE k = 1")).one())


async def test_a_row_class_without_a_tuple_layout_is_refused(session):
    from cqlio import _core

    class WithDict(tuple):  # no __slots__: instances have a __dict__
        pass

    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (75, "x"))
    _core.set_types(row_class=lambda names: WithDict)
    try:
        with pytest.raises(TypeError, match="row_class must return a tuple subclass"):
            await session.execute("SELECT v, k FROM kv WHERE k = %s", (75,))
    finally:
        _core.set_types(row_class=cqlio.rows.row_class)
    assert (await session.execute("SELECT v, k FROM kv WHERE k = %s", (75,))).one().v == "x"
    await wait_ledger_clear(session)


async def test_prepared_values_other_than_an_exact_sequence_are_bound_first(session):
    ins = await session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
    await session.execute(ins, {"k": 72, "v": "mapping"})
    assert await read_v(session, 72) == "mapping"
    await session.execute(ins, (72,))  # v left out: bound as UNSET, the old value stays
    assert await read_v(session, 72) == "mapping"
    await session.execute(ins, iter([73, "iterator"]))
    assert await read_v(session, 73) == "iterator"
    with pytest.raises(ValueError, match="Too many arguments"):
        await session.execute(ins, (74, "x", "extra"))
    with pytest.raises(TypeError, match='"v".*text.*int'):
        await session.execute(ins, (74, 5))


async def test_a_column_added_after_the_prepare_reaches_the_rows(session):
    await session.execute("CREATE TABLE IF NOT EXISTS grows (k int PRIMARY KEY, a int)")
    try:
        await session.execute("INSERT INTO grows (k, a) VALUES (1, 10)")
        ps = await session.prepare("SELECT * FROM grows WHERE k = ?")
        assert (await session.execute(ps, (1,))).one() == (1, 10)
        await session.execute("ALTER TABLE grows ADD b text")
        await session.execute("INSERT INTO grows (k, a, b) VALUES (1, 10, 'new')")
        row = (await session.execute(ps, (1,))).one()
        assert row == (1, 10, "new") and row.b == "new"
    finally:
        await session.execute("DROP TABLE IF EXISTS grows")


async def test_async_iteration_of_a_result(session):
    await session.execute("INSERT INTO kv (k, v) VALUES (%s, %s)", (80, "x"))
    rs = await session.execute("SELECT k FROM kv WHERE k = 80")
    assert [r.k async for r in rs] == [80] and len(rs) == 1 and rs[0].k == 80


async def test_an_error_raised_as_it_is_is_not_its_own_cause(session):
    ps = await session.prepare("SELECT v FROM kv WHERE k = ?")
    failures = []
    for call in (lambda: session.execute("SELEC broken"), lambda: session.prepare("SELEC x"),
                 lambda: session.execute(ps, ("not an int",))):
        with pytest.raises(Exception) as info:
            await call()
        failures.append(info.value)
    assert [type(e) for e in failures] == [cqlio.SyntaxException, cqlio.SyntaxException,
                                           TypeError]
    for e in failures:
        assert e.__cause__ is not e  # a loop walking causes would never end


async def test_server_errors_are_driver_classes(session):
    with pytest.raises(cqlio.SyntaxException) as syntax:
        await session.execute("SELEC * FROM kv")
    assert syntax.value.code == 0x2000 and "Error from server: code=2000" in str(syntax.value)
    with pytest.raises(cqlio.InvalidRequest) as invalid:
        await session.execute("SELECT * FROM no_such_table")
    assert invalid.value.code == 0x2200
    with pytest.raises(cqlio.AlreadyExists) as exists:
        await session.execute("CREATE TABLE kv (k int PRIMARY KEY)")
    assert (exists.value.keyspace, exists.value.table) == ("cqlio_pytest_v1", "kv")
    with pytest.raises(cqlio.SyntaxException):
        await session.prepare("SELEC 1")


async def test_unavailable_carries_its_fields(session):
    stmt = SimpleStatement("INSERT INTO %s.kv (k, v) VALUES (1, 'x')" % KEYSPACE_RF3,
                           consistency_level=ConsistencyLevel.ALL)
    with pytest.raises(cqlio.Unavailable) as info:
        await session.execute(stmt)
    e = info.value
    assert (e.consistency, e.required_replicas, e.alive_replicas) == (ConsistencyLevel.ALL, 3, 1)
    assert "'consistency': 'ALL'" in str(e)


async def test_client_timeout_is_operation_timed_out(session, big_table):
    with pytest.raises(cqlio.OperationTimedOut) as info:
        await session.execute(SimpleStatement("SELECT * FROM big", fetch_size=50_000),
                              timeout=0.001)
    assert isinstance(info.value, asyncio.TimeoutError)
    await wait_ledger_clear(session)


async def test_cancelling_a_task_abandons_its_request(session, big_table):
    task = asyncio.ensure_future(
        session.execute(SimpleStatement("SELECT * FROM big", fetch_size=50_000)))
    await wait_until(lambda: session.resources()["in_flight"] > 0, what="the request in flight")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_ledger_clear(session)  # the late answer released its stream id
    assert (await session.execute("SELECT k FROM kv LIMIT 1")) is not None


async def test_many_concurrent_requests(session):
    insert = await session.prepare("INSERT INTO kv (k, v) VALUES (?, ?)")
    await asyncio.gather(*(session.execute(insert, (1000 + i, str(i))) for i in range(500)))
    rows = await asyncio.gather(*(session.execute("SELECT v FROM kv WHERE k = %s", (1000 + i,))
                                  for i in range(500)))
    assert [r.one().v for r in rows] == [str(i) for i in range(500)]


async def test_custom_payload_and_trace_are_accepted(session):
    rs = await session.execute("SELECT k FROM kv LIMIT 1", trace=True,
                               custom_payload={"x": b"y"})
    assert len(rs.tracing_id) == 16


async def test_the_trace_of_a_traced_query_is_read_from_the_server(session):
    import uuid
    from cqlio.query import QueryTrace
    assert (await session.execute("SELECT k FROM kv WHERE k = 1")).get_query_trace() is None
    rs = await session.execute("SELECT k FROM kv WHERE k = %s", (1,), trace=True)
    trace = rs.get_query_trace()
    assert isinstance(trace, QueryTrace) and trace.trace_id == uuid.UUID(bytes=rs.tracing_id)
    assert trace.events == [] and trace.duration is None  # nothing read yet
    assert await trace.populate(max_wait=20) is trace
    assert trace.request_type == "Execute CQL3 prepared query"
    assert trace.duration.total_seconds() > 0 and trace.coordinator is not None
    assert trace.events and all(e.description for e in trace.events)
    assert "consistency_level" in trace.parameters
    # read whatever the program's row factory, within get_query_trace's max_wait
    session.row_factory = dict_factory
    again = (await session.execute("SELECT k FROM kv WHERE k = 1", trace=True)).get_query_trace(20)
    assert (await again.populate()).events


async def test_a_trace_never_written_is_unavailable_after_max_wait(session):
    import uuid
    from cqlio.query import QueryTrace, TraceUnavailable
    with pytest.raises(TraceUnavailable, match="not complete within 0.05 s"):
        await QueryTrace(uuid.uuid4(), session).populate(max_wait=0.05)
