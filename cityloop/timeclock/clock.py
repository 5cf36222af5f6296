"""All working-time arithmetic: deadlines, elapsed time, traffic lights. Nothing else counts time.

Every unit is turned into a *measure*, a count of microseconds that only grows while the unit's time
runs: real time for ``minute`` and ``hour``, wall-clock time for ``calendar_day``, and for the
working units the working time since 1 January 2000 on the calendar (:class:`Schedule`, in
:mod:`.schedule`). Adding an amount is then a sum in measure space and a step back to a moment;
pauses are intervals cut out of measure space. Integers throughout, so
``elapsed(start, add(start, n, u), u) == n`` exactly.
The semantics of each unit are spelled out in docs/timeclock.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from django.conf import settings
from django.core.exceptions import ValidationError

from . import calendars
from .schedule import Schedule
from .units import Light, TimeUnit

if TYPE_CHECKING:
    from .models import WorkCalendar


Number = int | float | Decimal
Pause = tuple[dt.datetime, dt.datetime | None] | Sequence[Any]
# A calendar as callers pass it: the row, its id, an already compiled one, or None for the default.
CalendarRef: TypeAlias = "WorkCalendar | int | Schedule | None"


class OnHold(ValueError):
    """A step on hold (an open pause before its deadline) has no deadline until it resumes."""


class Deadline(NamedTuple):
    """When a limit runs out, and how sure that is (a named tuple: cheap to make in bulk)."""

    at: dt.datetime
    provisional: bool
    calendar_id: int | None
    unit: TimeUnit
    amount: float
    start: dt.datetime
    known_until: dt.date | None = None
    calendar_version: int = 0

    @property
    def warning(self) -> str:
        if not self.provisional:
            return ""
        until = self.known_until.isoformat() if self.known_until else "no year"
        return (
            f"provisional: the holiday schedule is loaded only until {until}; days after it follow the "
            "weekday rule (load the new year's schedule with `cityloop calendar import`)"
        )


def schedule_for(calendar: CalendarRef) -> Schedule:
    """The compiled calendar: a ``WorkCalendar``, its id, or None for the city default."""
    if isinstance(calendar, Schedule):
        return calendar
    return calendars.get_schedule(calendar)


def _plus(a: Number, b: Number) -> Number:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(str(a)) + Decimal(str(b))
    return a + b


def _amount_us(amount: Number, unit_us: int) -> int:
    if isinstance(amount, int):
        return amount * unit_us
    if isinstance(amount, Decimal):
        return int((amount * unit_us).to_integral_value())
    return round(amount * unit_us)


def _pause_intervals(
    schedule: Schedule, pauses: Iterable[Pause], unit: TimeUnit, floor: int, open_end: int | None
) -> list[tuple[int, int | None]]:
    """Pause windows in measure space, clipped to start at ``floor``, sorted and merged."""
    intervals: list[tuple[int, int | None]] = []
    for window in pauses:
        start, end = window[0], window[1]
        a = max(schedule.measure(start, unit), floor)
        b = schedule.measure(end, unit) if end is not None else open_end
        if b is not None and b <= a:
            continue
        intervals.append((a, b))
    intervals.sort(key=lambda iv: iv[0])
    merged: list[tuple[int, int | None]] = []
    for a, b in intervals:
        if merged and (merged[-1][1] is None or a <= merged[-1][1]):
            last_a, last_b = merged[-1]
            merged[-1] = (last_a, None if b is None or last_b is None else max(last_b, b))
        else:
            merged.append((a, b))
    return merged


def _add(
    schedule: Schedule, start: dt.datetime, amount: Number, unit: TimeUnit, pauses: Iterable[Pause]
) -> dt.datetime:
    if amount < 0:
        raise ValidationError({"amount": "a time limit cannot be negative"})
    m0 = schedule.measure(start, unit)
    target = m0 + _amount_us(amount, schedule.unit_us(unit))
    for a, b in _pause_intervals(schedule, pauses, unit, m0, None) if pauses else ():
        if a >= target:
            break
        if b is None:
            raise OnHold("the step is on hold: its deadline is set again when it resumes")
        target += b - a
    if target == m0:
        return start.astimezone(schedule.tz)
    return schedule.moment(target, unit)


def add(
    start: dt.datetime,
    amount: Number,
    unit: TimeUnit | str,
    *,
    calendar: CalendarRef = None,
    pauses: Iterable[Pause] = (),
) -> dt.datetime:
    """The moment ``amount`` of ``unit`` after ``start``, not counting the ``pauses`` (hold windows).

    Raises :class:`OnHold` if a pause that starts before the deadline has no end yet.
    """
    return _add(schedule_for(calendar), start, amount, TimeUnit.parse(unit), pauses)


def deadline(
    start: dt.datetime,
    amount: Number,
    unit: TimeUnit | str,
    *,
    calendar: CalendarRef = None,
    pauses: Iterable[Pause] = (),
    extension: Number | None = None,
) -> Deadline:
    """When a step started at ``start`` with a limit of ``amount`` ``unit`` (plus an approved
    ``extension`` in the same unit) runs out, flagged provisional past the loaded holiday years."""
    schedule = schedule_for(calendar)
    time_unit = TimeUnit.parse(unit)
    total = _plus(amount, extension) if extension else amount
    at = _add(schedule, start, total, time_unit, pauses)
    provisional = False
    if schedule.follows_holidays and (
        time_unit is TimeUnit.WORKING_HOUR or time_unit is TimeUnit.WORKING_DAY
    ):
        provisional = not (
            schedule.is_known(start.astimezone(schedule.tz).date()) and schedule.is_known(at.date())
        )
    return Deadline(
        at,
        provisional,
        schedule.calendar_id,
        time_unit,
        float(total),
        start,
        schedule.known_until,
        schedule.version,
    )


def elapsed(
    start: dt.datetime,
    end: dt.datetime,
    unit: TimeUnit | str,
    *,
    calendar: CalendarRef = None,
    pauses: Iterable[Pause] = (),
) -> float:
    """How much of ``unit`` ran from ``start`` to ``end``, leaving out the ``pauses`` (an open pause
    runs to ``end``). Negative when ``end`` is before ``start``."""
    schedule = schedule_for(calendar)
    time_unit = TimeUnit.parse(unit)
    m0, m1 = schedule.measure(start, time_unit), schedule.measure(end, time_unit)
    used = m1 - m0
    if pauses and m1 > m0:
        for a, b in _pause_intervals(schedule, pauses, time_unit, m0, m1):
            if a >= m1:
                break
            used -= min(b if b is not None else m1, m1) - a
    return used / schedule.unit_us(time_unit)


def light(used_fraction: float) -> Light:
    """The traffic light for the share of a limit used: green, yellow from 80%, red over 100%
    (thresholds ``CITYLOOP_LIGHT_YELLOW_AT`` and ``CITYLOOP_LIGHT_RED_AT``)."""
    if used_fraction > settings.CITYLOOP_LIGHT_RED_AT:
        return Light.RED
    if used_fraction >= settings.CITYLOOP_LIGHT_YELLOW_AT:
        return Light.YELLOW
    return Light.GREEN


def used_fraction(
    started_at: dt.datetime,
    now: dt.datetime,
    amount: Number,
    unit: TimeUnit | str,
    *,
    calendar: CalendarRef = None,
    pauses: Iterable[Pause] = (),
) -> float:
    """The share of a limit of ``amount`` ``unit`` used between ``started_at`` and ``now``."""
    used = elapsed(started_at, now, unit, calendar=calendar, pauses=pauses)
    if amount <= 0:
        return float("inf") if used > 0 else 1.0
    return used / float(amount)


def light_for(
    started_at: dt.datetime,
    deadline: dt.datetime,
    now: dt.datetime,
    unit: TimeUnit | str,
    *,
    calendar: CalendarRef = None,
    pauses: Iterable[Pause] = (),
) -> Light:
    """The light at ``now`` of a step started at ``started_at`` that must end by ``deadline``."""
    pauses = list(pauses)
    limit = elapsed(started_at, deadline, unit, calendar=calendar, pauses=pauses)
    if limit <= 0:
        return Light.RED if now > deadline else Light.YELLOW
    return light(elapsed(started_at, now, unit, calendar=calendar, pauses=pauses) / limit)


def is_working_time(moment: dt.datetime, *, calendar: CalendarRef = None) -> bool:
    """Whether ``moment`` lies inside a working period of a working day."""
    return schedule_for(calendar).is_working_time(moment)


def is_working_day(day: dt.date, *, calendar: CalendarRef = None) -> bool:
    """Whether ``day`` is worked (holidays off, 调休 weekend days on)."""
    return schedule_for(calendar).is_working_day(day)
