"""Checking a batch of unit grids before import: every problem of every feature, or a plan to write.

The checks follow GB/T 30428.1 as DOMAIN.md §3 states it: closed valid polygons, a code made of the
community's 12 digits plus a sequence, each grid inside one community, no overlaps. Everything is
vectorised (shapely 2 arrays, one STRtree, one pyproj transform) so that a city's 50,000 grids are
checked in seconds. Nothing here writes; :func:`cityloop.geo.actions.import_grids` does.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from tqdm import tqdm

from cityloop.core.models import Unit, UnitKind

from .models import Grid
from .projection import EqualArea

# Grids are about 10,000 m² in towns and larger in villages; outside this range a file is more likely
# in the wrong units or cut wrongly, so the import warns (it does not refuse).
PLAUSIBLE_AREA_M2 = (500.0, 1_000_000.0)
POLYGONAL = ("Polygon", "MultiPolygon")
# SQLite allows a limited number of query parameters; stay well under every version's limit.
CHUNK = 900


@dataclass(frozen=True, slots=True)
class GridProblem:
    """One thing wrong (or, as a warning, odd) with one feature of an import."""

    index: int
    code: str | None
    reason: str

    def __str__(self) -> str:
        return f"feature #{self.index} ({self.code or 'no code'}): {self.reason}"


class GridImportError(ValidationError):
    """The import was refused; ``problems`` lists every bad feature with its index and the reason."""

    def __init__(self, problems: Sequence[GridProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.index, p.reason))
        super().__init__([str(p) for p in self.problems], code="grid_import")


@dataclass(slots=True)
class PlannedGrid:
    """A checked feature, ready to become a grid row."""

    index: int
    code: str
    name: str
    community_id: int
    responsible_unit_id: int | None
    geom: shapely.Geometry
    area_m2: float = 0.0
    centroid_lon: float = 0.0
    centroid_lat: float = 0.0


@dataclass
class GridImportPlan:
    """What an import will do: the new grids, the current versions they replace, and the warnings."""

    valid_from: dt.date
    grids: list[PlannedGrid]
    replaced_ids: list[int] = field(default_factory=list)
    warnings: list[GridProblem] = field(default_factory=list)


def code_pattern(width: int | None = None) -> re.Pattern[str]:
    """The grid code: 6-digit county code + 3-digit street + 3-digit community + the sequence."""
    width = width or settings.CITYLOOP_GRID_SEQUENCE_WIDTH
    return re.compile(rf"^(?P<community>[0-9]{{12}})(?P<seq>[0-9]{{{width}}})$")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip() or None


def _units_by_code(codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), CHUNK):
        for unit in Unit.objects.filter(code__in=ordered[start : start + CHUNK]):
            found[unit.code] = unit
    return found


class _Checker:
    """Collects problems while walking the features once, then runs the batch checks."""

    def __init__(self, valid_from: dt.date) -> None:
        self.valid_from = valid_from
        self.problems: list[GridProblem] = []
        self.warnings: list[GridProblem] = []
        self.pattern = code_pattern()
        self.width = settings.CITYLOOP_GRID_SEQUENCE_WIDTH
        self.tolerance = float(settings.CITYLOOP_GRID_OVERLAP_TOLERANCE_M2)

    def fail(self, index: int, code: str | None, reason: str) -> None:
        self.problems.append(GridProblem(index, code, reason))

    def warn(self, index: int, code: str | None, reason: str) -> None:
        self.warnings.append(GridProblem(index, code, reason))

    # -- one feature at a time: shape of the feature, its properties and its geometry ---------------

    def read(self, index: int, feature: Any) -> tuple[dict[str, Any], shapely.Geometry | None] | None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            self.fail(index, None, "not a GeoJSON Feature (an object with type 'Feature')")
            return None
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            self.fail(index, None, "properties must be an object")
            return None
        code = _text(props.get("code"))
        if feature.get("_problem"):
            # Set by the file reader: coordinates outside the file's coordinate system.
            self.fail(index, code, str(feature["_problem"]))
            return props, None
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or not geometry.get("type"):
            self.fail(index, code, "has no geometry; draw the grid as a Polygon")
            return props, None
        if geometry["type"] not in POLYGONAL:
            self.fail(index, code, f"is a {geometry['type']}, not a Polygon or MultiPolygon")
            return props, None
        try:
            geom = shapely.geometry.shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError):
            self.fail(index, code, "its coordinates cannot be read as a polygon (each ring needs ≥ 4 points)")
            return props, None
        if geom.is_empty:
            self.fail(index, code, "the polygon is empty")
            return props, None
        return props, geom

    def check_properties(
        self, index: int, props: dict[str, Any], units: dict[str, Unit]
    ) -> tuple[str, str, Unit, Unit | None] | None:
        code = _text(props.get("code"))
        if code is None:
            self.fail(index, None, "has no 'code' property")
            return None
        name = _text(props.get("name")) or ""
        if len(name) > 100:
            self.fail(index, code, "name is longer than 100 characters")
        match = self.pattern.match(code)
        if not match:
            self.fail(
                index,
                code,
                f"code must be {12 + self.width} digits: 6-digit county code + 3-digit street + "
                f"3-digit community + {self.width}-digit sequence",
            )
            return None
        community_code = _text(props.get("community")) or match["community"]
        if community_code != match["community"]:
            self.fail(
                index,
                code,
                f"code does not match its community {community_code}: it must start with {community_code}",
            )
            return None
        community = units.get(community_code)
        if community is None:
            self.fail(index, code, f"unknown community {community_code}; create the unit first")
            return None
        if community.kind != UnitKind.COMMUNITY:
            self.fail(
                index,
                code,
                f"unit {community_code} ({community.name}) is a {community.kind}, not a community",
            )
            return None
        if not community.is_active(self.valid_from):
            self.warn(index, code, f"community {community_code} is not active on {self.valid_from}")
        responsible = None
        responsible_code = _text(props.get("responsible_unit"))
        if responsible_code is not None:
            responsible = units.get(responsible_code)
            if responsible is None:
                self.fail(index, code, f"unknown responsible unit {responsible_code}")
                return None
        return code, name, community, responsible

    # -- batch checks ----------------------------------------------------------------------------

    def check_geometries(self, planned: list[PlannedGrid]) -> list[PlannedGrid]:
        """Drop (and report) invalid polygons and those not in lon/lat; returns the good ones."""
        geoms = np.array([p.geom for p in planned], dtype=object)
        if not len(geoms):
            return []
        valid = shapely.is_valid(geoms)
        bounds = shapely.bounds(geoms)
        in_range = (
            (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
        )
        for pos in np.flatnonzero(~valid):
            p = planned[pos]
            self.fail(p.index, p.code, f"invalid polygon: {shapely.is_valid_reason(p.geom)}")
        for pos in np.flatnonzero(valid & ~in_range):
            p = planned[pos]
            self.fail(
                p.index,
                p.code,
                "coordinates are not WGS84 longitude/latitude; reproject to EPSG:4326 or name the file's "
                "coordinate system (--crs)",
            )
        return [p for p, ok in zip(planned, valid & in_range, strict=True) if ok]

    def check_duplicates(self, planned: list[PlannedGrid]) -> None:
        first: dict[str, int] = {}
        for p in planned:
            if p.code in first:
                self.fail(p.index, p.code, f"duplicate code: feature #{first[p.code]} has it too")
            else:
                first[p.code] = p.index

    def check_versions(self, planned: list[PlannedGrid]) -> list[int]:
        """Existing versions of the same codes: same start date is a duplicate, a later one a conflict;
        the version in service on ``valid_from`` is replaced (a redraw). Returns the replaced ids."""
        codes = sorted({p.code for p in planned})
        versions: dict[str, list[tuple[int, dt.date, dt.date | None]]] = {}
        for start in range(0, len(codes), CHUNK):
            rows = Grid.objects.filter(code__in=codes[start : start + CHUNK]).values_list(
                "id", "code", "valid_from", "valid_to"
            )
            for pk, code, vfrom, vto in rows:
                versions.setdefault(code, []).append((pk, vfrom, vto))
        replaced: list[int] = []
        day = self.valid_from
        for p in planned:
            for pk, vfrom, vto in versions.get(p.code, ()):
                if vfrom == day:
                    self.fail(p.index, p.code, f"grid {p.code} already has a version valid from {day}")
                elif vfrom > day:
                    self.fail(
                        p.index,
                        p.code,
                        f"grid {p.code} has a later version valid from {vfrom}; start after it",
                    )
                elif vto is None or vto > day:
                    replaced.append(pk)
        return replaced

    def check_overlaps(self, planned: list[PlannedGrid], replaced: set[int]) -> None:
        """Measure every overlap (new–new and new–existing) in m², and set areas and centroids."""
        if not planned:
            return
        geoms = np.array([p.geom for p in planned], dtype=object)
        proj = EqualArea.around(geoms)
        metric = proj.project(geoms)
        areas = shapely.area(metric)
        centroids = proj.unproject(shapely.centroid(metric))
        cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
        low, high = PLAUSIBLE_AREA_M2
        for p, area, x, y in zip(planned, areas, cx, cy, strict=True):
            p.area_m2, p.centroid_lon, p.centroid_lat = float(area), float(x), float(y)
            if not low <= area <= high:
                self.warn(
                    p.index, p.code, f"area {area:,.0f} m² is outside the usual {low:,.0f}–{high:,.0f} m²"
                )

        # Existing grids in service on or after the import date, near the new ones, minus those replaced.
        min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(geoms)
        rows = [
            r
            for r in Grid.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=self.valid_from))
            .in_bbox(min_lon, min_lat, max_lon, max_lat)
            .values_list("id", "code", "geom_wkb")
            if r[0] not in replaced
        ]
        existing = proj.project(shapely.from_wkb([bytes(r[2]) for r in rows])) if rows else np.array([])
        everything = np.concatenate([metric, existing]) if len(existing) else metric
        tree = shapely.STRtree(everything)
        left, right = tree.query(metric, predicate="intersects")
        n = len(metric)
        # Report each new–new pair once (on the later feature); skip a grid against itself.
        keep = (right != left) & ((right >= n) | (right < left))
        left, right = left[keep], right[keep]
        # Grids that only share an edge or a corner intersect; only interiors meeting is an overlap.
        inner = shapely.relate_pattern(everything[left], everything[right], "T********")
        left, right = left[inner], right[inner]
        overlap = shapely.area(shapely.intersection(everything[left], everything[right]))
        for a, b, area in zip(left, right, overlap, strict=True):
            if area <= self.tolerance:
                continue
            p = planned[a]
            other = (
                f"feature #{planned[b].index} ({planned[b].code})"
                if b < n
                else f"existing grid {rows[b - n][1]}"
            )
            self.fail(
                p.index, p.code, f"overlaps {other} by {area:,.1f} m² (tolerance {self.tolerance:g} m²)"
            )


def check_grids(
    features: Iterable[dict[str, Any]], *, valid_from: dt.date, progress: bool = False
) -> GridImportPlan:
    """Check a batch of GeoJSON features as unit grids valid from ``valid_from``.

    Raises :class:`GridImportError` listing every problem (feature index, code, reason) if any feature
    is bad; otherwise returns the plan (grids to create, versions to end, warnings). Reads only.
    """
    checker = _Checker(valid_from)
    read: list[tuple[int, dict[str, Any], shapely.Geometry | None]] = []
    items = features if isinstance(features, Sequence) else list(features)
    bar = tqdm(items, desc="checking grids", unit="grid", file=sys.stderr, disable=not progress)
    for index, feature in enumerate(bar):
        parsed = checker.read(index, feature)
        if parsed is not None:
            read.append((index, *parsed))

    unit_codes: set[str] = set()
    for _, props, _ in read:
        code = _text(props.get("code")) or ""
        unit_codes.update(c for c in (_text(props.get("community")), code[:12]) if c)
        if responsible_code := _text(props.get("responsible_unit")):
            unit_codes.add(responsible_code)
    units = _units_by_code(unit_codes)

    planned: list[PlannedGrid] = []
    for index, props, geom in read:
        checked = checker.check_properties(index, props, units)
        if checked is None or geom is None:
            continue
        code, name, community, responsible = checked
        planned.append(
            PlannedGrid(index, code, name, community.pk, responsible.pk if responsible else None, geom)
        )
    checker.check_duplicates(planned)
    replaced = checker.check_versions(planned)
    good = checker.check_geometries(planned)
    checker.check_overlaps(good, set(replaced))
    if checker.problems:
        raise GridImportError(checker.problems)
    return GridImportPlan(
        valid_from=valid_from,
        grids=planned,
        replaced_ids=replaced,
        warnings=sorted(checker.warnings, key=lambda p: p.index),
    )
