"""Row factories: how a page's rows (tuples from the C core) are presented.

A factory is called as ``factory(column_names, rows)`` and returns a list, the
signature cassandra-driver uses, so a program's own factory plugs in as well.
The default, ``named_tuple_factory``, gives rows that are tuples (equal to
plain tuples, indexable, iterable) with attribute access by column name.
"""
from __future__ import annotations

import functools
import keyword
import logging
import re
from collections import OrderedDict, namedtuple
from typing import Any, Callable, Dict, List, Sequence, Tuple

log = logging.getLogger("cqlio")

RowFactory = Callable[[Sequence[str], List[tuple]], List[Any]]

__all__ = ["tuple_factory", "dict_factory", "ordered_dict_factory", "named_tuple_factory",
           "clean_column_name", "sanitize_identifiers", "make_namedtuple_class", "row_class",
           "shape_rows"]

_TRAILING_JUNK = re.compile(r"[^a-zA-Z0-9_]*$")
_LEADING_JUNK = re.compile(r"^[^a-zA-Z0-9]*")
_NON_ALNUM = re.compile(r"[^a-zA-Z0-9]")


@functools.lru_cache(maxsize=4096)
def clean_column_name(name: str) -> str:
    """A column name made attribute-friendly as the driver does it:
    ``count(*)`` -> ``count``, ``system.now()`` -> ``system_now``."""
    name = _TRAILING_JUNK.sub("", name)
    name = _LEADING_JUNK.sub("", name)
    return _NON_ALNUM.sub("_", name)


def sanitize_identifiers(names: Sequence[str]) -> List[str]:
    """Names that namedtuple accepts: an invalid one becomes ``field_<i>_``
    (its position), and duplicates get ``_`` appended until unique."""
    out = []
    for i, name in enumerate(names):
        if (not name or not name.isidentifier() or keyword.iskeyword(name)
                or name.startswith("_") or name[0].isdigit()):
            out.append("field_%d_" % i)
        else:
            out.append(name)
    seen: set = set()
    for i, name in enumerate(out):
        while name in seen:
            name += "_"
        out[i] = name
        seen.add(name)
    return out


@functools.lru_cache(maxsize=1024)
def make_namedtuple_class(type_name: str, names: Tuple[str, ...]) -> Any:
    """A namedtuple class for these field names (cached: one class per column
    tuple, so rows of every page of a query share their class)."""
    cleaned = [clean_column_name(n) for n in names]
    try:
        return namedtuple(type_name, cleaned)  # type: ignore[misc]
    except ValueError:
        fixed = sanitize_identifiers(cleaned)
        log.warning(
            "column names %r (cleaned: %r) are not all valid attribute names; rows use %r. "
            "Choose other names with SELECT ... AS, or another row factory.",
            list(names), cleaned, fixed)
        return namedtuple(type_name, fixed)  # type: ignore[misc]


def row_class(names: Tuple[str, ...]) -> Any:
    """The class of default rows for these column names. The C core builds
    rows as its instances directly when the session's factory is
    named_tuple_factory (registered with ``_core.set_types(row_class=...)``),
    so the default costs no second object per row."""
    return make_namedtuple_class("Row", names)


def shape_rows(row_factory: Any, page: Any) -> List[Any]:
    """A _core.Page's rows for the program: as the core built them (None:
    named rows made by the core), else through the program's factory."""
    if row_factory is None or not page.rows:
        return page.rows
    return row_factory(page.column_names, page.rows)


def named_tuple_factory(colnames: Sequence[str], rows: List[tuple]) -> List[Any]:
    """Rows as named tuples: ``row.name``, ``row[0]``, ``row._asdict()``, ``row._fields``."""
    make = make_namedtuple_class("Row", tuple(colnames))._make
    return [make(r) for r in rows]


def tuple_factory(colnames: Sequence[str], rows: List[tuple]) -> List[tuple]:
    """Rows as plain tuples (no per-row work at all)."""
    return rows if isinstance(rows, list) else list(rows)


def dict_factory(colnames: Sequence[str], rows: List[tuple]) -> List[Dict[str, Any]]:
    """Rows as dicts keyed by column name."""
    names = tuple(colnames)
    return [dict(zip(names, r)) for r in rows]


def ordered_dict_factory(colnames: Sequence[str], rows: List[tuple]) -> List["OrderedDict[str, Any]"]:
    """Rows as OrderedDicts keyed by column name."""
    names = tuple(colnames)
    return [OrderedDict(zip(names, r)) for r in rows]
