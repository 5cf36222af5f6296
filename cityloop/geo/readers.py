"""Reading geodata files (GeoJSON, zipped or plain Shapefile, GeoPackage) as WGS84 GeoJSON features.

Every reader yields the same thing, ``{"type": "Feature", "geometry": {...}, "properties": {...}}`` in
WGS84 longitude/latitude, so the grid, component and road imports check features the same way
whatever the format. The file's coordinate system is detected (a ``.prj``, a GeoPackage's
``gpkg_spatial_ref_sys``, a GeoJSON ``crs`` member) or given (``crs=``, which wins: GCJ-02 and BD-09
have no WKT and look like WGS84). A feature whose coordinates cannot be in that system keeps its place
but gets a ``_problem`` (the reason), which the importers report against its number.

The Shapefile and GeoPackage formats are read in :mod:`.shapefiles` and :mod:`.geopackage`; GeoJSON,
the conversion to WGS84 and the rows importers read are here.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import shapely
import shapely.geometry
from django.core.exceptions import ValidationError

from . import crs as crslib

GEOJSON_SUFFIXES = {".geojson", ".json"}
SHAPEFILE_SUFFIXES = {".zip", ".shp"}
GEOPACKAGE_SUFFIXES = {".gpkg"}
SUFFIXES = GEOJSON_SUFFIXES | SHAPEFILE_SUFFIXES | GEOPACKAGE_SUFFIXES


@dataclass
class GeoData:
    """The features of a file in WGS84, and the coordinate system they were read in."""

    features: list[dict[str, Any]]
    crs: str
    detected: str | None


def file_kind(name: str | Path) -> str:
    """``geojson``, ``shapefile`` or ``geopackage``, from the file name."""
    suffix = Path(name).suffix.lower()
    if suffix in GEOJSON_SUFFIXES:
        return "geojson"
    if suffix in SHAPEFILE_SUFFIXES:
        return "shapefile"
    if suffix in GEOPACKAGE_SUFFIXES:
        return "geopackage"
    raise ValidationError(
        {"file": f"{Path(name).name}: use a .geojson, a zipped Shapefile (.zip), a .shp or a .gpkg file"}
    )


def read_geodata(
    source: str | Path | IO[bytes],
    *,
    crs: str | None = None,
    name: str | None = None,
    layer: str | None = None,
) -> GeoData:
    """Read a GeoJSON, Shapefile or GeoPackage file (by its extension) into WGS84 features.

    ``source`` is a path or an open binary file (then ``name`` gives its extension); ``crs`` overrides
    the detected system; ``layer`` picks a GeoPackage table when there are several.
    """
    label = name or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "file"))
    kind = file_kind(label)
    override = _override(crs)
    # Imported here: the format readers use this module's unsupported_crs.
    from .geopackage import read_geopackage
    from .shapefiles import read_shapefile

    if kind == "geopackage" and isinstance(source, str | Path):
        raw, detected = read_geopackage(Path(source), layer, override)
    elif kind == "geopackage" and not isinstance(source, str | Path):
        # sqlite3 reads files only: an upload is copied to a temporary file first.
        with tempfile.NamedTemporaryFile(suffix=".gpkg") as tmp:
            tmp.write(source.read())
            tmp.flush()
            raw, detected = read_geopackage(Path(tmp.name), layer, override)
    elif kind == "shapefile":
        raw, detected = read_shapefile(source, label, override)
    else:
        raw, detected = _read_geojson(source, override)
    used = override or detected or crslib.WGS84
    return GeoData(_to_wgs84(raw, used), used, detected)


def _override(crs: str | None) -> str | None:
    if not crs:
        return None
    try:
        return crslib.normalize(crs)
    except crslib.CoordinateError as exc:
        raise ValidationError({"crs": str(exc)}) from None


def unsupported_crs(what: str) -> ValidationError:
    """The error for a file whose coordinate system (``what``) CityLoop does not convert."""
    return ValidationError(
        {
            "crs": f"the file's coordinate system ({what}) is not one CityLoop converts; reproject it to "
            "EPSG:4326 or a CGCS2000 3-degree zone, or name its system (--crs)"
        }
    )


def findable_point(geom: shapely.Geometry) -> shapely.Point:
    """The point that stands for a geometry: itself, a line's middle (on the line), a polygon's
    representative point (inside it): a person sent there finds the component."""
    if geom.geom_type == "Point":
        return geom
    if "Line" in geom.geom_type:
        return geom.interpolate(0.5, normalized=True)
    return geom.representative_point()


def _to_wgs84(features: list[dict[str, Any]], used: str) -> list[dict[str, Any]]:
    """Convert each feature's geometry in place, keeping its point as given (``_original``: system,
    x, y); mark those with points outside ``used``'s range."""
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or not geometry.get("type"):
            continue
        if used in (crslib.WGS84, crslib.CGCS2000):
            continue
        try:
            geom = shapely.geometry.shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError):
            continue  # the importer reports an unreadable geometry in its own words
        try:
            feature["geometry"] = shapely.geometry.mapping(crslib.geometry_to_wgs84(geom, used))
        except crslib.CoordinateError as exc:
            feature["_problem"] = str(exc)
            continue
        if not geom.is_empty:
            point = findable_point(geom)
            feature["_original"] = (used, point.x, point.y)
    return features


# -- GeoJSON -----------------------------------------------------------------------------------------


def _read_geojson(
    source: str | Path | IO[bytes], override: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    try:
        if isinstance(source, str | Path):
            with open(source, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8-sig"))
        else:
            data = json.loads(source.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"the file is not valid JSON (UTF-8): {exc}") from None
    from .geojson import features_of

    return features_of(data), geojson_crs(data, override)


def from_geojson(data: Any, features: list[dict[str, Any]], *, crs: str | None = None) -> GeoData:
    """Features of an already parsed GeoJSON document in WGS84 (its ``crs`` member, or ``crs``)."""
    override = _override(crs)
    detected = geojson_crs(data, override)
    used = override or detected or crslib.WGS84
    return GeoData(_to_wgs84(features, used), used, detected)


def geojson_crs(data: Any, override: str | None = None) -> str | None:
    """The system a GeoJSON document names in its old-style ``crs`` member, if any."""
    detected = None
    # GeoJSON (RFC 7946) is WGS84, but files from older tools name their system in a "crs" member.
    member = data.get("crs") if isinstance(data, dict) else None
    if isinstance(member, dict):
        named = str((member.get("properties") or {}).get("name") or "")
        code = named.rsplit(":", 1)[-1]
        if named.upper().endswith("CRS84"):
            detected = crslib.WGS84
        elif code.isdigit():
            detected = crslib.crs_from_epsg(int(code))
            if detected is None and override is None:
                raise unsupported_crs(named)
    return detected


def rows_of(data: GeoData) -> Iterator[dict[str, Any]]:
    """Features as component rows: properties, the feature's number (``_where``) and geometry."""
    for number, feature in enumerate(data.features, start=1):
        props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        if "id" not in props and isinstance(feature, dict) and feature.get("id") is not None:
            props["id"] = feature["id"]
        props["_where"] = f"feature {number}"
        props["_geometry"] = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(feature, dict) and feature.get("_problem"):
            props["_problem"] = feature["_problem"]
        if isinstance(feature, dict) and feature.get("_original"):
            props["_original_crs"], props["_original_x"], props["_original_y"] = feature["_original"]
        if data.crs not in (crslib.WGS84, crslib.CGCS2000):
            convert_lon_lat(props, data.crs)
        yield props


def convert_lon_lat(row: dict[str, Any], crs: str) -> None:
    """Bring a row's ``lon``/``lat`` columns from ``crs`` to WGS84 in place, keeping the given values
    (``_original_crs``, ``_original_x``, ``_original_y``); a row with a geometry (already converted)
    drops them instead."""
    lon, lat = row.get("lon"), row.get("lat")
    if lon in (None, "") and lat in (None, ""):
        return
    if row.get("_geometry"):
        row.pop("lon", None)
        row.pop("lat", None)
        return
    try:
        x, y = float(str(lon)), float(str(lat))
    except ValueError:
        return  # the importer reports numbers it cannot read
    try:
        row["lon"], row["lat"] = crslib.to_wgs84(x, y, crs)
    except crslib.CoordinateError as exc:
        row["_problem"] = str(exc)
        return
    row["_original_crs"], row["_original_x"], row["_original_y"] = crs, x, y
