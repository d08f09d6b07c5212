"""An LRU bounded by entries and by bytes, for the gateway's in-process caches.

Entries alone do not bound memory: a cache of 1,000 documents holds 1,000 × the largest
document the limits admit. Each cache says what an entry weighs (`sizeof`, an estimate
in bytes) and evicts the least recently used entries until both bounds hold.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

Value = TypeVar("Value")


class BoundedLRU(Generic[Value]):
    """At most `max_entries` entries weighing at most `max_bytes` together; an entry heavier
    than `max_bytes` on its own is not kept (it would evict everything else)."""

    def __init__(self, max_entries: int, max_bytes: int, sizeof: Callable[[Value], int]) -> None:
        self._entries: LRUCache[Hashable, Value] = LRUCache(maxsize=max_bytes, getsizeof=sizeof)
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: Hashable) -> Value | None:
        """The value (now the most recently used), or None."""
        return self._entries.get(key)

    def put(self, key: Hashable, value: Value) -> None:
        """Keep `value` as the most recently used, evicting the least recently used."""
        if self.max_entries < 1 or self._entries.getsizeof(value) > self.max_bytes:
            self._entries.pop(key, None)
            return
        self._entries[key] = value
        while len(self._entries) > self.max_entries:
            self._entries.popitem()

    @property
    def bytes(self) -> int:
        """The estimated weight of the entries kept."""
        return int(self._entries.currsize)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
