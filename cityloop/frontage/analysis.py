"""Where and when frontage problems recur: the cases handed to parties first, by hour of the week
(local time), by street and by party, with how many the parties put right themselves.

Every function takes a queryset of self-corrections already restricted to what the caller may see,
so the console and the API share one reading.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import CorrectionState, SelfCorrection

MAX_ROWS = 200_000  # an hour-of-week grid over more than this reads only the latest rows
COUNTS = {
    "cases": Count("id"),
    "fixed": Count("id", filter=Q(state=CorrectionState.FIXED)),
    "declined": Count("id", filter=Q(state=CorrectionState.DECLINED)),
    "expired": Count("id", filter=Q(state=CorrectionState.EXPIRED)),
}


def in_period(qs: QuerySet[SelfCorrection], since: dt.date, until: dt.date) -> QuerySet[SelfCorrection]:
    """The cases handed over from day ``since`` up to and including ``until`` (local days)."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return qs.filter(opened_at__gte=start, opened_at__lt=end)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def hour_of_week(qs: QuerySet[SelfCorrection]) -> list[list[int]]:
    """7 × 24 counts: [Monday … Sunday][0 … 23 h], local time."""
    grid = [[0] * 24 for _ in range(7)]
    tz = timezone.get_current_timezone()
    for opened in qs.order_by("-opened_at").values_list("opened_at", flat=True)[:MAX_ROWS]:
        local = opened.astimezone(tz)
        grid[local.weekday()][local.hour] += 1
    return grid


def by_street(qs: QuerySet[SelfCorrection]) -> list[dict[str, Any]]:
    """Per street: cases, fixed, declined, expired and the self-correction rate, most cases first."""
    rows = (
        qs.values("street_id", "street__code", "street__name")
        .annotate(**COUNTS)
        .order_by("-cases", "street__code")
    )
    return [
        {
            "street": r["street__code"],
            "street_name": r["street__name"],
            "cases": r["cases"],
            "fixed": r["fixed"],
            "declined": r["declined"],
            "expired": r["expired"],
            "self_correction_rate": rate(r["fixed"], r["cases"]),
        }
        for r in rows
    ]


def by_party(qs: QuerySet[SelfCorrection], limit: int = 20) -> list[dict[str, Any]]:
    """The parties with the most cases (where problems recur), with what they did about them."""
    rows = (
        qs.values("party_id", "party__uscc", "party__name", "street__name")
        .annotate(**COUNTS)
        .order_by("-cases", "party__uscc")[:limit]
    )
    return [
        {
            "party": r["party__uscc"],
            "name": r["party__name"],
            "street_name": r["street__name"],
            "cases": r["cases"],
            "fixed": r["fixed"],
            "declined": r["declined"],
            "expired": r["expired"],
            "self_correction_rate": rate(r["fixed"], r["cases"]),
        }
        for r in rows
    ]


def by_category(qs: QuerySet[SelfCorrection]) -> list[dict[str, Any]]:
    rows = (
        qs.values("category_code", "category_name")
        .annotate(cases=Count("id"))
        .order_by("-cases", "category_code")
    )
    return [
        {"category": r["category_code"], "name": r["category_name"], "cases": r["cases"]} for r in rows[:50]
    ]


def summary(qs: QuerySet[SelfCorrection]) -> dict[str, Any]:
    totals = qs.aggregate(**COUNTS)
    return {**totals, "self_correction_rate": rate(totals["fixed"], totals["cases"])}
