"""Export to GeoJSON, and export → import round trips; roads."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import shapely.geometry
from django.core.exceptions import ValidationError

from cityloop.core.models import AuditEntry
from cityloop.geo.actions import create_roads, grids_to_geojson, import_grids
from cityloop.geo.geojson import features_of
from cityloop.geo.models import Grid, Road

from .conftest import org_features


def test_export_has_the_import_properties(grids, org):
    collection = grids_to_geojson(Grid.objects.all())
    assert collection["type"] == "FeatureCollection"
    first = collection["features"][0]
    assert first["properties"]["code"] == "990100001001001"
    assert first["properties"]["community"] == "990100001001"
    assert first["properties"]["name"] == "网格1"
    assert first["properties"]["valid_from"] == "2020-01-01"
    originals = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in org_features()}
    for f in collection["features"]:
        assert shapely.equals_exact(
            shapely.geometry.shape(f["geometry"]), originals[f["properties"]["code"]], 0
        )


def test_export_then_import_round_trips_as_a_redraw(grids, actor):
    exported = grids_to_geojson(Grid.objects.valid_at(dt.date(2024, 1, 1)))
    report = import_grids(features_of(exported), actor=actor, valid_from=dt.date(2024, 1, 1))
    assert (report.created, report.redrawn) == (8, 8)
    again = grids_to_geojson(Grid.objects.valid_at(dt.date(2024, 1, 1)))
    strip = lambda c: [  # noqa: E731
        (f["properties"]["code"], f["properties"]["community"], f["geometry"]) for f in c["features"]
    ]
    assert strip(again) == strip(exported)


def test_round_trip_keeps_the_responsible_unit(org, actor):
    features = org_features()[:1]
    features[0]["properties"]["responsible_unit"] = "D-WATER"
    import_grids(features, actor=actor, valid_from=dt.date(2020, 1, 1))
    exported = grids_to_geojson(Grid.objects.all())
    assert exported["features"][0]["properties"]["responsible_unit"] == "D-WATER"


def test_features_of_accepts_collections_features_and_lists():
    one = org_features()[0]
    assert features_of({"type": "FeatureCollection", "features": [one]}) == [one]
    assert features_of(one) == [one]
    assert features_of([one]) == [one]
    with pytest.raises(ValidationError, match="FeatureCollection"):
        features_of({"type": "Topology"})


def test_create_roads(org, actor):
    roads = [
        ("人民路", "arterial", shapely.LineString([(120.0, 30.0), (120.01, 30.0)])),
        ("文化巷", "lane", shapely.LineString([(120.0, 30.0), (120.0, 30.005)])),
    ]
    assert create_roads(roads, actor=actor, district=org.district) == 2
    assert set(Road.objects.values_list("name", "kind")) == {("人民路", "arterial"), ("文化巷", "lane")}
    assert Road.objects.get(name="人民路").district == org.district
    assert AuditEntry.objects.filter(action="road.create").count() == 1


def test_bad_roads_are_refused_together(org, actor):
    roads = [
        ("人民路", "arterial", shapely.LineString([(120.0, 30.0), (120.01, 30.0)])),
        ("广场", "plaza", shapely.Point(120, 30)),
    ]
    with pytest.raises(ValidationError) as err:
        create_roads(roads, actor=actor, district=org.district)
    text = " ".join(err.value.messages)
    assert "road #1 (广场): kind 'plaza'" in text and "LineString" in text
    assert not Road.objects.exists()
