"""User-defined type values: the factory the C core calls for each UDT cell.

A UDT reads as a named tuple of its fields (a class per keyspace, type and
field list), or as an instance of the class a program registered with
``AsyncCluster.register_user_type(keyspace, user_type, klass)``, built as
``klass(**fields)`` like cassandra-driver does. The registry is process-wide
because the C core's factory is: a registration applies to every cluster.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Dict, Sequence, Tuple

from .rows import make_namedtuple_class

_registry: Dict[Tuple[str, str], type] = {}
_NON_IDENT = re.compile(r"[^a-zA-Z0-9_]")


def register_user_type(keyspace: str, user_type: str, klass: type) -> None:
    """Values of ``keyspace.user_type`` read as ``klass(**fields)`` from now on."""
    if not callable(klass):
        raise TypeError("klass must be a class (or a callable taking the fields as keywords)")
    _registry[(keyspace, user_type)] = klass


def registered_class(keyspace: str, user_type: str) -> Any:
    return _registry.get((keyspace, user_type))


@functools.lru_cache(maxsize=512)
def _tuple_class(name: str, field_names: Tuple[str, ...]) -> Any:
    type_name = _NON_IDENT.sub("_", name) or "UDT"
    if not type_name.isidentifier():
        type_name = "UDT_" + type_name
    return make_namedtuple_class(type_name, field_names)


def udt_factory(keyspace: str, name: str, field_names: Sequence[str], values: Sequence[Any]) -> Any:
    """The value of one UDT cell (called by the C core)."""
    klass = _registry.get((keyspace, name))
    if klass is not None:
        return klass(**dict(zip(field_names, values)))
    return _tuple_class(name, tuple(field_names))._make(values)
