"""``cityloop worker``: the periodic sweep and the delivery of the outbox.

The sweep runs every registered sweep function (the timeclock registers the one that turns lights
yellow and red and fires escalations; apps above may add theirs) and then delivers the outbox.
Everything a sweep does is idempotent and committed in short transactions, so a worker killed at
any point loses nothing: the next sweep (of this or another worker) finishes the work.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone

from cityloop.core.audit import request_context

from .delivery import deliver

logger = logging.getLogger("cityloop.worker")

Sweep = Callable[[dt.datetime], dict[str, Any]]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, sweep: Sweep) -> None:
    """Run ``sweep(now)`` on every sweep, before the outbox is delivered (call in ``AppConfig.ready``)."""
    _SWEEPS[name] = sweep


def run_sweep(now: dt.datetime | None = None) -> dict[str, Any]:
    """One full sweep at ``now`` (the current time by default): every registered sweep, then delivery."""
    now = now or timezone.now()
    results: dict[str, Any] = {}
    with request_context(f"sweep-{uuid.uuid4().hex[:12]}"):
        for name, sweep in _SWEEPS.items():
            try:
                results[name] = sweep(now)
            except Exception as exc:  # one failing sweep must not stop delivery or the others
                logger.exception("sweep %s failed", name)
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results["deliver"] = deliver(now)
    return results


def checkpoint_sqlite() -> None:
    """On SQLite, copy what the write-ahead log holds into the database file now, so that the
    server's requests seldom reach SQLite's automatic checkpoint (``wal_autocheckpoint``), which
    runs inside the request that crosses it and waits for the disk. PASSIVE: it takes what it can
    without waiting for, or holding up, readers and writers."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _tidy_connections() -> None:
    """Drop broken or expired connections between loops (never inside a transaction, as in tests)."""
    if not connection.in_atomic_block:
        close_old_connections()


class Worker:
    """The long-running loop: deliver new notices promptly, sweep on schedule."""

    def __init__(
        self, *, sweep_interval: float, poll_interval: float = 1.0, worker_id: str | None = None
    ) -> None:
        self.sweep_interval = sweep_interval
        self.poll_interval = poll_interval
        self.worker_id = worker_id or f"cityloop-{uuid.uuid4().hex[:16]}"
        self.running = True
        self._stop = threading.Event()

    def stop(self, signum: int | None = None, frame: Any = None) -> None:
        """Finish the current job or sweep, then leave (a second signal leaves at once)."""
        if not self.running:
            raise SystemExit(1)
        logger.info("worker %s stopping", self.worker_id)
        self.running = False
        self._stop.set()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.stop)

    def run(self, *, max_loops: int | None = None) -> None:
        logger.info("worker %s started (sweep every %ss)", self.worker_id, self.sweep_interval)
        next_sweep, loops = 0.0, 0
        while self.running and (max_loops is None or loops < max_loops):
            loops += 1
            _tidy_connections()
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_interval
                    logger.debug("sweep: %s", run_sweep())
                else:
                    deliver(timezone.now())  # new notices go out within a poll, not a sweep
                checkpoint_sqlite()
            except OperationalError:  # the database went away or is busy: try again next loop
                logger.exception("worker loop failed; retrying")
            _tidy_connections()
            self._stop.wait(self.poll_interval)
