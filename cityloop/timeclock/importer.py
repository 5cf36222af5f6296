"""Read a holiday schedule CSV (``date,kind,name``) such as the State Council's for a new year.

``kind`` is ``holiday`` (off), ``workday`` (a weekend day worked in lieu, 调休上班) or ``normal``;
the Chinese words 休/放假 and 班/上班/调休上班 are understood too. A header row is optional. Every
problem is reported with its line number and nothing is loaded until the whole file is right.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .models import DayKind

_KINDS = {
    "holiday": DayKind.HOLIDAY,
    "off": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "work": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "normal": DayKind.NORMAL,
}


@dataclass
class Parsed:
    days: list[tuple[dt.date, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({d[0].year for d in self.days})


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip().replace("/", "-"))


def parse_csv(text: str) -> Parsed:
    """The rows of a schedule CSV, or a ValidationError listing every bad line."""
    result, errors, seen = Parsed(), [], dict[dt.date, int]()
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "date":
            continue
        if len(cells) < 2:
            errors.append(f"line {number}: write date,kind,name (e.g. 2027-02-06,holiday,春节)")
            continue
        try:
            day = _date(cells[0])
        except ValueError:
            errors.append(f"line {number}: {cells[0]!r} is not a date as YYYY-MM-DD")
            continue
        kind = _KINDS.get(cells[1].lower())
        if kind is None:
            errors.append(f"line {number}: kind {cells[1]!r} is not holiday, workday or normal")
            continue
        if day in seen:
            errors.append(f"line {number}: {day} is already on line {seen[day]}")
            continue
        seen[day] = number
        name = cells[2] if len(cells) > 2 else ""
        if kind == DayKind.WORKDAY and day.isoweekday() <= 5:
            result.warnings.append(f"line {number}: {day} is a weekday; marking it worked changes nothing")
        result.days.append((day, kind.value, name[:50]))
    if errors:
        raise ValidationError(errors)
    if not result.days:
        raise ValidationError("the file holds no days; write date,kind,name lines")
    return result
