"""Statements: options, binding rules and batches (no server involved)."""
from types import SimpleNamespace

import pytest

from cqlio import ConsistencyLevel
from cqlio.query import (UNSET_VALUE, BatchStatement, BatchType, BoundStatement,
                         PreparedStatement, SimpleStatement, batch_type_value)


def prepared(names=("id", "name"), query="INSERT INTO t (id, name) VALUES (?, ?)"):
    """What _core.Prepared exposes (the extension's object, not a server)."""
    return PreparedStatement(SimpleNamespace(
        query=query, keyspace="ks", param_names=tuple(names),
        param_types=tuple("int" for _ in names), column_names=(), column_types=(),
        id=b"\x01\x02"))


class TestSimpleStatement:
    def test_options(self):
        s = SimpleStatement("SELECT * FROM t", consistency_level=ConsistencyLevel.QUORUM,
                            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
                            fetch_size=100, keyspace="ks", custom_payload={"k": b"v"},
                            is_idempotent=True)
        assert s.query_string == "SELECT * FROM t"
        assert (s.consistency_level, s.serial_consistency_level, s.fetch_size) == \
            (ConsistencyLevel.QUORUM, ConsistencyLevel.LOCAL_SERIAL, 100)
        assert s.keyspace == "ks" and s.custom_payload == {"k": b"v"} and s.is_idempotent
        assert "SELECT * FROM t" in str(s) and "QUORUM" in str(s)

    def test_defaults(self):
        s = SimpleStatement("SELECT 1")
        assert s.consistency_level is None and s.fetch_size is None
        assert s.is_idempotent is False

    def test_validation(self):
        with pytest.raises(ValueError):
            SimpleStatement("q", consistency_level=42)
        with pytest.raises(ValueError):
            SimpleStatement("q", serial_consistency_level=ConsistencyLevel.QUORUM)
        with pytest.raises(ValueError):
            SimpleStatement("q", fetch_size=0)
        with pytest.raises(TypeError):
            SimpleStatement(b"SELECT 1")
        s = SimpleStatement("q")
        with pytest.raises(ValueError):
            s.consistency_level = 99


class TestPreparedOptions:
    def test_options_are_checked_when_set(self):
        ps = prepared()
        ps.consistency_level = ConsistencyLevel.QUORUM
        ps.fetch_size = 10
        assert (ps.consistency_level, ps.fetch_size) == (ConsistencyLevel.QUORUM, 10)
        for bad in (0, -5):
            with pytest.raises(ValueError, match="fetch_size"):
                ps.fetch_size = bad
        with pytest.raises(TypeError, match="fetch_size"):
            ps.fetch_size = True
        with pytest.raises((TypeError, ValueError)):
            ps.consistency_level = 12345
        with pytest.raises(ValueError, match="SERIAL"):
            ps.serial_consistency_level = ConsistencyLevel.ONE
        assert ps.fetch_size == 10  # a refused value leaves the old one


class TestBinding:
    def test_positional(self):
        b = prepared().bind((1, "ada"))
        assert isinstance(b, BoundStatement) and b.values == [1, "ada"]

    def test_missing_positional_values_are_unset(self):
        assert prepared().bind([1]).values == [1, UNSET_VALUE]
        assert prepared().bind(None).values == [UNSET_VALUE, UNSET_VALUE]

    def test_too_many_values(self):
        with pytest.raises(ValueError, match="got 3, expected 2"):
            prepared().bind((1, 2, 3))

    def test_mapping_by_marker_name_missing_ones_unset(self):
        assert prepared().bind({"name": "ada", "id": 1}).values == [1, "ada"]
        assert prepared().bind({"name": "ada"}).values == [UNSET_VALUE, "ada"]
        assert prepared().bind({"NAME": "ada", "Id": 2}).values == [2, "ada"]

    def test_string_is_not_a_sequence_of_values(self):
        with pytest.raises(TypeError):
            prepared().bind("ab")

    def test_bound_statement_inherits_prepared_options(self):
        ps = prepared()
        ps.consistency_level = ConsistencyLevel.ALL
        ps.fetch_size = 7
        ps.is_idempotent = True
        b = ps.bind((1, "x"))
        assert (b.consistency_level, b.fetch_size, b.is_idempotent) == \
            (ConsistencyLevel.ALL, 7, True)
        assert b.query_string == ps.query_string and b.keyspace == "ks"

    def test_prepared_metadata(self):
        ps = prepared()
        assert ps.param_names == ("id", "name") and ps.query_id == b"\x01\x02"
        assert ps.keyspace == "ks"


class TestBatch:
    def test_add_forms(self):
        ps = prepared()
        batch = BatchStatement(BatchType.UNLOGGED, consistency_level=ConsistencyLevel.ONE)
        batch.add("INSERT INTO t (id) VALUES (1)")
        batch.add(SimpleStatement("INSERT INTO t (id) VALUES (%s)"), (2,))
        batch.add(ps, (3, "c"))
        batch.add(ps.bind((4, "d")))
        assert len(batch) == 4
        kinds = [type(s).__name__ for s, _ in batch.entries]
        assert kinds == ["SimpleStatement", "SimpleStatement", "BoundStatement", "BoundStatement"]
        assert batch.entries[1][1] == (2,)
        assert batch.entries[2][0].values == [3, "c"]

    def test_add_all_and_clear(self):
        batch = BatchStatement()
        batch.add_all(["INSERT 1 %s", "INSERT 2 %s"], [(1,), (2,)])
        assert len(batch) == 2
        batch.clear()
        assert len(batch) == 0

    def test_bad_entries(self):
        batch = BatchStatement()
        with pytest.raises(TypeError):
            batch.add(42)
        with pytest.raises(TypeError):
            batch.add(BatchStatement())
        with pytest.raises(ValueError):
            batch.add(prepared().bind((1, 2)), (1, 2))

    def test_batch_types(self):
        assert [batch_type_value(t) for t in
                (BatchType.LOGGED, BatchType.UNLOGGED, BatchType.COUNTER, 1)] == [0, 1, 2, 1]
        assert BatchStatement().batch_type == BatchType.LOGGED
        assert repr(BatchType.COUNTER) == "BatchType.COUNTER" and str(BatchType.LOGGED) == "LOGGED"
        with pytest.raises(ValueError):
            BatchStatement(batch_type=7)

    def test_statement_payloads_merge_into_the_batch(self):
        batch = BatchStatement(custom_payload={"a": b"1"})
        batch.add(SimpleStatement("INSERT 1", custom_payload={"b": b"2"}))
        assert batch.custom_payload == {"a": b"1", "b": b"2"}


def test_unset_value_is_a_singleton():
    import cqlio._corelink as link

    assert UNSET_VALUE is link.UNSET
    assert repr(UNSET_VALUE) in ("UNSET_VALUE", repr(link.UNSET))
