"""Reading geodata files (GeoJSON, zipped or plain Shapefile, GeoPackage) as WGS84 GeoJSON features.

Every reader yields the same thing, ``{"type": "Feature", "geometry": {...}, "properties": {...}}`` in
WGS84 longitude/latitude, so the grid, component and road imports check features the same way
whatever the format. The file's coordinate system is detected (a ``.prj``, a GeoPackage's
``gpkg_spatial_ref_sys``, a GeoJSON ``crs`` member) or given (``crs=``, which wins: GCJ-02 and BD-09
have no WKT and look like WGS84). A feature whose coordinates cannot be in that system keeps its place
but gets a ``_problem`` (the reason), which the importers report against its number.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import shapefile
import shapely
import shapely.geometry
from django.core.exceptions import ValidationError

from . import crs as crslib

GEOJSON_SUFFIXES = {".geojson", ".json"}
SHAPEFILE_SUFFIXES = {".zip", ".shp"}
GEOPACKAGE_SUFFIXES = {".gpkg"}
SUFFIXES = GEOJSON_SUFFIXES | SHAPEFILE_SUFFIXES | GEOPACKAGE_SUFFIXES
# DBF field names are at most 10 characters: the short names a Shapefile may use for long properties.
SHORT_NAMES = {
    "resp_unit": "responsible_unit",
    "responsible": "responsible_unit",
    "first_rec": "first_recorded",
}


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
    if kind == "geopackage" and isinstance(source, str | Path):
        raw, detected = _read_geopackage(Path(source), layer, override)
    elif kind == "geopackage" and not isinstance(source, str | Path):
        # sqlite3 reads files only: an upload is copied to a temporary file first.
        with tempfile.NamedTemporaryFile(suffix=".gpkg") as tmp:
            tmp.write(source.read())
            tmp.flush()
            raw, detected = _read_geopackage(Path(tmp.name), layer, override)
    elif kind == "shapefile":
        raw, detected = _read_shapefile(source, label, override)
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


def _unsupported(what: str) -> ValidationError:
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
                raise _unsupported(named)
    return detected


# -- Shapefile ---------------------------------------------------------------------------------------


def _read_shapefile(
    source: str | Path | IO[bytes], label: str, override: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A .shp beside its .dbf/.shx/.prj/.cpg, or a .zip holding one Shapefile."""
    parts: dict[str, bytes] = {}
    if Path(label).suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(source if not isinstance(source, str | Path) else Path(source))
        except zipfile.BadZipFile:
            raise ValidationError({"file": f"{Path(label).name} is not a zip archive"}) from None
        with archive:
            shps = [n for n in archive.namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n]
            if len(shps) != 1:
                found = ", ".join(shps) or "none"
                raise ValidationError(
                    {"file": f"the archive must hold exactly one .shp file (found {found})"}
                )
            stem = shps[0][:-4]
            for member in archive.namelist():
                if member[: len(stem)] == stem and member[len(stem) :].lower() in (
                    ".shp",
                    ".shx",
                    ".dbf",
                    ".prj",
                    ".cpg",
                ):
                    parts[member[len(stem) + 1 :].lower()] = archive.read(member)
    elif isinstance(source, str | Path):
        base = Path(source).with_suffix("")
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            for candidate in (base.with_suffix(f".{ext}"), base.with_suffix(f".{ext.upper()}")):
                if candidate.is_file():
                    parts[ext] = candidate.read_bytes()
                    break
    else:
        raise ValidationError({"file": "upload a Shapefile as a .zip of its .shp, .shx, .dbf and .prj"})
    if "shp" not in parts or "dbf" not in parts:
        raise ValidationError({"file": "a Shapefile needs its .shp and .dbf files (and .prj for its system)"})
    detected = None
    if "prj" in parts:
        wkt = parts["prj"].decode("utf-8", errors="replace").strip()
        detected = crslib.crs_from_wkt(wkt)
        if detected is None and override is None:
            raise _unsupported(wkt[:80] + ("…" if len(wkt) > 80 else ""))
    # The .cpg names the attribute encoding; Chinese files without one are usually GBK.
    encodings = [parts["cpg"].decode("ascii", errors="ignore").strip() or "utf-8"] if "cpg" in parts else []
    encodings += ["utf-8", "gbk"]
    last: Exception | None = None
    for encoding in encodings:
        try:
            return _shapefile_features(parts, _encoding(encoding)), detected
        except (UnicodeDecodeError, LookupError, shapefile.ShapefileException) as exc:
            # pyshp reports a text it cannot decode as a dbf error; try the next encoding.
            last = exc
    raise ValidationError({"file": f"the attribute table cannot be decoded: {last}"})


def _encoding(cpg: str) -> str:
    # ArcGIS writes code page numbers ("936" is GBK).
    return {"936": "gbk", "65001": "utf-8", "utf8": "utf-8"}.get(cpg.lower(), cpg)


def _shapefile_features(parts: dict[str, bytes], encoding: str) -> list[dict[str, Any]]:
    shx = io.BytesIO(parts["shx"]) if "shx" in parts else None
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(parts["shp"]), shx=shx, dbf=io.BytesIO(parts["dbf"]), encoding=encoding
        )
    except shapefile.ShapefileException as exc:
        raise ValidationError({"file": f"not a readable Shapefile: {exc}"}) from None
    features = []
    with reader:
        names = [_property_name(f[0]) for f in reader.fields[1:]]
        for shape_record in reader.iterShapeRecords():
            shape = shape_record.shape
            geometry = None if shape.shapeType == shapefile.NULL else shape.__geo_interface__
            properties = {
                key: _dbf_value(value) for key, value in zip(names, shape_record.record, strict=True)
            }
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def _property_name(field: str) -> str:
    name = field.strip().lower()
    return SHORT_NAMES.get(name, name)


def _dbf_value(value: Any) -> Any:
    # Numeric codes come back as numbers; a 15-digit grid code stored as N(15,0) must stay exact text.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


# -- GeoPackage --------------------------------------------------------------------------------------

# Envelope sizes (bytes) by the indicator in bits 1–3 of the GeoPackage binary header's flags.
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def geopackage_wkb(blob: bytes) -> tuple[bytes | None, int]:
    """The WKB inside a GeoPackage geometry blob and its srs_id; None for an empty geometry."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry (no GP header)")
    flags = blob[3]
    order = "<" if flags & 1 else ">"
    (srs_id,) = struct.unpack(f"{order}i", blob[4:8])
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE:
        raise ValueError(f"bad envelope indicator {envelope}")
    if flags & 0b10000:
        return None, srs_id
    return blob[8 + _ENVELOPE[envelope] :], srs_id


def _read_geopackage(
    path: Path, layer: str | None, override: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValidationError({"file": f"not a readable GeoPackage: {exc}"}) from None
    try:
        try:
            layers = db.execute(
                "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
                "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                "WHERE c.data_type = 'features' ORDER BY c.table_name"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValidationError({"file": f"not a GeoPackage (no feature tables): {exc}"}) from None
        if layer:
            layers = [row for row in layers if row[0] == layer]
        if len(layers) != 1:
            tables = ", ".join(row[0] for row in layers) or "none"
            raise ValidationError(
                {
                    "layer": "the GeoPackage must hold one feature table, or name one (--layer); "
                    f"found {tables}"
                }
            )
        table, column, srs_id = layers[0]
        detected = _geopackage_crs(db, srs_id, override)
        cursor = db.execute(f'SELECT * FROM "{_quoted(table)}"')  # the name comes from gpkg_contents
        columns = [d[0] for d in cursor.description]
        primary = {
            row[1] for row in db.execute(f'PRAGMA table_info("{_quoted(table)}")') if row[5]
        }  # the fid column is the row's identity, not an attribute
        features = []
        for row in cursor:
            properties: dict[str, Any] = {}
            geometry = None
            problem = None
            for name, value in zip(columns, row, strict=True):
                if name == column:
                    if value is not None:
                        try:
                            wkb, _ = geopackage_wkb(bytes(value))
                            if wkb is not None:
                                geometry = shapely.geometry.mapping(shapely.force_2d(shapely.from_wkb(wkb)))
                        except (ValueError, shapely.errors.ShapelyError) as exc:
                            problem = f"its geometry cannot be read: {exc}"
                elif name not in primary:
                    properties[name.lower()] = value
            feature: dict[str, Any] = {"type": "Feature", "geometry": geometry, "properties": properties}
            if problem:
                feature["_problem"] = problem
            features.append(feature)
        return features, detected
    finally:
        db.close()


def _quoted(name: str) -> str:
    return name.replace('"', '""')


def _geopackage_crs(db: sqlite3.Connection, srs_id: int, override: str | None) -> str | None:
    row = db.execute(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
        "WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    # 0 is "undefined geographic" and -1 "undefined Cartesian" (GeoPackage 1.3, §1.1.2.1.1).
    if row is None or srs_id in (0, -1):
        return crslib.WGS84 if srs_id == 0 else None
    organization, code, definition = row
    if str(organization).upper() == "EPSG":
        named = crslib.crs_from_epsg(int(code))
        if named:
            return named
    named = crslib.crs_from_wkt(definition or "")
    if named is None and override is None:
        raise _unsupported(f"{organization}:{code}")
    return named


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
