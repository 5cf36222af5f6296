"""Evaluation periods: a month (``2026-10``), a quarter (``2026-Q4``) or a year (``2026``).

A period runs from local midnight (Asia/Shanghai) on its first day to local midnight after its last
day; its facts are everything that happened in ``[start, end)``. Stored times stay in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

KIND_LABELS = {"month": "月度", "quarter": "季度", "year": "年度"}
FIRST_YEAR, LAST_YEAR = 1900, 2999
"""The years a period may fall in (year 0 or 9999 has no day before or after it to count from)."""


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year; ``key`` is how people and URLs write it."""

    kind: str
    first_day: dt.date
    last_day: dt.date

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        return f"{self.first_day.year}"

    @property
    def label(self) -> str:
        """The period in Chinese: 2026年10月, 2026年第4季度, 2026年度."""
        if self.kind == "month":
            return f"{self.first_day.year}年{self.first_day.month}月"
        if self.kind == "quarter":
            return f"{self.first_day.year}年第{(self.first_day.month - 1) // 3 + 1}季度"
        return f"{self.first_day.year}年度"

    @property
    def start(self) -> dt.datetime:
        """Local midnight at the start of the first day, as an aware datetime."""
        return _local_midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """Local midnight after the last day (exclusive end)."""
        return _local_midnight(self.last_day + dt.timedelta(days=1))

    def previous(self, count: int = 1) -> list[Period]:
        """The ``count`` periods of the same kind before this one, oldest first."""
        out: list[Period] = []
        current = self
        for _ in range(count):
            current = parse_period((current.first_day - dt.timedelta(days=1)).strftime("%Y-%m"), current.kind)
            out.append(current)
        return list(reversed(out))

    def __str__(self) -> str:
        return self.key


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def _month(year: int, month: int) -> Period:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", first, nxt - dt.timedelta(days=1))


def parse_period(text: str, kind: str | None = None) -> Period:
    """Read ``2026-10``, ``2026-Q4`` or ``2026``. With ``kind``, ``2026-10`` may also name the quarter
    or year containing that month (used to step back through periods of one kind)."""
    text = (text or "").strip()
    year_match = re.match(r"^(\d{4})", text)
    if year_match and not FIRST_YEAR <= int(year_match[1]) <= LAST_YEAR:
        raise ValidationError({"period": f"{text}: the year must be {FIRST_YEAR}–{LAST_YEAR}"})
    match = _MONTH.match(text)
    if match:
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValidationError({"period": f"{text}: the month must be 01–12"})
        if kind == "quarter":
            return _quarter(year, (month - 1) // 3 + 1)
        if kind == "year":
            return _year(year)
        return _month(year, month)
    match = _QUARTER.match(text)
    if match:
        return _quarter(int(match[1]), int(match[2]))
    match = _YEAR.match(text)
    if match:
        return _year(int(match[1]))
    raise ValidationError(
        {"period": f"{text!r} is not a period; write a month 2026-10, a quarter 2026-Q4 or a year 2026"}
    )


def _quarter(year: int, quarter: int) -> Period:
    first = dt.date(year, 3 * quarter - 2, 1)
    return Period("quarter", first, _month(year, 3 * quarter).last_day)


def _year(year: int) -> Period:
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def current_month(now: dt.datetime | None = None) -> Period:
    today = timezone.localdate(now or timezone.now())
    return _month(today.year, today.month)


def last_complete_month(now: dt.datetime | None = None) -> Period:
    """The most recent month that has ended (what a monthly evaluation normally covers)."""
    return current_month(now).previous(1)[0]
