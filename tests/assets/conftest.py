"""Fixtures for the component inventory: four small grids over the ``org`` fixture's two communities,
and helpers that write component CSV files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import shapely

from cityloop.geo.actions import import_grids

# Grid cells of 0.005° (≈470 m × 555 m) around (118.78, 32.04). Community A (east street) holds the
# southern row, community B (west street) the northern row.
WEST, SOUTH, STEP = 118.780, 32.040, 0.005


def _square(col: int, row: int) -> dict[str, Any]:
    x, y = WEST + col * STEP, SOUTH + row * STEP
    return shapely.geometry.mapping(shapely.box(x, y, x + STEP, y + STEP))


@pytest.fixture
def grids(org: Any, actor: Any) -> dict[str, Any]:
    """Four grids: 990100001001001/002 (community A) south, 990100002001001/002 (community B) north."""
    features = []
    for row, community in ((0, "990100001001"), (1, "990100002001")):
        for col in (0, 1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": _square(col, row),
                    "properties": {"code": f"{community}00{col + 1}"},
                }
            )
    import_grids(features, actor=actor, valid_from=dt.date(2000, 1, 1))
    from cityloop.geo.models import Grid

    return {g.code: g for g in Grid.objects.all()}


COLUMNS = [
    "id",
    "subclass",
    "owner",
    "maintainer",
    "authority",
    "state",
    "first_recorded",
    "changed",
    "source",
    "note",
    "lon",
    "lat",
    "geometry",
]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def cover(
    seq: int, lon: float = 118.781, lat: float = 32.041, sub: str = "0101", **kw: Any
) -> dict[str, Any]:
    """A component row in district 990100 (south-west grid by default)."""
    return {"id": f"990100{sub}{seq:06d}", "lon": lon, "lat": lat, **kw}
