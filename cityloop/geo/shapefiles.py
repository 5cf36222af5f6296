"""Reading a zipped or plain Shapefile (its .shp, .shx, .dbf, .prj and .cpg) into GeoJSON features,
with the attribute table decoded in the encoding its .cpg names, or UTF-8, or GBK. Called by
:func:`cityloop.geo.readers.read_geodata`, which converts the features to WGS84."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import IO, Any

import shapefile
from django.core.exceptions import ValidationError

from . import crs as crslib
from .readers import unsupported_crs

# DBF field names are at most 10 characters: the short names a Shapefile may use for long properties.
SHORT_NAMES = {
    "resp_unit": "responsible_unit",
    "responsible": "responsible_unit",
    "first_rec": "first_recorded",
}


def read_shapefile(
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
            raise unsupported_crs(wkt[:80] + ("…" if len(wkt) > 80 else ""))
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
