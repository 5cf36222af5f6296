"""``GET /api/v1/geo/geocode``: an answer with its grid, candidates only when unsure, 4xx for bad input."""

from __future__ import annotations

import pytest

from cityloop.geo import gazetteer

from . import geocode_city


@pytest.fixture
def city(grids, org, actor):
    gazetteer.reset()
    geocode_city.build(org, actor)
    yield
    gazetteer.reset()


def test_geocode_answers_point_grid_and_confidence(city, org, api_as):
    res = api_as(org.users["supervisor_a"]).get("/api/v1/geo/geocode", q="长江中路22号")
    assert res.status_code == 200, res.content
    body = res.json()
    assert (
        body["grid"] == "990100002001003" and body["community"] == "西一社区" and body["street"] == "西街道"
    )
    assert body["confidence"] >= 0.9 and body["method"] == "door"
    assert body["matched"][0] == {"text": "长江中路", "kind": "road", "name": "长江中路"}
    assert body["candidates"][0]["grid"] == "990100002001003"


def test_unknown_answers_candidates_without_a_point(city, org, api_as):
    body = api_as(org.users["supervisor_a"]).get("/api/v1/geo/geocode", q="长江大路", limit=3).json()
    assert body["lon"] is None and body["grid"] is None
    assert body["candidates"] and len(body["candidates"]) <= 3


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "路" * 201},
        {"q": "长江中路", "limit": 0},
        {"q": "长江中路", "limit": "x"},
        {"q": "   "},
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(city, org, api_as, params):
    res = api_as(org.users["supervisor_a"]).get("/api/v1/geo/geocode", **params)
    assert 400 <= res.status_code < 500, res.content
    body = res.json()
    fields = [body.get("field")] + [
        e.get("field", "") for e in body.get("errors") or [] if isinstance(e, dict)
    ]
    assert any(f and ("q" in f or "limit" in f) for f in fields), body


def test_anonymous_is_refused(city, api_as):
    assert api_as(None).get("/api/v1/geo/geocode", q="长江中路22号").status_code == 401
