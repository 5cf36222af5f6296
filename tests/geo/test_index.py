"""The spatial index: locate and locate_many inside, outside, on edges, by date, and its rebuilds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cityloop.core.models import SharedVersion
from cityloop.geo import index
from cityloop.geo.actions import end_grid, import_grids
from cityloop.geo.models import Grid

from .conftest import DLAT, DLON, ORIGIN, feature, square

LON, LAT = ORIGIN
TODAY = dt.date(2025, 6, 1)


def test_locate_inside_gives_grid_community_street_and_district(grids, org):
    found = index.locate(LON + 0.5 * DLON, LAT + 1.5 * DLAT, at=TODAY)
    assert found is not None
    assert found.grid_code == "990100001001001"
    assert (found.community_code, found.community_name) == ("990100001001", "东一社区")
    assert (found.street_code, found.street_name) == ("990100001", "东街道")
    assert (found.district_code, found.district_name) == ("990100", "示范区")
    assert found.grid_id == Grid.objects.get(code="990100001001001").pk
    east = index.locate(LON + 3.5 * DLON, LAT + 0.5 * DLAT, at=TODAY)
    assert east is not None and east.grid_code == "990100002001004" and east.street_code == "990100002"


def test_locate_outside_and_before_the_grids_existed(grids):
    assert index.locate(LON - 0.001, LAT, at=TODAY) is None
    assert index.locate(LON + 0.5 * DLON, LAT + 0.5 * DLAT, at=dt.date(2019, 12, 31)) is None
    assert index.locate(LON + 0.5 * DLON, LAT + 0.5 * DLAT, at=dt.date(2020, 1, 1)) is not None


def test_a_point_on_a_shared_edge_or_corner_belongs_to_the_lowest_code(grids):
    # The edge between 001 (west) and 002 (east), and the corner all four grids of community A share.
    assert index.locate(LON + DLON, LAT + 1.5 * DLAT, at=TODAY).grid_code == "990100001001001"
    assert index.locate(LON + DLON, LAT + DLAT, at=TODAY).grid_code == "990100001001001"
    # On the outer boundary the point is still inside (boundaries belong to the grid).
    assert index.locate(LON, LAT + 0.5 * DLAT, at=TODAY).grid_code == "990100001001003"


def test_locate_many_agrees_with_locate(grids):
    rng = np.random.default_rng(7)
    lons = rng.uniform(LON - DLON, LON + 5 * DLON, 500)
    lats = rng.uniform(LAT - DLAT, LAT + 3 * DLAT, 500)
    lons[:3] = [LON + DLON, LON + DLON, LON]
    lats[:3] = [LAT + 1.5 * DLAT, LAT + DLAT, LAT + 0.5 * DLAT]
    many = index.locate_many(lons, lats, at=TODAY)
    single = [index.locate(x, y, at=TODAY) for x, y in zip(lons, lats, strict=True)]
    assert many == single
    assert any(m is None for m in many) and sum(m is not None for m in many) > 100


def test_locate_many_with_dates_and_empty_input(grids):
    assert index.locate_many([], []) == []
    points = ([LON + 0.5 * DLON], [LAT + 0.5 * DLAT])
    assert index.locate_many(*points, at=dt.date(2019, 1, 1)) == [None]
    assert index.locate_many(*points, at=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC))[0].grid_code.endswith(
        "003"
    )


def test_no_grids_at_all(db):
    assert index.locate(120, 30) is None
    assert index.locate_many([120, 121], [30, 31]) == [None, None]


def test_index_rebuilds_after_an_import_and_an_end(grids, actor):
    spot = (LON + 4.5 * DLON, LAT + 0.5 * DLAT)
    assert index.locate(*spot, at=TODAY) is None
    before = index.get_index()
    import_grids([feature("990100002001005", square(LON + 4 * DLON, LAT))], actor=actor, valid_from=TODAY)
    assert index.locate(*spot, at=TODAY).grid_code == "990100002001005"
    assert index.get_index() is not before
    end_grid(Grid.objects.get(code="990100002001005"), actor=actor, on=dt.date(2025, 7, 1))
    assert index.locate(*spot, at=dt.date(2025, 7, 1)) is None


def test_other_processes_notice_the_version_counter(grids, monkeypatch):
    first = index.get_index()
    assert index.get_index() is first  # cached between checks
    # Another process moved the counter; once the recheck interval has passed we rebuild.
    SharedVersion.objects.update_or_create(name="geo.grids", defaults={"counter": first.version + 10})
    monkeypatch.setattr(index.GRIDS, "recheck_seconds", 0.0)
    rebuilt = index.get_index()
    assert rebuilt is not first and rebuilt.version == first.version + 10


@pytest.mark.parametrize("at", [None, dt.date(2030, 1, 1)])
def test_default_day_is_today(grids, at):
    assert index.locate(LON + 0.5 * DLON, LAT + 0.5 * DLAT, at=at) is not None
