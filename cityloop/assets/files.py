"""Component files: CSV and GeoJSON readers and writers with the same columns, so an export imports
back unchanged.

Readers yield one dict per row with its position (``_where``: "line 7" for CSV, where the header is
line 1; "feature 3" for GeoJSON, counting from 1) and, for GeoJSON, the feature's geometry as a
shapely object (``_geometry``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from cityloop.core.models import Unit
from cityloop.geo import crs as crslib
from cityloop.geo.readers import (
    SUFFIXES,
    convert_lon_lat,
    file_kind,
    findable_point,
    from_geojson,
    read_geodata,
    rows_of,
)

from .models import Component

COLUMNS = (
    "id",
    "subclass",
    "subclass_name",
    "authority",
    "owner",
    "maintainer",
    "state",
    "grid",
    "first_recorded",
    "changed",
    "source",
    "note",
    "lon",
    "lat",
    "geometry",
)
# Written for people reading the file; on import they are derived (from the ID and the location).
DERIVED_COLUMNS = {"subclass_name", "grid"}


def file_format(path: str | Path) -> str:
    """``csv``, ``geojson``, ``shapefile`` (.zip or .shp) or ``geopackage``, from the file name."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".geojson", ".json"}:
        return "geojson"
    if suffix in SUFFIXES:
        return file_kind(path)
    raise ValidationError(
        {"file": f"{Path(path).name}: use a .csv, .geojson, zipped Shapefile (.zip), .shp or .gpkg file"}
    )


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def read_csv(path: str | Path) -> tuple[Iterator[dict[str, Any]], int]:
    """Rows of a component CSV (UTF-8, header line first) and about how many there are."""
    path = Path(path)
    total = max(0, _count_lines(path) - 1)

    def rows() -> Iterator[dict[str, Any]]:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if "id" not in (reader.fieldnames or []):
                raise ValidationError({"file": f"{path.name}: the header line has no 'id' column"})
            # line_num is the line the row ends on; rows with quoted newlines are rare in these files.
            for row in reader:
                row["_where"] = f"line {reader.line_num}"
                yield row

    return rows(), total


def read_geojson(path: str | Path, *, crs: str | None = None) -> tuple[Iterator[dict[str, Any]], int]:
    """Rows of a component GeoJSON FeatureCollection and how many there are; coordinates in another
    system than WGS84 (named by ``crs`` or the file's ``crs`` member) are converted."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValidationError({"file": f"{path.name} is not valid JSON: {exc}"}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError({"file": f"{path.name} must be a GeoJSON FeatureCollection"})
    features = data.get("features") or []
    if crs or data.get("crs"):
        geodata = from_geojson(data, features, crs=crs)
        return rows_of(geodata), len(geodata.features)

    def rows() -> Iterator[dict[str, Any]]:
        for number, feature in enumerate(features, start=1):
            props = dict(feature.get("properties") or {})
            if "id" not in props and feature.get("id") is not None:
                props["id"] = feature["id"]
            props["_where"] = f"feature {number}"
            props["_geometry"] = feature.get("geometry")
            yield props

    return rows(), len(features)


def read_file(
    path: str | Path, *, crs: str | None = None, layer: str | None = None
) -> tuple[Iterator[dict[str, Any]], int]:
    """Rows of a component file (by extension: CSV, GeoJSON, Shapefile or GeoPackage) and their number.

    Coordinates are converted to WGS84 from ``crs`` (for GeoJSON, Shapefile and GeoPackage files: from
    the system the file names, unless ``crs`` is given); a CSV's lon/lat columns are WGS84 unless
    ``crs`` says otherwise."""
    kind = file_format(path)
    if kind == "csv":
        rows, total = read_csv(path)
        name = _crs_name(crs)
        if name in (crslib.WGS84, crslib.CGCS2000):
            return rows, total
        return (_converted(row, name) for row in rows), total
    if kind == "geojson":
        return read_geojson(path, crs=crs)
    geodata = read_geodata(path, crs=crs, layer=layer)
    return rows_of(geodata), len(geodata.features)


def _crs_name(crs: str | None) -> str:
    try:
        return crslib.normalize(crs)
    except crslib.CoordinateError as exc:
        raise ValidationError({"crs": str(exc)}) from None


def _converted(row: dict[str, Any], crs: str) -> dict[str, Any]:
    convert_lon_lat(row, crs)
    wkt = row.get("geometry")
    if wkt and not row.get("_problem"):
        try:
            given = shapely.from_wkt(wkt)
            geom = crslib.geometry_to_wgs84(given, crs)
        except shapely.errors.ShapelyError:
            return row  # reported by the importer in its own words
        except crslib.CoordinateError as exc:
            row["_problem"] = str(exc)
            return row
        row["geometry"] = shapely.to_wkt(geom, rounding_precision=-1)
        if "_original_crs" not in row and not given.is_empty:
            point = findable_point(given)
            row["_original_crs"], row["_original_x"], row["_original_y"] = crs, point.x, point.y
    return row


def _export_rows(queryset: QuerySet[Component] | None) -> Iterator[dict[str, Any]]:
    units = dict(Unit.objects.values_list("pk", "code"))
    qs = queryset if queryset is not None else Component.objects.all()
    fields = (
        "code",
        "subclass__code",
        "subclass__name",
        "authority_id",
        "owner_id",
        "maintainer_id",
        "state__code",
        "grid__code",
        "first_recorded",
        "changed",
        "source",
        "note",
        "lon",
        "lat",
        "geom_wkb",
    )
    rows = qs.order_by("code").values_list(*fields)
    for (
        code,
        sub,
        sub_name,
        auth,
        owner,
        maint,
        state,
        grid,
        first,
        changed,
        source,
        note,
        lon,
        lat,
        wkb,
    ) in rows.iterator(chunk_size=5000):
        geometry = shapely.from_wkb(bytes(wkb)) if wkb else None
        yield {
            "id": code,
            "subclass": sub,
            "subclass_name": sub_name,
            "authority": units.get(auth, ""),
            "owner": units.get(owner, ""),
            "maintainer": units.get(maint, ""),
            "state": state,
            "grid": grid or "",
            "first_recorded": first.isoformat(),
            "changed": changed.isoformat(),
            "source": source,
            "note": note,
            "lon": repr(lon),
            "lat": repr(lat),
            "geometry": geometry,
        }


def write_file(path: str | Path, queryset: QuerySet[Component] | None = None) -> int:
    """Write components to a CSV or GeoJSON file (by extension), in the import's columns. Returns
    how many were written."""
    path = Path(path)
    count = 0
    if file_format(path) == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            for row in _export_rows(queryset):
                geom = row["geometry"]
                row["geometry"] = shapely.to_wkt(geom, rounding_precision=-1) if geom is not None else ""
                writer.writerow(row)
                count += 1
        return count
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for row in _export_rows(queryset):
            geom = row.pop("geometry")
            point = {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}
            feature = {
                "type": "Feature",
                "id": row["id"],
                "geometry": shapely.geometry.mapping(geom) if geom is not None else point,
                "properties": {**row, "lon": float(row["lon"]), "lat": float(row["lat"])},
            }
            fh.write(("," if count else "") + json.dumps(feature, ensure_ascii=False) + "\n")
            count += 1
        fh.write("]}\n")
    return count
