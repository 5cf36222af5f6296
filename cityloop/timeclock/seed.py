"""The national holiday schedule as the ``chinesecalendar`` package knows it (2004 up to its last year).

Used by the data migration that seeds the calendar and by ``cityloop calendar seed``; pure functions,
no database, so the migration can use them with historical models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

# The package names holidays in English; people here read them in Chinese.
_CHINESE_NAMES: dict[str, str] = {h.value: h.chinese for h in chinese_calendar.Holiday}

SOURCE = f"chinese_calendar {chinese_calendar.__version__}"


@dataclass(frozen=True, slots=True)
class ScheduleDay:
    date: dt.date
    kind: str  # "holiday" or "workday" (a weekend day worked in lieu)
    name: str


def package_years() -> list[int]:
    """Every year the package knows completely (it raises for later years)."""
    dates = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return list(range(min(dates).year, max(dates).year + 1))


def package_days(years: list[int] | None = None) -> list[ScheduleDay]:
    """The holidays and the days worked in lieu of the given years (all known years by default)."""
    wanted = set(years if years is not None else package_years())
    days = [
        ScheduleDay(d, "holiday", _CHINESE_NAMES.get(name, name))
        for d, name in chinese_calendar.holidays.items()
        if d.year in wanted
    ]
    days += [
        ScheduleDay(d, "workday", f"{_CHINESE_NAMES.get(name, name)}调休上班")
        for d, name in chinese_calendar.workdays.items()
        if d.year in wanted
    ]
    return sorted(days, key=lambda day: day.date)
