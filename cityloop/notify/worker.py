"""``cityloop worker``: background jobs (django-tasks, database backend) and the periodic sweep.

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


def _tidy_connections() -> None:
    """Drop broken or expired connections between loops (never inside a transaction, as in tests)."""
    if not connection.in_atomic_block:
        close_old_connections()


class Worker:
    """The long-running loop: run ready jobs, deliver new notices promptly, sweep on schedule."""

    def __init__(
        self,
        *,
        sweep_interval: float,
        poll_interval: float = 1.0,
        run_tasks: bool = True,
        queue_names: list[str] | None = None,
        backend_name: str = "default",
        worker_id: str | None = None,
    ) -> None:
        self.sweep_interval = sweep_interval
        self.poll_interval = poll_interval
        self.run_tasks = run_tasks
        self.queue_names = queue_names or ["default"]
        self.backend_name = backend_name
        self.worker_id = worker_id or f"cityloop-{uuid.uuid4().hex[:16]}"
        self.running = True
        self._stop = threading.Event()
        self._task_runner: Any = None

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
                if self.run_tasks:
                    self.run_ready_tasks()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_interval
                    logger.debug("sweep: %s", run_sweep())
                else:
                    deliver(timezone.now())  # new notices go out within a poll, not a sweep
            except OperationalError:  # the database went away or is busy: try again next loop
                logger.exception("worker loop failed; retrying")
            _tidy_connections()
            self._stop.wait(self.poll_interval)

    def run_ready_tasks(self, limit: int = 20) -> int:
        """Run up to ``limit`` ready django-tasks jobs, claimed as django_tasks_db's own worker does."""
        from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
        from django_tasks_db.models import DBTaskResult
        from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

        if self._task_runner is None:
            self._task_runner = TaskWorker(
                queue_names=self.queue_names,
                interval=0,
                batch=True,
                backend_name=self.backend_name,
                startup_delay=False,
                max_tasks=None,
                worker_id=self.worker_id,
                excluded_queue_names=[],
            )
        done = 0
        while self.running and done < limit:
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if "*" not in self.queue_names:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            try:
                with exclusive_transaction(tasks.db):
                    result = tasks.get_locked()
                    if result is not None:
                        result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                result = None
            if result is None:
                return done
            self._task_runner.run_task(result)
            done += 1
        return done
