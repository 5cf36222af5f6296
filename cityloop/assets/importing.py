"""Checking and writing component rows in batches, for :func:`cityloop.assets.actions.import_components`.

Everything that can be looked up once (catalog, districts, units, states) is, so each row costs a few
dictionary lookups; grids are located for a whole batch at once and rows are written with bulk
inserts and upserts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import shapely
from h3.api import basic_int as h3

from cityloop.core.models import Unit
from cityloop.geo.index import locate_many
from cityloop.geo.readers import findable_point

from .bulk import COLUMNS, write_rows
from .codes import IdChecker
from .models import H3_RESOLUTION, Component, ComponentState

BATCH_SIZE = 5000
UNIT_FIELDS = ("authority", "owner", "maintainer")
# Compared with the stored row to tell an update from a row that did not change.
DATA_FIELDS = (
    "subclass_id",
    "authority_id",
    "owner_id",
    "maintainer_id",
    "state_id",
    "source",
    "note",
    "lon",
    "lat",
    "geom_wkb",
    "original_crs",
    "original_x",
    "original_y",
    "grid_id",
    "community_id",
    "street_id",
    "district_id",
)
# The bulk writer's column order must match (code, data, dates, h3).
assert ("code", *DATA_FIELDS, "first_recorded", "changed", "h3") == COLUMNS


@dataclass(frozen=True)
class RowError:
    """Why one row was rejected: where it is in the file, which field, what to fix."""

    where: str
    field: str
    reason: str
    component_id: str = ""

    def __str__(self) -> str:
        return f"{self.where}, {self.field}: {self.reason}"


@dataclass
class ComponentImportReport:
    """What an import did: counts, and every rejected row with its position, field and reason."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = True
    skip_invalid: bool = False

    @property
    def rejected(self) -> int:
        """Number of rows with at least one error."""
        return len({e.where for e in self.errors})

    def summary(self) -> str:
        verdict = (
            "imported"
            if self.applied
            else "NOT imported (nothing changed; fix the rows or use --skip-invalid)"
        )
        return (
            f"{self.total} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.rejected} rejected — {verdict}"
        )

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class Parsed:
    """A row that passed the per-row checks, waiting for its grid."""

    where: str
    code: str
    values: dict[str, Any]
    first_recorded: dt.date | None
    changed: dt.date | None


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


class Resolver:
    """Turns raw rows into component values, with lookups prepared once per import."""

    def __init__(self, today: dt.date, *, ids_on: dt.date | None = None) -> None:
        self.today = today
        self.ids_on = ids_on or today
        self.ids = IdChecker()
        self.unit_by_code: dict[str, int] = {}
        self.unit_by_name: dict[str, int | None] = {}
        for pk, code, name in Unit.objects.values_list("pk", "code", "name"):
            self.unit_by_code[code] = pk
            # A name that two units share cannot identify either: mark it ambiguous.
            self.unit_by_name[name] = None if name in self.unit_by_name else pk
        self.states: dict[str, int] = {}
        for pk, code, name, name_en in ComponentState.objects.values_list("pk", "code", "name", "name_en"):
            self.states.update({code: pk, name: pk, name_en.lower(): pk})
        self.default_state = self.states.get("intact") or next(iter(self.states.values()), None)
        self.seen: set[int] = set()

    def _unit(self, value: str, column: str, errors: list[tuple[str, str]]) -> int | None:
        if not value:
            return None
        if value in self.unit_by_code:
            return self.unit_by_code[value]
        if value in self.unit_by_name:
            pk = self.unit_by_name[value]
            if pk is None:
                errors.append((column, f"{value!r} names more than one unit; give the unit code instead"))
            return pk
        errors.append((column, f"no unit has the code or name {value!r}"))
        return None

    def _location(
        self, row: Mapping[str, Any], errors: list[tuple[str, str]]
    ) -> tuple[float, float, bytes | None]:
        if row.get("_problem"):
            # Set by the file reader: the coordinates cannot be in the file's coordinate system.
            errors.append(("lon/lat", str(row["_problem"])))
            return math.nan, math.nan, None
        geometry: Any = row.get("_geometry")
        wkt = _text(row, "geometry")
        geom = None
        try:
            if isinstance(geometry, dict):
                geom = shapely.geometry.shape(geometry)
            elif isinstance(geometry, shapely.Geometry):
                geom = geometry
            elif wkt:
                geom = shapely.from_wkt(wkt)
        except (shapely.errors.ShapelyError, ValueError, TypeError, AttributeError, KeyError) as exc:
            errors.append(("geometry", f"cannot read the geometry: {exc}"))
            return math.nan, math.nan, None
        wkb = None
        if geom is not None and (
            geom.is_empty
            or geom.geom_type not in {"Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"}
        ):
            errors.append(
                ("geometry", f"use a point, line or polygon, not {geom.geom_type} (empty: {geom.is_empty})")
            )
            return math.nan, math.nan, None
        if geom is not None and geom.geom_type != "Point":
            wkb = shapely.to_wkb(geom)
        lon_s, lat_s = _text(row, "lon"), _text(row, "lat")
        if lon_s or lat_s:
            try:
                lon, lat = float(lon_s), float(lat_s)
            except ValueError:
                errors.append(("lon/lat", f"({lon_s!r}, {lat_s!r}) are not numbers"))
                return math.nan, math.nan, None
        elif geom is not None:
            # A line's point lies on it, a polygon's inside it: a person can find the component there.
            point = findable_point(geom)
            lon, lat = point.x, point.y
        else:
            errors.append(("lon/lat", "give lon and lat, or a geometry"))
            return math.nan, math.nan, None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors.append(("lon/lat", f"({lon}, {lat}) is not a WGS84 longitude/latitude"))
        return lon, lat, wkb

    def parse(self, row: Mapping[str, Any], where: str) -> tuple[Parsed | None, list[RowError]]:
        """Check one row without its grid; returns the parsed row or its errors (one per field)."""
        errors: list[tuple[str, str]] = []
        code = _text(row, "id")
        problem = self.ids.problem(code, self.ids_on) if code else "the component ID is empty"
        if problem:
            errors.append(("id", problem))
        elif int(code) in self.seen:
            errors.append(("id", f"component ID {code} appears earlier in the file"))
        else:
            self.seen.add(int(code))
        sub = _text(row, "subclass")
        if not problem and sub and sub != code[6:10]:
            errors.append(("subclass", f"subclass {sub} does not match {code[6:10]}, the subclass in the ID"))
        values: dict[str, Any] = {f"{c}_id": self._unit(_text(row, c), c, errors) for c in UNIT_FIELDS}
        state = _text(row, "state")
        values["state_id"] = (
            (self.states.get(state) or self.states.get(state.lower())) if state else self.default_state
        )
        if values["state_id"] is None:
            errors.append(("state", f"unknown state {state!r}; use one of {', '.join(sorted(self.states))}"))
        dates: dict[str, dt.date | None] = {}
        for column in ("first_recorded", "changed"):
            text = _text(row, column)
            try:
                dates[column] = _date(text) if text else None
            except ValueError:
                errors.append((column, f"{text!r} is not a date (YYYY-MM-DD)"))
                dates[column] = None
        first, changed = dates["first_recorded"], dates["changed"]
        if first and changed and changed < first:
            errors.append(("changed", f"changed {changed} is before first_recorded {first}"))
        values["lon"], values["lat"], values["geom_wkb"] = self._location(row, errors)
        values["original_crs"] = str(row.get("_original_crs") or "")
        values["original_x"] = row.get("_original_x") if values["original_crs"] else None
        values["original_y"] = row.get("_original_y") if values["original_crs"] else None
        values["source"], values["note"] = _text(row, "source")[:100], _text(row, "note")
        if errors:
            return None, [RowError(where, f, reason, code) for f, reason in errors]
        values["subclass_id"] = self.ids.subclasses[code[6:10]].id
        return Parsed(where, code, values, first, changed), []


def locate_batch(batch: list[Parsed], today: dt.date) -> list[RowError]:
    """Fill in grid, community, street, district and H3 cell; reject rows outside every grid."""
    errors = []
    locations = locate_many([p.values["lon"] for p in batch], [p.values["lat"] for p in batch], today)
    for parsed, loc in zip(batch, locations, strict=True):
        v = parsed.values
        if loc is None:
            errors.append(
                RowError(
                    parsed.where,
                    "lon/lat",
                    f"({v['lon']}, {v['lat']}) lies outside every unit grid",
                    parsed.code,
                )
            )
            continue
        v["grid_id"], v["community_id"] = loc.grid_id, loc.community_id
        v["street_id"], v["district_id"] = loc.street_id, loc.district_id
        v["h3"] = h3.latlng_to_cell(v["lat"], v["lon"], H3_RESOLUTION)
    return errors


def write_batch(batch: list[Parsed], today: dt.date, report: ComponentImportReport) -> None:
    """Insert new components and upsert changed ones; leave identical ones alone."""
    existing = {
        row[0]: row[1:]
        for row in Component.objects.filter(code__in=[p.code for p in batch]).values_list(
            "code", *DATA_FIELDS, "first_recorded", "changed"
        )
    }
    new: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    for p in batch:
        v = p.values
        old = existing.get(p.code)
        if old is None:
            first = p.first_recorded or today
            new.append(_row(p.code, v, first, p.changed or first))
            continue
        old_data = dict(zip(DATA_FIELDS, old[: len(DATA_FIELDS)], strict=True))
        if old_data["geom_wkb"] is not None:
            old_data["geom_wkb"] = bytes(old_data["geom_wkb"])
        old_first, old_changed = old[len(DATA_FIELDS) :]
        first = p.first_recorded or old_first
        same = all(old_data[f] == v[f] for f in DATA_FIELDS) and first == old_first
        if same and (p.changed is None or p.changed == old_changed):
            report.unchanged += 1
            continue
        changed.append(_row(p.code, v, first, p.changed or today))
    write_rows(new, upsert=False)
    write_rows(changed, upsert=True)
    report.created += len(new)
    report.updated += len(changed)


def _row(code: str, values: dict[str, Any], first: dt.date, changed: dt.date) -> tuple[Any, ...]:
    return (code, *(values[f] for f in DATA_FIELDS), first, changed, values["h3"])
