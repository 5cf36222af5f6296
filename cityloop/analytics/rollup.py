"""Keeping the roll-ups: the worker's sweep reads the cases added since its watermark (the last case
id it took) and recounts, wholly, each local day those cases were reported on; once an hour it also
recounts the last day, which catches what a watermark cannot see (a case reclassified, voided or
merged after it was counted, or a transaction that committed a lower id late).

Recounting a day replaces its rows, so running a refresh twice, or two workers at once, never
double counts: the answer depends only on the cases, never on how often the sweep ran."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable
from typing import Any

import h3
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from cityloop.cases.models import Case

from .models import CHANNEL, CLASS, HOW, DailyCount, HourlyCount, RollupState

STATE = "rollups"
BATCH = 50_000  # new cases read per step of a refresh
SETTLE = dt.timedelta(hours=24)  # how far back the hourly recount reaches
SETTLE_EVERY = dt.timedelta(hours=1)
INSERT_BATCH = 5_000

# Counted: every report except those voided and the duplicates merged into another case.
COUNTED = Q(duplicate_of__isnull=True) & ~Q(state="voided")


@functools.lru_cache(maxsize=200_000)
def parents(cell: str) -> tuple[str, str]:
    """The resolution-8 and -9 cells holding a case's resolution-11 cell ('' when it has none)."""
    try:
        return h3.cell_to_parent(cell, 8), h3.cell_to_parent(cell, 9)
    except (ValueError, TypeError, h3.H3BaseException):
        return "", ""


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants the local ``day`` starts and ends at."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def class_of() -> dict[int, int]:
    """Each category's class (大类): a subclass's parent, a class itself."""
    from cityloop.catalog.models import Category

    return {pk: parent or pk for pk, parent in Category.objects.values_list("pk", "parent_id")}


def recount_day(day: dt.date) -> int:
    """Replace the hourly and daily rows of the local ``day`` with a fresh count of its cases.
    Returns the number of cases counted."""
    start, end = day_bounds(day)
    rows = (
        Case.objects.filter(COUNTED, reported_at__gte=start, reported_at__lt=end)
        .order_by()
        .values_list(
            "reported_at",
            "district_id",
            "street_id",
            "community_id",
            "grid_id",
            "h3",
            "category_id",
            "channel_id",
        )
    )
    hourly: Counter[tuple[Any, ...]] = Counter()
    for reported, district, street, community, grid, cell, category, channel in rows.iterator(
        chunk_size=5_000
    ):
        hour = reported.replace(minute=0, second=0, microsecond=0)
        r8, r9 = parents(cell)
        hourly[(hour, district, street, community, grid, r8, r9, category, channel)] += 1
    daily: Counter[tuple[Any, ...]] = Counter()
    classes = class_of()
    for (hour, district, street, community, grid, r8, r9, category, channel), n in hourly.items():
        local = timezone.localtime(hour)
        places = [
            ("grid", grid),
            ("community", community),
            ("street", street),
            ("h3_8", r8),
            ("h3_9", r9),
            (HOW, local.weekday() * 24 + local.hour),
            # The trends' dimensions: the case's class (大类) and channel, per day and territory.
            (CLASS, classes.get(category)),
            (CHANNEL, channel),
        ]
        for level, place in places:
            if place not in (None, ""):
                daily[(district, street, community, level, str(place))] += n
    with transaction.atomic():
        HourlyCount.objects.filter(hour__gte=start, hour__lt=end).delete()
        DailyCount.objects.filter(day=day).delete()
        HourlyCount.objects.bulk_create(
            (
                HourlyCount(
                    hour=hour,
                    district_id=district,
                    street_id=street,
                    community_id=community,
                    grid_id=grid,
                    h3_8=r8,
                    h3_9=r9,
                    category_id=category,
                    channel_id=channel,
                    n=n,
                )
                for (hour, district, street, community, grid, r8, r9, category, channel), n in hourly.items()
            ),
            batch_size=INSERT_BATCH,
        )
        DailyCount.objects.bulk_create(
            (
                DailyCount(
                    day=day,
                    district_id=district,
                    street_id=street,
                    community_id=community,
                    level=level,
                    place=place,
                    n=n,
                )
                for (district, street, community, level, place), n in daily.items()
            ),
            batch_size=INSERT_BATCH,
        )
    return sum(hourly.values())


def recount_days(days: Iterable[dt.date]) -> int:
    """Recount each of ``days`` (each in its own transaction); the cases counted."""
    return sum(recount_day(day) for day in sorted(set(days)))


def refresh(now: dt.datetime | None = None, *, settle: bool | None = None) -> dict[str, Any]:
    """Bring the roll-ups up to date: recount the days of the cases added since the watermark and,
    when ``settle`` (by default: once an hour), the days of the last 24 hours."""
    now = now or timezone.now()
    state, _ = RollupState.objects.get_or_create(name=STATE)
    days: set[dt.date] = set()
    last = state.last_case_id
    while True:
        batch = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "reported_at")[:BATCH])
        if not batch:
            break
        last = batch[-1][0]
        days.update(local_day(reported) for _pk, reported in batch)
    if settle is None:
        settle = state.settled_at is None or now - state.settled_at >= SETTLE_EVERY
    if settle:
        days.update({local_day(now - SETTLE), local_day(now)})
    counted = recount_days(days)
    RollupState.objects.filter(pk=state.pk).update(
        last_case_id=last, settled_at=now if settle else state.settled_at, updated_at=timezone.now()
    )
    from . import closings  # the closings roll-up reads this module's helpers
    from .backlog import snapshot

    kept = closings.refresh(now, settle=settle)
    return {"days": len(days), "cases": counted, "last_case_id": last, **kept, "open": snapshot(now)}


def rebuild() -> dict[str, Any]:
    """Drop every roll-up and count all the cases again, day by day."""
    first = Case.objects.aggregate(first=Min("reported_at"))["first"]
    HourlyCount.objects.all().delete()
    DailyCount.objects.all().delete()
    RollupState.objects.filter(name=STATE).delete()
    state = RollupState.objects.create(name=STATE)
    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    counted, days = 0, 0
    if first is not None:
        day, today = local_day(first), local_day(now)
        while day <= today:
            counted += recount_day(day)
            days += 1
            day += dt.timedelta(days=1)
    RollupState.objects.filter(pk=state.pk).update(last_case_id=last, settled_at=now)
    from . import closings
    from .backlog import snapshot

    kept = {**closings.rebuild(), "open": snapshot(now)}
    # Cases added while rebuilding are above ``last`` and taken by the next refresh.
    return {"days": days, "cases": counted, "last_case_id": last, **kept}


def sweep(now: dt.datetime) -> dict[str, Any]:
    """The worker's periodic step (registered in ``AnalyticsConfig.ready``)."""
    return refresh(now)
