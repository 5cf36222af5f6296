"""Nearest components: the H3 ring query finds exactly what a brute-force scan finds."""

from __future__ import annotations

import math
import random

import pytest
from h3.api import basic_int as h3
from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.assets.actions import import_components
from cityloop.assets.models import H3_RESOLUTION, Component
from cityloop.assets.nearest import covering_cells, haversine_m, nearest_components

from .conftest import cover

pytestmark = pytest.mark.django_db
CENTRE = (118.7825, 32.0425)  # middle of the south-west grid
SUBCLASSES = ["0101", "0102", "0103", "0105", "0107", "0111", "0118", "0305"]


def offset(lon: float, lat: float, metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` away from (lon, lat) towards ``bearing`` (radians, clockwise from north)."""
    r = 6_371_008.8
    dlat = metres * math.cos(bearing) / r
    dlon = metres * math.sin(bearing) / (r * math.cos(math.radians(lat)))
    return lon + math.degrees(dlon), lat + math.degrees(dlat)


@pytest.fixture
def dense(org, grids, actor):
    """2,000 components within 150 m of the centre, about one per 35 m², of eight subclasses."""
    rng = random.Random(7)
    rows = []
    for seq in range(1, 2001):
        lon, lat = offset(*CENTRE, 150 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))
        rows.append(cover(seq, lon=lon, lat=lat, sub=rng.choice(SUBCLASSES)))
    report = import_components(rows, actor=actor)
    assert report.created == 2000
    return [(r["id"], r["lon"], r["lat"]) for r in rows]


def brute(points, lon, lat, radius, prefix=None):
    found = sorted(
        (haversine_m(lon, lat, p_lon, p_lat), code)
        for code, p_lon, p_lat in points
        if (prefix is None or code[6:10] == prefix) and haversine_m(lon, lat, p_lon, p_lat) <= radius
    )
    return [code for _, code in found]


def test_nearest_matches_a_brute_force_scan(dense):
    rng = random.Random(3)
    for _ in range(40):
        lon, lat = offset(*CENTRE, rng.uniform(0, 160), rng.uniform(0, 2 * math.pi))
        radius = rng.choice([5, 10, 30, 60])
        got = nearest_components(lon, lat, radius_m=radius, limit=500)
        assert [c.code for c, _ in got] == brute(dense, lon, lat, radius)
        distances = [d for _, d in got]
        assert distances == sorted(distances) and all(d <= radius for d in distances)


def test_nearest_by_subclass_and_limit(dense):
    lon, lat = CENTRE
    got = nearest_components(lon, lat, "0111", radius_m=60, limit=3)
    assert [c.code for c, _ in got] == brute(dense, lon, lat, 60, "0111")[:3]
    assert all(c.subclass.code == "0111" for c, _ in got)
    by_class = nearest_components(lon, lat, "01", radius_m=20, limit=1000)
    assert {c.subclass.code[:2] for c, _ in by_class} == {"01"}
    assert len(by_class) == len([c for c in brute(dense, lon, lat, 20) if c[6:8] == "01"])


def test_large_radius_uses_ranges_and_stays_exact(dense):
    lon, lat = offset(*CENTRE, 40, 1.0)
    res, _ = covering_cells(lon, lat, 400)
    assert res < H3_RESOLUTION
    got = nearest_components(lon, lat, radius_m=400, limit=5000)
    assert [c.code for c, _ in got] == brute(dense, lon, lat, 400)


def test_the_reported_cover_is_found_among_many(dense, actor):
    """A supervisor standing 2 m from a gas cover, amid dozens of other covers, gets that cover."""
    target = offset(*CENTRE, 75, 2.0)
    rows = [cover(9001, lon=target[0], lat=target[1], sub="0111", owner="D-WATER")]
    rng = random.Random(11)
    for seq in range(9002, 9050):  # other covers crowding the spot, none of them gas covers
        lon, lat = offset(*target, rng.uniform(1, 8), rng.uniform(0, 2 * math.pi))
        rows.append(cover(seq, lon=lon, lat=lat, sub=rng.choice(["0101", "0102", "0103"])))
    import_components(rows, actor=actor)
    here = offset(*target, 2, 0.3)
    (found, distance), *_ = nearest_components(*here, "0111", radius_m=30)
    assert found.code == "9901000111009001" and found.owner.code == "D-WATER"
    assert 1.9 < distance < 2.1


def test_nothing_near_returns_empty(dense):
    assert nearest_components(118.79, 32.049, radius_m=30) == []
    assert nearest_components(*CENTRE, radius_m=0) == []


def test_queryset_narrows_the_search(dense):
    only_intact_sewers = Component.objects.filter(subclass__code="0102")
    got = nearest_components(*CENTRE, radius_m=40, limit=100, queryset=only_intact_sewers)
    assert got and {c.subclass.code for c, _ in got} == {"0102"}


@settings(max_examples=300, deadline=None)
@given(
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-80.0, 80.0),
    radius=st.floats(1.0, 3000.0),
    fraction=st.floats(0.0, 1.0),
    bearing=st.floats(0.0, 2 * math.pi),
)
def test_covering_cells_cover_the_whole_circle(lon, lat, radius, fraction, bearing):
    """Any point within the radius lies in one of the cells (or below one, at coarser resolutions)."""
    res, cells = covering_cells(lon, lat, radius)
    p_lon, p_lat = offset(lon, lat, radius * fraction * 0.999, bearing)
    cell = h3.latlng_to_cell(p_lat, p_lon, H3_RESOLUTION)
    assert (cell if res == H3_RESOLUTION else h3.cell_to_parent(cell, res)) in set(cells)


@pytest.mark.parametrize("restricted", [False, True])
def test_subclass_can_be_a_category_a_class_or_several_codes(dense, restricted):
    from cityloop.catalog.models import Category

    lon, lat = CENTRE
    qs = Component.objects.all() if restricted else None
    gas = Category.objects.get(kind="component", code="0111")
    utilities = Category.objects.get(kind="component", code="01")

    def codes(subclass):
        found = nearest_components(lon, lat, subclass, radius_m=40, limit=1000, queryset=qs)
        return [c.code for c, _ in found]

    assert codes(gas) == brute(dense, lon, lat, 40, "0111")
    assert codes(utilities) == [c for c in brute(dense, lon, lat, 40) if c[6:8] == "01"]
    both = codes(["0111", "0305"])
    assert both == [c for c in brute(dense, lon, lat, 40) if c[6:10] in {"0111", "0305"}]
    assert codes("0199") == []
