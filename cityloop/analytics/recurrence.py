"""Recurrence after cleanup (清理-回潮): a closed case whose problem is reported again, the same
subclass at the same spot (grid, or H3 resolution-9 hexagon), within N days after it closed.

The recurrence rate of a street or a responsible department is its recurring closed cases over its
closed cases in the period: how often "fixed" did not stay fixed. It reads the cases closed in the
period and those reported up to N days after it (two index range scans of the case table), never
the whole table."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from cityloop.cases.models import Case
from cityloop.catalog.models import Category
from cityloop.core.models import Unit

from .filters import Filters
from .rollup import COUNTED, day_bounds, parents

SPOTS = ("grid", "h3_9")
MAX_CASES_PER_SPOT = 20


@dataclass
class SpotRecord:
    spot: str
    category: int
    closed: int = 0
    recurring: int = 0
    cases: list[dict[str, Any]] = field(default_factory=list)


def _spot_of(spot: str, grid: int | None, cell: str) -> str:
    if spot == "grid":
        return str(grid) if grid else ""
    return parents(cell)[1]


def _rate(recurring: int, closed: int) -> float:
    return round(recurring / closed, 4) if closed else 0.0


def recurrence(
    cases: QuerySet[Case], filters: Filters, *, days: int, spot: str = "grid", limit: int = 50
) -> dict[str, Any]:
    """Recurring spots among ``cases`` (already restricted to the user) for the cases closed in the
    filters' period, with the rates per street and per responsible unit."""
    start, _ = day_bounds(filters.start)
    end, _ = day_bounds(filters.end)
    window = dt.timedelta(days=days)
    base = cases.filter(COUNTED, category__isnull=False)
    if filters.subclasses:
        base = base.filter(category_id__in=filters.subclasses)
    closed = list(
        base.filter(state="closed", closed_at__gte=start, closed_at__lt=end)
        .order_by()
        .values_list(
            "pk", "number", "grid_id", "h3", "category_id", "closed_at", "street_id", "responsible_unit_id"
        )
    )
    later: dict[tuple[str, int], list[tuple[dt.datetime, int, str]]] = defaultdict(list)
    for pk, number, grid, cell, category, reported in (
        base.filter(reported_at__gte=start, reported_at__lt=end + window)
        .order_by()
        .values_list("pk", "number", "grid_id", "h3", "category_id", "reported_at")
        .iterator(chunk_size=10_000)
    ):
        later[(_spot_of(spot, grid, cell), category)].append((reported, pk, number))
    for reports in later.values():
        reports.sort()
    spots: dict[tuple[str, int], SpotRecord] = {}
    streets: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    units: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for pk, number, grid, cell, category, closed_at, street, unit in closed:
        key = (_spot_of(spot, grid, cell), category)
        if not key[0] or closed_at is None:
            continue
        reports = later.get(key, [])
        i = bisect.bisect_right(reports, (closed_at, 2**62, ""))
        again = [r for r in reports[i:] if r[0] <= closed_at + window and r[1] != pk]
        record = spots.setdefault(key, SpotRecord(*key))
        record.closed += 1
        streets[street][0] += 1
        units[unit][0] += 1
        if again:
            record.recurring += 1
            streets[street][1] += 1
            units[unit][1] += 1
            if len(record.cases) < MAX_CASES_PER_SPOT:
                record.cases.append(
                    {
                        "closed": {"id": pk, "number": number, "closed_at": closed_at},
                        "again": [{"id": r[1], "number": r[2], "reported_at": r[0]} for r in again[:5]],
                    }
                )
    recurring = sorted(
        (r for r in spots.values() if r.recurring),
        key=lambda r: (-r.recurring, -r.recurring / r.closed, r.spot),
    )
    return {
        "days": days,
        "spot": spot,
        "from": filters.start,
        "to": filters.end - dt.timedelta(days=1),
        "closed": len(closed),
        "recurring": sum(r.recurring for r in spots.values()),
        "spots": _spots_out(recurring[:limit], spot),
        "streets": _rates_out(streets),
        "units": _rates_out(units),
    }


def _spots_out(records: list[SpotRecord], spot: str) -> list[dict[str, Any]]:
    from .hotspots import describe

    names = describe("grid" if spot == "grid" else "h3_9", [r.spot for r in records])
    cats = Category.objects.in_bulk([r.category for r in records])
    return [
        {
            "spot": r.spot,
            "name": names.get(r.spot, {}).get("name", r.spot),
            "lat": names.get(r.spot, {}).get("lat"),
            "lon": names.get(r.spot, {}).get("lon"),
            "category": cats[r.category].code if r.category in cats else "",
            "category_name": cats[r.category].name if r.category in cats else "",
            "closed": r.closed,
            "recurring": r.recurring,
            "rate": _rate(r.recurring, r.closed),
            "cases": r.cases,
        }
        for r in records
    ]


def _rates_out(counts: dict[int | None, list[int]]) -> list[dict[str, Any]]:
    named = Unit.objects.in_bulk([pk for pk in counts if pk])
    rows = [
        {
            "unit": named[pk].code if pk in named else "",
            "name": named[pk].name if pk in named else "",
            "closed": closed,
            "recurring": recurring,
            "rate": _rate(recurring, closed),
        }
        for pk, (closed, recurring) in counts.items()
        if pk
    ]
    return sorted(rows, key=lambda r: (-r["rate"], -r["closed"], r["unit"]))
