"""Memoisation for the model's recursive analyses, which follow values through cycles.

Dataflow through loops, recursive helpers and self-referencing assignments (`x = x + 1`) makes
an analysis ask about a value while it is still computing it; that inner question gets the
`on_cycle` answer (nothing more is known along that path) instead of recursing forever.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class RecursiveMemo(Generic[T]):
    def __init__(self, on_cycle: T) -> None:
        self._done: dict[Hashable, T] = {}
        self._active: set[Hashable] = set()
        self._on_cycle = on_cycle

    def __call__(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in self._done:
            return self._done[key]
        if key in self._active:
            return self._on_cycle
        self._active.add(key)
        try:
            value = compute()
        finally:
            self._active.discard(key)
        self._done[key] = value
        return value
