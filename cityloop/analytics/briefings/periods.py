"""The periods briefings cover: a week (Monday to Sunday) or a calendar month, in local days, each
compared with the period of the same kind just before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS = ("weekly", "monthly")


@dataclass(frozen=True)
class BriefingPeriod:
    kind: str
    first_day: dt.date
    last_day: dt.date
    prev_first: dt.date
    prev_last: dt.date

    @property
    def label(self) -> str:
        """The period in Chinese: 2026年11月, or 2026年第48周（11月23日—11月29日）."""
        if self.kind == "monthly":
            return f"{self.first_day.year}年{self.first_day.month}月"
        year, week, _ = self.first_day.isocalendar()
        return (
            f"{year}年第{week}周（{self.first_day.month}月{self.first_day.day}日—"
            f"{self.last_day.month}月{self.last_day.day}日）"
        )

    @property
    def name(self) -> str:
        return "周" if self.kind == "weekly" else "月"


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_of(kind: str, day: dt.date) -> BriefingPeriod:
    """The period of ``kind`` that holds ``day``."""
    if kind == "weekly":
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=6)
        return BriefingPeriod(kind, first, last, first - dt.timedelta(days=7), first - dt.timedelta(days=1))
    if kind == "monthly":
        first = _month_start(day)
        last = _month_start(first + dt.timedelta(days=31)) - dt.timedelta(days=1)
        prev_last = first - dt.timedelta(days=1)
        return BriefingPeriod(kind, first, last, _month_start(prev_last), prev_last)
    raise ValueError(f"kind: one of {', '.join(KINDS)}")


def last_complete(kind: str, today: dt.date) -> BriefingPeriod:
    """The latest period of ``kind`` that ended before ``today``."""
    current = period_of(kind, today)
    return period_of(kind, current.first_day - dt.timedelta(days=1))
