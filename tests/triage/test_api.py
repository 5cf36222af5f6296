"""``POST /api/v1/intake/suggest``: the likeliest categories, the unit routing would choose at a
point, and 4xx answers that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from cityloop.triage.models import TriageModel
from tests.geo.conftest import DLAT, DLON, ORIGIN

URL = "/api/v1/intake/suggest"
# Inside community A's first grid (street A).
A1 = (ORIGIN[0] + DLON * 0.5, ORIGIN[1] + DLAT * 1.5)

pytestmark = pytest.mark.django_db


def test_categories_for_text(api_as: Any, org: Any) -> None:
    answer = api_as(org.users["dispatcher"]).post(URL, {"text": "小区门口的污水井盖被偷了", "k": 3})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["categories"][0]["code"] == "0102"
    best = body["categories"][0]
    assert best == {"code": "0102", "name": "污水井盖", "kind": "component", "score": best["score"]}
    assert len(body["categories"]) == 3
    scores = [c["score"] for c in body["categories"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1
    assert body["model"]["name"] == "default" and body["unit"] is None and body["routing"] is None
    assert not TriageModel.objects.exists()  # the in-memory default: nothing was written


def test_anonymous_citizens_may_ask(api_as: Any, db: Any) -> None:
    answer = api_as(None).post(URL, {"text": "路边有人摆地摊卖菜"})
    assert answer.status_code == 200
    assert answer.json()["categories"][0]["code"] == "0501"


def test_anonymous_suggestions_are_rate_limited(api_as: Any, db: Any, settings: Any) -> None:
    settings.CITYLOOP_RATELIMIT_SUGGEST_PER_ADDRESS = "2/m"
    client = api_as(None)
    assert [client.post(URL, {"text": "井盖丢了"}).status_code for _ in range(3)] == [200, 200, 429]


def test_a_bad_token_is_refused(db: Any) -> None:
    from django.test import Client

    answer = Client().post(
        URL, {"text": "井盖丢了"}, content_type="application/json", headers={"Authorization": "Bearer nope"}
    )
    assert answer.status_code == 401


def test_with_a_point_the_unit_routing_would_choose(api_as: Any, org: Any, grids: Any) -> None:
    body = {"text": "马路上有一堆垃圾没人清", "lon": A1[0], "lat": A1[1], "address": "东街道示范路12号"}
    answer = api_as(org.users["dispatcher"]).post(URL, body)
    assert answer.status_code == 200, answer.content
    found = answer.json()
    assert found["categories"][0]["code"] == "0102" and found["categories"][0]["kind"] == "event"
    # An event goes to the territory: the grid's street (DOMAIN.md §5), decided without a case.
    assert found["unit"]["code"] == org.street_a.code
    assert found["routing"]["basis"] and found["location"]["grid"] == "990100001001001"
    assert found["address"] == "东街道示范路12号"


def test_a_point_in_gcj02_is_converted(api_as: Any, org: Any, grids: Any) -> None:
    from cityloop.geo import crs

    lon, lat = crs.wgs84_to_gcj02(*A1)
    answer = api_as(org.users["dispatcher"]).post(
        URL, {"text": "垃圾桶满了", "lon": float(lon), "lat": float(lat), "crs": "gcj02"}
    )
    assert answer.status_code == 200
    assert answer.json()["location"]["grid"] == "990100001001001"


def test_a_point_outside_every_grid_says_why(api_as: Any, org: Any, grids: Any) -> None:
    answer = api_as(org.users["dispatcher"]).post(URL, {"text": "垃圾桶满了", "lon": 100.0, "lat": 20.0})
    assert answer.status_code == 200
    body = answer.json()
    assert body["unit"] is None and "outside every unit grid" in body["routing_note"]


def test_the_active_stored_model_answers(api_as: Any, org: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    from .conftest import write_corpus

    call_command("triage", "train", str(write_corpus(tmp_path / "t.csv", 20, seed=1)), "--name", "city")
    body = api_as(org.users["dispatcher"]).post(URL, {"text": "路灯不亮了"}).json()
    assert body["model"]["name"] == "city" and body["categories"][0]["code"] == "0118"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"text": "井" * 4001}, 422, "text"),
        ({"text": "   "}, 400, "text"),
        ({"text": "井盖", "lon": 120.0}, 400, "lat"),
        ({"text": "井盖", "lat": 30.0}, 400, "lon"),
        ({"text": "井盖", "lon": "east", "lat": 30.0}, 422, "lon"),
        ({"text": "井盖", "lon": 120.0, "lat": 30.0, "crs": "mars"}, 422, "crs"),
        ({"text": "井盖", "lon": 500.0, "lat": 30.0}, 400, "location"),
        ({"text": "井盖", "k": 0}, 422, "k"),
        ({"text": "井盖", "k": 11}, 422, "k"),
        ({"text": "井盖", "address": "路" * 201}, 422, "address"),
    ],
)
def test_bad_input_names_the_field(
    api_as: Any, org: Any, body: dict[str, Any], status: int, field: str
) -> None:
    answer = api_as(org.users["dispatcher"]).post(URL, body)
    assert answer.status_code == status, answer.content
    assert field in answer.content.decode()


def test_nan_is_refused(api_as: Any, org: Any) -> None:
    client = api_as(org.users["dispatcher"])
    raw = '{"text": "井盖丢了", "lon": NaN, "lat": 30.0}'
    answer = client.client.post(URL, raw, content_type="application/json", headers=client.headers)
    assert answer.status_code == 400 and "body" in answer.content.decode()


def test_likely_duplicates_at_a_point(loop: Any, api_as: Any) -> None:
    """An open case of the same problem nearby is offered to staff who may see it, never to the public."""
    from tests.cases.conftest import POINT_A

    case = loop.report(description="路边有一堆垃圾没人清理")
    loop.act(case, "accept")  # event 0102 暴露垃圾
    body = {"text": "路边有一堆垃圾没人清", "lon": POINT_A[0], "lat": POINT_A[1]}
    answer = api_as(loop.users["dispatcher"]).post(URL, body).json()
    assert answer["categories"][0]["code"] == "0102"
    assert [d["number"] for d in answer["likely_duplicates"]] == [case.number]
    assert answer["likely_duplicates"][0]["distance_m"] < 1
    assert api_as(None).post(URL, body).json()["likely_duplicates"] == []
    far = api_as(loop.users["dispatcher"]).post(URL, {"text": "路边有一堆垃圾没人清"}).json()
    assert far["likely_duplicates"] == []
