"""Frontage zones (门前三包): import of 150,000 parties with their zones from CSV, then point → zone.

A fresh 10 km × 10 km district of 10,000 grids (100 m, the assets benchmark's layout) gets a street
through the middle of every grid with 15 shops along it, 8 on the north side and 7 on the south, each
a 10 m frontage line whose zone is generated 4 m deep on the street side. Street and community come
from the grid under each shop (nothing given), as for a city's raw shop register. Quick mode
(``BENCH_QUICK=1``): 1,500 parties over 1 km².
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from pathlib import Path

from bench import Result, summary_ms, time_each
from bench.bench_assets import GRID_M, SOUTH, Site, _degrees, _setup_district

SHOPS_PER_GRID = 15
FRONT_M = 10.0
DEPTH_M = 4.0


def _write_csv(path: Path, site: Site, side_km: int) -> int:
    from cityloop.frontage.uscc import make

    dlon, dlat = _degrees(GRID_M)
    front_lon, _ = _degrees(FRONT_M)
    gap_lon, _ = _degrees(2.5)
    count = 0
    cells = side_km * 10
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["uscc", "name", "business_type", "contact_name", "contact_phone", "geometry", "depth", "side"]
        )
        for gy in range(cells):
            for gx in range(cells):
                x0, y_mid = site.west + gx * dlon, SOUTH + (gy + 0.5) * dlat
                for k in range(SHOPS_PER_GRID):
                    north = k < 8
                    slot = k if north else k - 8
                    x = x0 + _degrees(2.0)[0] + slot * (front_lon + gap_lon)
                    # North-side fronts stand 6 m north of the street's centre line and run west →
                    # east, so the street lies on their right; south-side fronts 6 m south, on the left.
                    y = y_mid + (_degrees(6.0)[1] if north else -_degrees(6.0)[1])
                    count += 1
                    writer.writerow(
                        [
                            make("9", "1", site.code, f"{count:08d}"),
                            f"商户{count}",
                            "零售",
                            "联系人",
                            "13800000000",
                            f"LINESTRING ({x:.7f} {y:.7f}, {x + front_lon:.7f} {y:.7f})",
                            DEPTH_M,
                            "right" if north else "left",
                        ]
                    )
    return count


def run() -> list[Result]:
    from cityloop.core.audit import system_actor
    from cityloop.frontage import index
    from cityloop.frontage.actions import import_frontage
    from cityloop.frontage.files import read_file

    quick = os.environ.get("BENCH_QUICK") == "1"
    side_km = 1 if quick else 10
    rng = random.Random(24)
    site = _setup_district(side_km)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frontage.csv"
        count = _write_csv(path, site, side_km)
        started = time.perf_counter()
        report = import_frontage(read_file(path), actor=system_actor())
        seconds = time.perf_counter() - started
    assert report.applied and report.parties_created == count, [str(e) for e in report.errors[:5]]
    target = 120.0 * count / 150_000
    results.append(
        Result(
            f"import {count:,} parties with zones from CSV", seconds, "s", f"< {target:g} s", seconds < target
        )
    )
    results.append(Result("import rate", count / seconds, "rows/s"))

    index.reset()
    started = time.perf_counter()
    index.ZONES.get()
    results.append(
        Result("build the zone index (once per process and change)", time.perf_counter() - started, "s")
    )
    width_lon, width_lat = _degrees(side_km * 1000.0)
    points = [(site.west + rng.random() * width_lon, SOUTH + rng.random() * width_lat) for _ in range(20_000)]
    hits = 0
    queries = iter(points)

    def query() -> None:
        nonlocal hits
        hits += bool(index.zone_ids_at(*next(queries)))

    p50, p99, _ = summary_ms(time_each(query, len(points)))
    results.append(Result(f"point → zone, {count:,} zones: p50", p50, "ms", "< 1 ms", p50 < 1))
    results.append(Result(f"point → zone, {count:,} zones: p99", p99, "ms", "< 1 ms", p99 < 1))
    results.append(Result("points inside a zone", 100.0 * hits / len(points), "%"))
    return results
