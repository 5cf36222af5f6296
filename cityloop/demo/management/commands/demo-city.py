"""``cityloop demo-city --seed N [--if-empty] [--all-logins]``: build the demo city and print its logins.

``--if-empty`` builds only into a database without units (``make run`` uses it); either way the demo
logins are printed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit
from cityloop.demo.build import build_demo_city, demo_loaded
from cityloop.demo.districts import CITY_CODE
from cityloop.demo.people import DEMO_PASSWORD
from cityloop.demo.report import demo_logins, demo_summary, logins_table


class Command(BaseCommand):
    help = (
        "Build the demo city (a fictional city centre and two districts with their roads, grids, units "
        "and users) from a seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="same seed, same city (default 1)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but print the logins) if there are units"
        )
        parser.add_argument(
            "--all-logins", action="store_true", help="print every demo user, not the key ones"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        units = Unit.objects.count()
        if options["if_empty"] and units:
            self.stdout.write(f"The database already has {units} units; the demo city is not built again.")
            self._print_logins(options["all_logins"], demo_summary())
            return
        if demo_loaded():
            raise CommandError(
                f"the demo city is already loaded (unit {CITY_CODE} or one of its districts exists); "
                "use an empty database, or --if-empty to just print the logins"
            )
        started = time.monotonic()
        self.stdout.write(f"Building the demo city, seed {options['seed']} …")
        try:
            with request_context(None):
                city = build_demo_city(
                    options["seed"],
                    actor=system_actor(),
                    progress=not options["no_progress"],
                    say=lambda message: self.stdout.write(f"  {message}"),
                )
        except ValidationError as exc:
            raise CommandError(f"the demo city could not be built: {' '.join(exc.messages)}") from None
        self.stdout.write(f"Built in {time.monotonic() - started:.1f} s.")
        self._print_logins(options["all_logins"], city.summary)

    def _print_logins(self, everyone: bool, summary: dict[str, int]) -> None:
        logins = demo_logins(everyone)
        if not logins:
            self.stdout.write("No demo users in this database.")
            return
        self.stdout.write("")
        self.stdout.write(logins_table(logins))
        if summary:
            self.stdout.write("")
            self.stdout.write(" · ".join(f"{count} {name}" for name, count in summary.items()))
        if not everyone:
            self.stdout.write(
                f"Every demo user's password is {DEMO_PASSWORD}; "
                "`cityloop demo-city --if-empty --all-logins` lists them all."
            )
