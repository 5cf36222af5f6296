"""Reading a GeoPackage (an SQLite file) into GeoJSON features: its one feature table (or the one
named), the geometry blobs' WKB and the coordinate system its ``gpkg_spatial_ref_sys`` names. Called
by :func:`cityloop.geo.readers.read_geodata`, which converts the features to WGS84.

The file is opened read-only with Python's ``sqlite3``: it is an upload in a file format that
happens to be SQLite, not the project's database, so the ORM has nothing to offer here and no speed
is claimed for going around it."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from django.core.exceptions import ValidationError

from . import crs as crslib
from .readers import unsupported_crs

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


def read_geopackage(
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
        raise unsupported_crs(f"{organization}:{code}")
    return named
