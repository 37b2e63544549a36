"""Python values for CQL types that the standard library does not cover well,
under cassandra-driver's names and with its behaviour:

* ``Date``: a CQL date, days since 1970-01-01 (its range is far wider than
  datetime.date's, so it keeps the day count and converts on demand).
* ``Time``: a CQL time, nanoseconds since midnight (datetime.time has only
  microseconds).
* ``Duration``: months, days and nanoseconds, which no timedelta can hold.
* ``SortedSet``: what a CQL set reads as; it also holds unhashable elements
  (frozen collections).
* ``OrderedMapSerializedKey``: what a CQL map reads as; ordered as the server
  sent it, and it accepts unhashable keys (a frozen list or map) for lookups.

The C extension builds these through ``_core.set_types`` (see cqlio/__init__.py)
and accepts them back when binding values.
"""
from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any, Iterator, List, Tuple

__all__ = ["Date", "Time", "Duration", "SortedSet", "OrderedMapSerializedKey", "OrderedMap"]

_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_DATE_RE = re.compile(r"^([+-]?\d{1,})-(\d{1,2})-(\d{1,2})$")


class Date:
    """A CQL ``date``: ``Date(days)``, ``Date(datetime.date)`` or ``Date("YYYY-MM-DD")``.

    ``int(d)`` and ``d.days_from_epoch`` are the day count; ``d.date()`` is a
    datetime.date (ValueError outside years 1-9999). Equal to Dates, to ints
    of the same day count and to the same datetime.date.
    """

    __slots__ = ("days_from_epoch",)
    days_from_epoch: int

    DAY = 86400  # seconds

    def __init__(self, value: Any) -> None:
        if isinstance(value, Date):
            days = value.days_from_epoch
        elif isinstance(value, int):  # bool is accepted as the driver does
            days = int(value)
        elif isinstance(value, datetime.datetime):
            days = value.date().toordinal() - _EPOCH_ORDINAL
        elif isinstance(value, datetime.date):
            days = value.toordinal() - _EPOCH_ORDINAL
        elif isinstance(value, str):
            days = self._parse(value)
        else:
            raise TypeError("Date arguments must be a whole number, datetime.date, or string")
        self.days_from_epoch = days

    @staticmethod
    def _parse(text: str) -> int:
        m = _DATE_RE.match(text.strip())
        if m is None:
            raise ValueError("can't interpret %r as a date" % (text,))
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)),
                                 int(m.group(3))).toordinal() - _EPOCH_ORDINAL
        except ValueError:
            raise ValueError("can't interpret %r as a date" % (text,)) from None

    @property
    def seconds(self) -> int:
        """Seconds since the epoch at the start of this day."""
        return self.days_from_epoch * Date.DAY

    def date(self) -> datetime.date:
        """This day as a datetime.date; ValueError when it is out of its range."""
        try:
            return datetime.date.fromordinal(self.days_from_epoch + _EPOCH_ORDINAL)
        except (ValueError, OverflowError):
            raise ValueError("Date(%d) is outside datetime.date's range" %
                             self.days_from_epoch) from None

    def __int__(self) -> int:
        return self.days_from_epoch

    def __hash__(self) -> int:
        return hash(self.days_from_epoch)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Date):
            return self.days_from_epoch == other.days_from_epoch
        if isinstance(other, int):
            return self.days_from_epoch == other
        if isinstance(other, datetime.date) and not isinstance(other, datetime.datetime):
            try:
                return self.date() == other
            except ValueError:
                return False
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __lt__(self, other: "Date") -> bool:
        if not isinstance(other, Date):
            return NotImplemented
        return self.days_from_epoch < other.days_from_epoch

    def __le__(self, other: "Date") -> bool:
        if not isinstance(other, Date):
            return NotImplemented
        return self.days_from_epoch <= other.days_from_epoch

    def __gt__(self, other: "Date") -> bool:
        if not isinstance(other, Date):
            return NotImplemented
        return self.days_from_epoch > other.days_from_epoch

    def __ge__(self, other: "Date") -> bool:
        if not isinstance(other, Date):
            return NotImplemented
        return self.days_from_epoch >= other.days_from_epoch

    def __repr__(self) -> str:
        return "Date(%d)" % self.days_from_epoch

    def __str__(self) -> str:
        try:
            return self.date().isoformat()
        except ValueError:
            return str(self.days_from_epoch)

    def __reduce__(self) -> Tuple[type, Tuple[int]]:
        return Date, (self.days_from_epoch,)


class Time:
    """A CQL ``time``: ``Time(nanoseconds)``, ``Time(datetime.time)`` or
    ``Time("HH:MM:SS[.fffffffff]")``.

    ``int(t)`` and ``t.nanosecond_time`` are nanoseconds since midnight;
    ``t.time()`` is a datetime.time (nanoseconds truncated to microseconds).
    Equal to Times, to ints and to a datetime.time when no nanoseconds are lost.
    """

    __slots__ = ("nanosecond_time",)
    nanosecond_time: int

    MICRO = 1000
    MILLI = 1000 * MICRO
    SECOND = 1000 * MILLI
    MINUTE = 60 * SECOND
    HOUR = 60 * MINUTE
    DAY = 24 * HOUR

    def __init__(self, value: Any) -> None:
        if isinstance(value, Time):
            ns = value.nanosecond_time
        elif isinstance(value, int):
            ns = int(value)
            if not 0 <= ns < Time.DAY:
                raise ValueError("value must be at least 0 and less than the number of "
                                 "nanoseconds in a day (%d)" % Time.DAY)
        elif isinstance(value, datetime.time):
            ns = (value.hour * Time.HOUR + value.minute * Time.MINUTE
                  + value.second * Time.SECOND + value.microsecond * Time.MICRO)
        elif isinstance(value, str):
            ns = self._parse(value)
        else:
            raise TypeError("Time arguments must be a whole number, datetime.time, or string")
        self.nanosecond_time = ns

    @staticmethod
    def _parse(text: str) -> int:
        base, _, frac = text.strip().partition(".")
        parts = base.split(":")
        try:
            if len(parts) != 3 or (frac and not frac.isdigit()) or len(frac) > 9:
                raise ValueError
            h, m, s = (int(p) for p in parts)
            if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
                raise ValueError
        except ValueError:
            raise ValueError("can't interpret %r as a time" % (text,)) from None
        ns = h * Time.HOUR + m * Time.MINUTE + s * Time.SECOND
        if frac:
            ns += int(frac.ljust(9, "0"))
        return ns

    @property
    def hour(self) -> int:
        return self.nanosecond_time // Time.HOUR

    @property
    def minute(self) -> int:
        return (self.nanosecond_time // Time.MINUTE) % 60

    @property
    def second(self) -> int:
        return (self.nanosecond_time // Time.SECOND) % 60

    @property
    def nanosecond(self) -> int:
        """The fraction of the second, in nanoseconds."""
        return self.nanosecond_time % Time.SECOND

    def time(self) -> datetime.time:
        return datetime.time(self.hour, self.minute, self.second,
                             self.nanosecond // Time.MICRO)

    def __int__(self) -> int:
        return self.nanosecond_time

    def __hash__(self) -> int:
        return hash(self.nanosecond_time)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Time):
            return self.nanosecond_time == other.nanosecond_time
        if isinstance(other, int):
            return self.nanosecond_time == other
        if isinstance(other, datetime.time):
            return self.nanosecond_time % Time.MICRO == 0 and self.time() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __lt__(self, other: "Time") -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.nanosecond_time < other.nanosecond_time

    def __le__(self, other: "Time") -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.nanosecond_time <= other.nanosecond_time

    def __gt__(self, other: "Time") -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.nanosecond_time > other.nanosecond_time

    def __ge__(self, other: "Time") -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self.nanosecond_time >= other.nanosecond_time

    def __repr__(self) -> str:
        return "Time(%d)" % self.nanosecond_time

    def __str__(self) -> str:
        return "%02d:%02d:%02d.%09d" % (self.hour, self.minute, self.second, self.nanosecond)

    def __reduce__(self) -> Tuple[type, Tuple[int]]:
        return Time, (self.nanosecond_time,)


class Duration:
    """A CQL ``duration``: months, days and nanoseconds, kept apart because a
    month has no fixed length. All three share one sign on the wire."""

    __slots__ = ("months", "days", "nanoseconds")

    def __init__(self, months: int = 0, days: int = 0, nanoseconds: int = 0) -> None:
        self.months = months
        self.days = days
        self.nanoseconds = nanoseconds

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return (self.months, self.days, self.nanoseconds) == \
            (other.months, other.days, other.nanoseconds)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash((self.months, self.days, self.nanoseconds))

    def __repr__(self) -> str:
        return "Duration(%d, %d, %d)" % (self.months, self.days, self.nanoseconds)

    def __str__(self) -> str:
        negative = self.months < 0 or self.days < 0 or self.nanoseconds < 0
        return "%s%dmo%dd%dns" % ("-" if negative else "", abs(self.months),
                                  abs(self.days), abs(self.nanoseconds))

    def __reduce__(self) -> Tuple[type, Tuple[int, int, int]]:
        return Duration, (self.months, self.days, self.nanoseconds)


class SortedSet:
    """A set kept in sorted order in a list, so elements need not be hashable
    (a set of frozen lists reads back as a SortedSet of lists). Elements that
    cannot be compared with each other are kept in insertion order."""

    __slots__ = ("_items",)
    __hash__ = None  # type: ignore[assignment]  # mutable, like set

    def __init__(self, iterable: Iterable = ()) -> None:
        self._items: List[Any] = []
        for item in iterable:
            self.add(item)

    # -- the search: bisect when the elements order, a scan when they do not
    def _position(self, x: Any) -> int:
        items = self._items
        try:
            return bisect.bisect_left(items, x)
        except TypeError:
            for i, item in enumerate(items):
                try:
                    if item == x or item > x:
                        return i
                except TypeError:
                    continue
            return len(items)

    def _index_of(self, x: Any) -> int:
        i = self._position(x)
        items = self._items
        if i < len(items) and items[i] == x:
            return i
        for j, item in enumerate(items):  # unorderable neighbours: look everywhere
            if item == x:
                return j
        return -1

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(self._items)

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]

    def __contains__(self, x: object) -> bool:
        return self._index_of(x) >= 0

    def __repr__(self) -> str:
        return "SortedSet(%r)" % (self._items,)

    def __reduce__(self) -> Tuple[type, Tuple[List[Any]]]:
        return SortedSet, (list(self._items),)

    def add(self, x: Any) -> None:
        if self._index_of(x) < 0:
            self._items.insert(self._position(x), x)

    def update(self, *iterables: Iterable) -> None:
        for it in iterables:
            for x in it:
                self.add(x)

    def remove(self, x: Any) -> None:
        i = self._index_of(x)
        if i < 0:
            raise KeyError(x)
        del self._items[i]

    def discard(self, x: Any) -> None:
        i = self._index_of(x)
        if i >= 0:
            del self._items[i]

    def pop(self) -> Any:
        if not self._items:
            raise KeyError("pop from an empty set")
        return self._items.pop()

    def clear(self) -> None:
        self._items.clear()

    def copy(self) -> "SortedSet":
        new = SortedSet()
        new._items = list(self._items)
        return new

    # -- set algebra (works against any iterable, hashable or not)
    def union(self, *others: Iterable) -> "SortedSet":
        new = self.copy()
        new.update(*others)
        return new

    def intersection(self, *others: Iterable) -> "SortedSet":
        new = self.copy()
        for other in others:
            other_items = other if isinstance(other, (SortedSet, set, frozenset)) else list(other)
            new._items = [x for x in new._items if x in other_items]
        return new

    def difference(self, *others: Iterable) -> "SortedSet":
        new = self.copy()
        for other in others:
            other_items = other if isinstance(other, (SortedSet, set, frozenset)) else list(other)
            new._items = [x for x in new._items if x not in other_items]
        return new

    def symmetric_difference(self, other: Iterable) -> "SortedSet":
        other_set = other if isinstance(other, SortedSet) else SortedSet(other)
        return self.difference(other_set).union(other_set.difference(self))

    def issubset(self, other: Iterable) -> bool:
        other_items = other if isinstance(other, (SortedSet, set, frozenset)) else list(other)
        return all(x in other_items for x in self._items)

    def issuperset(self, other: Iterable) -> bool:
        return all(x in self for x in other)

    def isdisjoint(self, other: Iterable) -> bool:
        return not any(x in self for x in other)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SortedSet):
            return self._items == other._items
        if hasattr(other, "__len__") and hasattr(other, "__iter__"):
            sized: Any = other
            try:
                return len(sized) == len(self._items) and all(x in self for x in sized)
            except TypeError:
                return NotImplemented
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __le__(self, other: Iterable) -> bool:
        return self.issubset(other)

    def __lt__(self, other: Any) -> bool:
        return len(other) > len(self._items) and self.issubset(other)

    def __ge__(self, other: Iterable) -> bool:
        return self.issuperset(other)

    def __gt__(self, other: Any) -> bool:
        return len(self._items) > len(other) and self.issuperset(other)

    def __or__(self, other: Iterable) -> "SortedSet":
        return self.union(other)

    __ror__ = __or__

    def __and__(self, other: Iterable) -> "SortedSet":
        return self.intersection(other)

    __rand__ = __and__

    def __sub__(self, other: Iterable) -> "SortedSet":
        return self.difference(other)

    def __rsub__(self, other: Iterable) -> "SortedSet":
        return SortedSet(other).difference(self)

    def __xor__(self, other: Iterable) -> "SortedSet":
        return self.symmetric_difference(other)

    __rxor__ = __xor__

    def __ior__(self, other: Iterable) -> "SortedSet":
        self.update(other)
        return self

    def __iand__(self, other: Iterable) -> "SortedSet":
        self._items = self.intersection(other)._items
        return self

    def __isub__(self, other: Iterable) -> "SortedSet":
        self._items = self.difference(other)._items
        return self

    def __ixor__(self, other: Iterable) -> "SortedSet":
        self._items = self.symmetric_difference(other)._items
        return self


def _lookup_key(key: Any) -> Any:
    """A hashable stand-in for a map key, equal for equal keys of any spelling:
    hashable keys stand for themselves; lists and tuples become tuples, sets
    frozensets, maps frozensets of pairs (recursively); datetime.date and
    datetime.time become Date and Time so that either spelling finds the key."""
    if isinstance(key, datetime.date) and not isinstance(key, datetime.datetime):
        return Date(key)
    if isinstance(key, datetime.time):
        return Time(key)
    try:
        hash(key)
        return key
    except TypeError:
        pass
    if isinstance(key, (list, tuple)):
        return tuple(_lookup_key(k) for k in key)
    if isinstance(key, (SortedSet, set)):
        return frozenset(_lookup_key(k) for k in key)
    if isinstance(key, Mapping):
        return frozenset((_lookup_key(k), _lookup_key(v)) for k, v in key.items())
    if hasattr(key, "__dict__"):  # an unhashable UDT object: its fields
        return (type(key).__name__,) + tuple(
            (k, _lookup_key(v)) for k, v in sorted(vars(key).items()))
    return ("<unhashable>", type(key).__name__, repr(key))


class OrderedMap(Mapping):
    """An immutable-by-convention mapping that keeps insertion order and
    accepts unhashable keys (frozen collections as map keys)."""

    __slots__ = ("_items", "_index")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError("expected at most 1 argument, got %d" % len(args))
        self._items: List[Tuple[Any, Any]] = []
        self._index: dict = {}
        if args:
            source: Any = args[0]
            if isinstance(source, Mapping) or callable(getattr(source, "keys", None)):
                for k in source.keys():
                    self._insert(k, source[k])
            else:
                for k, v in source:
                    self._insert(k, v)
        for k, v in kwargs.items():
            self._insert(k, v)

    def _insert(self, key: Any, value: Any) -> None:
        lk = _lookup_key(key)
        i = self._index.get(lk)
        if i is None:
            self._index[lk] = len(self._items)
            self._items.append((key, value))
        else:
            self._items[i] = (key, value)

    __setitem__ = _insert

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._items[self._index[_lookup_key(key)]][1]
        except KeyError:
            raise KeyError(key) from None

    def __delitem__(self, key: Any) -> None:
        try:
            i = self._index.pop(_lookup_key(key))
        except KeyError:
            raise KeyError(key) from None
        del self._items[i]
        for k, j in self._index.items():
            if j > i:
                self._index[k] = j - 1

    def __iter__(self) -> Iterator[Any]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def popitem(self) -> Tuple[Any, Any]:
        if not self._items:
            raise KeyError("popitem(): map is empty")
        k, v = self._items.pop()
        del self._index[_lookup_key(k)]
        return k, v

    def __eq__(self, other: object) -> bool:
        if isinstance(other, OrderedMap):
            return self._items == other._items
        if isinstance(other, Mapping):
            if len(other) != len(self._items):
                return False
            try:
                return all(other[k] == v for k, v in self._items)
            except KeyError:
                return False
            except TypeError:  # an unhashable key of ours: compare by lookup keys
                theirs = {_lookup_key(k): v for k, v in other.items()}
                missing = object()
                return all(theirs.get(_lookup_key(k), missing) == v for k, v in self._items)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "%s([%s])" % (type(self).__name__,
                             ", ".join("(%r, %r)" % kv for kv in self._items))

    def __str__(self) -> str:
        return "{%s}" % ", ".join("%r: %r" % kv for kv in self._items)

    def __reduce__(self) -> Tuple[type, Tuple[List[Tuple[Any, Any]]]]:
        return type(self), (list(self._items),)


class OrderedMapSerializedKey(OrderedMap):
    """What a CQL map reads as: ``OrderedMapSerializedKey([(k, v), ...])``,
    in the server's order, equal to a dict with the same pairs."""

    __slots__ = ()

    def __init__(self, items: Any = (), *args: Any, **kwargs: Any) -> None:
        # The driver's signature is (cass_type, protocol_version); a call of
        # that shape (a type object first) builds an empty map.
        if isinstance(items, type) or args:
            items = ()
        OrderedMap.__init__(self, items, **kwargs)
