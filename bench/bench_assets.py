"""Component inventory: import of 1,000,000 components from CSV, then nearest-component lookups.

A fresh 10 km × 10 km district of 10,000 grids (100 m) in 100 communities gets one component per 100 m² on
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
from dataclasses import dataclass
from pathlib import Path

import shapely

from bench import Result, summary_ms, time_each

SOUTH = 30.50  # fictional districts east of Hangzhou, away from the other benchmarks' maps
FIRST_WEST = 120.60
GRID_M = 100.0
# A PostgreSQL bench database is kept between runs: each run takes the next unused district code
# (970300, 970301 …) and its own patch of map, 0.2° further east.
DISTRICT_PREFIX = "9703"


@dataclass(frozen=True)
class Site:
    """Where this run's district is: its admin code and the west edge of its square."""

    code: str
    west: float


def _degrees(metres: float) -> tuple[float, float]:
    """Degrees of longitude and latitude spanning ``metres`` near the bench district."""
    lat_deg = metres / 111_320.0
    return lat_deg / math.cos(math.radians(SOUTH + 0.05)), lat_deg


def _setup_district(side_km: int) -> Site:
    """A fresh district with ``side_km``² streets of 1 km², one community each, 100 grids of 100 m."""
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.geo.actions import import_grids

    actor = system_actor()
    city = Unit.objects.filter(code="990000").first() or create_unit(
        actor=actor, code="990000", name="基准市", kind="city"
    )
    number = next(n for n in range(100) if not Unit.objects.filter(code=f"{DISTRICT_PREFIX}{n:02d}").exists())
    site = Site(f"{DISTRICT_PREFIX}{number:02d}", FIRST_WEST + 0.2 * number)
    district = create_unit(
        actor=actor, code=site.code, name=f"部件基准{number}区", kind="district", parent=city
    )
    for key, name, kind in UNITS:
        create_unit(
            actor=actor, code=f"{site.code}-{key}", name=f"{name}{number}", kind=kind, parent=district
        )
    dlon, dlat = _degrees(GRID_M)
    features = []
    for block in range(side_km * side_km):
        bx, by = block % side_km, block // side_km
        street = create_unit(
            actor=actor,
            code=f"{site.code}{block + 1:03d}",
            name=f"街道{block + 1}",
            kind="street",
            parent=district,
        )
        community = create_unit(
            actor=actor, code=f"{street.code}001", name=f"社区{block + 1}", kind="community", parent=street
        )
        for seq in range(100):
            x = site.west + (bx * 10 + seq % 10) * dlon
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
    return site


UNITS = (
    ("WATER", "自来水公司", "company"),
    ("GAS", "燃气公司", "company"),
    ("POWER", "供电公司", "company"),
    ("MUNI", "市政所", "department"),
    ("SANI", "环卫所", "department"),
    ("LIGHT", "路灯所", "department"),
)


SUBCLASSES = [
    ("0101", "WATER"),
    ("0102", "MUNI"),
    ("0103", "MUNI"),
    ("0105", "POWER"),
    ("0111", "GAS"),
    ("0114", ""),
    ("0118", "LIGHT"),
    ("0305", "SANI"),
    ("0402", ""),
    ("0209", "MUNI"),
]


def _write_csv(path: Path, site: Site, count: int, side_km: int, rng: random.Random) -> None:
    width_lon, width_lat = _degrees(side_km * 1000.0)
    inset_lon, inset_lat = _degrees(0.5)  # stay off the district's outer edge
    sequences: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "owner", "maintainer", "state", "first_recorded", "source", "lon", "lat"])
        for _ in range(count):
            sub, owner = SUBCLASSES[rng.randrange(len(SUBCLASSES))]
            seq = sequences[sub] = sequences.get(sub, 0) + 1
            lon = site.west + inset_lon + rng.random() * (width_lon - 2 * inset_lon)
            lat = SOUTH + inset_lat + rng.random() * (width_lat - 2 * inset_lat)
            unit = f"{site.code}-{owner}" if owner else ""
            row = [
                f"{site.code}{sub}{seq:06d}",
                unit,
                unit,
                "intact",
                "2024-01-01",
                "bench",
                f"{lon:.7f}",
                f"{lat:.7f}",
            ]
            writer.writerow(row)


def run() -> list[Result]:
    from cityloop.assets.actions import import_components
    from cityloop.assets.files import read_file
    from cityloop.assets.models import Component
    from cityloop.assets.nearest import nearest_components
    from cityloop.core.audit import system_actor

    quick = os.environ.get("BENCH_QUICK") == "1"
    count, side_km = (20_000, 1) if quick else (1_000_000, 10)
    rng = random.Random(42)
    site = _setup_district(side_km)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "components.csv"
        _write_csv(path, site, count, side_km, rng)
        started = time.perf_counter()
        rows, total = read_file(path)
        report = import_components(rows, actor=system_actor(), total=total, progress=not quick)
        seconds = time.perf_counter() - started
    assert report.errors == [] and report.created == count, report.summary()
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
    points = [(site.west + rng.random() * width_lon, SOUTH + rng.random() * width_lat) for _ in range(2000)]
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
    results += _restricted(site, len(points), rng)
    return results


def _restricted(site: Site, count: int, rng: random.Random) -> list[Result]:
    """The API's path: the same lookup inside a street manager's jurisdiction (``restrict``)."""
    from cityloop.assets.models import Component
    from cityloop.assets.nearest import nearest_components
    from cityloop.core.actions import create_user
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.core.permissions import restrict

    street = Unit.objects.get(code=f"{site.code}001")
    user = create_user(
        actor=system_actor(), username=f"bench_{street.code}", password=None, roles=[(street, "unit_manager")]
    )
    dlon, dlat = _degrees(1000.0)  # the first street's square kilometre
    inside = [(site.west + rng.random() * dlon, SOUTH + rng.random() * dlat) for _ in range(count)]

    def query() -> None:
        visible = restrict(Component.objects.all(), user, "view")
        nearest_components(*inside[rng.randrange(len(inside))], radius_m=30, queryset=visible)

    p50, p99, _ = summary_ms(time_each(query, len(inside)))
    # Informational: the targets are for nearest_components itself; this adds restrict().
    return [
        Result("… within a street's jurisdiction (API path, with restrict): p50", p50, "ms"),
        Result("… within a street's jurisdiction (API path, with restrict): p99", p99, "ms"),
    ]
