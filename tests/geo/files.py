"""Writing small Shapefiles (with pyshp) and GeoPackages (with sqlite3, by hand) for the import tests."""

from __future__ import annotations

import io
import sqlite3
import struct
import zipfile
from pathlib import Path
from typing import Any

import pyproj
import shapefile
import shapely
import shapely.geometry

from cityloop.geo import crs as crslib


def to_crs(geometry: dict[str, Any], name: str) -> dict[str, Any]:
    """A WGS84 GeoJSON geometry in another system (``EPSG:45xx``, ``gcj02``, ``bd09``)."""

    def convert(coords):
        import numpy as np

        out = [crslib.from_wgs84(x, y, name) for x, y in coords]
        return np.array(out)

    return shapely.geometry.mapping(shapely.transform(shapely.geometry.shape(geometry), convert))


def write_shapefile(
    path: Path,
    features: list[dict[str, Any]],
    *,
    epsg: int | None,
    fields: list[str],
    zipped: bool = True,
    encoding: str = "utf-8",
) -> Path:
    """Features (GeoJSON dicts) as a Shapefile of polygons, lines or points, with a .prj for ``epsg``
    (ESRI WKT, as ArcGIS and QGIS write it) and a .cpg naming the attribute encoding."""
    kinds = {f["geometry"]["type"] for f in features if f.get("geometry")}
    shape_type = (
        shapefile.POLYGON
        if kinds & {"Polygon", "MultiPolygon"}
        else shapefile.POLYLINE
        if kinds & {"LineString", "MultiLineString"}
        else shapefile.POINT
    )
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shape_type, encoding=encoding) as writer:
        for name in fields:
            writer.field(name.upper(), "C", size=50)
        for feature in features:
            props = feature.get("properties") or {}
            writer.record(*[str(props.get(name, "") or "") for name in fields])
            geometry = feature.get("geometry")
            if geometry is None:
                writer.null()
            elif geometry["type"] == "Point":
                writer.point(*geometry["coordinates"][:2])
            else:
                writer.shape(geometry)
    parts = {"shp": shp.getvalue(), "shx": shx.getvalue(), "dbf": dbf.getvalue(), "cpg": b"UTF-8"}
    if encoding != "utf-8":
        parts["cpg"] = encoding.encode()
    if epsg is not None:
        parts["prj"] = pyproj.CRS.from_epsg(epsg).to_wkt("WKT1_ESRI").encode()
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            for ext, data in parts.items():
                archive.writestr(f"layer/{path.stem}.{ext}", data)
        return path
    for ext, data in parts.items():
        path.with_suffix(f".{ext}").write_bytes(data)
    return path.with_suffix(".shp")


def gpkg_blob(geom: shapely.Geometry | None, srs_id: int) -> bytes:
    """A GeoPackage geometry: the 'GP' header (little-endian, with an xy envelope) and WKB."""
    if geom is None or geom.is_empty:
        return b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id)
    flags = 0b00000011  # little-endian header, envelope [minx, maxx, miny, maxy]
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP\x00" + bytes([flags]) + struct.pack("<i", srs_id)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geom)


def write_geopackage(
    path: Path, features: list[dict[str, Any]], *, epsg: int, fields: list[str], table: str = "layer"
) -> Path:
    """Features as a one-table GeoPackage whose geometries are in ``epsg``, written with sqlite3."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA application_id = 1196444487;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE,
            min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
            m TINYINT NOT NULL);
        """
    )
    definition = pyproj.CRS.from_epsg(epsg).to_wkt("WKT1_GDAL")
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, '')",
        (f"EPSG:{epsg}", epsg, epsg, definition),
    )
    columns = ", ".join(f'"{name}" TEXT' for name in fields)
    db.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, {columns})')
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES (?, 'features', ?)", (table, epsg)
    )
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (table, epsg))
    marks = ", ".join("?" for _ in fields)
    for feature in features:
        geometry = feature.get("geometry")
        geom = shapely.geometry.shape(geometry) if geometry else None
        props = feature.get("properties") or {}
        db.execute(
            f'INSERT INTO "{table}" (geom, {", ".join(fields)}) VALUES (?, {marks})',
            (gpkg_blob(geom, epsg), *[props.get(name) for name in fields]),
        )
    db.commit()
    db.close()
    return path
