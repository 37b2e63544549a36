"""Every CQL type goes in as its Python value and comes back equal."""
import collections
import datetime
import decimal
import ipaddress
import uuid

import pytest

import cqlio
from cqlio.util import Date, Duration, OrderedMapSerializedKey, SortedSet, Time

from .helpers import KEYSPACE

pytestmark = pytest.mark.asyncio

UTC = datetime.timezone.utc
Address = collections.namedtuple("Address", "street zip")

VALUES = {
    "a_ascii": "plain ascii",
    "a_bigint": -(2 ** 63),
    "a_blob": b"\x00\x01\xffbinary",
    "a_boolean": True,
    "a_date": datetime.date(2024, 2, 29),
    "a_decimal": decimal.Decimal("-12345678901234567890.000123"),
    "a_double": 3.141592653589793,
    "a_duration": Duration(1, 2, 3_000_000_000),
    "a_float": 1.5,
    "a_inet": ipaddress.ip_address("::1"),
    "a_int": -(2 ** 31),
    "a_smallint": 32767,
    "a_text": "unicode ✓ text",
    "a_time": Time(3_723_000_000_123),
    "a_timestamp": datetime.datetime(2024, 5, 17, 13, 14, 15, 123000, tzinfo=UTC),
    "a_timeuuid": uuid.UUID("e3ac4f30-1460-11ef-9262-0242ac120002"),
    "a_tinyint": -128,
    "a_uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "a_varchar": "varchar",
    "a_varint": 2 ** 100 + 1,
    "a_list": [3, 1, 2],
    "a_set": {"b", "a"},
    "a_map": {"one": 1, "two": 2},
    "a_tuple": (1, "t", False),
    "a_udt": Address("Main St", 12345),
    "a_point": (1.5, -2.5),
    "a_vector": [1.0, 2.5, -3.0],
    "a_nested": {(1, 2): {"x"}, (3,): {"y", "z"}},
    "a_list_of_udt": [Address("A", 1), Address("B", 2)],
}
COLUMNS = sorted(VALUES)


async def insert_and_read(session, k, values):
    cols = ", ".join(["k"] + list(values))
    marks = ", ".join(["%s"] * (len(values) + 1))
    await session.execute("INSERT INTO all_types (%s) VALUES (%s)" % (cols, marks),
                          [k] + list(values.values()))
    return (await session.execute("SELECT * FROM all_types WHERE k = %s", (k,))).one()


async def test_every_type_round_trips(session):
    row = await insert_and_read(session, 1, VALUES)
    got = row._asdict()
    for col in COLUMNS:
        assert got[col] == VALUES[col], col


async def test_read_types_are_the_driver_ones(session):
    row = await insert_and_read(session, 2, VALUES)
    assert isinstance(row.a_date, Date) and row.a_date.date() == VALUES["a_date"]
    assert isinstance(row.a_time, Time)
    assert isinstance(row.a_set, SortedSet) and list(row.a_set) == ["a", "b"]
    assert isinstance(row.a_map, OrderedMapSerializedKey) and list(row.a_map) == ["one", "two"]
    assert row.a_timestamp.tzinfo is not None and row.a_timestamp.utcoffset() == datetime.timedelta(0)
    assert row.a_udt.street == "Main St" and row.a_udt.zip == 12345
    assert row.a_nested[[1, 2]] == {"x"}  # an unhashable key finds its entry
    assert isinstance(row.a_inet, ipaddress.IPv6Address)
    assert isinstance(row.a_decimal, decimal.Decimal) and isinstance(row.a_varint, int)


async def test_other_python_spellings_bind(session):
    row = await insert_and_read(session, 3, {
        "a_date": Date(-100_000),            # 1696-03-17
        "a_time": datetime.time(1, 2, 3, 4),
        "a_timestamp": datetime.datetime(2024, 5, 17, 13, 14, 15),  # naive means UTC
        "a_inet": ipaddress.ip_address("10.1.2.3"),
        "a_set": SortedSet(["z"]),
        "a_map": OrderedMapSerializedKey([("k", 9)]),
        "a_list": (7, 8),
        "a_bigint": 5,                       # a small int in a bigint column
    })
    assert row.a_date == Date(-100_000)
    assert row.a_time == datetime.time(1, 2, 3, 4)
    assert row.a_timestamp == datetime.datetime(2024, 5, 17, 13, 14, 15, tzinfo=UTC)
    assert str(row.a_inet) == "10.1.2.3"
    assert row.a_set == {"z"} and row.a_map == {"k": 9} and row.a_list == [7, 8]
    assert row.a_bigint == 5


async def test_dates_outside_the_stdlib_range(session):
    far = Date(10_000_000)  # about year 29349: no datetime.date for it
    row = await insert_and_read(session, 4, {"a_date": far})
    assert row.a_date == far and int(row.a_date) == int(far)


async def test_nulls_and_empty_collections_read_as_none(session):
    row = await insert_and_read(session, 5, {c: None for c in COLUMNS})
    assert all(getattr(row, c) is None for c in COLUMNS)


async def test_registered_udt_class(cluster, session):
    class Point:
        def __init__(self, x, y):
            self.x, self.y = x, y

    cluster.register_user_type(KEYSPACE, "point", Point)
    try:
        row = await insert_and_read(session, 6, {"a_point": Point(0.5, 4.0)})
        assert isinstance(row.a_point, Point) and (row.a_point.x, row.a_point.y) == (0.5, 4.0)
    finally:
        from cqlio import udt

        udt._registry.pop((KEYSPACE, "point"), None)


@pytest.mark.parametrize("column, value", [
    ("a_int", "text"), ("a_text", 5), ("a_uuid", "not-a-uuid"), ("a_list", {"a": 1}),
    ("a_boolean", "yes"),
])
async def test_wrong_types_name_the_column(session, column, value):
    with pytest.raises(TypeError) as info:
        await session.execute("INSERT INTO all_types (k, %s) VALUES (%%s, %%s)" % column,
                              (7, value))
    assert column in str(info.value)


async def test_counter_reads_as_int(session):
    await session.execute("UPDATE counters SET n = n + 3 WHERE k = 99")
    n = (await session.execute("SELECT n FROM counters WHERE k = 99")).one().n
    assert isinstance(n, int) and n >= 3


async def test_unset_is_the_core_object(session):
    assert cqlio.query.UNSET_VALUE is cqlio._corelink.core.UNSET
