"""Analytics: the hotspot and recurrence API over a month and the roll-ups' refresh, with 1,000,000 cases.

The demo city is built into the scratch database and synthetic cases are bulk-inserted as in
``bench_console`` (a year of them), then the roll-ups are rebuilt once. Timed: the hotspot API for a
month (grid, hexagon and street levels, all cases and one class), p99 against 300 ms; the recurrence
API for a month's closings (read from the closings roll-up), the backlog, disputes (over 5,000
synthetic returns) and trends APIs, and every analytics page, p99 against 500 ms; and the worker's
refresh after one hour of new cases (a 1,000,000-a-year city's hour, and a 20,000,000-a-year city's)
against 5 s. Requests go through
Django's test client as the district's operator. Quick mode (``BENCH_QUICK=1``): 20,000 cases.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from typing import Any

import bench

HOTSPOT_MS = 300.0
RECURRENCE_MS = 500.0
PAGE_MS = 500.0
REFRESH_S = 5.0


def _size() -> int:
    return 20_000 if os.environ.get("BENCH_QUICK") else 1_000_000


def _repeat() -> int:
    return 10 if os.environ.get("BENCH_QUICK") else 30


def new_hour_of_cases(count: int, seed: int) -> None:
    """``count`` new cases reported in the last hour, copied from random existing ones (their place,
    category and channel), as a busy hour adds them."""
    from django.utils import timezone

    from cityloop.cases.models import Case

    rng = random.Random(seed)
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    fields = (
        "state",
        "channel_id",
        "lon",
        "lat",
        "h3",
        "grid_id",
        "community_id",
        "street_id",
        "district_id",
    )
    sample = list(
        Case.objects.filter(pk__in=[rng.randrange(1, top + 1) for _ in range(count * 2)]).values(
            *fields, "category_id"
        )[:count]
    )
    Case.objects.bulk_create(
        [
            Case(
                **{k: row[k] for k in fields},
                category_id=row["category_id"],
                # Numbered after the newest case, so a kept database (BENCH_DATABASE_URL) takes a
                # second run's new hour too.
                number=f"H{seed:02d}-{top}-{i:05d}",
                tracking_code=f"H{seed % 10}{top % 100_000:05d}{i:04d}",
                description="基准：新的一小时",
                reported_at=now - dt.timedelta(seconds=rng.randrange(3600)),
            )
            for i, row in enumerate(sample)
        ],
        batch_size=2_000,
    )


def insert_returns(count: int, seed: int = 4) -> None:
    """``count`` approved returns over the last year between random units of the district, as the
    dispute analysis reads them (a few per thousand cases in a real city)."""
    from django.utils import timezone

    from cityloop.cases.models import Case
    from cityloop.catalog.models import Category
    from cityloop.core.models import Unit, UnitKind, User
    from cityloop.routing.models import ReturnRecord

    if ReturnRecord.objects.filter(reason="基准").exists():
        return
    rng = random.Random(seed)
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.COMPANY]).values_list("pk", flat=True)
    )
    codes = list(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    cases = list(Case.objects.order_by("-pk").values_list("pk", "number", "district_id")[: count * 2])
    actor = User.objects.get(username="operator1")
    now = timezone.now()
    rows = []
    for i in range(count):
        pk, number, district = cases[i % len(cases)]
        giver, taker = rng.sample(units, 2)
        rows.append(
            ReturnRecord(
                case_id=pk,
                case_number=number,
                district_id=district,
                returning_unit_id=giver,
                suggested_unit_id=taker,
                kind="event",
                category_code=rng.choice(codes),
                reason="基准",
                approved_at=now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                approved_by=actor,
            )
        )
    ReturnRecord.objects.bulk_create(rows, batch_size=2_000)


def _timed(client: Any, url: str, repeat: int) -> list[float]:
    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        _ = response.content

    get()
    return bench.time_each(get, repeat)


def _api(name: str, samples: list[float], target: float) -> list[bench.Result]:
    p50, p99, _mean = bench.summary_ms(samples)
    return [
        bench.Result(f"{name} p50", p50, "ms", f"< {target:.0f}", p50 < target),
        bench.Result(f"{name} p99", p99, "ms", f"< {target:.0f}", p99 < target),
    ]


def run() -> list[bench.Result]:
    from django.test import Client
    from django.utils import timezone

    from bench.bench_cases import ensure_demo_city
    from bench.bench_console import insert_cases
    from cityloop.analytics import rollup
    from cityloop.analytics.models import BacklogCount, Closing, DailyCount
    from cityloop.cases.models import Case
    from cityloop.core.models import User

    bench.client_environment()
    ensure_demo_city()
    seconds = insert_cases(_size())
    results = [
        bench.Result(f"cases in the database (bulk insert {seconds:.0f} s)", Case.objects.count(), "cases")
    ]
    insert_returns(5_000)
    started = time.perf_counter()
    rollup.rebuild()
    results.append(
        bench.Result("roll-ups rebuilt from every case (with closings)", time.perf_counter() - started, "s")
    )
    results.append(bench.Result("daily roll-up rows", DailyCount.objects.count(), "rows"))
    results.append(bench.Result("closings roll-up rows", Closing.objects.count(), "rows"))
    results.append(bench.Result("backlog snapshot rows", BacklogCount.objects.count(), "rows"))
    for label, per_hour, seed in (("1M cases a year", 115, 1), ("20M cases a year", 2_300, 2)):
        new_hour_of_cases(per_hour, seed)
        started = time.perf_counter()
        rollup.refresh(settle=True)
        took = time.perf_counter() - started
        results.append(
            bench.Result(
                f"refresh after an hour of new cases ({label}, {per_hour})",
                took,
                "s",
                f"< {REFRESH_S:.0f}",
                took < REFRESH_S,
            )
        )
    client = Client()
    client.force_login(User.objects.get(username="operator1"))
    today = timezone.localdate()
    month = f"from={(today - dt.timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    year_ago = (today - dt.timedelta(days=364)).isoformat()
    api = "/api/v1/analytics"
    repeat = _repeat()
    for name, url, target in (
        ("hotspots, a month, grids", f"{api}/hotspots?level=grid&{month}", HOTSPOT_MS),
        ("hotspots, a month, small hexagons", f"{api}/hotspots?level=h3_9&{month}", HOTSPOT_MS),
        (
            "hotspots, a month, streets, one class",
            f"{api}/hotspots?level=street&category=01&{month}",
            HOTSPOT_MS,
        ),
        (
            "hotspots, a month, grids, one channel",
            f"{api}/hotspots?level=grid&channel=supervisor&{month}",
            HOTSPOT_MS,
        ),
        ("recurrence, a month's closings, 30 days", f"{api}/recurrence?days=30&{month}", RECURRENCE_MS),
        (
            "recurrence, a month, one class, hexagons",
            f"{api}/recurrence?days=30&spot=h3_9&category=01&{month}",
            RECURRENCE_MS,
        ),
        ("backlog API", f"{api}/backlog", PAGE_MS),
        ("disputes API, a month", f"{api}/disputes?{month}", PAGE_MS),
        ("disputes API, a year", f"{api}/disputes?from={year_ago}&to={today.isoformat()}", PAGE_MS),
        ("trends API, 12 weeks by category", f"{api}/trends?by=category&weeks=12", PAGE_MS),
        ("trends API, 52 weeks by street", f"{api}/trends?by=street&weeks=52", PAGE_MS),
        ("analytics page (hotspots tab)", f"/analytics/?{month}", PAGE_MS),
        ("analytics page (recurrence tab)", f"/analytics/?tab=recurrence&{month}", PAGE_MS),
        ("backlog page", "/analytics/backlog/", PAGE_MS),
        ("disputes page", f"/analytics/disputes/?{month}", PAGE_MS),
        ("trends page", "/analytics/trends/?weeks=12", PAGE_MS),
    ):
        results += _api(name, _timed(client, url, repeat), target)
    return results
