"""``cityloop deadline --start 2026-02-13T16:00+08:00 --amount 4 --unit working_hour``

Prints the deadline as ISO 8601 in Asia/Shanghai. A deadline past the loaded holiday years is still
printed, with a warning on stderr that it is provisional.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.timeclock import calendars, clock
from cityloop.timeclock.models import WorkCalendar
from cityloop.timeclock.units import TimeUnit


def _moment(text: str, what: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{what}: {text!r} is not ISO 8601, e.g. 2026-02-13T16:00+08:00") from None
    # A time without an offset is read as local time (Asia/Shanghai), as people write it.
    return value if value.tzinfo else value.replace(tzinfo=calendars.local_tz())


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"--amount: {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise CommandError("--amount must be zero or more")
    return value


class Command(BaseCommand):
    help = "Compute a deadline on the working calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="ISO 8601, e.g. 2026-02-13T16:00+08:00")
        parser.add_argument("--amount", required=True, help="how many units, e.g. 4 or 1.5")
        parser.add_argument(
            "--unit", required=True, help=f"one of {', '.join(TimeUnit.values)} (or clock_hour)"
        )
        parser.add_argument("--extension", help="an approved extension, in the same unit")
        parser.add_argument(
            "--pause", action="append", default=[], metavar="START/END", help="a hold window; repeat for more"
        )
        parser.add_argument("--calendar", help="calendar name or id (default: the city default)")
        parser.add_argument("--json", action="store_true", help="print the deadline with its details as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _moment(options["start"], "--start")
        pauses = []
        for window in options["pause"]:
            if "/" not in window:
                raise CommandError(f"--pause {window!r}: write START/END")
            a, b = window.split("/", 1)
            pauses.append((_moment(a, "--pause"), _moment(b, "--pause")))
        calendar: WorkCalendar | None = None
        if options["calendar"]:
            ref = options["calendar"]
            calendar = WorkCalendar.objects.filter(name=ref).first() or (
                WorkCalendar.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
            )
            if calendar is None:
                raise CommandError(f"no calendar {ref!r}")
        try:
            found = clock.deadline(
                start,
                _amount(options["amount"]),
                options["unit"],
                calendar=calendar,
                pauses=pauses,
                extension=_amount(options["extension"]) if options["extension"] else None,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        at = found.at.astimezone(calendars.local_tz())
        if options["json"]:
            body = {
                "deadline": at.isoformat(),
                "provisional": found.provisional,
                "unit": found.unit.value,
                "amount": found.amount,
                "calendar_id": found.calendar_id,
                "known_until": found.known_until.isoformat() if found.known_until else None,
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False))
        else:
            self.stdout.write(at.isoformat())
        if found.provisional:
            self.stderr.write(self.style.WARNING(f"WARNING: {found.warning}"))
