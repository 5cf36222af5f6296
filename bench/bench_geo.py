"""Unit grids: import of a 50,000-grid GeoJSON file, then locate_many and single locate over it.

A lattice of ~100 m cells, 100 per community (10 × 10), communities in blocks under generated streets
of a fictional district (admin code 990200). Quick mode (``BENCH_QUICK=1``): 2,000 grids, 50,000 points.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

import bench

ORIGIN = (118.70, 31.90)  # south-west corner of the lattice: real-looking coordinates
CELL_M = 100.0
CELLS_PER_SIDE = 10  # a community is a 10 × 10 block of cells
COMMUNITIES_PER_STREET = 20
DISTRICT_PREFIX = "9902"  # fictional: 990200, 990201 …


def _sizes() -> tuple[int, int, int]:
    if os.environ.get("BENCH_QUICK"):
        return 2_000, 50_000, 2_000
    return 50_000, 1_000_000, 10_000


def build_units(communities: int) -> tuple[list[str], int]:
    """A city, a fresh district, streets and ``communities`` communities; returns the community
    codes and the district's number (a PostgreSQL bench database is kept between runs, so each run
    takes the next unused district code and its own patch of map)."""
    from cityloop.core.actions import create_unit
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit

    actor = system_actor()
    city = Unit.objects.filter(code="990000").first() or create_unit(
        actor=actor, code="990000", name="基准市", kind="city"
    )
    number = next(n for n in range(100) if not Unit.objects.filter(code=f"{DISTRICT_PREFIX}{n:02d}").exists())
    code = f"{DISTRICT_PREFIX}{number:02d}"
    district = create_unit(actor=actor, code=code, name=f"基准{number}区", kind="district", parent=city)
    codes = []
    street = None
    for i in range(communities):
        s, c = divmod(i, COMMUNITIES_PER_STREET)
        if c == 0:
            street = create_unit(
                actor=actor,
                code=f"{code}{s + 1:03d}",
                name=f"第{s + 1}街道",
                kind="street",
                parent=district,
            )
        assert street is not None
        unit = create_unit(
            actor=actor,
            code=f"{street.code}{c + 1:03d}",
            name=f"第{s + 1}-{c + 1}社区",
            kind="community",
            parent=street,
        )
        codes.append(unit.code)
    return codes, number


def lattice(
    community_codes: list[str], total: int, shift: int = 0
) -> tuple[list[dict[str, Any]], tuple[float, ...]]:
    """GeoJSON features: each community a square block of cells, blocks laid out in a square
    (``shift`` moves the whole lattice east by half a degree per step; 50,000 cells span ~0.25°)."""
    lon0, lat0 = ORIGIN[0] + 0.5 * shift, ORIGIN[1]
    dlat = CELL_M / 110_574.0
    dlon = CELL_M / (111_320.0 * math.cos(math.radians(lat0)))
    blocks_per_row = math.ceil(math.sqrt(len(community_codes)))
    features: list[dict[str, Any]] = []
    for b, code in enumerate(community_codes):
        brow, bcol = divmod(b, blocks_per_row)
        for seq in range(CELLS_PER_SIDE * CELLS_PER_SIDE):
            if len(features) >= total:
                break
            # Numbered west→east, then north→south, as CJ/T 213 asks.
            r, c = divmod(seq, CELLS_PER_SIDE)
            row = brow * CELLS_PER_SIDE + (CELLS_PER_SIDE - 1 - r)
            col = bcol * CELLS_PER_SIDE + c
            x, y = lon0 + col * dlon, lat0 + row * dlat
            ring = [[x, y], [x + dlon, y], [x + dlon, y + dlat], [x, y + dlat], [x, y]]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"code": f"{code}{seq + 1:03d}"},
                }
            )
    side = blocks_per_row * CELLS_PER_SIDE
    return features, (lon0, lat0, lon0 + side * dlon, lat0 + side * dlat)


def run() -> list[bench.Result]:
    from cityloop.core.audit import system_actor
    from cityloop.geo import index
    from cityloop.geo.actions import import_grids

    n_grids, n_points, n_single = _sizes()
    communities, number = build_units(math.ceil(n_grids / CELLS_PER_SIDE**2))
    features, (min_lon, min_lat, max_lon, max_lat) = lattice(communities, n_grids, shift=number)
    path = Path(__file__).resolve().parent.parent / "var" / "bench" / "grids.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    del features

    results: list[bench.Result] = []
    start = time.perf_counter()
    with path.open(encoding="utf-8") as fh:
        loaded = json.load(fh)["features"]
    report = import_grids(
        loaded, actor=system_actor(), valid_from=dt.date(2024, 1, 1), progress=True, source=path.name
    )
    seconds = time.perf_counter() - start
    assert report.created == n_grids, report.summary()
    target = 60.0 * n_grids / 50_000
    results.append(
        bench.Result(
            f"import {n_grids:,} grids (read + check + write)",
            seconds,
            "s",
            f"< {target:.0f} s",
            seconds < target,
        )
    )

    index.reset()
    start = time.perf_counter()
    idx = index.get_index()
    results.append(bench.Result(f"build the index ({len(idx):,} grids)", time.perf_counter() - start, "s"))

    rng = np.random.default_rng(42)
    # A 5 % margin around the lattice so that some points fall outside every grid.
    pad_lon, pad_lat = 0.05 * (max_lon - min_lon), 0.05 * (max_lat - min_lat)
    lons = rng.uniform(min_lon - pad_lon, max_lon + pad_lon, n_points)
    lats = rng.uniform(min_lat - pad_lat, max_lat + pad_lat, n_points)
    start = time.perf_counter()
    found = index.locate_many(lons, lats)
    seconds = time.perf_counter() - start
    inside = sum(loc is not None for loc in found)
    assert inside > n_points // 2, inside
    results.append(
        bench.Result(
            f"locate_many over {n_points:,} points",
            n_points / seconds,
            "points/s",
            "≥ 300,000",
            n_points / seconds >= 300_000,
        )
    )

    points = [(random.uniform(min_lon, max_lon), random.uniform(min_lat, max_lat)) for _ in range(n_single)]
    it = iter(points)
    samples = bench.time_each(lambda: index.locate(*next(it)), n_single)
    p50, p99, _ = bench.summary_ms(samples)
    results.append(bench.Result(f"single locate p50 ({n_single:,} points)", p50, "ms"))
    results.append(bench.Result(f"single locate p99 ({n_single:,} points)", p99, "ms", "< 1 ms", p99 < 1.0))
    return results
