"""The leaders' dashboard: today and this month at a glance (new, open, overdue, closed on time), by
street and by category, with ECharts charts fed from the numbers embedded in the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.cases.models import Case, CaseStep
from cityloop.cases.workflow import OPEN_STATES
from cityloop.catalog.models import Category, Kind
from cityloop.core.models import Unit

from . import labels
from .access import OVERSIGHT, roles_required, visible_cases

TOP_CATEGORIES = 10


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def on_time_closures(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Closed cases whose last disposal ended on time (cases closed without disposal count as on time
    when they never had a disposal step, e.g. self-handled ones)."""
    late = CaseStep.objects.filter(case=OuterRef("pk"), step="dispose", on_time=False)
    return qs.filter(state="closed").exclude(Exists(late))


def period_figures(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    new = cases.filter(reported_at__gte=start, reported_at__lt=end)
    closed = cases.filter(closed_at__gte=start, closed_at__lt=end)
    n_closed = closed.count()
    n_on_time = on_time_closures(closed).count()
    return {
        "new": new.count(),
        "closed": n_closed,
        "closed_on_time": n_on_time,
        "on_time_rate": round(100 * n_on_time / n_closed) if n_closed else 0,
    }


def by_street(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    return by_area(cases, "street_id", start, end, _("(no street)"))


def by_area(
    cases: QuerySet[Case], field: str, start: dt.datetime, end: dt.datetime, missing: str
) -> list[dict[str, Any]]:
    """New, closed, open and overdue cases per street or district (``field``), busiest first."""
    rows = (
        cases.filter(Q(reported_at__gte=start, reported_at__lt=end) | Q(state__in=OPEN_STATES))
        .order_by()
        .values(field)
        .annotate(
            new=Count("id", filter=Q(reported_at__gte=start, reported_at__lt=end)),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("id", filter=Q(state__in=OPEN_STATES, light="red")),
            closed=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        )
    )
    units = Unit.objects.in_bulk([r[field] for r in rows if r[field]])
    out = [{**r, "name": labels.named(units.get(r[field])) or missing} for r in rows]
    return sorted(out, key=lambda r: (-r["new"], r["name"]))


def by_category(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    rows = (
        cases.filter(reported_at__gte=start, reported_at__lt=end)
        .order_by()
        .values("category_id")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(state__in=OPEN_STATES, light="red")))
        .order_by("-n")[:TOP_CATEGORIES]
    )
    cats = Category.objects.in_bulk([r["category_id"] for r in rows if r["category_id"]])
    return [
        {
            **r,
            "name": f"{cats[r['category_id']].code} {labels.named(cats[r['category_id']])}"
            f" ({Kind(cats[r['category_id']].kind).label})"
            if r["category_id"] in cats
            else _("(not classified yet)"),
        }
        for r in rows
    ]


def daily(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> dict[str, list[Any]]:
    """New and closed cases per day of the month so far."""
    reported = dict(
        cases.filter(reported_at__gte=start, reported_at__lt=end)
        .annotate(day=TruncDate("reported_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
    )
    closed = dict(
        cases.filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(day=TruncDate("closed_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
    )
    days, day = [], timezone.localdate(start)
    last = timezone.localdate(end - dt.timedelta(seconds=1))
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=1)
    return {
        "days": [d.strftime("%m-%d") for d in days],
        "new": [reported.get(d, 0) for d in days],
        "closed": [closed.get(d, 0) for d in days],
    }


@roles_required(*OVERSIGHT)
def dashboard(request: HttpRequest) -> HttpResponse:
    cases = visible_cases(request)
    today = timezone.localdate()
    day_start, day_end = _start_of(today), _start_of(today + dt.timedelta(days=1))
    month_start = _start_of(today.replace(day=1))
    open_cases = cases.filter(state__in=OPEN_STATES)
    now_figures = {"open": open_cases.count(), "overdue": open_cases.filter(light="red").count()}
    streets = by_street(cases, month_start, day_end)
    # The city centre oversees several districts: each district's figures side by side.
    districts = by_area(cases, "district_id", month_start, day_end, "—")
    categories = by_category(cases, month_start, day_end)
    trend = daily(cases, month_start, day_end)
    charts = {
        "streets": {
            "names": [s["name"] for s in streets],
            "series": [
                {"name": _("New"), "data": [s["new"] for s in streets]},
                {"name": _("Closed"), "data": [s["closed"] for s in streets]},
                {"name": _("Open"), "data": [s["open"] for s in streets]},
                {"name": _("Overdue"), "data": [s["overdue"] for s in streets]},
            ],
        },
        "categories": {"names": [c["name"] for c in categories], "data": [c["n"] for c in categories]},
        "trend": {**trend, "labels": {"new": _("New"), "closed": _("Closed")}},
    }
    context = {
        "today": today,
        "now_figures": now_figures,
        "day": period_figures(cases, day_start, day_end),
        "month": period_figures(cases, month_start, day_end),
        "streets": streets,
        "districts": districts if len(districts) > 1 else [],
        "categories": categories,
        "charts": charts,
    }
    return render(request, "web/dashboard/page.html", context)
