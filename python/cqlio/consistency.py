"""Consistency levels: the protocol's numbers under cassandra-driver's names.

Plain ints (not an enum) because the driver's ConsistencyLevel attributes are
ints, and programs compare and store them as such.
"""
from __future__ import annotations

from typing import Dict, Optional


class ConsistencyLevel:
    """How many replicas must answer (the [consistency] values of the protocol)."""

    ANY = 0x0000
    ONE = 0x0001
    TWO = 0x0002
    THREE = 0x0003
    QUORUM = 0x0004
    ALL = 0x0005
    LOCAL_QUORUM = 0x0006
    EACH_QUORUM = 0x0007
    SERIAL = 0x0008
    LOCAL_SERIAL = 0x0009
    LOCAL_ONE = 0x000A

    value_to_name: Dict[int, str] = {}
    name_to_value: Dict[str, int] = {}

    @staticmethod
    def is_serial(cl: int) -> bool:
        return cl in (ConsistencyLevel.SERIAL, ConsistencyLevel.LOCAL_SERIAL)


for _name in (
    "ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM",
    "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE",
):
    ConsistencyLevel.value_to_name[getattr(ConsistencyLevel, _name)] = _name
    ConsistencyLevel.name_to_value[_name] = getattr(ConsistencyLevel, _name)
del _name


def consistency_value_to_name(value: Optional[int]) -> str:
    """The level's name; "Not Set" for None, as the driver prints it."""
    if value is None:
        return "Not Set"
    return ConsistencyLevel.value_to_name.get(value, "UNKNOWN(%s)" % (value,))


def check_consistency(value: Optional[int], what: str = "consistency_level") -> Optional[int]:
    """Validates a level before it reaches the C core (None means the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be a ConsistencyLevel value (an int), not %s"
                        % (what, type(value).__name__))
    if value not in ConsistencyLevel.value_to_name:
        raise ValueError("%s %r is not a consistency level" % (what, value))
    return value
