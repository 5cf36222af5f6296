"""Keeping the roll-up of open cases (``OpenCount``) the big screen reads: on every sweep the worker
recounts the open cases per light, per map square of about 100 m and per responsible unit, and
replaces the rows in one transaction. A wall then reads a few thousand counted rows on each refresh,
however many walls poll and however many cases are open, instead of grouping the open cases itself.

Lights move without a transition (the timer sweep turns them yellow and red), so there is no
watermark to follow: the recount is whole, and it reads only the open cases (about 7 % of a year)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.cases.workflow.spec import OPEN_STATES

from .models import OpenCount, RollupState
from .open_models import SQUARE_LEVEL, UNIT_LEVEL

STATE = "open_cases"
SQUARE = 1000  # squares of 1/1000 degree (about 100 m by 110 m)
INSERT_BATCH = 5_000


def square_of(lon: float, lat: float) -> str:
    """The map square holding a point: its south-west corner in thousandths of a degree."""
    return f"{math.floor(lon * SQUARE)}:{math.floor(lat * SQUARE)}"


def centre_of(place: str) -> tuple[float, float]:
    """The (lon, lat) centre of a square named by :func:`square_of`."""
    x, y = (int(v) for v in place.split(":"))
    return round((x + 0.5) / SQUARE, 5), round((y + 0.5) / SQUARE, 5)


def refresh_open(now: dt.datetime | None = None) -> dict[str, Any]:
    """Recount the open cases into ``OpenCount``; returns how many cases and rows."""
    counts: Counter[tuple[Any, ...]] = Counter()
    cases = 0
    rows = (
        Case.objects.filter(state__in=OPEN_STATES)
        .order_by()
        .values_list("district_id", "street_id", "community_id", "lon", "lat", "light", "responsible_unit_id")
    )
    for district, street, community, lon, lat, light, unit in rows.iterator(chunk_size=10_000):
        cases += 1
        light = light or ""
        counts[(district, street, community, SQUARE_LEVEL, square_of(lon, lat), light)] += 1
        if unit:
            counts[(district, street, community, UNIT_LEVEL, str(unit), light)] += 1
    with transaction.atomic():
        OpenCount.objects.all().delete()
        OpenCount.objects.bulk_create(
            (
                OpenCount(
                    district_id=district,
                    street_id=street,
                    community_id=community,
                    level=level,
                    place=place,
                    light=light,
                    n=n,
                )
                for (district, street, community, level, place, light), n in counts.items()
            ),
            batch_size=INSERT_BATCH,
        )
        RollupState.objects.update_or_create(name=STATE, defaults={"settled_at": now or timezone.now()})
    return {"open": cases, "rows": len(counts)}


def sweep(now: dt.datetime) -> dict[str, Any]:
    """The worker's step (registered in ``AnalyticsConfig.ready``)."""
    return refresh_open(now)
