"""A small LRU cache keyed by exact text: "lol", "+1" and copypasta are scored once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping


class LruCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        self._items: OrderedDict[str, Mapping[str, float]] = OrderedDict()

    def get(self, text: str) -> Mapping[str, float] | None:
        value = self._items.get(text)
        if value is not None:
            self._items.move_to_end(text)
        return value

    def put(self, text: str, value: Mapping[str, float]) -> None:
        if self.capacity == 0:
            return
        self._items[text] = value
        self._items.move_to_end(text)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
