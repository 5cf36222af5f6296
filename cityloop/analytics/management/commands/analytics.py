"""``cityloop analytics refresh [--rebuild]``: bring the analytics roll-ups up to date now (the
worker does it on every sweep), or drop and recount them from every case."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Refresh the analytics roll-ups (hourly and daily case counts); --rebuild recounts all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"], help="what to do")
        parser.add_argument("--rebuild", action="store_true", help="drop the roll-ups and recount every case")

    def handle(self, *args: Any, **options: Any) -> None:
        from cityloop.analytics import rollup

        result = rollup.rebuild() if options["rebuild"] else rollup.refresh(settle=True)
        self.stdout.write(
            f"{result['cases']} cases counted over {result['days']} days "
            f"(watermark: case {result['last_case_id']})"
        )
