"""Importing grids from zipped Shapefiles and GeoPackages in CGCS2000 Gauss–Krüger zones, GCJ-02 and
WGS84: the system is detected (or given), positions land within half a metre, bad rows are named."""

from __future__ import annotations

import datetime as dt
import json

import pyproj
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.core.management import execute_from_command_line

from cityloop.geo.actions import import_grids
from cityloop.geo.geopackage import geopackage_wkb
from cityloop.geo.models import Grid
from cityloop.geo.projection import EqualArea
from cityloop.geo.readers import read_geodata

from .conftest import ORIGIN, org_features
from .files import gpkg_blob, to_crs, write_geopackage, write_shapefile

FIELDS = ["code", "name"]
# The grids sit at 120°E: CGCS2000 zone 40, EPSG:4528 with the zone prefix, EPSG:4549 without.
ZONE_40 = 4528
CM_120 = 4549


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """Commands run from argv close every connection; keep the test's transaction open."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def in_crs(name: str) -> list[dict]:
    features = org_features()
    for feature in features:
        feature["geometry"] = to_crs(feature["geometry"], name)
    return features


def max_error_m() -> float:
    """The largest distance (metres) between an imported grid and the WGS84 original of its code."""
    originals = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in org_features()}
    proj = EqualArea(*ORIGIN)
    worst = 0.0
    grids = list(Grid.objects.all())
    assert len(grids) == len(originals)
    for grid in grids:
        a, b = proj.project(grid.geometry), proj.project(originals[grid.code])
        worst = max(worst, shapely.hausdorff_distance(a, b))
    return worst


def test_a_zipped_shapefile_in_a_gauss_kruger_zone_is_detected_and_converted(org, tmp_path, capsys):
    path = write_shapefile(tmp_path / "grids.zip", in_crs(f"EPSG:{ZONE_40}"), epsg=ZONE_40, fields=FIELDS)
    execute_from_command_line(
        ["cityloop", "import-grids", str(path), "--valid-from", "2020-01-01", "--no-progress"]
    )
    captured = capsys.readouterr()
    assert "coordinates in EPSG:4528, converted to WGS84" in captured.err
    assert "imported 8 grids valid from 2020-01-01" in captured.out
    assert max_error_m() < 0.5
    assert Grid.objects.get(code="990100001001001").name == "网格1"


def test_a_geopackage_in_a_central_meridian_zone(org, actor, tmp_path):
    path = write_geopackage(tmp_path / "grids.gpkg", in_crs(f"EPSG:{CM_120}"), epsg=CM_120, fields=FIELDS)
    data = read_geodata(path)
    assert (data.crs, data.detected) == ("EPSG:4549", "EPSG:4549")
    import_grids(data.features, actor=actor, valid_from=dt.date(2020, 1, 1))
    assert max_error_m() < 0.5


def test_wgs84_files_are_taken_as_they_are(org, actor, tmp_path):
    shp = write_shapefile(tmp_path / "plain", org_features(), epsg=4326, fields=FIELDS, zipped=False)
    assert read_geodata(shp).crs == "wgs84"
    gpkg = write_geopackage(tmp_path / "plain.gpkg", org_features(), epsg=4326, fields=FIELDS)
    data = read_geodata(gpkg)
    assert data.crs == "wgs84"
    import_grids(data.features, actor=actor, valid_from=dt.date(2020, 1, 1))
    assert max_error_m() < 1e-6


def test_gcj02_needs_the_override_a_file_cannot_name_it(org, tmp_path, capsys):
    # A phone-collected layer: GCJ-02 numbers in a file whose .prj says WGS84.
    path = write_shapefile(tmp_path / "amap.zip", in_crs("gcj02"), epsg=4326, fields=FIELDS)
    execute_from_command_line(
        [
            "cityloop",
            "import-grids",
            str(path),
            "--crs",
            "gcj02",
            "--valid-from",
            "2020-01-01",
            "--no-progress",
        ]
    )
    assert "imported 8 grids" in capsys.readouterr().out
    assert max_error_m() < 0.5


def test_a_geojson_crs_member_is_read(org, actor, tmp_path):
    path = tmp_path / "old.geojson"
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{ZONE_40}"}},
        "features": in_crs(f"EPSG:{ZONE_40}"),
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    data = read_geodata(path)
    assert data.crs == "EPSG:4528"
    import_grids(data.features, actor=actor, valid_from=dt.date(2020, 1, 1))
    assert max_error_m() < 0.5


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(org, tmp_path, capsys):
    features = in_crs(f"EPSG:{ZONE_40}")
    features[1]["properties"]["code"] = "12345"
    # Feature #5 was given in zone 39's numbers: not a point of zone 40.
    ring = [[39_500_000 + dx, 3_320_000 + dy] for dx, dy in ((0, 0), (100, 0), (100, 100), (0, 100), (0, 0))]
    features[5]["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    path = write_shapefile(tmp_path / "bad.zip", features, epsg=ZONE_40, fields=FIELDS)
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["cityloop", "import-grids", str(path), "--no-progress"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "feature #1 (12345): code must be 15 digits" in err
    assert "feature #5 (990100002001002): coordinates are not in EPSG:4528" in err
    assert "must start with the zone number" in err
    assert "2 problems in bad.zip; nothing was imported" in err
    assert not Grid.objects.exists()


def test_undetected_metres_say_how_to_fix_it(org, tmp_path, capsys):
    path = write_shapefile(tmp_path / "noprj.zip", in_crs(f"EPSG:{ZONE_40}"), epsg=None, fields=FIELDS)
    with pytest.raises(SystemExit):
        execute_from_command_line(["cityloop", "import-grids", str(path), "--no-progress"])
    assert "name the file's coordinate system (--crs)" in capsys.readouterr().err


def test_an_unsupported_system_is_refused_with_the_field(tmp_path):
    path = write_shapefile(tmp_path / "merc.zip", org_features(), epsg=3857, fields=FIELDS)
    with pytest.raises(ValidationError) as exc:
        read_geodata(path)
    assert "crs" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        read_geodata(path, crs="mercator")
    assert "unknown coordinate system 'mercator'" in exc.value.message_dict["crs"][0]
    # Overriding says what the numbers are, whatever the .prj claims.
    assert read_geodata(path, crs="wgs84").crs == "wgs84"


def test_archives_and_layers_are_checked(tmp_path):
    import zipfile

    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "no shapefile here")
    with pytest.raises(ValidationError, match=r"exactly one \.shp file"):
        read_geodata(empty)
    with pytest.raises(ValidationError, match=r"use a \.geojson"):
        read_geodata(tmp_path / "grids.kml")
    path = write_geopackage(tmp_path / "two.gpkg", org_features(), epsg=4326, fields=FIELDS, table="a")
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("CREATE TABLE b (fid INTEGER PRIMARY KEY, geom BLOB)")
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('b', 'features', 4326)")
    db.execute("INSERT INTO gpkg_geometry_columns VALUES ('b', 'geom', 'GEOMETRY', 4326, 0, 0)")
    db.commit()
    db.close()
    with pytest.raises(ValidationError, match="found a, b"):
        read_geodata(path)
    assert len(read_geodata(path, layer="a").features) == 8


def test_gbk_attributes_without_a_code_page(org, tmp_path):
    path = write_shapefile(
        tmp_path / "gbk", org_features(), epsg=4326, fields=FIELDS, zipped=False, encoding="gbk"
    )
    path.with_suffix(".cpg").unlink()
    names = {f["properties"]["name"] for f in read_geodata(path).features}
    assert "网格1" in names


def test_geopackage_header_parsing():
    point = shapely.Point(1.5, 2.5)
    wkb, srs = geopackage_wkb(gpkg_blob(point, 4490))
    assert srs == 4490 and shapely.from_wkb(wkb).equals(point)
    assert geopackage_wkb(gpkg_blob(None, 4326)) == (None, 4326)
    with pytest.raises(ValueError, match="GP header"):
        geopackage_wkb(b"\x01\x01\x00\x00\x00")
    # The same geometry with a big-endian header and no envelope.
    import struct

    blob = b"GP\x00\x00" + struct.pack(">i", 4527) + shapely.to_wkb(point)
    assert geopackage_wkb(blob) == (shapely.to_wkb(point), 4527)
    assert pyproj.CRS.from_epsg(4527).is_projected


def _roads(name: str) -> list[dict]:
    lon, lat = ORIGIN
    lines = [
        ("东一路", "主干路", [(lon, lat), (lon + 0.004, lat)]),
        ("东二巷", "lane", [(lon, lat + 0.001), (lon + 0.002, lat + 0.0015)]),
    ]
    return [
        {
            "type": "Feature",
            "geometry": to_crs({"type": "LineString", "coordinates": coords}, name),
            "properties": {"name": road, "kind": kind},
        }
        for road, kind, coords in lines
    ]


def test_roads_from_a_shapefile_in_a_zone(org, tmp_path, capsys):
    from cityloop.geo.models import Road

    bad = _roads(f"EPSG:{ZONE_40}")
    bad[1]["properties"]["kind"] = "highway"
    path = write_shapefile(tmp_path / "bad-roads.zip", bad, epsg=ZONE_40, fields=["name", "kind"])
    with pytest.raises(SystemExit):
        execute_from_command_line(["cityloop", "import-roads", str(path), "--district", "990100"])
    assert (
        "road #1 (东二巷): kind 'highway' is not one of arterial, secondary, lane" in capsys.readouterr().err
    )
    assert not Road.objects.exists()

    path = write_shapefile(
        tmp_path / "roads.zip", _roads(f"EPSG:{ZONE_40}"), epsg=ZONE_40, fields=["name", "kind"]
    )
    execute_from_command_line(["cityloop", "import-roads", str(path), "--district", "990100"])
    assert "added 2 roads (EPSG:4528 converted to WGS84)" in capsys.readouterr().out
    road = Road.objects.get(name="东一路")
    assert road.kind == "arterial" and road.district.code == "990100"
    proj = EqualArea(*ORIGIN)
    original = shapely.LineString([ORIGIN, (ORIGIN[0] + 0.004, ORIGIN[1])])
    assert shapely.hausdorff_distance(proj.project(road.geometry), proj.project(original)) < 0.5
