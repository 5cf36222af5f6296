"""Which calendar applies where, the per-process cache of compiled calendars, and the known range.

Each process compiles a calendar once (a few milliseconds) and keeps it until the calendar data
change: every write to calendars, days or loaded years moves the ``timeclock.calendars`` counter
(``cityloop.core.versioned``), and every process then compiles afresh.
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core.versioned import Versioned

from .models import DEFAULT_PERIODS, CalendarDay, CalendarYear, WorkCalendar, parse_hhmm

if TYPE_CHECKING:
    from cityloop.core.models import Unit

    from .schedule import Schedule


@dataclass
class _State:
    version: int
    national: dict[dt.date, str]
    known_from: dt.date | None
    known_until: dt.date | None
    from_package: bool
    default_id: int | None
    unit_calendars: dict[int, int]
    schedules: dict[int | None, Schedule]


_lock = threading.RLock()  # compiling one calendar into a shared state


def local_tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def known_range(years: list[int]) -> tuple[dt.date | None, dt.date | None]:
    """From 1 January of the first loaded year to 31 December of the last year of the unbroken run."""
    if not years:
        return None, None
    ordered = sorted(set(years))
    last = ordered[0]
    for year in ordered[1:]:
        if year != last + 1:
            break
        last = year
    return dt.date(ordered[0], 1, 1), dt.date(last, 12, 31)


def _load(version: int) -> _State:
    from .seed import package_days, package_years

    years = list(CalendarYear.objects.values_list("year", flat=True))
    national = dict(CalendarDay.objects.filter(calendar__isnull=True).values_list("date", "kind"))
    from_package = not years
    if from_package:
        # A database with no loaded year at all (just flushed): the packaged schedule stands in, so
        # deadlines never silently ignore the holidays. `cityloop calendar check` reports it.
        years = package_years()
        national = {d.date: d.kind for d in package_days()}
    known_from, known_until = known_range(years)
    calendars = list(WorkCalendar.objects.values_list("pk", "unit_id", "is_default"))
    return _State(
        version=version,
        national=national,
        known_from=known_from,
        known_until=known_until,
        from_package=from_package,
        default_id=next((pk for pk, _, is_default in calendars if is_default), None),
        unit_calendars={unit_id: pk for pk, unit_id, _ in calendars if unit_id is not None},
        schedules={},
    )


CALENDARS: Versioned[_State] = Versioned("timeclock.calendars", _load)


def current_version() -> int:
    return CALENDARS.current_version()


def bump_version() -> None:
    """Tell every process that calendar data changed. Call inside the transaction that changed them."""
    CALENDARS.bump()


def reset() -> None:
    """Forget this process's compiled calendars; the next computation recompiles them."""
    CALENDARS.reset()


def state() -> _State:
    """This process's calendar state, reloaded if the calendar data changed since."""
    return CALENDARS.get()


def _compile(st: _State, calendar_id: int | None) -> Schedule:
    from .schedule import Schedule

    cal = WorkCalendar.objects.filter(pk=calendar_id).first() if calendar_id is not None else None
    if cal is None:
        periods = [(parse_hhmm(a), parse_hhmm(b)) for a, b in DEFAULT_PERIODS]
        weekdays, follows, name, own = "12345", True, "standard", {}
    else:
        periods, weekdays, follows, name = cal.period_seconds(), cal.weekdays, cal.follow_holidays, cal.name
        own = dict(cal.days.values_list("date", "kind"))
    days = {**st.national, **own} if follows else own
    return Schedule(
        periods=periods,
        weekdays=weekdays,
        days=days,
        tz=local_tz(),
        follows_holidays=follows,
        known_from=st.known_from,
        known_until=st.known_until,
        calendar_id=cal.pk if cal else None,
        name=name,
        version=st.version,
    )


def get_schedule(calendar: WorkCalendar | int | None) -> Schedule:
    """The compiled calendar for a ``WorkCalendar`` or its id; None means the city default."""
    st = state()
    key: int | None = calendar.pk if isinstance(calendar, WorkCalendar) else calendar
    if key is None:
        key = st.default_id
    schedule = st.schedules.get(key)
    if schedule is None:
        with _lock:
            schedule = st.schedules.get(key)
            if schedule is None:
                schedule = st.schedules[key] = _compile(st, key)
    return schedule


def calendar_id_for_unit(unit: Unit | int | None) -> int | None:
    """The id of the calendar that applies to ``unit``: its own, else the nearest ancestor's, else the
    city default (None if there is no calendar row at all)."""
    st = state()
    if unit is None:
        return st.default_id
    if isinstance(unit, int):
        from cityloop.core.models import Unit

        path = Unit.objects.filter(pk=unit).values_list("path", flat=True).first() or f"/{unit}/"
    else:
        path = unit.path or f"/{unit.pk}/"
    for part in reversed([p for p in path.strip("/").split("/") if p]):
        found = st.unit_calendars.get(int(part))
        if found is not None:
            return found
    return st.default_id


def calendar_for_unit(unit: Unit | int | None) -> WorkCalendar | None:
    """The ``WorkCalendar`` that applies to ``unit`` (see :func:`calendar_id_for_unit`)."""
    pk = calendar_id_for_unit(unit)
    return WorkCalendar.objects.filter(pk=pk).first() if pk is not None else None


def calendar_status(today: dt.date | None = None) -> dict[str, Any]:
    """How far ahead the holiday schedule is known, with a warning under the configured margin."""
    st = state()
    today = today or timezone.localdate()
    margin = int(settings.CITYLOOP_CALENDAR_WARN_DAYS)
    result: dict[str, Any] = {
        "ok": True,
        "known_from": st.known_from.isoformat() if st.known_from else None,
        "known_until": st.known_until.isoformat() if st.known_until else None,
        "days_ahead": (st.known_until - today).days if st.known_until else 0,
        "margin": margin,
        "from_package": st.from_package,
    }
    warnings = []
    if st.from_package:
        warnings.append(
            "no holiday year is loaded in the database; using the packaged schedule (run migrate)"
        )
    if st.known_until is None or result["days_ahead"] < margin:
        next_year = (st.known_until.year + 1) if st.known_until else today.year
        warnings.append(
            f"the holiday calendar is known only until {result['known_until'] or 'no date'} "
            f"({max(result['days_ahead'], 0)} days ahead, fewer than {margin}); deadlines after it are "
            f"provisional. Load {next_year}'s schedule: cityloop calendar import FILE.csv"
        )
    if warnings:
        result["warning"] = "; ".join(warnings)
    return result


def warning_text(status: dict[str, Any]) -> str:
    """The warning of :func:`calendar_status` in the user's language (the status itself stays in
    English for the health check and the command line)."""
    parts = []
    if status.get("from_package"):
        parts.append(
            str(_("No holiday year is loaded in the database: the packaged schedule is used (run migrate)."))
        )
    if status.get("known_until") is None or status["days_ahead"] < status["margin"]:
        known = status.get("known_until")
        parts.append(
            str(
                _(
                    "The holiday calendar is known only until %(until)s (%(days)s days ahead, fewer than "
                    "%(margin)s); deadlines after it are provisional. Load the next year's schedule: "
                    "cityloop calendar import FILE.csv"
                )
            )
            % {"until": known or "—", "days": max(status["days_ahead"], 0), "margin": status["margin"]}
        )
    return " ".join(parts)
