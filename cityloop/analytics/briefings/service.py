"""Generating briefings: on demand (the command, the console's button, the API) and on the worker's
schedule. A briefing's figures and PDF are worked out outside any transaction, then stored and
delivered by the action ``store_briefing``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cityloop.core.audit import system_actor
from cityloop.core.models import Unit, UnitKind, User

from ..actions import store_briefing
from ..models import Briefing
from . import pdf
from .figures import figures
from .periods import BriefingPeriod, last_complete, period_of
from .sentences import evaluation_line, findings, overdue_line

# The worker writes last week's briefing on Monday, last month's on the 1st, once the roll-ups'
# hourly recount has settled the last day of the period.
SETTLE = dt.timedelta(hours=1)


def title_of(area: Unit, p: BriefingPeriod) -> str:
    kind = "周报" if p.kind == "weekly" else "月报"
    return f"{area.name}城市管理{p.label}运行{kind}"


def generate(
    kind: str, day: dt.date, area: Unit, *, actor: User, deliver: bool = True, now: dt.datetime | None = None
) -> Briefing:
    """Write (or write again) the briefing of ``kind`` for the period holding ``day`` over ``area``."""
    p = period_of(kind, day)
    figs = figures(area, p, now)
    lines = findings(figs)
    title = title_of(area, p)
    notes = [line for line in (overdue_line(figs), evaluation_line(figs)) if line]
    if figs["evaluation"] is None:
        notes.append(f"{p.last_day.year}年{p.last_day.month}月尚未开展综合评价。")
    body = pdf.render(title, p.label, figs, lines, notes)
    return store_briefing(
        actor=actor, area=area, period=p, title=title, findings=lines, figures=figs, pdf=body, deliver=deliver
    )


def had_cases(area: Unit, p: BriefingPeriod) -> bool:
    """Whether any case was reported in ``area`` during the period (an indexed look-up)."""
    from cityloop.cases.models import Case

    start = timezone.make_aware(dt.datetime.combine(p.first_day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(p.last_day + dt.timedelta(days=1), dt.time.min))
    cases = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
    if area.kind == UnitKind.DISTRICT:
        cases = cases.filter(district=area)
    else:
        cases = cases.filter(district__path__startswith=area.path)
    return cases.exists()


def scheduled_areas() -> list[Unit]:
    """The areas briefed on schedule: every active district (the city itself when it has none)."""
    today = timezone.localdate()
    districts = [
        u for u in Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("path") if u.is_active(today)
    ]
    return districts or list(Unit.objects.filter(kind=UnitKind.CITY).order_by("path"))


def due(now: dt.datetime) -> list[tuple[str, BriefingPeriod]]:
    """The periods whose briefing is due at ``now``: the last complete week and month, once their
    last day is settled."""
    local = timezone.localtime(now)
    out = []
    for kind in ("weekly", "monthly"):
        p = last_complete(kind, local.date())
        ended = timezone.make_aware(dt.datetime.combine(p.last_day + dt.timedelta(days=1), dt.time.min))
        if now >= ended + SETTLE:
            out.append((kind, p))
    return out


def sweep(now: dt.datetime) -> dict[str, Any]:
    """The worker's step: write each due briefing not written yet (registered in the app's ready)."""
    made = []
    for kind, p in due(now):
        for area in scheduled_areas():
            if Briefing.objects.filter(kind=kind, area=area, first_day=p.first_day).exists():
                continue
            if not had_cases(area, p):
                continue  # nothing happened there (a new city, a district not yet live): no briefing
            made.append(generate(kind, p.first_day, area, actor=system_actor(), now=now).pk)
    return {"briefings": len(made)}


GENERATORS = ("leader", "shift_leader")  # the roles that may have a briefing written on demand
AREA_KINDS = (UnitKind.CITY, UnitKind.DISTRICT)


def areas_for(user: Any) -> list[Unit]:
    """The areas (city, districts) ``user`` may have a briefing written for on demand."""
    from cityloop.core.permissions import jurisdiction

    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return []
    units = Unit.objects.all() if user.is_superuser else jurisdiction(user, GENERATORS)
    return list(units.filter(kind__in=AREA_KINDS).order_by("path"))
