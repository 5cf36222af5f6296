"""Writers' turns on SQLite, handed over by the kernel instead of by sleeping.

SQLite lets one writer in at a time; the others poll, sleeping 1, 2, 5, 10, 25 … ms between tries, so
two server processes writing small transactions spend much of their time asleep while the database
is free. A domain action that opens a write transaction first takes an exclusive ``flock`` on a file
beside the database: a waiting process wakes the moment the other commits. Threads of one process
queue on a lock of their own first (a ``flock`` is held per open file, not per thread).

Only the outermost action takes a turn, and only outside any transaction the caller opened (one
already holding SQLite's lock must not wait for a turn: that could deadlock). PostgreSQL locks rows,
so there it is a no-op, and so is an in-memory database. After each turn the process's
checkpointer (:mod:`cityloop.core.checkpoint`) is told of the commit.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from . import checkpoint

_thread_lock = threading.Lock()
_files: dict[str, int] = {}


def _lock_fd(db_path: str) -> int:
    fd = _files.get(db_path)
    if fd is None:
        fd = os.open(f"{db_path}-writelock", os.O_RDWR | os.O_CREAT, 0o644)
        _files[db_path] = fd
    return fd


def _database_file() -> str | None:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return name


@contextmanager
def write_turn() -> Iterator[None]:
    """Hold this process's (and thread's) turn to write to the SQLite database for the block."""
    path = _database_file()
    if path is None:
        yield
        return
    with _thread_lock:
        fd = _lock_fd(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    checkpoint.committed(path)
