"""Coordinate systems: conversions to WGS84 against published reference points, and their refusals."""

from __future__ import annotations

import numpy as np
import pytest

from cityloop.geo import crs

# Published pairs (WGS84 → GCJ-02 → BD-09), each from the test suite of an independent implementation:
# - wandergis/coordtransform, test/app.js (the JavaScript library most Chinese projects copy; its
#   results are reused by hutool's CoordinateUtilTest and athxx/coordtransform-rs's tests):
#   wgs84togcj02(116.404, 39.915) = (116.41024449916938, 39.91640428150164),
#   gcj02tobd09(116.404, 39.915) = (116.41036949371029, 39.92133699351021).
# - Glatzel/pyxis (Python tests and the Rust geotool CLI tests): WGS84 (121.0917077, 30.6107779) is
#   GCJ-02 (121.09626935575027, 30.608604331756705) and BD-09 (121.10271732371203, 30.61484572185035).
BEIJING_WGS84 = (116.404, 39.915)
BEIJING_GCJ02 = (116.41024449916938, 39.91640428150164)
BEIJING_GCJ_AS_BD09 = (116.41036949371029, 39.92133699351021)
SHANGHAI_WGS84 = (121.0917077, 30.6107779)
SHANGHAI_GCJ02 = (121.09626935575027, 30.608604331756705)
SHANGHAI_BD09 = (121.10271732371203, 30.61484572185035)


def close(a, b, tol):
    return abs(float(a[0]) - b[0]) <= tol and abs(float(a[1]) - b[1]) <= tol


# pyxis's WGS84 point is rounded to 7 decimals (1 cm), so its pair agrees to 1e-7 degrees, as its own
# tests check to 1e-6; wandergis's is exact to the last digit.
@pytest.mark.parametrize(
    ("wgs", "gcj", "tol"),
    [(BEIJING_WGS84, BEIJING_GCJ02, 1e-12), (SHANGHAI_WGS84, SHANGHAI_GCJ02, 1e-7)],
)
def test_gcj02_forward_and_inverse_match_published_pairs(wgs, gcj, tol):
    assert close(crs.wgs84_to_gcj02(*wgs), gcj, tol)
    # The inverse is solved, not approximated: it lands on the published WGS84 point.
    assert close(crs.to_wgs84(*gcj, "gcj02"), wgs, max(tol, 1e-9))


def test_bd09_matches_published_points():
    assert close(crs.gcj02_to_bd09(*BEIJING_WGS84), BEIJING_GCJ_AS_BD09, 1e-12)
    assert close(crs.gcj02_to_bd09(*SHANGHAI_GCJ02), SHANGHAI_BD09, 1e-12)
    assert close(crs.wgs84_to_bd09(*SHANGHAI_WGS84), SHANGHAI_BD09, 1e-7)
    assert close(crs.to_wgs84(*SHANGHAI_BD09, "bd09"), SHANGHAI_WGS84, 1e-7)


def test_inverse_returns_to_the_start_across_china():
    rng = np.random.default_rng(21)
    lon, lat = rng.uniform(75, 135, 500), rng.uniform(18, 53, 500)
    for forward, name in ((crs.wgs84_to_gcj02, "gcj02"), (crs.wgs84_to_bd09, "bd09")):
        fx, fy = forward(lon, lat)
        back_lon, back_lat, ok = crs.to_wgs84_arrays(fx, fy, name)
        assert ok.all()
        assert np.abs(back_lon - lon).max() < 1e-7
        assert np.abs(back_lat - lat).max() < 1e-7


def test_the_one_step_approximation_would_not_do():
    # Doubling back once (wgs = 2·gcj − f(gcj)) is off by about 2e-6 degrees (20 cm); the stored point
    # must be the solved one, within 1e-9 degrees of the start.
    gx, gy = BEIJING_GCJ02
    fx, fy = crs.wgs84_to_gcj02(gx, gy)
    one_step = (2 * gx - float(fx), 2 * gy - float(fy))
    assert not close(one_step, BEIJING_WGS84, 1e-6)
    assert close(crs.gcj02_to_wgs84(gx, gy), BEIJING_WGS84, 1e-9)


def test_outside_china_there_is_no_offset():
    paris = (2.3522, 48.8566)
    assert crs.to_wgs84(*paris, "gcj02") == paris
    assert crs.to_wgs84(*paris, "bd09") == paris


def test_cgcs2000_geographic_is_taken_as_wgs84():
    assert crs.to_wgs84(118.79, 32.06, "EPSG:4490") == (118.79, 32.06)
    assert crs.to_wgs84(118.79, 32.06, "cgcs2000") == (118.79, 32.06)


def test_gauss_kruger_zone_39_published_values():
    # On the central meridian (117°E) the easting is the zone's false easting and the northing the
    # meridian arc: 0 at the equator, and at the pole the GRS80 meridian quadrant 10 001 965.7293 m
    # (Moritz, "Geodetic Reference System 1980", Bulletin Géodésique 1980; CGCS2000 has the same a and f).
    assert close(crs.from_wgs84(117.0, 0.0, "EPSG:4527"), (39_500_000.0, 0.0), 1e-3)
    assert close(crs.from_wgs84(117.0, 90.0, "EPSG:4527"), (39_500_000.0, 10_001_965.7293), 1e-3)
    assert close(crs.to_wgs84(39_500_000.0, 0.0, "EPSG:4527"), (117.0, 0.0), 1e-12)
    # The central-meridian variant is the same projection without the zone prefix.
    assert close(crs.from_wgs84(117.0, 0.0, "EPSG:4548"), (500_000.0, 0.0), 1e-3)


@pytest.mark.parametrize("code", ["EPSG:4527", "EPSG:4548", "EPSG:4513", "EPSG:4554"])
def test_gauss_kruger_round_trip_within_a_millimetre(code):
    meridian, _ = crs.gk_central_meridian(code)
    for dlon, lat in ((0.0, 32.0), (1.2, 25.5), (-1.4, 45.0)):
        x, y = crs.from_wgs84(meridian + dlon, lat, code)
        lon, back = crs.to_wgs84(x, y, code)
        # 1e-8 degrees is about a millimetre.
        assert close((lon, back), (meridian + dlon, lat), 1e-8)


def test_a_nanjing_point_in_zone_40():
    # 118.79°E is in zone 40 (central meridian 120°E): west of it, so the easting is below 40 500 000.
    x, y = crs.from_wgs84(118.79, 32.06, "EPSG:4528")
    assert 40_380_000 < x < 40_390_000 and 3_549_000 < y < 3_551_000
    assert close(crs.to_wgs84(x, y, "EPSG:4528"), (118.79, 32.06), 1e-9)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("WGS84", "wgs84"),
        ("", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("epsg:4490", "cgcs2000"),
        ("GCJ-02", "gcj02"),
        ("bd09", "bd09"),
        ("EPSG:4527", "EPSG:4527"),
        ("4540", "EPSG:4540"),
    ],
)
def test_names(given, name):
    assert crs.normalize(given) == name


@pytest.mark.parametrize("given", ["mercator", "EPSG:3857", "EPSG:4555", "EPSG:4512"])
def test_unknown_systems_are_refused(given):
    with pytest.raises(crs.CoordinateError, match="unknown coordinate system"):
        crs.normalize(given)


@pytest.mark.parametrize(
    ("x", "y", "name", "why"),
    [
        (181.0, 30.0, "wgs84", "longitude must be within"),
        (118.0, -91.0, "gcj02", "latitude within"),
        (float("nan"), 30.0, "bd09", "longitude must be within"),
        # A zone-39 easting given as zone 40, and an easting without the prefix.
        (39_500_000.0, 3_500_000.0, "EPSG:4528", "must start with the zone number"),
        (500_000.0, 3_500_000.0, "EPSG:4527", "zone 39"),
        (500_000.0, -5.0, "EPSG:4548", "northing 0"),
        # Degrees given as Gauss–Krüger metres.
        (118.79, 32.06, "EPSG:4548", "easting must be about 500000"),
    ],
)
def test_out_of_range_points_are_refused(x, y, name, why):
    with pytest.raises(crs.CoordinateError, match=why):
        crs.to_wgs84(x, y, name)


def test_wkt_detection():
    import pyproj

    assert crs.crs_from_wkt(pyproj.CRS.from_epsg(4527).to_wkt("WKT1_ESRI")) == "EPSG:4527"
    assert crs.crs_from_wkt(pyproj.CRS.from_epsg(4545).to_wkt("WKT1_GDAL")) == "EPSG:4545"
    assert crs.crs_from_wkt(pyproj.CRS.from_epsg(4490).to_wkt("WKT1_ESRI")) == "cgcs2000"
    assert crs.crs_from_wkt(pyproj.CRS.from_epsg(4326).to_wkt()) == "wgs84"
    assert crs.crs_from_wkt(pyproj.CRS.from_epsg(3857).to_wkt()) is None
    assert crs.crs_from_wkt("not a wkt") is None
    # A zone named in the exporter's own words is still found by its parameters.
    custom = pyproj.CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=40500000 +y_0=0 +ellps=GRS80")
    assert crs.crs_from_wkt(custom.to_wkt("WKT1_ESRI")) == "EPSG:4528"
    utm = pyproj.CRS.from_epsg(32650)
    assert crs.crs_from_wkt(utm.to_wkt()) is None
