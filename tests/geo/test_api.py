"""``/api/v1/geo``: locate (200, 404, bad parameters) and grids (GeoJSON, restricted to jurisdiction)."""

from __future__ import annotations

from .conftest import DLAT, DLON, ORIGIN

LON, LAT = ORIGIN


def test_locate_inside(grids, org, api_as):
    api = api_as(org.users["supervisor_a"])
    res = api.get("/api/v1/geo/locate", lon=LON + 0.5 * DLON, lat=LAT + 0.5 * DLAT)
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["grid_code"] == "990100001001003"
    assert (body["street_name"], body["district_code"]) == ("东街道", "990100")


def test_locate_at_a_date(grids, org, api_as):
    api = api_as(org.users["supervisor_a"])
    res = api.get("/api/v1/geo/locate", lon=LON + 0.5 * DLON, lat=LAT + 0.5 * DLAT, at="2019-06-01")
    assert res.status_code == 404
    assert "in service on 2019-06-01" in res.json()["detail"]


def test_locate_outside_is_404_with_a_message(grids, org, api_as):
    res = api_as(org.users["supervisor_a"]).get("/api/v1/geo/locate", lon=100, lat=20)
    assert res.status_code == 404
    assert "lies outside every unit grid" in res.json()["detail"]


def test_locate_bad_parameters(grids, org, api_as):
    api = api_as(org.users["supervisor_a"])
    for params in (
        {"lon": "abc", "lat": 30},
        {"lon": 200, "lat": 30},
        {"lat": 30},
        {"lon": 1, "lat": 2, "at": "x"},
    ):
        res = api.get("/api/v1/geo/locate", **params)
        assert res.status_code == 422, params
        assert res.json()["detail"]


def test_locate_needs_credentials(grids, api_as):
    assert api_as(None).get("/api/v1/geo/locate", lon=LON, lat=LAT).status_code == 401


def _codes(res) -> set[str]:
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["type"] == "FeatureCollection"
    return {f["properties"]["code"] for f in body["features"]}


def test_grids_are_restricted_to_the_callers_jurisdiction(grids, org, api_as):
    bbox = f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"
    street_a = _codes(api_as(org.users["street_a_manager"]).get("/api/v1/geo/grids", bbox=bbox))
    street_b = _codes(api_as(org.users["street_b_manager"]).get("/api/v1/geo/grids", bbox=bbox))
    everyone = _codes(api_as(org.users["admin"]).get("/api/v1/geo/grids", bbox=bbox))
    assert street_a == {f"990100001001{i:03d}" for i in range(1, 5)}
    assert street_b == {f"990100002001{i:03d}" for i in range(1, 5)}
    assert everyone == street_a | street_b
    assert _codes(api_as(org.users["water_handler"]).get("/api/v1/geo/grids", bbox=bbox)) == set()


def test_grids_bbox_filters_and_features_carry_import_properties(grids, org, api_as):
    api = api_as(org.users["admin"])
    west = f"{LON},{LAT},{LON + 0.5 * DLON},{LAT + 0.5 * DLAT}"
    assert _codes(api.get("/api/v1/geo/grids", bbox=west)) == {"990100001001003"}
    feature = api.get("/api/v1/geo/grids", bbox=west).json()["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["community"] == "990100001001"
    assert feature["properties"]["community_name"] == "东一社区"
    assert _codes(api.get("/api/v1/geo/grids", bbox="0,0,1,1")) == set()
    assert _codes(api.get("/api/v1/geo/grids", at="2019-01-01")) == set()


def test_grids_bad_parameters(grids, org, api_as):
    api = api_as(org.users["admin"])
    for bbox in ("1,2,3", "a,b,c,d", "3,3,1,1", "-200,0,0,1"):
        res = api.get("/api/v1/geo/grids", bbox=bbox)
        assert res.status_code == 400, bbox
        assert "bbox" in res.json()["detail"]
    assert api.get("/api/v1/geo/grids", limit=0).status_code == 400
