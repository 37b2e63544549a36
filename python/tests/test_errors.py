"""The C core's error descriptions become the classes programs catch."""
import asyncio

import pytest

import cqlio
from cqlio import errors as ER
from cqlio.consistency import ConsistencyLevel
from cqlio.errors import error_factory
from cqlio.policies import WriteType


def server(code, **fields):
    info = {"category": "server", "rc": 10, "host": "127.0.0.1:9042",
            "message": "server error from 127.0.0.1:9042: ...", "code": code,
            "server_message": fields.pop("server_message", "the server says no"),
            "consistency": 0, "required": 0, "alive": 0, "received": 0, "block_for": 0,
            "data_present": False, "write_type": "", "contentions": -1, "failures": 0,
            "keyspace": "", "table": "", "function": "", "arg_types": [],
            "unprepared_id": b""}
    info.update(fields)
    return info


def test_unavailable_has_the_driver_attributes_and_message():
    e = error_factory(server(0x1000, consistency=ConsistencyLevel.ALL, required=3, alive=1,
                             server_message="Cannot achieve consistency level ALL"))
    assert type(e) is cqlio.Unavailable
    assert (e.consistency, e.required_replicas, e.alive_replicas) == (ConsistencyLevel.ALL, 3, 1)
    assert str(e) == ('Error from server: code=1000 [Unavailable exception] message="Cannot '
                      'achieve consistency level ALL" info={\'consistency\': \'ALL\', '
                      "'required_replicas': 3, 'alive_replicas': 1}")
    assert e.code == 0x1000 and e.host == "127.0.0.1:9042"
    assert isinstance(e, cqlio.RequestExecutionException)


def test_read_timeout():
    e = error_factory(server(0x1200, consistency=ConsistencyLevel.QUORUM, received=1,
                             block_for=2, data_present=True))
    assert type(e) is cqlio.ReadTimeout
    assert (e.consistency, e.required_responses, e.received_responses, e.data_retrieved) == \
        (ConsistencyLevel.QUORUM, 2, 1, True)
    assert isinstance(e, cqlio.Timeout)


def test_write_timeout_write_type_is_the_driver_value():
    e = error_factory(server(0x1100, consistency=ConsistencyLevel.ONE, received=0,
                             block_for=1, write_type="BATCH_LOG"))
    assert type(e) is cqlio.WriteTimeout
    assert e.write_type == WriteType.BATCH_LOG
    assert (e.required_responses, e.received_responses) == (1, 0)
    assert "'write_type': 'BATCH_LOG'" in str(e)


def test_unknown_write_type_is_kept_as_text():
    e = error_factory(server(0x1100, write_type="SOMETHING_NEW"))
    assert e.write_type == "SOMETHING_NEW"


def test_read_and_write_failures():
    r = error_factory(server(0x1300, consistency=1, received=0, block_for=1, failures=1,
                             data_present=False, reasons={"127.0.0.2": 0x0001}))
    assert type(r) is cqlio.ReadFailure
    assert (r.failures, r.data_retrieved, r.error_code_map) == (1, False, {"127.0.0.2": 1})
    w = error_factory(server(0x1500, consistency=1, received=0, block_for=1, failures=2,
                             write_type="SIMPLE"))
    assert type(w) is cqlio.WriteFailure
    assert (w.failures, w.write_type, w.error_code_map) == (2, WriteType.SIMPLE, None)
    assert isinstance(w, cqlio.CoordinationFailure)


def test_function_failure():
    e = error_factory(server(0x1400, keyspace="ks", function="f", arg_types=["int", "text"]))
    assert type(e) is cqlio.FunctionFailure
    assert (e.keyspace, e.function, e.arg_types) == ("ks", "f", ["int", "text"])


def test_already_exists_for_table_and_keyspace():
    t = error_factory(server(0x2400, keyspace="ks", table="t"))
    assert type(t) is cqlio.AlreadyExists and (t.keyspace, t.table) == ("ks", "t")
    assert str(t) == "Table 'ks.t' already exists"
    k = error_factory(server(0x2400, keyspace="ks", table=""))
    assert (k.keyspace, k.table) == ("ks", None)
    assert str(k) == "Keyspace 'ks' already exists"
    assert isinstance(k, cqlio.ConfigurationException)


@pytest.mark.parametrize("code, cls", [
    (0x2000, cqlio.SyntaxException),
    (0x2100, cqlio.Unauthorized),
    (0x2200, cqlio.InvalidRequest),
    (0x2300, cqlio.ConfigurationException),
    (0x0100, cqlio.AuthenticationFailed),
    (0x000A, cqlio.ProtocolException),
    (0x1002, cqlio.IsBootstrappingError),
    (0x1001, cqlio.Overloaded),
    (0x1003, cqlio.TruncateError),
    (0x1600, cqlio.CDCWriteFailure),
    (0x0000, cqlio.ServerError),
    (0x2500, cqlio.ServerError),
    (0x7777, cqlio.ServerError),
])
def test_codes_map_to_driver_classes(code, cls):
    e = error_factory(server(code, server_message="details"))
    assert type(e) is cls
    assert e.code == code and e.server_message == "details"
    assert isinstance(e, cqlio.DriverException)


def test_invalid_request_message_format():
    e = error_factory(server(0x2200, server_message="unconfigured table nope"))
    assert str(e) == ('Error from server: code=2200 [Invalid query] '
                      'message="unconfigured table nope"')


def test_client_side_timeout_is_operation_timed_out_and_asyncio_timeout():
    e = error_factory({"category": "timeout", "rc": 9, "host": "127.0.0.1:9042",
                       "message": "request to 127.0.0.1:9042 timed out after 100 ms"})
    assert type(e) is cqlio.OperationTimedOut
    assert isinstance(e, asyncio.TimeoutError)
    assert e.last_host == "127.0.0.1:9042"
    assert e.errors == {"127.0.0.1:9042": "request to 127.0.0.1:9042 timed out after 100 ms"}


def test_network_errors_are_connection_errors():
    e = error_factory({"category": "network", "rc": 11, "host": "127.0.0.1:9042",
                       "message": "connecting to 127.0.0.1:9042: connection refused"})
    assert type(e) is cqlio.ConnectionError
    assert isinstance(e, cqlio.AsyncCassandraError)
    assert not isinstance(e, OSError)  # see the decision in cqlio/exceptions.py
    assert str(e) == "connecting to 127.0.0.1:9042: connection refused"
    assert e.host == "127.0.0.1:9042" and e.rc == 11


@pytest.mark.parametrize("rc, cls", [
    (ER.RC_TYPE, TypeError), (ER.RC_ARG, ValueError), (ER.RC_LIMIT, ValueError),
    (ER.RC_NOMEM, MemoryError), (ER.RC_CLOSED, cqlio.ConnectionError),
    (ER.RC_TIMEOUT, cqlio.OperationTimedOut), (ER.RC_BUSY, cqlio.QueryError),
    (ER.RC_CANCELLED, cqlio.QueryError), (ER.RC_PROTOCOL, cqlio.QueryError),
])
def test_client_errors(rc, cls):
    e = error_factory({"category": "client", "rc": rc, "host": "",
                       "message": 'column "age" is int; got str'})
    assert type(e) is cls
    if cls is not cqlio.OperationTimedOut:
        assert str(e) == 'column "age" is int; got str'
    assert e.host is None


def test_a_malformed_description_still_gives_an_exception():
    e = error_factory({"category": "server", "code": "not a number", "message": "boom"})
    assert isinstance(e, cqlio.QueryError) and "boom" in str(e)
    assert isinstance(error_factory({}), Exception)


def test_async_cassandra_error_carries_its_cause():
    cause = RuntimeError("inner")
    e = cqlio.QueryError("outer", cause=cause)
    assert e.cause is cause and str(e) == "outer" and e.message == "outer"
    assert cqlio.ConnectionError("x").cause is None


def test_connect_failed_is_both_connection_error_and_no_host_available():
    inner = cqlio.ConnectionError("refused")
    e = cqlio.ConnectFailed("Failed to connect to cluster: refused", {"127.0.0.1:9042": inner})
    assert isinstance(e, cqlio.ConnectionError) and isinstance(e, cqlio.NoHostAvailable)
    assert e.errors == {"127.0.0.1:9042": inner} and e.cause is inner
    assert str(e) == "Failed to connect to cluster: refused"


def test_connect_timeout_is_connection_error_and_asyncio_timeout():
    e = cqlio.ConnectTimeout("Connection timeout after 1 seconds")
    assert isinstance(e, cqlio.ConnectionError) and isinstance(e, asyncio.TimeoutError)
    assert str(e) == "Connection timeout after 1 seconds"


def test_driver_constructors_keep_their_signatures():
    assert str(cqlio.OperationTimedOut()) == "errors=None, last_host=None"
    nha = cqlio.NoHostAvailable("Unable to connect to any servers", {"h": Exception("x")})
    assert list(nha.errors) == ["h"] and nha.args[0] == "Unable to connect to any servers"
    assert cqlio.ReadTimeout("m", consistency=1, required_responses=1, received_responses=0,
                             data_retrieved=False).data_retrieved is False
    assert cqlio.WriteTimeout("m", write_type=WriteType.SIMPLE).write_type == WriteType.SIMPLE
    assert cqlio.FunctionFailure("m", "ks", "f", ["int"]).arg_types == ["int"]


def test_handshake_server_error_without_fields_is_still_classified():
    """The core reports a refused USE or login with the code in its message only."""
    e = error_factory({"category": "server", "rc": 10, "host": "127.0.0.1:9042",
                       "message": "connecting to 127.0.0.1:9042: the keyspace given at connect "
                                  "could not be used: INVALID (0x2200): Keyspace 'nope' does "
                                  "not exist"})
    assert type(e) is cqlio.InvalidRequest and e.code == 0x2200
    assert e.server_message == "Keyspace 'nope' does not exist"
    a = error_factory({"category": "server", "rc": 10, "host": "h",
                       "message": "connecting to h: authentication failed: BAD_CREDENTIALS "
                                  "(0x0100): Provided username x and/or password are incorrect"})
    assert type(a) is cqlio.AuthenticationFailed
