"""``/api/v1/frontage``: parties and zones within the caller's jurisdiction, private contacts,
audited writes with errors that name the field, and the point → zone lookup."""

from __future__ import annotations

import json

import pytest

from cityloop.core.models import AuditEntry
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.models import Party

from .conftest import code, shop

A = "/api/v1/frontage"


@pytest.fixture
def parties(org, grids, actor):
    rows = [
        shop(1, name="东街面馆"),  # street A, community A
        shop(2, name="东街药店", lon=118.7850),  # street A
        shop(3, name="西街花店", lat=32.0460),  # street B
    ]
    report = import_frontage(rows, actor=actor)
    assert report.applied, [str(e) for e in report.errors]


def patch(client, path, body):
    return client.client.patch(
        path, json.dumps(body), content_type="application/json", headers=client.headers
    )


def names(response):
    return [p["name"] for p in response.json()["items"]]


def test_street_staff_see_their_parties_with_contacts(api_as, org, parties):
    client = api_as(org.users["street_a_manager"])
    response = client.get(f"{A}/parties")
    assert response.status_code == 200 and names(response) == ["东街药店", "东街面馆"]
    assert response.json()["items"][0]["contact_phone"] == "13800000000"
    assert names(client.get(f"{A}/parties", q="面馆")) == ["东街面馆"]
    assert names(client.get(f"{A}/parties", street=org.street_b.code)) == []
    other = api_as(org.users["street_b_manager"]).get(f"{A}/parties")
    assert names(other) == ["西街花店"]


def test_community_staff_see_parties_without_contacts(api_as, org, parties):
    client = api_as(org.users["supervisor_a"])
    body = client.get(f"{A}/parties", community=org.community_a.code).json()
    assert [p["name"] for p in body["items"]] == ["东街药店", "东街面馆"]
    assert all(p["contact_name"] is None and p["contact_phone"] is None for p in body["items"])
    detail = client.get(f"{A}/parties/{code(1)}").json()
    assert detail["contact_phone"] is None and detail["zones"][0]["duties"][0]["name"] == "市容卫生"


def test_detail_outside_jurisdiction_is_404(api_as, org, parties):
    client = api_as(org.users["street_b_manager"])
    assert client.get(f"{A}/parties/{code(1)}").status_code == 404
    assert client.get(f"{A}/parties/{code(3)}").status_code == 200
    assert client.get(f"{A}/zones/{code(1)}-1").status_code == 404
    assert api_as(None).get(f"{A}/parties").status_code == 401


def test_create_is_audited_and_errors_name_fields(api_as, org, grids):
    client = api_as(org.users["street_a_manager"])
    body = {
        "uscc": code(9),
        "name": "新开超市",
        "geometry": "LINESTRING (118.782 32.041, 118.7821 32.041)",
        "depth": 3,
        "duties": "sanitation",
    }
    response = client.post(f"{A}/parties", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["street"] == org.street_a.code and made["zones"][0]["depth_m"] == 3
    assert AuditEntry.objects.filter(action="frontage.party.create").count() == 1
    again = client.post(f"{A}/parties", body)
    assert again.status_code == 400 and "已登记" in json.dumps(again.json(), ensure_ascii=False)
    bad = client.post(f"{A}/parties", {**body, "uscc": "91350100M000100Y44", "contact_phone": "x"})
    fields = set(bad.json()["errors"])
    assert bad.status_code == 400 and {"uscc", "contact_phone"} <= fields
    assert client.post(f"{A}/parties", {**body, "depth": 80}).status_code == 422
    assert client.post(f"{A}/parties", {"name": "x"}).status_code == 422


def test_create_in_another_street_is_403_and_leaves_nothing(api_as, org, grids):
    client = api_as(org.users["street_a_manager"])
    response = client.post(f"{A}/parties", {"uscc": code(9), "name": "越界", "street": org.street_b.code})
    assert response.status_code == 403
    assert not Party.objects.exists()
    assert not AuditEntry.objects.filter(action="frontage.party.create").exists()


def test_community_staff_cannot_write(api_as, org, parties):
    client = api_as(org.users["supervisor_a"])
    assert client.post(f"{A}/parties", {"uscc": code(9), "name": "x"}).status_code == 403
    assert patch(client, f"{A}/parties/{code(1)}", {"name": "改名"}).status_code == 404


def test_update(api_as, org, parties):
    client = api_as(org.users["street_a_manager"])
    response = patch(
        client, f"{A}/parties/{code(1)}", {"name": "东街老面馆", "contact_phone": "0532-8888888"}
    )
    assert response.status_code == 200 and response.json()["name"] == "东街老面馆"
    entry = AuditEntry.objects.get(action="frontage.party.update")
    assert entry.before["name"] == "东街面馆" and entry.after["name"] == "东街老面馆"
    assert patch(client, f"{A}/parties/{code(1)}", {}).status_code == 400
    moved = patch(client, f"{A}/parties/{code(1)}", {"street": org.street_b.code})
    assert moved.status_code == 403 and Party.objects.get(uscc=code(1)).street == org.street_a


def test_zones_geojson_and_point_lookup(api_as, org, parties):
    client = api_as(org.users["street_a_manager"])
    body = client.get(f"{A}/zones").json()
    assert body["type"] == "FeatureCollection"
    assert sorted(f["properties"]["party_name"] for f in body["features"]) == ["东街药店", "东街面馆"]
    assert client.get(f"{A}/zones", bbox="118.784,32.04,118.786,32.042").json()["features"][0]["id"] == (
        f"{code(2)}-1"
    )
    assert client.get(f"{A}/zones", bbox="1,2").status_code == 400
    hit = client.get(f"{A}/zones/at", lon=118.78105, lat=32.04102).json()
    assert (hit["zone"], hit["party_name"]) == (f"{code(1)}-1", "东街面馆")
    assert [d["code"] for d in hit["duties"]] == ["sanitation", "order", "greening"]
    # 2 m on the other side of the frontage line: the road, no one's zone.
    assert client.get(f"{A}/zones/at", lon=118.78105, lat=32.04098).json()["zone"] is None
    # Street B's staff are told nothing about street A's zone.
    other = api_as(org.users["street_b_manager"])
    assert other.get(f"{A}/zones/at", lon=118.78105, lat=32.04102).json()["zone"] is None
    assert client.get(f"{A}/zones/at", lon=200, lat=0).status_code == 422
    feature = client.get(f"{A}/zones/{code(1)}-1").json()
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["party"] == code(1)
