"""A small process-local memo for what follows from an expert's rules alone.

Its keys hold the rules cache's key (the expert's id, updated_at and time zone), so an entry made
before a change is never found again and simply ages out; nothing needs invalidating. Values are
shared between requests, so they must be immutable (tuples, strings, NamedTuples).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class BoundedMemo:
    """A thread-safe map that forgets its least recently used entries beyond max_entries."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
