"""Brief per-process caches for reference data read on every transition and changed rarely
(catalog categories and conditions, step limits, channels).

An answer is kept for ``ttl`` seconds. A save or delete in this process drops the cache at once
(connect :meth:`BriefCache.clear` to the model's ``post_save``/``post_delete``); other processes see the
change within ``ttl``. Errors are never cached: a question that failed is asked again next time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_all: list[BriefCache[Any]] = []


class BriefCache(Generic[T]):
    def __init__(self, name: str, ttl: float = 30.0, max_entries: int | None = None) -> None:
        self.name = name
        self.ttl = ttl
        # A bound for caches whose keys come from outside (tokens): past it, the cache starts over.
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        _all.append(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached answer for ``key``, or ``compute()`` (kept for ``ttl`` seconds)."""
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = compute()
        with self._lock:
            self._store(key, now, value)
        return value

    def get_many(
        self, keys: Iterable[Hashable], compute: Callable[[list[Hashable]], dict[Hashable, T]]
    ) -> dict[Hashable, T]:
        """The cached answers for ``keys``; the missing ones from one ``compute(missing)`` call."""
        now = time.monotonic()
        found: dict[Hashable, T] = {}
        missing = []
        for key in keys:
            hit = self._data.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                found[key] = hit[1]
            else:
                missing.append(key)
        if missing:
            computed = compute(missing)
            with self._lock:
                for key, value in computed.items():
                    self._store(key, now, value)
            found.update(computed)
        return found

    def peek(self, key: Hashable) -> T | None:
        """The answer kept for ``key`` if it is still fresh, else None (for callers that decide
        themselves which answers to keep, with :meth:`put`)."""
        hit = self._data.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def put(self, key: Hashable, value: T) -> None:
        """Keep ``value`` for ``key`` for ``ttl`` seconds from now."""
        with self._lock:
            self._store(key, time.monotonic(), value)

    def _store(self, key: Hashable, at: float, value: T) -> None:
        """Keep one answer (the caller holds the lock)."""
        if self.max_entries is not None and len(self._data) >= self.max_entries and key not in self._data:
            self._data.clear()
        self._data[key] = (at, value)

    def clear(self, **kwargs: Any) -> None:
        """Forget every answer (usable as a signal receiver)."""
        with self._lock:
            self._data.clear()


def clear_all() -> None:
    """Forget every brief cache of this process (tests call it between tests)."""
    for cache in _all:
        cache.clear()
