"""``cityloop calendar import FILE | check | seed | show YYYY-MM``: the holiday schedule from the shell."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from cityloop.core.audit import request_context, system_actor
from cityloop.timeclock import calendars, clock
from cityloop.timeclock.calendar_actions import import_calendar_days, seed_from_package
from cityloop.timeclock.importer import parse_csv
from cityloop.timeclock.models import CalendarDay, WorkCalendar


def _calendar(ref: str | None) -> WorkCalendar | None:
    if not ref:
        return None
    found = WorkCalendar.objects.filter(name=ref).first()
    if found is None and ref.isdigit():
        found = WorkCalendar.objects.filter(pk=int(ref)).first()
    if found is None:
        names = ", ".join(WorkCalendar.objects.values_list("name", flat=True)) or "none"
        raise CommandError(f"no calendar {ref!r}; calendars: {names}")
    return found


class Command(BaseCommand):
    help = "Load, check and show the working calendar (holidays and 调休 days)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        imp = sub.add_parser("import", help="load a date,kind,name CSV (kind: holiday, workday, normal)")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--calendar", help="load into this calendar's own days instead of the national schedule"
        )
        imp.add_argument(
            "--partial", action="store_true", help="do not mark the file's years as fully loaded"
        )
        imp.add_argument("--dry-run", action="store_true", help="check the file and say what would change")
        sub.add_parser("check", help="how far ahead the calendar is known; warns under the margin")
        seed = sub.add_parser("seed", help="(re)load the years the chinesecalendar package knows")
        seed.add_argument("--years", type=int, nargs="*", help="only these years")
        show = sub.add_parser("show", help="print a month: which days are worked")
        show.add_argument("month", help="YYYY-MM")
        show.add_argument("--calendar")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            getattr(self, f"_{options['op']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"no file {path}")
        try:
            parsed = parse_csv(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise CommandError("the file was not loaded:\n  " + "\n  ".join(exc.messages)) from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from None
        for warning in parsed.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["dry_run"]:
            self.stdout.write(
                f"{len(parsed.days)} days for {parsed.years} are fine (dry run: nothing loaded)"
            )
            return
        counts = import_calendar_days(
            actor=system_actor(),
            days=parsed.days,
            calendar=_calendar(options["calendar"]),
            mark_years=not options["partial"],
            source=f"csv:{path.name}",
        )
        self.stdout.write(
            f"loaded {path.name}: {counts['created']} new, {counts['updated']} changed, "
            f"{counts['unchanged']} unchanged; years marked loaded: {counts['years'] or 'none'}"
        )
        self._check({})

    def _check(self, options: dict[str, Any]) -> None:
        status = calendars.calendar_status()
        self.stdout.write(
            f"holiday schedule known {status['known_from']} – {status['known_until']} "
            f"({status['days_ahead']} days ahead)"
        )
        if status.get("warning"):
            self.stderr.write(self.style.WARNING(f"WARNING: {status['warning']}"))

    def _seed(self, options: dict[str, Any]) -> None:
        try:
            counts = seed_from_package(actor=system_actor(), years=options["years"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"seeded {counts['years']}: {counts['created']} new, {counts['updated']} changed")

    def _show(self, options: dict[str, Any]) -> None:
        try:
            year, month = (int(p) for p in options["month"].split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            raise CommandError("give the month as YYYY-MM, e.g. 2026-02") from None
        calendar = _calendar(options.get("calendar"))
        schedule = clock.schedule_for(calendar)
        last = first.replace(day=pycalendar.monthrange(year, month)[1])
        names = dict(
            CalendarDay.objects.filter(date__range=(first, last))
            .filter(Q(calendar__isnull=True) | Q(calendar=calendar))
            .order_by("calendar_id")  # national first, so a calendar's own name wins
            .values_list("date", "name")
        )
        self.stdout.write(f"{schedule.name}, {first:%Y-%m} (W = worked, . = off, ? = not yet known)")
        for day in range(1, last.day + 1):
            date = first.replace(day=day)
            mark = "W" if schedule.is_working_day(date) else "."
            unknown = "" if schedule.is_known(date) else " ?"
            self.stdout.write(f"{date} {date:%a} {mark}{unknown} {names.get(date, '')}".rstrip())
