"""The /frontage/ pages render in Chinese, within the jurisdiction, with no English on them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cityloop.frontage.actions import import_frontage

from .conftest import code, shop


@pytest.fixture
def parties(org, grids, actor):
    assert import_frontage(
        [shop(1, name="东街面馆", address="东街1号"), shop(2, name="西街花店", lat=32.0460)], actor=actor
    ).applied


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def english_words(html: str) -> set[str]:
    # Credit codes, zone codes and units (m²) are not words.
    return {w for w in re.findall(r"\b[A-Za-z]{3,}\b", visible_text(html)) if not re.search(r"\d", w)}


def test_list_in_chinese_with_map_and_only_own_street(org, parties):
    response = login(org.users["street_a_manager"]).get("/frontage/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "门前三包" in html and "东街面馆" in html and "西街花店" not in html
    assert "data-frontage-map" in html and "统一社会信用代码" in html
    assert english_words(html) == set()
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)


def test_filters(org, parties):
    client = login(org.users["leader"])
    assert "西街花店" in client.get("/frontage/").content.decode()
    html = client.get("/frontage/", {"street": org.street_a.code}).content.decode()
    assert "东街面馆" in html and "西街花店" not in html
    assert "东街面馆" in client.get("/frontage/", {"q": "东街1号"}).content.decode()


def test_party_page_shows_zone_duties_and_contact_to_street_staff(org, parties):
    response = login(org.users["street_a_manager"]).get(f"/frontage/parties/{code(1)}/")
    html = response.content.decode()
    assert response.status_code == 200 and english_words(html) == set()
    assert "市容卫生" in html and "绿化/设施" in html and "13800000000" in html and f"{code(1)}-1" in html
    assert "进深" in html or "米" in html


def test_party_page_hides_contact_from_community_staff_and_others_get_404(org, parties):
    html = login(org.users["supervisor_a"]).get(f"/frontage/parties/{code(1)}/").content.decode()
    assert "东街面馆" in html and "13800000000" not in html
    assert login(org.users["street_b_manager"]).get(f"/frontage/parties/{code(1)}/").status_code == 404


def test_zones_layer_is_scoped(org, parties):
    body = login(org.users["street_b_manager"]).get("/frontage/zones.geojson").json()
    assert [f["properties"]["name"] for f in body["features"]] == ["西街花店"]
    assert Client().get("/frontage/").status_code == 302
