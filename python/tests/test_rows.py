"""Row factories and UDT values."""
import logging

import pytest

from cqlio.query import dict_factory, named_tuple_factory, ordered_dict_factory, tuple_factory
from cqlio.rows import clean_column_name, make_namedtuple_class, sanitize_identifiers
from cqlio.udt import register_user_type, udt_factory

ROWS = [(1, "ada", None), (2, "bob", 3.5)]


class TestNamedTupleFactory:
    def test_attribute_index_iteration_and_dict(self):
        rows = named_tuple_factory(("id", "name", "score"), ROWS)
        r = rows[0]
        assert r.id == 1 and r.name == "ada" and r.score is None
        assert r[0] == 1 and r[-1] is None
        assert list(r) == [1, "ada", None]
        assert r._fields == ("id", "name", "score")
        assert r._asdict() == {"id": 1, "name": "ada", "score": None}

    def test_rows_equal_plain_tuples(self):
        rows = named_tuple_factory(("id", "name", "score"), ROWS)
        assert rows == ROWS
        assert rows[1] == (2, "bob", 3.5)
        assert hash(rows[1]) == hash((2, "bob", 3.5))

    def test_class_is_cached_per_column_tuple(self):
        a = named_tuple_factory(("id", "name", "score"), ROWS)
        b = named_tuple_factory(["id", "name", "score"], ROWS)
        c = named_tuple_factory(("id", "name", "other"), ROWS)
        assert type(a[0]) is type(b[0])
        assert type(a[0]) is not type(c[0])

    def test_function_columns_are_cleaned_as_the_driver_does(self):
        row = named_tuple_factory(("count(*)", "system.now()", "writetime(v)"), [(1, 2, 3)])[0]
        assert row._fields == ("count", "system_now", "writetime_v")

    def test_invalid_identifiers_are_renamed(self, caplog):
        with caplog.at_level(logging.WARNING, logger="cqlio"):
            row = named_tuple_factory(("class", "1st", "ok", "ok"), [(1, 2, 3, 4)])[0]
        assert row._fields == ("field_0_", "field_1_", "ok", "ok_")
        assert row == (1, 2, 3, 4)
        assert "not all valid attribute names" in caplog.text

    def test_empty_result(self):
        assert named_tuple_factory(("a",), []) == []


def test_clean_column_name():
    assert clean_column_name("  weird name!") == "weird_name"
    assert clean_column_name("_x") == "x"
    assert clean_column_name("ok_name_") == "ok_name_"


def test_sanitize_identifiers():
    assert sanitize_identifiers(["a", "def", "", "_x", "a"]) == \
        ["a", "field_1_", "field_2_", "field_3_", "a_"]


def test_make_namedtuple_class_is_cached():
    assert make_namedtuple_class("Row", ("a", "b")) is make_namedtuple_class("Row", ("a", "b"))


def test_dict_and_tuple_factories():
    assert dict_factory(("id", "name", "score"), ROWS) == [
        {"id": 1, "name": "ada", "score": None}, {"id": 2, "name": "bob", "score": 3.5}]
    assert list(ordered_dict_factory(("id", "name", "score"), ROWS)[1]) == ["id", "name", "score"]
    assert tuple_factory(("id", "name", "score"), ROWS) is ROWS


class TestUdtFactory:
    def test_named_tuple_by_default(self):
        v = udt_factory("ks", "address", ("street", "zip"), ("Main St", 12345))
        assert v.street == "Main St" and v.zip == 12345
        assert v == ("Main St", 12345)
        assert type(v).__name__ == "address"
        w = udt_factory("ks", "address", ("street", "zip"), ("Other", 1))
        assert type(v) is type(w)

    def test_registered_class_gets_fields_as_keywords(self):
        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y

        register_user_type("ks_rows_test", "point", Point)
        p = udt_factory("ks_rows_test", "point", ("x", "y"), (1.0, 2.0))
        assert isinstance(p, Point) and (p.x, p.y) == (1.0, 2.0)
        # other keyspaces are not affected
        assert udt_factory("other", "point", ("x", "y"), (1.0, 2.0)) == (1.0, 2.0)

    def test_odd_type_and_field_names(self):
        v = udt_factory("ks", "my-type", ("class", "a b"), (1, 2))
        assert v == (1, 2)
        assert v._fields == ("field_0_", "a_b")

    def test_registration_needs_a_callable(self):
        with pytest.raises(TypeError):
            register_user_type("ks", "t", 42)
