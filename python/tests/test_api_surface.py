"""The names a program imports after renaming async_cassandra/cassandra to cqlio,
and the parts of the session/cluster API that need no server."""
import asyncio
import importlib
from types import SimpleNamespace

import pytest

import cqlio
from cqlio import AsyncCluster, AsyncResultSet, StreamConfig, create_streaming_statement
from cqlio.prepared_cache import PreparedCache
from cqlio.session import check_keyspace_name

CONTRACT = {
    "cqlio": [
        "AsyncCluster", "AsyncCassandraSession", "AsyncResultSet", "AsyncStreamingResultSet",
        "StreamConfig", "create_streaming_statement", "AsyncRetryPolicy", "ConsistencyLevel",
        "AsyncCassandraError", "ConnectionError", "QueryError", "TimeoutError",
        "AuthenticationError", "ConfigurationError", "Unavailable", "ReadTimeout",
        "WriteTimeout", "ReadFailure", "WriteFailure", "FunctionFailure", "CoordinationFailure",
        "OperationTimedOut", "NoHostAvailable", "InvalidRequest", "SyntaxException",
        "Unauthorized", "AuthenticationFailed", "AlreadyExists", "ConfigurationException",
        "ProtocolException", "IsBootstrappingError", "__version__",
    ],
    "cqlio.query": [
        "SimpleStatement", "BatchStatement", "BatchType", "PreparedStatement", "BoundStatement",
        "dict_factory", "tuple_factory", "named_tuple_factory", "UNSET_VALUE",
    ],
    "cqlio.cluster": ["NoHostAvailable", "EXEC_PROFILE_DEFAULT", "AsyncCluster"],
    "cqlio.policies": [
        "DCAwareRoundRobinPolicy", "TokenAwarePolicy", "RoundRobinPolicy",
        "ExponentialReconnectionPolicy", "ConstantReconnectionPolicy", "RetryPolicy",
    ],
    "cqlio.auth": ["PlainTextAuthProvider"],
    "cqlio.util": ["Date", "Time", "Duration", "SortedSet", "OrderedMapSerializedKey"],
}


@pytest.mark.parametrize("module", sorted(CONTRACT))
def test_contract_names_import(module):
    mod = importlib.import_module(module)
    missing = [n for n in CONTRACT[module] if not hasattr(mod, n)]
    assert missing == []


def test_version():
    assert cqlio.__version__ == "0.1.0"


def test_cluster_no_host_available_is_the_same_class():
    from cqlio.cluster import NoHostAvailable

    assert NoHostAvailable is cqlio.NoHostAvailable


def test_consistency_levels_are_the_protocol_numbers():
    cl = cqlio.ConsistencyLevel
    assert (cl.ANY, cl.ONE, cl.QUORUM, cl.ALL, cl.LOCAL_QUORUM, cl.LOCAL_ONE) == \
        (0, 1, 4, 5, 6, 10)
    assert cl.value_to_name[cl.EACH_QUORUM] == "EACH_QUORUM"
    assert cl.name_to_value["LOCAL_SERIAL"] == 9


def test_stream_config_defaults():
    c = StreamConfig()
    assert (c.fetch_size, c.max_pages, c.page_callback, c.timeout_seconds) == \
        (1000, None, None, None)
    assert (c.prefetch_pages, c.deadline_seconds) == (1, None)


@pytest.mark.parametrize("kwargs", [
    {"fetch_size": 0}, {"max_pages": 0}, {"prefetch_pages": -1}, {"timeout_seconds": 0},
    {"deadline_seconds": -1}, {"page_callback": 3},
])
def test_stream_config_validation(kwargs):
    with pytest.raises((ValueError, TypeError)):
        StreamConfig(**kwargs)


def test_create_streaming_statement():
    s = create_streaming_statement("SELECT * FROM t", fetch_size=50,
                                   consistency_level=cqlio.ConsistencyLevel.ONE)
    assert isinstance(s, cqlio.SimpleStatement)
    assert (s.query_string, s.fetch_size, s.consistency_level) == ("SELECT * FROM t", 50, 1)
    assert create_streaming_statement("q").fetch_size == 1000


class TestClusterConstruction:
    def test_defaults(self):
        c = AsyncCluster()
        assert c.contact_points == ["127.0.0.1"] and c.port == 9042
        assert isinstance(c.retry_policy, cqlio.AsyncRetryPolicy)
        assert c.executor_threads == 2 and c.idle_heartbeat_interval == 30.0
        assert not c.is_closed and c.metadata is None

    def test_every_async_cassandra_keyword_is_accepted(self):
        AsyncCluster(contact_points=["10.0.0.1", "db.example"], port=9043, auth_provider=None,
                     load_balancing_policy=None, reconnection_policy=None, retry_policy=None,
                     ssl_context=None, protocol_version=5, executor_threads=4,
                     max_schema_agreement_wait=5, control_connection_timeout=1.0,
                     idle_heartbeat_interval=10.0, schema_event_refresh_window=1.0,
                     topology_event_refresh_window=5.0, status_event_refresh_window=1.0,
                     connect_timeout=3, execution_profiles={}, cql_version="3.4.7")

    def test_heartbeats_can_be_turned_off_as_in_the_driver(self):
        assert AsyncCluster(idle_heartbeat_interval=0).idle_heartbeat_interval == 0
        assert AsyncCluster(idle_heartbeat_interval=None).idle_heartbeat_interval is None
        with pytest.raises(cqlio.ConfigurationError, match="idle_heartbeat_interval"):
            AsyncCluster(idle_heartbeat_interval=-1)

    def test_unknown_keyword_is_a_type_error(self):
        with pytest.raises(TypeError, match="conect_timeout"):
            AsyncCluster(conect_timeout=3)

    def test_protocol_version_4_or_5(self):
        AsyncCluster(protocol_version=4)
        with pytest.raises(cqlio.ConfigurationError):
            AsyncCluster(protocol_version=3)

    def test_tls_is_refused_rather_than_ignored(self):
        with pytest.raises(cqlio.ConfigurationError, match="TLS"):
            AsyncCluster(ssl_context=object())

    def test_create_with_auth(self):
        c = AsyncCluster.create_with_auth(["127.0.0.1"], "user", "pw")
        assert c.auth_provider.username == "user" and c._password == "pw"

    def test_unsupported_auth_provider(self):
        with pytest.raises(cqlio.AuthenticationError):
            AsyncCluster(auth_provider=object())

    def test_contact_point_forms(self):
        c = AsyncCluster(["a", "b:9043", "[::1]:9044", "::1", ("c", 9045)], port=9000)
        assert c._contacts == [("a", 9000), ("b", 9043), ("::1", 9044), ("::1", 9000),
                               ("c", 9045)]

    @pytest.mark.asyncio
    async def test_numeric_contact_points_need_no_lookup(self):
        c = AsyncCluster(["127.0.0.1", "::1", "127.0.0.1"])
        found, errors = await c._addresses()
        assert found == ["127.0.0.1:9042", "[::1]:9042"] and errors == {}

    @pytest.mark.asyncio
    async def test_names_are_resolved_on_the_loop(self):
        c = AsyncCluster(["localhost", "no-such-host.invalid"])
        found, errors = await c._addresses()
        assert found and all(a.endswith(":9042") for a in found)
        assert list(errors) == ["no-such-host.invalid:9042"]

    @pytest.mark.asyncio
    async def test_closed_cluster_refuses_to_connect(self):
        async with AsyncCluster() as c:
            pass
        assert c.is_closed
        with pytest.raises(cqlio.ConnectionError, match="closed"):
            await c.connect()

    @pytest.mark.asyncio
    async def test_keyspace_validated_before_connecting(self):
        with pytest.raises(ValueError):
            await AsyncCluster().connect(keyspace="x; DROP KEYSPACE y")

    @pytest.mark.skipif(cqlio.core_available(), reason="the extension is present")
    @pytest.mark.asyncio
    async def test_connect_without_the_extension_says_why(self):
        with pytest.raises(ImportError, match="cqlio._core"):
            await AsyncCluster().connect()


@pytest.mark.parametrize("name", ["ks", "My_Keyspace_2", "_x"])
def test_keyspace_names_accepted(name):
    assert check_keyspace_name(name) == name


@pytest.mark.parametrize("name", ["", "ks;", "a b", "ks.t", '"ks"', "ké", None, 5])
def test_keyspace_names_refused(name):
    with pytest.raises(ValueError, match="Invalid keyspace name"):
        check_keyspace_name(name)


def test_prepared_cache_is_a_bounded_lru():
    cache = PreparedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache and len(cache) == 2
    assert cache.get("zz") is None and (cache.hits, cache.misses) == (1, 1)
    with pytest.raises(ValueError):
        PreparedCache(0)


def _page(rows, names=("k", "v"), more=False, state=None, applied=True, warnings=()):
    """What _core.Page exposes (the extension's object)."""
    return SimpleNamespace(rows=rows, column_names=names, column_types=("int", "text"),
                           paging_state=state, has_more_pages=more, warnings=list(warnings),
                           tracing_id=None, was_applied=applied, custom_payload=None)


class TestAsyncResultSet:
    @pytest.mark.asyncio
    async def test_rows_of_every_page_in_order(self):
        rs = AsyncResultSet.from_pages(
            [_page([(1, "a")], more=True, state=b"s", warnings=["w1"]), _page([]),
             _page([(2, "b"), (3, "c")])], cqlio.query.named_tuple_factory)
        assert len(rs) == 3 and rs[0].v == "a" and rs[-1] == (3, "c")
        assert [r.k async for r in rs] == [1, 2, 3]
        assert [r.k async for r in rs] == [1, 2, 3]  # iterating again starts over
        assert rs.one() == (1, "a") and rs.all() == rs.rows and len(rs.all()) == 3
        assert rs.column_names == ("k", "v") and rs.column_types == ("int", "text")
        assert rs.has_more_pages is False and rs.paging_state is None
        assert rs.warnings == ["w1"] and rs.was_applied is True
        assert rs.get_query_trace() is None

    def test_empty_result(self):
        rs = AsyncResultSet.from_pages([_page([])], cqlio.query.dict_factory)
        assert rs.one() is None and len(rs) == 0 and not rs

    def test_was_applied_from_the_first_page(self):
        rs = AsyncResultSet.from_pages([_page([(False,)], names=("[applied]",), applied=False)],
                                       cqlio.query.tuple_factory)
        assert rs.was_applied is False


def test_exec_profile_default_is_a_named_sentinel():
    from cqlio.cluster import EXEC_PROFILE_DEFAULT

    assert repr(EXEC_PROFILE_DEFAULT) == "EXEC_PROFILE_DEFAULT"


def test_session_accepts_new_attributes():
    s = cqlio.AsyncCassandraSession(core=None)
    s.my_suite_data = 42
    assert s.my_suite_data == 42
    assert set(s.resources().values()) == {0}  # no core session: nothing held


@pytest.mark.both_loops
@pytest.mark.asyncio
async def test_both_loops_marker_runs_the_test_on_each_loop(request):
    on_uvloop = type(asyncio.get_running_loop()).__module__.startswith("uvloop")
    assert on_uvloop == ("uvloop" in request.node.name)
