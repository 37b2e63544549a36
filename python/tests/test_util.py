"""cqlio.util: the value types behave as cassandra-driver's do."""
import datetime
import pickle

import pytest

from cqlio.util import Date, Duration, OrderedMapSerializedKey, SortedSet, Time


class TestDate:
    def test_int_is_days_since_epoch(self):
        assert int(Date(0)) == 0
        assert int(Date(19000)) == 19000
        assert Date(-1).date() == datetime.date(1969, 12, 31)

    def test_from_date_datetime_and_string(self):
        d = datetime.date(2024, 2, 29)
        days = (d - datetime.date(1970, 1, 1)).days
        assert Date(d).days_from_epoch == days
        assert Date(datetime.datetime(2024, 2, 29, 23, 59)).days_from_epoch == days
        assert Date("2024-02-29").days_from_epoch == days
        assert Date("+2024-02-29").days_from_epoch == days

    def test_bad_inputs_raise(self):
        with pytest.raises(ValueError):
            Date("2024-02-30")
        with pytest.raises(ValueError):
            Date("yesterday")
        with pytest.raises(TypeError):
            Date(1.5)

    def test_equals_dates_ints_and_stdlib_date(self):
        assert Date(5) == Date(5)
        assert Date(5) == 5
        assert Date(5) == datetime.date(1970, 1, 6)
        assert Date(5) != datetime.date(1970, 1, 7)
        assert Date(5) != "1970-01-06"
        assert hash(Date(5)) == hash(5)

    def test_orders(self):
        assert sorted([Date(3), Date(1), Date(2)]) == [Date(1), Date(2), Date(3)]
        assert Date(1) < Date(2) <= Date(2) < Date(3)

    def test_out_of_stdlib_range_keeps_days(self):
        far = Date(10 ** 9)
        assert int(far) == 10 ** 9
        with pytest.raises(ValueError):
            far.date()
        assert str(far) == str(10 ** 9)
        assert far != datetime.date.max

    def test_str_repr_pickle(self):
        assert str(Date(0)) == "1970-01-01"
        assert repr(Date(7)) == "Date(7)"
        assert pickle.loads(pickle.dumps(Date(7))) == Date(7)


class TestTime:
    def test_int_is_nanoseconds(self):
        t = Time(3_723_000_000_123)  # 01:02:03.000000123
        assert int(t) == 3_723_000_000_123
        assert (t.hour, t.minute, t.second, t.nanosecond) == (1, 2, 3, 123)

    def test_from_time_and_string(self):
        assert Time(datetime.time(1, 2, 3, 4)).nanosecond_time == 3_723_000_004_000
        assert Time("01:02:03").nanosecond_time == 3_723_000_000_000
        assert Time("01:02:03.5").nanosecond_time == 3_723_500_000_000
        assert Time("01:02:03.000000001").nanosecond_time == 3_723_000_000_001

    def test_time_truncates_to_microseconds(self):
        assert Time(1_999).time() == datetime.time(0, 0, 0, 1)

    def test_range_and_bad_inputs(self):
        with pytest.raises(ValueError):
            Time(Time.DAY)
        with pytest.raises(ValueError):
            Time(-1)
        with pytest.raises(ValueError):
            Time("25:00:00")
        with pytest.raises(ValueError):
            Time("1:2")
        with pytest.raises(TypeError):
            Time(1.0)

    def test_equality(self):
        assert Time(5) == Time(5) == 5
        assert Time(datetime.time(12, 30)) == datetime.time(12, 30)
        assert Time(1) != datetime.time(0)  # nanoseconds would be lost
        assert hash(Time(9)) == hash(9)
        assert Time(1) < Time(2)

    def test_str_repr_pickle(self):
        assert str(Time(3_723_000_000_123)) == "01:02:03.000000123"
        assert repr(Time(3)) == "Time(3)"
        assert pickle.loads(pickle.dumps(Time(3))) == Time(3)


class TestDuration:
    def test_fields_and_equality(self):
        d = Duration(1, 2, 3)
        assert (d.months, d.days, d.nanoseconds) == (1, 2, 3)
        assert d == Duration(1, 2, 3)
        assert d != Duration(1, 2, 4)
        assert Duration() == Duration(0, 0, 0)
        assert hash(d) == hash(Duration(1, 2, 3))

    def test_repr_and_str(self):
        assert repr(Duration(1, 2, 3)) == "Duration(1, 2, 3)"
        assert str(Duration(1, 2, 3)) == "1mo2d3ns"
        assert str(Duration(-1, -2, -3)) == "-1mo2d3ns"

    def test_not_equal_to_other_types(self):
        assert Duration(0, 1, 0) != datetime.timedelta(days=1)


class TestSortedSet:
    def test_sorted_and_unique(self):
        s = SortedSet([3, 1, 2, 3, 1])
        assert list(s) == [1, 2, 3]
        assert len(s) == 3
        assert s[0] == 1 and s[-1] == 3
        assert 2 in s and 4 not in s

    def test_equals_builtin_sets(self):
        assert SortedSet([1, 2]) == {1, 2}
        assert SortedSet([1, 2]) == frozenset({2, 1})
        assert SortedSet([1, 2]) != {1, 2, 3}
        assert SortedSet("ab") == SortedSet("ba")

    def test_holds_unhashable_elements(self):
        s = SortedSet([[2, 1], [1, 2], [1, 2]])
        assert list(s) == [[1, 2], [2, 1]]
        assert [1, 2] in s
        s.add({"k": 1})  # not orderable against lists: kept anyway
        assert {"k": 1} in s and len(s) == 3

    def test_set_algebra(self):
        a, b = SortedSet([1, 2, 3]), SortedSet([2, 3, 4])
        assert a | b == {1, 2, 3, 4}
        assert a & b == {2, 3}
        assert a - b == {1}
        assert a ^ b == {1, 4}
        assert SortedSet([1]) <= a and a >= {1, 2}
        assert SortedSet([1]) < a and not a < a
        assert a.isdisjoint([7, 8])

    def test_mutation(self):
        s = SortedSet([1, 2])
        s.remove(1)
        s.discard(9)
        with pytest.raises(KeyError):
            s.remove(9)
        assert s.pop() == 2 and len(s) == 0
        with pytest.raises(KeyError):
            s.pop()

    def test_unhashable_and_picklable(self):
        with pytest.raises(TypeError):
            hash(SortedSet())
        s = SortedSet([1, 2])
        assert pickle.loads(pickle.dumps(s)) == s
        assert repr(s) == "SortedSet([1, 2])"


class TestOrderedMapSerializedKey:
    def test_keeps_server_order_and_equals_dict(self):
        m = OrderedMapSerializedKey([("b", 2), ("a", 1)])
        assert list(m) == ["b", "a"]
        assert list(m.items()) == [("b", 2), ("a", 1)]
        assert m == {"a": 1, "b": 2}
        assert m != {"a": 1}
        assert m["a"] == 1 and m.get("zz") is None and "b" in m
        assert dict(m) == {"a": 1, "b": 2}

    def test_unhashable_keys_can_be_looked_up(self):
        m = OrderedMapSerializedKey([([1, 2], "list"), (SortedSet([3]), "set"),
                                     (OrderedMapSerializedKey([("k", 1)]), "map")])
        assert m[[1, 2]] == "list"
        assert m[(1, 2)] == "list"  # a tuple finds the list key, as the driver's serialisation does
        assert m[{3}] == "set"
        assert m[{"k": 1}] == "map"
        with pytest.raises(KeyError):
            m[[2, 1]]

    def test_date_and_time_keys_found_by_stdlib_values(self):
        m = OrderedMapSerializedKey([(Date(0), "epoch"), (Time(0), "midnight")])
        assert m[datetime.date(1970, 1, 1)] == "epoch"
        assert m[datetime.time(0)] == "midnight"

    def test_repeated_key_keeps_last_value_in_first_place(self):
        m = OrderedMapSerializedKey([("a", 1), ("b", 2), ("a", 3)])
        assert list(m.items()) == [("a", 3), ("b", 2)]

    def test_delete_and_popitem(self):
        m = OrderedMapSerializedKey([("a", 1), ("b", 2), ("c", 3)])
        del m["a"]
        assert m["c"] == 3 and list(m) == ["b", "c"]
        assert m.popitem() == ("c", 3)
        assert list(m) == ["b"]

    def test_repr_str_pickle(self):
        m = OrderedMapSerializedKey([("a", 1)])
        assert repr(m) == "OrderedMapSerializedKey([('a', 1)])"
        assert str(m) == "{'a': 1}"
        assert pickle.loads(pickle.dumps(m)) == m

    def test_driver_style_constructor_makes_an_empty_map(self):
        assert len(OrderedMapSerializedKey(int, 5)) == 0


def test_map_with_unhashable_keys_equals_a_dict_with_tuple_keys():
    m = OrderedMapSerializedKey([([1, 2], SortedSet(["x"])), ([3], SortedSet(["y", "z"]))])
    assert m == {(1, 2): {"x"}, (3,): {"y", "z"}}
    assert m != {(1, 2): {"x"}, (4,): {"y", "z"}}
    assert m != {(1, 2): {"x"}, (3,): {"y"}}
