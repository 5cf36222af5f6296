"""SQLite's WAL checkpoints, taken off the write path.

In WAL mode a commit only appends pages to the ``-wal`` file; now and then a *checkpoint* copies them
into the database file and syncs it. By default the connection whose commit crosses 1,000 pages does
that itself, inside the user's request: one transition in twenty then waits 10–30 ms. Here each
process that writes has a checkpointer thread with a connection of its own: every
``EVERY_COMMITS`` commits of an action it is woken and runs a PASSIVE checkpoint, which copies what
it can without waiting for (or blocking) readers and writers. The sqlite3 module lets go of the
interpreter lock while SQLite works, so the copy runs beside the next transitions.

SQLite's own automatic checkpoint stays on as a safety net, at ``SAFETY_PAGES`` (set by the
connection's ``init_command`` in the settings): a process that writes without actions (a shell, a
migration) still keeps the WAL bounded.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

EVERY_COMMITS = 20
SAFETY_PAGES = 10_000

_lock = threading.Lock()
_checkpointers: dict[str, _Checkpointer] = {}


class _Checkpointer(threading.Thread):
    def __init__(self, path: str) -> None:
        super().__init__(name=f"sqlite-checkpoint:{path}", daemon=True)
        self.path = path
        self.wanted = threading.Event()
        self.commits = 0
        self.done = 0  # checkpoints run (tests read it)

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self.wanted.wait()
                self.wanted.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # busy with another process's checkpoint: next time
                    log.debug("checkpoint of %s skipped: %s", self.path, error)
                self.done += 1
        finally:
            connection.close()


def committed(path: str) -> None:
    """An action committed to the SQLite database at ``path``; now and then, checkpoint it."""
    checkpointer = _checkpointers.get(path)
    if checkpointer is None or not checkpointer.is_alive():
        with _lock:
            checkpointer = _checkpointers.get(path)
            # A forked server worker inherits the dict but not the thread: it starts its own.
            if checkpointer is None or not checkpointer.is_alive():
                checkpointer = _checkpointers[path] = _Checkpointer(path)
                checkpointer.start()
    checkpointer.commits += 1
    if checkpointer.commits % EVERY_COMMITS == 0:
        checkpointer.wanted.set()


def checkpointer_for(path: str) -> _Checkpointer | None:
    return _checkpointers.get(path)
