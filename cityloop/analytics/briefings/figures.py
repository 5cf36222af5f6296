"""The figures a briefing is written from, for one area and period, compared with the period before
it (the week or month before). Counts come from the roll-ups (hourly and daily), hotspots from
``hotspots``, recurrence from ``recurrence``, the overdue units from the open cases' light, and the
evaluation standing from the month's evaluation run. Everything is plain JSON (dates as text): the
figures are stored beside the PDF and read again by the API."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from cityloop.cases.models import Case, Channel
from cityloop.catalog.models import Category
from cityloop.core.models import Unit, UnitKind
from cityloop.geo.models import Grid

from .. import filters as analytics_filters
from ..bigscreen import red_units_of
from ..hotspots import Source, hotspots
from ..models import HOW, Closing, DailyCount, HourlyCount
from ..recurrence import recurrence
from ..rollup import day_bounds
from ..scope import territory_under
from .periods import BriefingPeriod

TOP_SUBCLASSES = 8
CONCENTRATED = 3  # subclasses whose place of concentration is looked up
RECURRENCE_DAYS = 30
YEAR = dt.timedelta(days=364)  # 52 weeks: a week a year before starts on the same weekday
HOTSPOT_ROWS = 5


def area_rows(area: Unit) -> tuple[Source, QuerySet[Case]]:
    """The roll-ups and cases of ``area`` (a city, district or street), unrestricted: a briefing is
    written by the system for the area's leaders."""
    territory = territory_under([area.path])
    source = Source(DailyCount.objects.filter(territory), HourlyCount.objects.filter(territory))
    if area.kind == UnitKind.CITY:
        cases = Case.objects.filter(district__path__startswith=area.path)
    elif area.kind == UnitKind.DISTRICT:
        cases = Case.objects.filter(district=area)
    else:
        cases = Case.objects.filter(Q(street=area) | Q(community=area))
    return source, cases


def _pct(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


def _hours(p: BriefingPeriod) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The UTC instants the previous period starts, this one starts, and this one ends."""
    return day_bounds(p.prev_first)[0], day_bounds(p.first_day)[0], day_bounds(p.last_day)[1]


def _by(rows: QuerySet[HourlyCount], column: str, split: dt.datetime) -> dict[Any, tuple[int, int]]:
    """Per value of ``column``: (cases in this period, cases in the one before)."""
    now = Q(hour__gte=split)
    found = rows.values_list(column).annotate(
        now=Sum("n", filter=now, default=0), before=Sum("n", filter=~now, default=0)
    )
    return {key: (a, b) for key, a, b in found}


def daily(source: Source, first: dt.date, last: dt.date) -> list[list[Any]]:
    """[day, cases] for every day of the period (each case once: the hour-of-week rows)."""
    counts = dict(
        source.daily.filter(level=HOW, day__gte=first, day__lte=last)
        .order_by()
        .values_list("day")
        .annotate(n=Sum("n"))
    )
    out, day = [], first
    while day <= last:
        out.append([day.isoformat(), int(counts.get(day, 0))])
        day += dt.timedelta(days=1)
    return out


def _concentration(rows: QuerySet[HourlyCount], category: int, start: dt.datetime) -> dict[str, Any]:
    """Where one subclass's cases of the period were: the street with most of them, its share, and
    the grid with most."""
    mine = rows.filter(category_id=category, hour__gte=start)
    total = mine.aggregate(n=Sum("n"))["n"] or 0
    street = (
        mine.filter(street_id__isnull=False)
        .values_list("street_id")
        .annotate(n=Sum("n"))
        .order_by("-n")
        .first()
    )
    grid = (
        mine.filter(grid_id__isnull=False).values_list("grid_id").annotate(n=Sum("n")).order_by("-n").first()
    )
    out: dict[str, Any] = {"street": "", "street_share": 0.0, "grid": "", "grid_n": 0}
    if street and total:
        unit = Unit.objects.filter(pk=street[0]).values_list("name", flat=True).first() or ""
        out.update(street=unit, street_share=round(100 * street[1] / total, 1))
    if grid:
        g = Grid.objects.filter(pk=grid[0]).values_list("name", "code").first()
        out.update(grid=(g[0] or g[1]) if g else "", grid_n=grid[1])
    return out


def categories(source: Source, p: BriefingPeriod) -> dict[str, Any]:
    """Cases per subclass and per class, this period and the one before; where the biggest movers
    were concentrated."""
    prev_start, start, end = _hours(p)
    rows = (
        source.hourly.filter(hour__gte=prev_start, hour__lt=end).filter(category_id__isnull=False).order_by()
    )
    per_sub = _by(rows, "category_id", start)
    cats = Category.objects.select_related("parent").in_bulk(list(per_sub))
    subs = []
    classes: dict[int, list[Any]] = defaultdict(lambda: ["", "", 0, 0])
    for pk, (now, before) in per_sub.items():
        cat = cats.get(pk)
        if cat is None:
            continue
        parent = cat.parent or cat
        entry = classes[parent.pk]
        entry[0], entry[1] = parent.code, parent.name
        entry[2] += now
        entry[3] += before
        subs.append(
            {
                "pk": pk,
                "code": cat.code,
                "name": cat.name,
                "class_name": parent.name,
                "n": now,
                "prev": before,
                "change": _pct(now, before),
            }
        )
    subs.sort(key=lambda s: (-s["n"], s["code"]))
    # The biggest movers (by cases gained or lost) are looked up for where they were concentrated.
    movers = sorted(subs, key=lambda s: -abs(s["n"] - s["prev"]))[:CONCENTRATED]
    for s in movers:
        s.update(_concentration(rows, s["pk"], start))
    shown = subs[:TOP_SUBCLASSES] + [m for m in movers if m not in subs[:TOP_SUBCLASSES]]
    return {
        "subclasses": [{k: v for k, v in s.items() if k != "pk"} for s in shown],
        "classes": sorted(
            (
                {"code": c, "name": name, "n": n, "prev": b, "change": _pct(n, b)}
                for c, name, n, b in classes.values()
            ),
            key=lambda c: -c["n"],
        ),
    }


def channels(source: Source, p: BriefingPeriod) -> list[dict[str, Any]]:
    prev_start, start, end = _hours(p)
    per = _by(source.hourly.filter(hour__gte=prev_start, hour__lt=end).order_by(), "channel_id", start)
    names = dict(Channel.objects.filter(pk__in=list(per)).values_list("pk", "name"))
    rows = [{"name": names.get(pk, ""), "n": a, "prev": b} for pk, (a, b) in per.items()]
    return sorted(rows, key=lambda r: -r["n"])


def hot(source: Source, p: BriefingPeriod) -> dict[str, Any]:
    f = analytics_filters.parse(start=p.first_day.isoformat(), end=p.last_day.isoformat(), today=p.last_day)
    result = hotspots(source, f, HOTSPOT_ROWS)
    return {
        "significant": result["significant"],
        "spots": [
            {"name": s["name"], "count": s["count"], "expected": s["expected"]}
            for s in result["spots"]
            if s["significant"]
        ],
    }


def recurring(closings: QuerySet[Closing], p: BriefingPeriod) -> dict[str, Any]:
    """Recurrence of the period's closings, from the closings' roll-up (``Closing``)."""
    f = analytics_filters.parse(start=p.first_day.isoformat(), end=p.last_day.isoformat(), today=p.last_day)
    rec = recurrence(closings, f, days=RECURRENCE_DAYS, spot="grid", limit=3)
    streets = [s for s in rec["streets"] if s["closed"] >= 10 and s["recurring"]][:3]
    return {
        "days": RECURRENCE_DAYS,
        "closed": rec["closed"],
        "recurring": rec["recurring"],
        "rate": round(100 * rec["recurring"] / rec["closed"], 1) if rec["closed"] else 0.0,
        "spots": [
            {"name": s["name"], "category_name": s["category_name"], "recurring": s["recurring"]}
            for s in rec["spots"]
        ],
        "streets": [
            {"name": s["name"], "rate": round(100 * s["rate"], 1), "recurring": s["recurring"]}
            for s in streets
        ],
    }


def last_year(source: Source, p: BriefingPeriod) -> int:
    """Cases in the same period a year before: the same weekdays 52 weeks earlier for a week, the
    same calendar month for a month."""
    if p.kind == "weekly":
        first, last = p.first_day - YEAR, p.last_day - YEAR
    else:
        first = p.first_day.replace(year=p.first_day.year - 1)
        last = period_of_month(first)
    rows = source.daily.filter(level=HOW, day__gte=first, day__lte=last)
    return int(rows.aggregate(n=Sum("n"))["n"] or 0)


def period_of_month(first: dt.date) -> dt.date:
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def holiday_names(p: BriefingPeriod) -> list[str]:
    """The national holidays falling in the period (a quieter week is read against them)."""
    from cityloop.analytics.trends import holidays

    names: list[str] = []
    for day in holidays(p.first_day, p.last_day):
        if day["kind"] == "holiday" and day["name"] and day["name"] not in names:
            names.append(day["name"])
    return names


def evaluation(area: Unit, p: BriefingPeriod) -> dict[str, Any] | None:
    """The streets' standing in the month's evaluation (the briefing's month, or the month its last
    day falls in) over a run of the area or an area around it; None when the month has no run."""
    from cityloop.evaluation.models import EvaluationRun, Score

    key = f"{p.last_day:%Y-%m}"
    ancestors = [int(x) for x in area.path.strip("/").split("/") if x]
    run = (
        EvaluationRun.objects.filter(period=key)
        .filter(Q(scope=area) | Q(scope_id__in=ancestors))
        .order_by("-scope__depth")
        .first()
    )
    if run is None:
        return None
    scores = list(
        Score.objects.filter(run=run, subject="street", ranked=True, unit__path__startswith=area.path)
        .exclude(index=None)
        .order_by("rank", "-index")
        .values_list("label", "index", "grade", "rank")
    )

    def one(row: tuple[Any, ...]) -> dict[str, Any]:
        return {"name": row[0], "index": float(row[1]), "grade": row[2], "rank": row[3]}

    return {
        "period": key,
        "label": f"{p.last_day.year}年{p.last_day.month}月",
        "status": run.status,
        "ranked": len(scores),
        "first": one(scores[0]) if scores else None,
        "last": one(scores[-1]) if scores else None,
        "table": [one(s) for s in scores[:15]],
    }


def figures(area: Unit, p: BriefingPeriod, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every figure of the briefing of ``area`` for the period ``p``."""
    now = now or timezone.now()
    source, cases = area_rows(area)
    days = daily(source, p.first_day, p.last_day)
    prev_days = daily(source, p.prev_first, p.prev_last)
    total, prev_total = sum(n for _, n in days), sum(n for _, n in prev_days)
    return {
        "kind": p.kind,
        "area": area.name,
        "first_day": p.first_day.isoformat(),
        "last_day": p.last_day.isoformat(),
        "prev_first": p.prev_first.isoformat(),
        "prev_last": p.prev_last.isoformat(),
        "total": total,
        "prev_total": prev_total,
        "change": _pct(total, prev_total),
        "daily": days,
        "prev_daily": prev_days,
        "channels": channels(source, p),
        **categories(source, p),
        "hotspots": hot(source, p),
        "recurrence": recurring(Closing.objects.filter(territory_under([area.path])), p),
        "last_year": last_year(source, p),
        "holidays": holiday_names(p),
        "red_units": red_units_of(cases, limit=5),
        "evaluation": evaluation(area, p),
        "generated_at": timezone.localtime(now).isoformat(),
    }
