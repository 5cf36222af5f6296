"""Writes to the working-time calendar data, each a domain action: calendars, days, loaded years and
escalation rules edited by administrators, CSV imports of new years, and seeding from the package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User

from . import calendars
from .models import CalendarDay, CalendarYear, EscalationRule, WorkCalendar
from .seed import SOURCE, package_days, package_years

CalendarObject = WorkCalendar | CalendarDay | CalendarYear | EscalationRule


@domain_action
def save_calendar_object(*, actor: User, obj: CalendarObject) -> CalendarObject:
    """Save a calendar, calendar day, loaded year or escalation rule edited by an administrator."""
    label = obj._meta.model_name
    before = snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else None
    if isinstance(obj, EscalationRule) and obj.pk:
        obj.version += 1
    obj.full_clean()
    obj.save()
    record(actor, f"{label}.save", obj, before=before, after=snapshot(obj))
    calendars.bump_version()
    return obj


@domain_action
def delete_calendar_object(*, actor: User, obj: CalendarObject) -> None:
    """Delete a calendar, calendar day, loaded year or escalation rule."""
    record(actor, f"{obj._meta.model_name}.delete", obj, before=snapshot(obj))
    obj.delete()
    calendars.bump_version()


@domain_action
def import_calendar_days(
    *,
    actor: User,
    days: Iterable[tuple[dt.date, str, str]],
    calendar: WorkCalendar | None = None,
    mark_years: bool = True,
    source: str = "csv",
) -> dict[str, Any]:
    """Load (date, kind, name) rows into the national schedule, or into ``calendar``'s own days.
    Existing rows for those dates are replaced. With ``mark_years``, each year in the rows is marked
    as fully loaded (national schedule only). One audit entry with the counts."""
    rows, source = list(days), source[:60]
    existing = {
        d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__in=[r[0] for r in rows])
    }
    created = updated = unchanged = 0
    for date, kind, name in rows:
        day = existing.get(date)
        if day is None:
            CalendarDay.objects.create(calendar=calendar, date=date, kind=kind, name=name, source=source)
            created += 1
        elif (day.kind, day.name) != (kind, name):
            day.kind, day.name, day.source = kind, name, source
            day.save(update_fields=["kind", "name", "source"])
            updated += 1
        else:
            unchanged += 1
    years = sorted({r[0].year for r in rows}) if mark_years and calendar is None else []
    for year in years:
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": source, "loaded_at": timezone.now()}
        )
    counts = {"created": created, "updated": updated, "unchanged": unchanged, "years": years}
    record(
        actor,
        "calendar.import",
        calendar,
        object_type="timeclock.calendarday",
        object_id=calendar.pk if calendar else "national",
        object_repr=f"{len(rows)} days from {source}",
        after=counts,
    )
    calendars.bump_version()
    return counts


@domain_action
def seed_from_package(*, actor: User, years: list[int] | None = None) -> dict[str, Any]:
    """Load the national schedule of ``years`` (all it knows by default) from ``chinesecalendar``."""
    known = package_years()
    wanted = [y for y in (years or known) if y in known]
    missing = sorted(set(years or []) - set(known))
    if missing:
        span = f"{known[0]}–{known[-1]}"
        raise ValidationError(
            {"years": f"chinesecalendar knows {span} only; import {missing} from a CSV instead"}
        )
    days = [(d.date, d.kind, d.name) for d in package_days(wanted)]
    return import_calendar_days(actor=actor, days=days, source=SOURCE)
