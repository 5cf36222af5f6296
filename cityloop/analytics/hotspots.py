"""Hotspots: places whose cases in a period are unusual for that place, not merely many.

A place's expectation comes from its own history: its daily rate over the 12 weeks before the period
(fewer when the roll-ups hold less), times the period's length. The count's surprise is the Poisson
upper tail P(X ≥ count); across all places at once the p-values are held to a 5 % false discovery
rate (Benjamini–Hochberg), and a spot is significant when it is a discovery with at least
``MIN_COUNT`` cases. Everything is read from the roll-ups, never the cases: all cases from the daily
one (``DailyCount``), one category's or channel's from the hourly one (``HourlyCount``)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import h3
from django.db.models import Min, Q, QuerySet, Sum
from django.utils import timezone

from cityloop.core.models import Unit
from cityloop.geo.models import Grid

from .filters import Filters
from .models import HOW, DailyCount, HourlyCount
from .rollup import day_bounds
from .stats import benjamini_hochberg, poisson_upper_tail, z_score

HISTORY_DAYS = 84  # twelve weeks
MIN_HISTORY_DAYS = 7  # with less, there is no expectation to compare against
MIN_COUNT = 3
FDR = 0.05
SMOOTHING = 0.5  # added to a history's count: a place never seen is not expected at exactly zero


@dataclass
class Spot:
    place: str
    count: int
    history: int
    expected: float | None
    p_value: float | None
    q_value: float | None
    z: float | None
    significant: bool


COLUMN = {
    "grid": "grid_id",
    "community": "community_id",
    "street": "street_id",
    "h3_8": "h3_8",
    "h3_9": "h3_9",
}


@dataclass(frozen=True)
class Source:
    """The roll-ups a user may see: the daily and the hourly one, both already restricted."""

    daily: QuerySet[DailyCount]
    hourly: QuerySet[HourlyCount]


def _narrowed(filters: Filters) -> bool:
    return bool(filters.subclasses or filters.channel)


def _hourly(rows: QuerySet[HourlyCount], filters: Filters) -> QuerySet[HourlyCount]:
    if filters.subclasses:
        rows = rows.filter(category_id__in=filters.subclasses)
    if filters.channel:
        rows = rows.filter(channel_id=filters.channel.pk)
    return rows.order_by()


def history_start(filters: Filters) -> tuple[dt.date, int]:
    """The first day of the history the period is compared with, and its length in days (clipped to
    the first day the roll-ups hold)."""
    wanted = filters.start - dt.timedelta(days=HISTORY_DAYS)
    first = DailyCount.objects.aggregate(first=Min("day"))["first"]
    begin = max(wanted, first) if first else filters.start
    return begin, max(0, (filters.start - begin).days)


def score(counts: dict[str, tuple[int, int]], days: int, history_days: int) -> list[Spot]:
    """Spots from each place's (count in the period, count in its history), most significant first."""
    spots = []
    for place, (now, before) in counts.items():
        if now <= 0:
            continue
        if history_days < MIN_HISTORY_DAYS:
            spots.append(Spot(place, now, before, None, None, None, None, False))
            continue
        expected = (before + SMOOTHING) * days / history_days
        spots.append(
            Spot(
                place,
                now,
                before,
                expected,
                poisson_upper_tail(now, expected),
                None,
                z_score(now, expected),
                False,
            )
        )
    tested = [s for s in spots if s.p_value is not None]
    for spot, q in zip(tested, benjamini_hochberg([s.p_value or 1.0 for s in tested]), strict=True):
        spot.q_value = q
        spot.significant = q < FDR and spot.count >= MIN_COUNT and spot.count > (spot.expected or 0)
    spots.sort(
        key=lambda s: (not s.significant, s.p_value if s.p_value is not None else 1.0, -s.count, s.place)
    )
    return spots


def place_counts(source: Source, filters: Filters, begin: dt.date) -> dict[str, tuple[int, int]]:
    """Per place of the level: (cases in the period, cases in the history before it)."""
    if _narrowed(filters):
        start, end, first = (day_bounds(d)[0] for d in (filters.start, filters.end, begin))
        period = Q(hour__gte=start)
        column = COLUMN[filters.level]
        rows = _hourly(source.hourly, filters).filter(hour__gte=first, hour__lt=end).exclude(**{column: None})
        found = rows.values_list(column).annotate(
            now=Sum("n", filter=period, default=0), before=Sum("n", filter=~period, default=0)
        )
        return {str(place): (now, before) for place, now, before in found if place not in (None, "")}
    period = Q(day__gte=filters.start)
    daily = (
        source.daily.filter(level=filters.level, day__gte=begin, day__lt=filters.end)
        .order_by()
        .values_list("place")
        .annotate(now=Sum("n", filter=period, default=0), before=Sum("n", filter=~period, default=0))
    )
    return {place: (now, before) for place, now, before in daily}


def hour_of_week(source: Source, filters: Filters) -> list[list[int]]:
    """Cases per hour of the week in the period: seven rows (Monday first) of 24 hours, local time."""
    matrix = [[0] * 24 for _ in range(7)]
    if _narrowed(filters):
        start, end = day_bounds(filters.start)[0], day_bounds(filters.end)[0]
        rows = _hourly(source.hourly, filters).filter(hour__gte=start, hour__lt=end)
        for hour, total in rows.values_list("hour").annotate(total=Sum("n")):
            local = timezone.localtime(hour)
            matrix[local.weekday()][local.hour] += total
        return matrix
    found = (
        source.daily.filter(level=HOW, day__gte=filters.start, day__lt=filters.end)
        .order_by()
        .values_list("place")
        .annotate(total=Sum("n"))
    )
    for place, total in found:
        slot = int(place)
        matrix[slot // 24][slot % 24] += total
    return matrix


def describe(level: str, places: list[str]) -> dict[str, dict[str, Any]]:
    """Names and positions of places: a grid's code and centre, a unit's name, a hexagon's centre and
    outline (lat, lon pairs)."""
    out: dict[str, dict[str, Any]] = {}
    if level == "grid":
        for pk, code, name, lon, lat in Grid.objects.filter(pk__in=[int(p) for p in places]).values_list(
            "pk", "code", "name", "centroid_lon", "centroid_lat"
        ):
            out[str(pk)] = {"name": name or code, "code": code, "lat": lat, "lon": lon}
    elif level in ("community", "street"):
        for pk, code, name in Unit.objects.filter(pk__in=[int(p) for p in places]).values_list(
            "pk", "code", "name"
        ):
            out[str(pk)] = {"name": name, "code": code, "lat": None, "lon": None}
    else:
        for cell in places:
            try:
                lat, lon = h3.cell_to_latlng(cell)
                outline = [[round(a, 6), round(b, 6)] for a, b in h3.cell_to_boundary(cell)]
            except (ValueError, h3.H3BaseException):
                continue
            out[cell] = {"name": cell, "code": cell, "lat": lat, "lon": lon, "boundary": outline}
    return out


def hotspots(source: Source, filters: Filters, limit: int) -> dict[str, Any]:
    """The ranked hotspots in ``source`` (roll-ups already restricted to the user) for ``filters``,
    with the hour-of-week matrix and what the expectation was based on."""
    begin, history_days = history_start(filters)
    spots = score(place_counts(source, filters, begin), filters.days, history_days)
    shown = spots[:limit]
    names = describe(filters.level, [s.place for s in shown])
    return {
        "level": filters.level,
        "from": filters.start,
        "to": filters.end - dt.timedelta(days=1),
        "days": filters.days,
        "history_from": begin,
        "history_days": history_days,
        "places": len(spots),
        "significant": sum(1 for s in spots if s.significant),
        "total": sum(s.count for s in spots),
        "spots": [
            {
                "place": s.place,
                **names.get(s.place, {"name": s.place, "code": s.place, "lat": None, "lon": None}),
                "count": s.count,
                "history": s.history,
                "expected": None if s.expected is None else round(s.expected, 2),
                "p_value": s.p_value,
                "q_value": s.q_value,
                "z": None if s.z is None else round(s.z, 2),
                "score": None if not s.p_value else round(-math.log10(max(s.p_value, 1e-300)), 2),
                "significant": s.significant,
            }
            for s in shown
        ],
        "hour_of_week": hour_of_week(source, filters),
    }
