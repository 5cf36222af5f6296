"""``cityloop simulate --days 30 --per-day 300 --seed N``: a month of cases through the real actions.

``cityloop simulate --plant [--hotspots 2 --recurring 2 --no-bouncing] --days 365 --per-day 20``: a
simulated year written in bulk with known hotspots, recurring spots and a bouncing unit pair planted
in it (``cityloop.demo.planted``), then the analytics roll-ups rebuilt, to see the analyses find them."""

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
        parser.add_argument(
            "--plant", action="store_true", help="write a year in bulk with planted patterns for the analyses"
        )
        parser.add_argument("--hotspots", type=int, default=2, help="with --plant: grids made hot")
        parser.add_argument(
            "--recurring", type=int, default=2, help="with --plant: spots that keep coming back"
        )
        parser.add_argument("--no-bouncing", action="store_true", help="with --plant: no bouncing unit pair")

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
        if options["plant"]:
            self.plant(options)
            self.stdout.write(f"planted in {time.perf_counter() - started:.1f} s")
            return

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

    def plant(self, options: dict[str, Any]) -> None:
        from cityloop.analytics import rollup
        from cityloop.core.audit import system_actor
        from cityloop.demo.planted import PlantOptions, plant_history

        if not 0 <= options["hotspots"] <= 20 or not 0 <= options["recurring"] <= 20:
            raise CommandError("--hotspots and --recurring: between 0 and 20")
        plant = PlantOptions(
            hotspots=options["hotspots"],
            recurring=options["recurring"],
            bouncing=not options["no_bouncing"],
            per_day=options["per_day"],
            days=options["days"],
            seed=options["seed"],
        )
        try:
            planted = plant_history(plant, actor=system_actor())
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        rollup.rebuild()
        for line in planted.lines():
            self.stdout.write(line)
