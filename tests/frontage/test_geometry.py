"""Zones generated from a frontage line and a depth: on the street side, as deep as asked."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString, Point

from cityloop.frontage.geometry import area_m2, zone_from_frontage

LINE = LineString([(120.38, 36.06), (120.3802, 36.06)])  # about 18 m running east


def test_zone_lies_on_the_left_and_is_as_deep_as_asked():
    zone = zone_from_frontage(LINE, 5)
    minx, miny, maxx, maxy = zone.bounds
    assert miny == pytest.approx(36.06) and maxy == pytest.approx(36.06 + 5 / 111_195, rel=1e-3)
    assert (minx, maxx) == (pytest.approx(120.38), pytest.approx(120.3802))
    assert area_m2(zone) == pytest.approx(LINE.length * 111_195 * 0.8078 * 5, rel=0.01)
    assert zone.contains(Point(120.3801, 36.06002))
    assert not zone.contains(Point(120.3801, 35.99998))


def test_right_side_mirrors():
    zone = zone_from_frontage(LINE, 3, side="right")
    assert zone.bounds[3] == pytest.approx(36.06)
    assert zone.contains(Point(120.3801, 36.06 - 0.00001))


def test_bent_frontage_keeps_its_corner():
    bent = LineString([(120.38, 36.06), (120.3802, 36.06), (120.3802, 36.0602)])
    zone = zone_from_frontage(bent, 4)
    assert zone.is_valid and zone.geom_type == "Polygon"
    assert zone.contains(Point(120.38019, 36.06002))  # inside the corner (left of both legs)
    assert area_m2(zone) < area_m2(zone_from_frontage(LineString(bent.coords[:2]), 4)) * 2.2


@pytest.mark.parametrize("depth", [0, -1, 51])
def test_bad_depth_is_refused(depth):
    with pytest.raises(ValueError, match="进深"):
        zone_from_frontage(LINE, depth)


def test_bad_line_is_refused():
    with pytest.raises(ValueError, match="临街线"):
        zone_from_frontage(LineString([(1, 1), (1, 1)]), 5)
