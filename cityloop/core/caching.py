"""Short-lived per-process memos of reference data (catalog rows, step limits, channels).

Reference data is read on every report and transition and changes rarely; each answer is kept for
``ttl`` seconds in a ``cachetools.TTLCache``. A save or delete in this process drops the memo at
once (connect :meth:`Memo.clear` to the model's ``post_save``/``post_delete``); other processes see
the change within ``ttl``. Errors are never kept. Nothing that grants access is memoised here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

T = TypeVar("T")

_all: list[Memo[Any]] = []


class Memo(Generic[T]):
    """Answers by key, each kept for ``ttl`` seconds (at most ``maxsize`` of them)."""

    def __init__(
        self,
        name: str,
        *,
        ttl: float = 30.0,
        maxsize: int = 4096,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._cache: TTLCache[Hashable, T] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()
        _all.append(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept answer for ``key``, or ``compute()`` (then kept)."""
        with self._lock:
            try:
                return self._cache[key]
            except KeyError:
                pass
        value = compute()
        with self._lock:
            self._cache[key] = value
        return value

    def clear(self, **kwargs: Any) -> None:
        """Forget every answer (usable as a signal receiver)."""
        with self._lock:
            self._cache.clear()


def clear_all() -> None:
    """Forget every memo of this process (tests call it between tests)."""
    for memo in _all:
        memo.clear()
