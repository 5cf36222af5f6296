"""Reference data compiled once per process and rebuilt when it changes, in every process.

The grid index, the routing rule set and the working calendars are expensive to build and read on
every report, so each process keeps a compiled copy. Whoever changes the underlying rows calls
:meth:`Versioned.bump` inside the same transaction: it moves the ``SharedVersion`` counter of that
data, so every process sees the new counter once the change commits and rebuilds its copy. A process
looks at the counter at most every ``recheck_seconds`` (one indexed read of one row); the process
that made the change forgets its copy at once.

This is for reference data only. Nothing that grants access (tokens, users, roles) is cached
between requests at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models import F

from .models import SharedVersion

T = TypeVar("T")


class Versioned(Generic[T]):
    """A process's compiled copy of the data named ``name``, built by ``build(version)``."""

    def __init__(self, name: str, build: Callable[[int], T], *, recheck_seconds: float = 2.0) -> None:
        self.name = name
        self.build = build
        self.recheck_seconds = recheck_seconds
        self._lock = threading.RLock()
        self._value: T | None = None
        self._version = -1
        self._checked_at = 0.0
        # (the changing transaction's marker, the version, the copy, when the version was read)
        self._tentative: tuple[object, int, T, float] | None = None

    def current_version(self) -> int:
        """The counter as the database has it now (0 before the first change)."""
        found = list(SharedVersion.objects.filter(name=self.name).values_list("counter", flat=True))
        return int(found[0]) if found else 0

    def get(self) -> T:
        """This process's copy, rebuilt if the counter moved since it was built."""
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked_at < self.recheck_seconds:
            return value
        changing = self._change_pending_here()
        if changing is not None:
            # Inside the transaction that changes the data: a copy built from what it sees is kept
            # for that transaction only (it may still roll back, and the counter with it).
            held = self._tentative
            if held is not None and held[0] is changing and now - held[3] < self.recheck_seconds:
                return held[2]
            version = self.current_version()
            if held is None or held[0] is not changing or held[1] != version:
                held = (changing, version, self.build(version), now)
            self._tentative = (changing, version, held[2], now)
            return held[2]
        with self._lock:
            version = self.current_version()
            if self._value is None or self._version != version:
                self._value = self.build(version)
                self._version = version
            self._checked_at = now
            return self._value

    def _change_pending_here(self) -> object | None:
        """The marker of this thread's open transaction if it moved the counter (the reset it queued
        for its commit), else None."""
        if not connection.in_atomic_block:
            return None
        # Django keeps (savepoint ids, callback, robust) for each on_commit callback.
        pending: list[Any] = list(connection.run_on_commit)
        return next((entry for entry in reversed(pending) if entry[1] == self.reset), None)

    def bump(self) -> None:
        """Tell every process the data changed. Call inside the transaction that changed it."""
        if not SharedVersion.objects.filter(name=self.name).update(counter=F("counter") + 1):
            SharedVersion.objects.get_or_create(name=self.name, defaults={"counter": 1})
        # Forget now (this process sees its own uncommitted rows) and again on commit, in case a
        # reader rebuilt the copy from the half-written state meanwhile.
        self.reset()
        transaction.on_commit(self.reset)

    def reset(self) -> None:
        """Forget this process's copy; the next read rebuilds it."""
        with self._lock:
            self._value = None
            self._version = -1
            self._checked_at = 0.0
            self._tentative = None

    def on_change(self, **kwargs: Any) -> None:
        """Signal receiver for saves and deletes of the underlying rows (admin forms, fixtures)."""
        if kwargs.get("raw"):
            return
        self.bump()
