"""``cityloop worker``: every minute the deadline sweep, and new notices from the outbox as they come.

``--once`` runs one sweep and exits, for tests and cron.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.notify.worker import Worker, run_sweep


def _now(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now {text!r} is not ISO 8601 with an offset") from None
    if value.tzinfo is None:
        raise CommandError("--now needs an offset, e.g. 2026-02-14T11:00+08:00")
    return value


class Command(BaseCommand):
    help = "Run the periodic deadline sweep (notices, lights, escalations) and deliver the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one sweep, then exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between sweeps (default: CITYLOOP_SWEEP_INTERVAL_SECONDS, 60)",
        )
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between checks for new notices")
        parser.add_argument("--worker-id", default=None, help="a unique name for this worker")
        parser.add_argument("--now", default=None, help="with --once: sweep as if it were this moment")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] > 1:
            logging.getLogger("cityloop").setLevel(logging.DEBUG)
        interval = options["interval"] or float(settings.CITYLOOP_SWEEP_INTERVAL_SECONDS)
        if interval <= 0 or options["poll"] <= 0:
            raise CommandError("--interval and --poll must be more than zero")
        worker = Worker(
            sweep_interval=interval, poll_interval=options["poll"], worker_id=options["worker_id"]
        )
        if options["once"]:
            result = run_sweep(_now(options["now"]))
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
            return
        if options["now"]:
            raise CommandError("--now only goes with --once")
        worker.install_signal_handlers()
        self.stdout.write(f"worker {worker.worker_id}: sweeping every {interval:g} s (Ctrl+C to stop)")
        worker.run()
