"""``cityloop simulate --days 30 --per-day 300 --seed N``: a month of cases through the real actions."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.models import Role, User
from cityloop.demo.simulate import simulate


class Command(BaseCommand):
    help = "Drive the demo city through simulated days of reports, dispatches, disposals and checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--per-day", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if cases exist already")

    def handle(self, *args: Any, **options: Any) -> None:
        from cityloop.cases.models import Case

        if options["days"] < 1 or options["per_day"] < 1:
            raise CommandError("--days and --per-day must be at least 1")
        if not User.objects.filter(memberships__role=Role.DISPATCHER).exists():
            raise CommandError("no demo city here: run `cityloop demo-city --seed N` first")
        if options["if_empty"] and Case.objects.exists():
            self.stdout.write(f"{Case.objects.count()} cases already here; not simulating again")
            return
        started = time.perf_counter()

        def progress(day: dt.date, count: int) -> None:
            self.stdout.write(f"  {day:%Y-%m-%d}: {count} reports", ending="\r")
            self.stdout.flush()

        report = simulate(
            days=options["days"], per_day=options["per_day"], seed=options["seed"], progress=progress
        )
        elapsed = time.perf_counter() - started
        self.stdout.write("")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"simulated in {elapsed:.1f} s ({report.cases / max(elapsed, 1e-9):.1f} cases/s)")
