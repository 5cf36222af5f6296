"""Trends (趋势): cases per category class, street or channel, week over week (环比) and year over
year (同比), with the days of the national holiday calendar marked (a holiday week is quieter, a
调休 weekend busier: read a dip against the calendar before reading it as an improvement).

"A year ago" is the same weekdays 52 weeks (364 days) earlier, so a Monday is compared with a
Monday. Everything is read from the daily roll-up (``DailyCount`` levels ``class``, ``street`` and
``channel``; the day totals from the hour-of-week rows, which count every case once)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum

from cityloop.cases.models import Channel
from cityloop.catalog.models import Category
from cityloop.core.models import Unit
from cityloop.timeclock.models import CalendarDay

from .models import CHANNEL, CLASS, HOW, DailyCount

DIMENSIONS = {"category": CLASS, "street": "street", "channel": CHANNEL}
YEAR = dt.timedelta(days=364)  # 52 weeks: the same weekday a year before
WEEK = dt.timedelta(days=7)
MAX_WEEKS = 53


def change(now: int, before: int) -> float | None:
    """The relative change from ``before`` to ``now`` (0.25: a quarter more); none from zero."""
    return round((now - before) / before, 4) if before else None


def holidays(first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The national calendar's holidays and worked weekend days (调休) between two days."""
    rows = CalendarDay.objects.filter(calendar__isnull=True, date__gte=first, date__lte=last).exclude(
        kind="normal"
    )
    return [
        {"date": d, "kind": kind, "name": name} for d, kind, name in rows.values_list("date", "kind", "name")
    ]


def _names(by: str, keys: list[str]) -> dict[str, dict[str, str]]:
    ids = [int(k) for k in keys if k.isdigit()]
    found: Any
    if by == "category":
        found = Category.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    elif by == "channel":
        found = Channel.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    else:
        found = Unit.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    return {str(pk): {"code": code, "name": name} for pk, code, name in found}


def _weekly(daily: dict[dt.date, int], first: dt.date, weeks: int) -> list[int]:
    return [sum(daily.get(first + dt.timedelta(days=7 * w + d), 0) for d in range(7)) for w in range(weeks)]


def trends(
    rows: QuerySet[DailyCount], *, by: str, last: dt.date, weeks: int = 12, limit: int = 30
) -> dict[str, Any]:
    """Weekly cases per ``by`` (category | street | channel) in the ``weeks`` weeks ending on ``last``
    (a local day, included), from ``rows`` (the daily roll-up, already restricted to the user), with
    the week-over-week and year-over-year changes and the holidays of both periods."""
    level = DIMENSIONS[by]
    first = last - dt.timedelta(days=7 * weeks - 1)
    ago_first, ago_last = first - YEAR, last - YEAR
    periods = Q(day__gte=first, day__lte=last) | Q(day__gte=ago_first, day__lte=ago_last)
    rows = rows.filter(periods).order_by()
    per_place: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for day, place, n in rows.filter(level=level).values_list("day", "place").annotate(n=Sum("n")):
        per_place[place][day] = n
    total: dict[dt.date, int] = dict(rows.filter(level=HOW).values_list("day").annotate(n=Sum("n")))
    this_week, previous_week = last - dt.timedelta(days=6), last - dt.timedelta(days=13)

    def figures(daily: dict[dt.date, int]) -> dict[str, Any]:
        weekly = _weekly(daily, first, weeks)
        year_ago = _weekly(daily, ago_first, weeks)
        now = weekly[-1]
        before = (
            weekly[-2]
            if weeks > 1
            else sum(daily.get(previous_week + dt.timedelta(days=d), 0) for d in range(7))
        )
        then = year_ago[-1]
        return {
            "this_week": now,
            "previous_week": before,
            "wow": change(now, before),
            "last_year": then,
            "yoy": change(now, then),
            "period": sum(weekly),
            "period_last_year": sum(year_ago),
            "period_yoy": change(sum(weekly), sum(year_ago)),
            "weekly": weekly,
            "weekly_last_year": year_ago,
        }

    names = _names(by, list(per_place))
    groups = [
        {"key": place, **names.get(place, {"code": place, "name": place}), **figures(daily)}
        for place, daily in per_place.items()
    ]
    groups.sort(key=lambda g: (-g["this_week"], -g["period"], g["code"]))
    days = [first + dt.timedelta(days=i) for i in range(7 * weeks)]
    return {
        "by": by,
        "weeks": weeks,
        "from": first,
        "to": last,
        "this_week_from": this_week,
        "last_year_from": ago_first,
        "last_year_to": ago_last,
        "week_starts": [first + dt.timedelta(days=7 * w) for w in range(weeks)],
        "days": days,
        "total": [total.get(d, 0) for d in days],
        "total_last_year": [total.get(d - YEAR, 0) for d in days],
        "summary": figures(total),
        "holidays": holidays(first, last),
        "holidays_last_year": holidays(ago_first, ago_last),
        "groups": groups[:limit],
    }
