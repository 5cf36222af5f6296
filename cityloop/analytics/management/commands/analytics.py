"""``cityloop analytics refresh [--rebuild]``: bring the analytics roll-ups up to date now (the
worker does it on every sweep), or drop and recount them from every case.

``cityloop analytics briefing --kind weekly|monthly [--day YYYY-MM-DD] [--area CODE] [--no-deliver]``:
write a briefing (专报) now, as the worker does every Monday and every 1st (default: the last
complete period, every district)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Refresh the analytics roll-ups (--rebuild recounts all), or write a briefing (专报) now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "briefing"], help="what to do")
        parser.add_argument("--rebuild", action="store_true", help="drop the roll-ups and recount every case")
        parser.add_argument("--kind", choices=["weekly", "monthly"], default="weekly", help="briefing: which")
        parser.add_argument("--day", help="briefing: any day of the period (default: the last complete one)")
        parser.add_argument("--area", help="briefing: code of the city or district (default: every district)")
        parser.add_argument("--no-deliver", action="store_true", help="briefing: keep it, send no notice")
        parser.add_argument("--as", dest="as_user", help="briefing: the user the audit log names")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "briefing":
            self.briefing(options)
            return
        from cityloop.analytics import rollup

        result = rollup.rebuild() if options["rebuild"] else rollup.refresh(settle=True)
        self.stdout.write(
            f"{result['cases']} cases counted over {result['days']} days "
            f"(watermark: case {result['last_case_id']})"
        )

    def briefing(self, options: dict[str, Any]) -> None:
        from cityloop.analytics.briefings.periods import last_complete
        from cityloop.analytics.briefings.service import generate, scheduled_areas
        from cityloop.core.audit import command_actor
        from cityloop.core.models import Unit

        kind = options["kind"]
        if options["day"]:
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError("--day: give a date as YYYY-MM-DD") from None
        else:
            day = last_complete(kind, timezone.localdate()).first_day
        if options["area"]:
            area = Unit.objects.filter(code=options["area"], kind__in=["city", "district"]).first()
            if area is None:
                raise CommandError(f"--area: no city or district {options['area']!r}")
            areas = [area]
        else:
            areas = scheduled_areas()
        actor = command_actor(options["as_user"])
        for area in areas:
            b = generate(kind, day, area, actor=actor, deliver=not options["no_deliver"])
            self.stdout.write(f"{b.title}: {len(b.pdf):,} bytes, sent to {b.recipients} leaders (id {b.pk})")
            for line in b.findings:
                self.stdout.write(f"  {line}")
