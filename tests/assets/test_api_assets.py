"""The assets API: nearest, list with filters, one component; all within the caller's jurisdiction."""

from __future__ import annotations

import pytest

from cityloop.assets.actions import import_components

from .conftest import cover


@pytest.fixture
def inventory(org, grids, actor):
    rows = [
        cover(1, lon=118.7810, lat=32.0410, owner="D-WATER", maintainer="D-WATER"),  # community A
        cover(2, lon=118.7812, lat=32.0410, sub="0102", maintainer="D-SANI"),  # A, unowned sewer
        cover(3, lon=118.7810, lat=32.0460, owner="D-WATER"),  # community B, water-owned
        cover(4, lon=118.7812, lat=32.0460, sub="0305", owner="D-SANI", state="damaged"),  # B
        cover(5, lon=118.7814, lat=32.0460, sub="0114"),  # B, unowned cover
    ]
    assert import_components(rows, actor=actor).created == 5


def codes(body) -> list[str]:
    items = body["items"] if isinstance(body, dict) else body
    return [c["id"] for c in items]


def test_nearest_gives_id_owner_distance_and_grid(api_as, org, inventory):
    client = api_as(org.users["supervisor_a"])
    body = client.get("/api/v1/assets/components/nearest", lon=118.78101, lat=32.04101, code="0101").json()
    assert len(body) == 1
    hit = body[0]
    assert (
        hit["id"] == "9901000101000001" and hit["subclass"] == "0101" and hit["subclass_name"] == "上水井盖"
    )
    assert (hit["owner"], hit["owner_name"], hit["maintainer_name"]) == (
        "D-WATER",
        "自来水公司",
        "自来水公司",
    )
    assert hit["grid"] == "990100001001001" and 1.0 < hit["distance_m"] < 2.0
    both = client.get("/api/v1/assets/components/nearest", lon=118.7811, lat=32.0410, radius=50).json()
    assert codes(both) == ["9901000101000001", "9901000102000002"] or codes(both) == [
        "9901000102000002",
        "9901000101000001",
    ]
    assert both[0]["distance_m"] <= both[1]["distance_m"]
    assert (
        client.get("/api/v1/assets/components/nearest", lon=118.7811, lat=32.041, code="0199").status_code
        == 400
    )
    assert client.get("/api/v1/assets/components/nearest", lon=500, lat=32.041).status_code == 422


def test_nearest_respects_jurisdiction(api_as, org, inventory):
    # Community A's supervisor standing in community B sees nothing there; street B's manager does.
    here = {"lon": 118.7812, "lat": 32.0460, "radius": 50}
    assert api_as(org.users["supervisor_a"]).get("/api/v1/assets/components/nearest", **here).json() == []
    seen = codes(
        api_as(org.users["street_b_manager"]).get("/api/v1/assets/components/nearest", **here).json()
    )
    assert set(seen) == {"9901000101000003", "9901000305000004", "9901000114000005"}


def test_list_is_restricted_to_grids_and_owned_components(api_as, org, inventory):
    all_five = {f"990100{s}" for s in ("0101000001", "0102000002", "0101000003", "0305000004", "0114000005")}
    assert set(codes(api_as(org.users["leader"]).get("/api/v1/assets/components").json())) == all_five
    street_a = codes(api_as(org.users["street_a_manager"]).get("/api/v1/assets/components").json())
    assert street_a == ["9901000101000001", "9901000102000002"]
    # The water company sees its covers wherever they are, and nothing else.
    water = codes(api_as(org.users["water_handler"]).get("/api/v1/assets/components").json())
    assert water == ["9901000101000001", "9901000101000003"]


def test_list_filters(api_as, org, inventory):
    client = api_as(org.users["admin"])
    get = lambda **p: codes(client.get("/api/v1/assets/components", **p).json())  # noqa: E731
    assert get(unowned="true") == ["9901000102000002", "9901000114000005"]
    assert len(get(unowned="false")) == 3
    assert get(subclass="0305") == ["9901000305000004"]
    assert get(subclass="03") == ["9901000305000004"]
    assert get(owner="D-WATER") == ["9901000101000001", "9901000101000003"]
    assert get(maintainer="D-SANI") == ["9901000102000002"]
    assert get(state="damaged") == ["9901000305000004"]
    assert get(grid="990100001001001") == ["9901000101000001", "9901000102000002"]
    assert get(community=org.community_b.code) == ["9901000101000003", "9901000114000005", "9901000305000004"]
    assert get(bbox="118.7811,32.0455,118.7813,32.0465") == ["9901000305000004"]
    body = client.get("/api/v1/assets/components", limit=2).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    assert client.get("/api/v1/assets/components", bbox="1,2,3").status_code == 400
    assert client.get("/api/v1/assets/components", subclass="0999").status_code == 400


def test_one_component(api_as, org, inventory):
    body = api_as(org.users["street_b_manager"]).get("/api/v1/assets/components/9901000114000005").json()
    assert body["is_unowned"] is True and body["owner"] is None and body["street"] == org.street_b.code
    assert body["state"] == "intact" and body["state_name"] == "完好"
    hidden = api_as(org.users["street_b_manager"]).get("/api/v1/assets/components/9901000102000002")
    assert hidden.status_code == 404 and "jurisdiction" in hidden.json()["detail"]
    assert api_as(None).get("/api/v1/assets/components/9901000114000005").status_code == 401
