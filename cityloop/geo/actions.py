"""Writes to the grid system: importing and retiring unit grids, adding roads. Each is a domain action.

An import is all or nothing: :func:`cityloop.geo.validation.check_grids` finds every problem first,
and only a clean batch is written, in bulk, in one transaction with one audit entry.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone
from tqdm import tqdm

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from . import gazetteer, index
from .geojson import grids_to_geojson
from .models import Grid, Road
from .validation import CHUNK, GridImportError, GridImportPlan, GridProblem, check_grids

__all__ = [
    "GridImportError",
    "GridImportReport",
    "GridProblem",
    "create_roads",
    "end_grid",
    "grids_to_geojson",
    "import_grids",
    "plan_import",
]

BATCH = 2000
ROAD_KINDS = ("arterial", "secondary", "lane")


@dataclass
class GridImportReport:
    """What an import did (or, for a dry run, would do)."""

    valid_from: dt.date
    created: int
    redrawn: int
    warnings: list[GridProblem] = field(default_factory=list)
    source: str = ""
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{verb} {self.created} grids valid from {self.valid_from} "
            f"({self.redrawn} redrawn, {len(self.warnings)} warnings)"
        )


def plan_import(
    features: Iterable[dict[str, Any]], *, valid_from: dt.date | None = None, progress: bool = False
) -> GridImportPlan:
    """Check features without writing anything (``import-grids --dry-run``); raises GridImportError."""
    return check_grids(features, valid_from=valid_from or timezone.localdate(), progress=progress)


@domain_action
def import_grids(
    features: Iterable[dict[str, Any]],
    *,
    actor: User,
    valid_from: dt.date | None = None,
    progress: bool = False,
    source: str = "",
) -> GridImportReport:
    """Import GeoJSON features as unit grids valid from ``valid_from`` (today by default).

    Properties: ``code`` (required), ``name``, ``community`` (unit code; by default the first 12 digits
    of the code) and ``responsible_unit`` (unit code). Every feature is checked first; if any is bad,
    :class:`GridImportError` lists them all and nothing is written. A code already in service is a
    redraw: its current version ends on ``valid_from`` and the new one starts then, so history stays.
    ``source`` (a file name) is kept in the audit entry.
    """
    plan = plan_import(features, valid_from=valid_from, progress=progress)
    day = plan.valid_from
    for start in range(0, len(plan.replaced_ids), CHUNK):
        Grid.objects.filter(pk__in=plan.replaced_ids[start : start + CHUNK]).update(
            valid_to=day, updated_at=timezone.now()
        )
    rows = []
    for p in plan.grids:
        grid = Grid(
            code=p.code,
            name=p.name,
            community_id=p.community_id,
            responsible_unit_id=p.responsible_unit_id,
            area_m2=p.area_m2,
            centroid_lon=p.centroid_lon,
            centroid_lat=p.centroid_lat,
            valid_from=day,
        )
        grid.set_geometry(p.geom)
        rows.append(grid)
    bar = tqdm(total=len(rows), desc="writing grids", unit="grid", file=sys.stderr, disable=not progress)
    with bar:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            Grid.objects.bulk_create(batch)
            bar.update(len(batch))
    report = GridImportReport(
        valid_from=day,
        created=len(rows),
        redrawn=len(plan.replaced_ids),
        warnings=plan.warnings,
        source=source,
    )
    record(
        actor,
        "grid.import",
        object_type="geo.grid",
        object_id="",
        # The file and the count, no words: the log is read in the console's language, and an
        # entry's text is fixed once written (it is part of the hash chain).
        object_repr=f"{source or '—'} ({len(rows)})"[:255],
        after={
            "source": source,
            "valid_from": day,
            "created": report.created,
            "redrawn": report.redrawn,
            "warnings": [str(w) for w in plan.warnings[:100]],
            "warning_count": len(plan.warnings),
        },
    )
    index.bump_version()
    return report


@domain_action
def end_grid(grid: Grid, *, actor: User, on: dt.date) -> Grid:
    """Retire a unit grid from ``on``: it stays in history and locates points before that day only."""
    if on <= grid.valid_from:
        raise ValidationError({"on": f"grid {grid.code} starts on {grid.valid_from}; end it after that day"})
    if grid.valid_to is not None and grid.valid_to <= on:
        raise ValidationError({"on": f"grid {grid.code} already ended on {grid.valid_to}"})
    before = snapshot(grid, ["code", "valid_from", "valid_to"])
    grid.valid_to = on
    grid.save(update_fields=["valid_to", "updated_at"])
    record(actor, "grid.end", grid, before=before, after=snapshot(grid, ["code", "valid_from", "valid_to"]))
    index.bump_version()
    return grid


@domain_action
def create_roads(
    roads: Iterable[tuple[str, str, shapely.LineString]], *, actor: User, district: Unit | None
) -> int:
    """Add roads (name, kind — arterial, secondary or lane — and a lon/lat line) to ``district``'s
    map in one go; returns how many. Refuses the whole batch if any road is bad."""
    rows: list[Road] = []
    problems: list[str] = []
    for i, (name, kind, geom) in enumerate(roads):
        label = f"road #{i} ({name or 'no name'})"
        if not name or len(name) > 100:
            problems.append(f"{label}: a name of 1–100 characters is needed")
        if kind not in ROAD_KINDS:
            problems.append(f"{label}: kind {kind!r} is not one of {', '.join(ROAD_KINDS)}")
        if not isinstance(geom, shapely.LineString | shapely.MultiLineString) or geom.is_empty:
            problems.append(f"{label}: the geometry must be a LineString or MultiLineString")
            continue
        road = Road(name=name, kind=kind, district=district)
        road.set_geometry(geom)
        rows.append(road)
    if problems:
        raise ValidationError(problems)
    Road.objects.bulk_create(rows, batch_size=BATCH)
    record(
        actor,
        "road.create",
        district,
        object_type="geo.road",
        object_id=district.pk if district else "",
        object_repr=f"{len(rows)} roads in {district.name if district else 'no district'}",
        after={"created": len(rows), "district": district.code if district else None},
    )
    gazetteer.bump_version()
    return len(rows)
