"""``cityloop analytics refresh [--rebuild]``: bring the analytics roll-ups up to date now (the
worker does it on every sweep), or drop and recount them from every case.

``cityloop analytics export --out FILE [--format csv|parquet] [--from --to --category --channel
--resolution --user]``: the open-data export of anonymised cases (see docs/analytics.md); with
``--user``, only the cases that user may export.

``cityloop analytics briefing --kind weekly|monthly [--day YYYY-MM-DD] [--area CODE] [--no-deliver]``:
write a briefing (专报) now, as the worker does every Monday and every 1st (default: the last
complete period, every district)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Refresh the roll-ups (--rebuild recounts all), export anonymised cases, or write a briefing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "export", "briefing"], help="what to do")
        parser.add_argument("--rebuild", action="store_true", help="drop the roll-ups and recount every case")
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--out", help="file to write ('-' for standard output, CSV only)")
        parser.add_argument("--from", dest="start", help="first local day YYYY-MM-DD (default: 30 days ago)")
        parser.add_argument("--to", dest="end", help="last local day YYYY-MM-DD (default: today)")
        parser.add_argument("--category", help="class or subclass code")
        parser.add_argument("--channel", help="channel code")
        parser.add_argument("--resolution", type=int, choices=[7, 8, 9], default=8, help="H3 resolution")
        parser.add_argument("--user", help="export only what this user (a leader or administrator) may")
        parser.add_argument("--kind", choices=["weekly", "monthly"], default="weekly", help="briefing: which")
        parser.add_argument("--day", help="briefing: any day of the period (default: the last complete one)")
        parser.add_argument("--area", help="briefing: code of the city or district (default: every district)")
        parser.add_argument("--no-deliver", action="store_true", help="briefing: keep it, send no notice")
        parser.add_argument("--as", dest="as_user", help="briefing: the user the audit log names")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.export(options)
            return
        if options["action"] == "briefing":
            self.briefing(options)
            return
        from cityloop.analytics import rollup

        result = rollup.rebuild() if options["rebuild"] else rollup.refresh(settle=True)
        self.stdout.write(
            f"{result['cases']} cases counted over {result['days']} days "
            f"(watermark: case {result['last_case_id']}); {result.get('closings', 0)} closings written, "
            f"{result.get('open', 0)} open cases in the backlog"
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

    def export(self, options: dict[str, Any]) -> None:
        from cityloop.analytics import filters, opendata
        from cityloop.cases.models import Case
        from cityloop.core.models import User

        if not options["out"]:
            raise CommandError("--out: give the file to write")
        try:
            f = filters.parse(
                start=options["start"],
                end=options["end"],
                category=options["category"],
                channel=options["channel"],
            )
        except filters.BadFilter as exc:
            raise CommandError(exc.message) from None
        cases = Case.objects.all()
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None or not opendata.may_export(user):
                raise CommandError(
                    f"--user: {options['user']!r} may not export (a leader or administrator may)"
                )
            cases = opendata.exportable(user)
        rows = opendata.Rows(cases, f, options["resolution"])
        if options["format"] == "parquet":
            if options["out"] == "-":
                raise CommandError("--out: Parquet needs a file")
            if not opendata.parquet_available():
                raise CommandError("--format parquet needs pyarrow (pip install pyarrow)")
            n = opendata.write_parquet(rows, options["out"])
        elif options["out"] == "-":
            n = self.write_csv(rows, sys.stdout)
        else:
            with open(options["out"], "w", encoding="utf-8", newline="") as out:
                n = self.write_csv(rows, out)
        self.stderr.write(f"{n} cases written")

    @staticmethod
    def write_csv(rows: Any, out: Any) -> int:
        from cityloop.analytics import opendata

        n = -1  # the header
        for text in opendata.csv_lines(rows):
            out.write(text)
            n += text.count("\n")
        return n
