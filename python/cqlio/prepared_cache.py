"""A bounded LRU of prepared statements, per core session.

Queries with values are prepared transparently (cqlio never interpolates
values into CQL). The C core already caches by keyspace and text, but asking
it still costs a future and a trip through the event loop; this cache answers
repeated texts without either. Bounded, so a program that builds query texts
dynamically cannot grow it without limit.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional


class PreparedCache:
    def __init__(self, maxsize: int = 512) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._entries: "OrderedDict[str, Any]" = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> Optional[Any]:
        prepared = self._entries.get(text)
        if prepared is None:
            self.misses += 1
            return None
        self._entries.move_to_end(text)
        self.hits += 1
        return prepared

    def put(self, text: str, prepared: Any) -> None:
        self._entries[text] = prepared
        self._entries.move_to_end(text)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, text: object) -> bool:
        return text in self._entries
