"""Bind markers in CQL text: ``?``, ``:name``, ``%s`` and ``%(name)s``.

cassandra-driver interpolates ``%s``/``%(name)s`` values into the query text.
cqlio never does: it rewrites the markers into the server's own (``%s`` ->
``?``, ``%(name)s`` -> ``:name``), prepares the text and binds the values, so
a value can never become CQL. The scan knows CQL's lexical structure: a
marker inside a string literal ('...', $$...$$), a quoted identifier ("...")
or a comment (--, //, /* */) is text, not a marker.

Because the driver's interpolation used Python's %-formatting, ``%%`` outside
a literal stands for ``%`` (the modulo operator) when values are given.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

__all__ = ["Markers", "scan", "order_values"]

QMARK = "qmark"        # ? markers (positional)
NAMED = "named"        # :name markers, server-side names
FORMAT = "format"      # %s
PYFORMAT = "pyformat"  # %(name)s


class Markers(NamedTuple):
    """The rewritten text and what its markers need.

    style: None (no marker found), QMARK, FORMAT or PYFORMAT. ``positional``
    is the number of positional markers (?, %s); ``names`` are the %(name)s names in
    order of appearance (repeats kept)."""

    text: str
    style: Optional[str]
    positional: int
    names: Tuple[str, ...]


def _skip_quoted(q: str, i: int, quote: str) -> int:
    """Index after the literal that starts at q[i] (doubled quotes escape)."""
    n = len(q)
    i += 1
    while i < n:
        if q[i] == quote:
            if i + 1 < n and q[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n  # unterminated: the server will say so


def _skip_comment(q: str, i: int) -> int:
    """Index after a comment starting at q[i], or i when none starts there."""
    two = q[i:i + 2]
    if two in ("--", "//"):
        end = q.find("\n", i)
        return len(q) if end < 0 else end
    if two == "/*":
        end = q.find("*/", i + 2)
        return len(q) if end < 0 else end + 2
    return i


def scan(query: str, rewrite_percent: bool = True) -> Markers:
    """Finds the markers of ``query`` and rewrites the %-style ones.

    With ``rewrite_percent`` False (the query gets no values) the text is
    returned unchanged. ValueError for mixed styles, a malformed ``%(``
    marker or a ``%`` that is neither a marker nor ``%%``."""
    out: List[str] = []
    names: List[str] = []
    positional = 0
    styles = set()
    i = 0
    n = len(query)
    start = 0  # start of the text not yet copied to out
    while i < n:
        c = query[i]
        if c == "'" or c == '"':
            i = _skip_quoted(query, i, c)
            continue
        if c == "$" and query.startswith("$$", i):
            end = query.find("$$", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "-/":
            j = _skip_comment(query, i)
            if j != i:
                i = j
                continue
        if c == "?":
            styles.add(QMARK)
            positional += 1
        elif c == "%" and rewrite_percent:
            nxt = query[i + 1:i + 2]
            if nxt == "s":
                styles.add(FORMAT)
                positional += 1
                out.append(query[start:i])
                out.append("?")
                i += 2
                start = i
                continue
            if nxt == "%":
                out.append(query[start:i])
                out.append("%")
                i += 2
                start = i
                continue
            if nxt == "(":
                close = query.find(")", i + 2)
                name = query[i + 2:close] if close > 0 else ""
                if close < 0 or query[close + 1:close + 2] != "s" or not _is_name(name):
                    raise ValueError("malformed named marker at offset %d of the query: "
                                     "expected %%(name)s" % i)
                styles.add(PYFORMAT)
                names.append(name)
                out.append(query[start:i])
                out.append(":" + name)
                i = close + 2
                start = i
                continue
            raise ValueError("'%%' at offset %d of the query is not a marker: use %%s, "
                             "%%(name)s, ? or %%%% for a literal %%" % i)
        i += 1
    if len(styles) > 1:
        raise ValueError("the query mixes marker styles (%s); use one of ?, %%s, %%(name)s"
                         % ", ".join(sorted(styles)))
    style = styles.pop() if styles else None
    if out:
        out.append(query[start:])
        text = "".join(out)
    else:
        text = query
    return Markers(text, style, positional, tuple(names))


def _is_name(name: str) -> bool:
    return bool(name) and name.isidentifier() and name.isascii()


def order_values(markers: Markers, param_names: Sequence[str], values: Any) -> List[Any]:
    """The values in bind-marker order for a prepared statement whose markers
    the server reports as ``param_names``.

    Sequences must match the marker count. Mappings are matched by name:
    %(name)s names exactly as written, :name markers case-insensitively
    (the server lower-cases unquoted names); a missing name raises KeyError
    naming it, a name no marker has raises ValueError."""
    expected = len(param_names)
    if isinstance(values, Mapping):
        if markers.style in (QMARK, FORMAT):
            raise TypeError("the query uses positional markers (%s); pass a sequence of "
                            "values, not a %s" % ("?" if markers.style == QMARK else "%s",
                                                  type(values).__name__))
        if markers.style == PYFORMAT and len(markers.names) == expected:
            wanted = list(markers.names)
            lookup = dict(values)
        else:
            wanted = list(param_names)
            lookup = {}
            for k, v in values.items():
                lookup[k] = v
                lookup.setdefault(str(k).lower(), v)
        ordered = []
        for name in wanted:
            if name in lookup:
                ordered.append(lookup[name])
            elif name.lower() in lookup:
                ordered.append(lookup[name.lower()])
            else:
                raise KeyError("no value for bind marker %r: the parameters have %s"
                               % (name, sorted(map(str, values)) or "no names"))
        known = {n for n in wanted} | {n.lower() for n in wanted}
        extra = [k for k in values if k not in known and str(k).lower() not in known]
        if extra:
            raise ValueError("parameters %s match no bind marker of the query (markers: %s)"
                             % (sorted(map(str, extra)), list(dict.fromkeys(wanted))))
        return ordered
    if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Sequence) \
            and not hasattr(values, "__iter__"):
        raise TypeError("parameters must be a sequence (list or tuple) or a mapping, not %s"
                        % type(values).__name__)
    if markers.style == PYFORMAT:
        raise TypeError("the query uses named markers %%(name)s; pass a mapping, not a %s"
                        % type(values).__name__)
    seq = list(values)
    if len(seq) != expected:
        raise ValueError("the query has %d bind marker%s, %d value%s given"
                         % (expected, "" if expected == 1 else "s",
                            len(seq), "" if len(seq) == 1 else "s"))
    return seq
