"""Components from Shapefiles, GeoPackages and CSV files in CGCS2000 Gauss–Krüger zones and GCJ-02:
positions within half a metre of the surveyed point, bad rows named by their number."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import shapely
from django.core.management import CommandError, call_command

from cityloop.assets.actions import import_components
from cityloop.assets.files import read_file
from cityloop.assets.models import Component
from cityloop.geo import crs as crslib
from cityloop.geo.projection import EqualArea

from ..geo.files import to_crs, write_geopackage, write_shapefile
from .conftest import cover, write_csv

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)
# 118.78°E lies in CGCS2000 zone 40 (central meridian 120°E): EPSG:4528, or EPSG:4549 without prefix.
ZONE_40, CM_120 = "EPSG:4528", "EPSG:4549"
POINTS = {
    "9901000101000001": (118.7812, 32.0412),
    "9901000101000002": (118.7861, 32.0413),
    "9901000114000001": (118.7838, 32.0468),
}
FIELDS = ["id", "owner"]


def features(name: str) -> list[dict]:
    out = []
    for code, (lon, lat) in POINTS.items():
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        out.append(
            {
                "type": "Feature",
                "geometry": to_crs(geometry, name),
                "properties": {"id": code, "owner": "D-WATER"},
            }
        )
    return out


def worst_error_m() -> float:
    proj = EqualArea(118.78, 32.04)
    stored = {c.code: shapely.Point(c.lon, c.lat) for c in Component.objects.all()}
    assert set(stored) == set(POINTS)
    return max(
        shapely.distance(proj.project(stored[code]), proj.project(shapely.Point(*POINTS[code])))
        for code in POINTS
    )


def originals_kept(name: str) -> None:
    """Each component keeps its point as surveyed, in the file's system."""
    for c in Component.objects.all():
        x, y = to_crs({"type": "Point", "coordinates": list(POINTS[c.code])}, name)["coordinates"]
        assert c.original_crs == crslib.normalize(name)
        assert (c.original_x, c.original_y) == (pytest.approx(x, abs=1e-6), pytest.approx(y, abs=1e-6))


def run(path, actor, **kw):
    rows, total = read_file(path, **kw)
    return import_components(rows, actor=actor, today=TODAY, total=total)


def test_zipped_shapefile_in_a_zone_is_detected(org, grids, actor, tmp_path):
    path = write_shapefile(tmp_path / "covers.zip", features(ZONE_40), epsg=4528, fields=FIELDS)
    report = run(path, actor)
    assert report.applied and report.created == 3
    assert worst_error_m() < 0.5
    originals_kept(ZONE_40)


def test_geopackage_in_a_central_meridian_zone(org, grids, actor, tmp_path):
    path = write_geopackage(tmp_path / "covers.gpkg", features(CM_120), epsg=4549, fields=FIELDS)
    report = run(path, actor)
    assert report.applied and report.created == 3
    assert worst_error_m() < 0.5


def test_gcj02_csv_with_the_crs_option(org, grids, actor, tmp_path, api_as):
    rows = []
    for n, (code, (lon, lat)) in enumerate(POINTS.items()):
        glon, glat = crslib.from_wgs84(lon, lat, "gcj02")
        rows.append({**cover(n + 1), "id": code, "lon": repr(glon), "lat": repr(glat)})
    path = write_csv(tmp_path / "amap.csv", rows)
    report = run(path, actor, crs="gcj02")
    assert report.applied and report.created == 3
    assert worst_error_m() < 0.5
    originals_kept("gcj02")
    code, (lon, lat) = next(iter(POINTS.items()))
    shown = api_as(org.users["admin"]).get(f"/api/v1/assets/components/{code}").json()
    glon, glat = crslib.from_wgs84(lon, lat, "gcj02")
    assert shown["original"] == {"crs": "gcj02", "x": pytest.approx(glon), "y": pytest.approx(glat)}
    assert shown["lon"] == pytest.approx(lon, abs=1e-5)
    # Without the option the same numbers are taken as WGS84, some 500 m from the surveyed points.
    rows, _ = read_file(path)
    first = next(iter(rows))
    assert float(first["lon"]) == pytest.approx(crslib.from_wgs84(*POINTS[first["id"]], "gcj02")[0])


def test_the_command_takes_crs_and_names_bad_rows(org, grids, tmp_path):
    items = features(ZONE_40)
    # Feature 2 was given in degrees, not zone-40 metres.
    items[1]["geometry"] = {"type": "Point", "coordinates": list(POINTS["9901000101000002"])}
    items[2]["properties"]["id"] = "123"
    path = write_shapefile(tmp_path / "bad.zip", items, epsg=4528, fields=FIELDS)
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 bad rows; nothing was imported"):
        call_command("import-components", str(path), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "feature 2, lon/lat: coordinates are not in EPSG:4528" in text
    assert "feature 3, id:" in text
    assert not Component.objects.exists()
    # The override wins over the .prj: read as GCJ-02, the zone-40 metres are no longitudes.
    with pytest.raises(CommandError):
        call_command("import-components", str(path), "--crs", "gcj02", "--no-progress", stdout=io.StringIO())
    with pytest.raises(CommandError, match="unknown coordinate system"):
        call_command("import-components", str(path), "--crs", "utm50", "--no-progress", stdout=io.StringIO())


def test_geojson_with_a_crs_member_or_option(org, grids, actor, tmp_path):
    import json

    path = tmp_path / "zone.geojson"
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4528"}},
        "features": features(ZONE_40),
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    assert run(path, actor).created == 3
    assert worst_error_m() < 0.5
    Component.objects.all().delete()
    path = tmp_path / "amap.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features("gcj02")}), encoding="utf-8"
    )
    assert run(path, actor, crs="gcj02").created == 3
    assert worst_error_m() < 0.5
