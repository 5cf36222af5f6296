"""``cityloop analytics refresh [--rebuild]``: bring the analytics roll-ups up to date now (the
worker does it on every sweep), or drop and recount them from every case.

``cityloop analytics export --out FILE [--format csv|parquet] [--from --to --category --channel
--resolution --user]``: the open-data export of anonymised cases (see docs/analytics.md); with
``--user``, only the cases that user may export."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Refresh the analytics roll-ups (--rebuild recounts all), or export anonymised cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "export"], help="what to do")
        parser.add_argument("--rebuild", action="store_true", help="drop the roll-ups and recount every case")
        parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
        parser.add_argument("--out", help="file to write ('-' for standard output, CSV only)")
        parser.add_argument("--from", dest="start", help="first local day YYYY-MM-DD (default: 30 days ago)")
        parser.add_argument("--to", dest="end", help="last local day YYYY-MM-DD (default: today)")
        parser.add_argument("--category", help="class or subclass code")
        parser.add_argument("--channel", help="channel code")
        parser.add_argument("--resolution", type=int, choices=[7, 8, 9], default=8, help="H3 resolution")
        parser.add_argument("--user", help="export only what this user (a leader or administrator) may")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.export(options)
            return
        from cityloop.analytics import rollup

        result = rollup.rebuild() if options["rebuild"] else rollup.refresh(settle=True)
        self.stdout.write(
            f"{result['cases']} cases counted over {result['days']} days "
            f"(watermark: case {result['last_case_id']}); {result.get('closings', 0)} closings written, "
            f"{result.get('open', 0)} open cases in the backlog"
        )

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
