"""Component inventory: import of 1,000,000 components from CSV, then nearest-component lookups.

A 10 km × 10 km district of 10,000 grids (100 m) in 100 communities gets one component per 100 m² on
average, the density of a surveyed downtown. The import goes through ``import_components`` exactly
as ``cityloop import-components`` runs it (parse, check, locate grids, H3, bulk upsert). Quick mode
(``BENCH_QUICK=1``): 20,000 components over 1 km².
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import random
import tempfile
import time
from pathlib import Path

import shapely

from bench import Result, summary_ms, time_each

WEST, SOUTH = 118.70, 32.00
GRID_M = 100.0


def _degrees(metres: float) -> tuple[float, float]:
    """Degrees of longitude and latitude spanning ``metres`` near the bench district."""
    lat_deg = metres / 111_320.0
    return lat_deg / math.cos(math.radians(SOUTH + 0.05)), lat_deg


def _setup_district(side_km: int) -> None:
    """A city, district 990100, ``side_km``² streets of 1 km² each with one community, 100 grids each."""
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.geo.actions import import_grids

    actor = system_actor()
    city = create_unit(actor=actor, code="990000", name="基准市", kind="city")
    district = create_unit(actor=actor, code="990100", name="基准区", kind="district", parent=city)
    for code, name in (("B-WATER", "自来水公司"), ("B-GAS", "燃气公司"), ("B-POWER", "供电公司")):
        create_unit(actor=actor, code=code, name=name, kind="company", parent=district)
    for code, name in (("B-MUNI", "市政所"), ("B-SANI", "环卫所"), ("B-LIGHT", "路灯所")):
        create_unit(actor=actor, code=code, name=name, kind="department", parent=district)
    dlon, dlat = _degrees(GRID_M)
    features = []
    for block in range(side_km * side_km):
        bx, by = block % side_km, block // side_km
        street = create_unit(
            actor=actor,
            code=f"990100{block + 1:03d}",
            name=f"街道{block + 1}",
            kind="street",
            parent=district,
        )
        community = create_unit(
            actor=actor, code=f"{street.code}001", name=f"社区{block + 1}", kind="community", parent=street
        )
        for seq in range(100):
            x = WEST + (bx * 10 + seq % 10) * dlon
            y = SOUTH + (by * 10 + seq // 10) * dlat
            geometry = shapely.geometry.mapping(shapely.box(x, y, x + dlon, y + dlat))
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {"code": f"{community.code}{seq + 1:03d}"},
                }
            )
    import_grids(features, actor=actor, valid_from=dt.date(2000, 1, 1))


SUBCLASSES = [
    ("0101", "B-WATER"),
    ("0102", "B-MUNI"),
    ("0103", "B-MUNI"),
    ("0105", "B-POWER"),
    ("0111", "B-GAS"),
    ("0114", ""),
    ("0118", "B-LIGHT"),
    ("0305", "B-SANI"),
    ("0402", ""),
    ("0209", "B-MUNI"),
]


def _write_csv(path: Path, count: int, side_km: int, rng: random.Random) -> None:
    width_lon, width_lat = _degrees(side_km * 1000.0)
    inset_lon, inset_lat = _degrees(0.5)  # stay off the district's outer edge
    sequences: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "owner", "maintainer", "state", "first_recorded", "source", "lon", "lat"])
        for _ in range(count):
            sub, owner = SUBCLASSES[rng.randrange(len(SUBCLASSES))]
            seq = sequences[sub] = sequences.get(sub, 0) + 1
            lon = WEST + inset_lon + rng.random() * (width_lon - 2 * inset_lon)
            lat = SOUTH + inset_lat + rng.random() * (width_lat - 2 * inset_lat)
            writer.writerow(
                [
                    f"990100{sub}{seq:06d}",
                    owner,
                    owner,
                    "intact",
                    "2024-01-01",
                    "bench",
                    f"{lon:.7f}",
                    f"{lat:.7f}",
                ]
            )


def run() -> list[Result]:
    from cityloop.assets.actions import import_components
    from cityloop.assets.files import read_file
    from cityloop.assets.models import Component
    from cityloop.assets.nearest import nearest_components
    from cityloop.core.audit import system_actor

    quick = os.environ.get("BENCH_QUICK") == "1"
    count, side_km = (20_000, 1) if quick else (1_000_000, 10)
    rng = random.Random(42)
    _setup_district(side_km)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "components.csv"
        _write_csv(path, count, side_km, rng)
        started = time.perf_counter()
        rows, total = read_file(path)
        report = import_components(rows, actor=system_actor(), total=total, progress=not quick)
        seconds = time.perf_counter() - started
    assert report.errors == [], report.errors[:5]
    assert Component.objects.count() == count
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load (not counted in the import time): mark
        # the pages all-visible, so nearest lookups are answered from the covering index alone.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Component._meta.db_table}")
    target = 120.0 * count / 1_000_000
    results.append(
        Result(f"import {count:,} components from CSV", seconds, "s", f"< {target:g} s", seconds < target)
    )
    results.append(Result("import rate", count / seconds, "rows/s"))

    width_lon, width_lat = _degrees(side_km * 1000.0)
    points = [(WEST + rng.random() * width_lon, SOUTH + rng.random() * width_lat) for _ in range(2000)]
    nearest_components(*points[0])  # warm the connection and caches
    found = 0
    queries = iter(points)

    def query() -> None:
        nonlocal found
        found += len(nearest_components(*next(queries), radius_m=30, limit=5))

    samples = time_each(query, len(points))
    p50, p99, _ = summary_ms(samples)
    results.append(Result(f"nearest_components 30 m, {count:,} loaded: p50", p50, "ms", "< 2 ms", p50 < 2))
    results.append(Result(f"nearest_components 30 m, {count:,} loaded: p99", p99, "ms", "< 10 ms", p99 < 10))
    results.append(Result("components found per query (mean)", found / len(points), "rows"))
    samples = time_each(lambda: nearest_components(*points[rng.randrange(2000)], "0101", radius_m=30), 2000)
    p50, p99, _ = summary_ms(samples)
    results.append(Result("nearest_components 30 m, one subclass: p50", p50, "ms", "< 2 ms", p50 < 2))
    results.append(Result("nearest_components 30 m, one subclass: p99", p99, "ms", "< 10 ms", p99 < 10))
    results += _restricted(points, rng)
    return results


def _restricted(points: list[tuple[float, float]], rng: random.Random) -> list[Result]:
    """The API's path: the same lookup inside a street manager's jurisdiction (``restrict``)."""
    from cityloop.assets.models import Component
    from cityloop.assets.nearest import nearest_components
    from cityloop.core.actions import create_user
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.core.permissions import restrict

    street = Unit.objects.get(code="990100001")
    user = create_user(
        actor=system_actor(), username="bench_street", password=None, roles=[(street, "unit_manager")]
    )
    dlon, dlat = _degrees(1000.0)  # the first street's square kilometre
    inside = [(WEST + rng.random() * dlon, SOUTH + rng.random() * dlat) for _ in range(len(points))]

    def query() -> None:
        visible = restrict(Component.objects.all(), user, "view")
        nearest_components(*inside[rng.randrange(len(inside))], radius_m=30, queryset=visible)

    p50, p99, _ = summary_ms(time_each(query, len(inside)))
    # Informational: the targets are for nearest_components itself; this adds restrict().
    return [
        Result("… within a street's jurisdiction (API path, with restrict): p50", p50, "ms"),
        Result("… within a street's jurisdiction (API path, with restrict): p99", p99, "ms"),
    ]
