"""Values kept by key within a budget of bytes, the least recently used going first: the
bodies of public pages (service.web.public.freshness) and the kept anonymous GraphQL answers
(service.web.kept_answers)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteBudget(Generic[K, V]):
    """At most `budget` bytes of values, as `size(key, value)` counts them."""

    def __init__(self, budget: int, size: Callable[[K, V], int]) -> None:
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._size = size
        self.budget = budget
        self.kept_bytes = 0

    def get(self, key: K) -> V | None:
        """The value kept under `key` (now the most recently used), or None."""
        value = self._kept.get(key)
        if value is not None:
            self._kept.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key` in place of any other; one larger than the whole budget is
        not kept, and the least recently used go until the rest fits."""
        size = self._size(key, value)
        if size > self.budget:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self.kept_bytes -= self._size(key, old)
        self._kept[key] = value
        self.kept_bytes += size
        while self.kept_bytes > self.budget:
            dropped_key, dropped = self._kept.popitem(last=False)
            self.kept_bytes -= self._size(dropped_key, dropped)

    def __len__(self) -> int:
        return len(self._kept)
