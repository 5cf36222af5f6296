"""The analytics API: answers within the caller's jurisdiction, and 4xx naming the field for bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from cityloop.analytics import rollup

from .conftest import END, START, local, weekly

HOTSPOTS = "/api/v1/analytics/hotspots"
RECURRENCE = "/api/v1/analytics/recurrence"
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


@pytest.fixture
def world(planter, grids, other_district):
    """Cases in street A (grid 0), street B (grid 5) and the other district, all closed and reported
    again within a week."""
    first = local(START + dt.timedelta(days=3))
    for grid in (grids[0], grids[5]):
        planter.cases(grid, weekly(START, END, 3), closed_after=dt.timedelta(days=1))
    north = {k: other_district[k] for k in ("district", "street", "community")}
    planter.cases(None, [first, first + dt.timedelta(days=3)], closed_after=dt.timedelta(days=1), **north)
    rollup.refresh(local(END + dt.timedelta(days=1)))
    return {"a": str(grids[0].pk), "b": str(grids[5].pk), **other_district}


def _places(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {s["place"] for s in response.json()["spots"]}


def test_hotspots_within_jurisdiction(world, loop, api_as) -> None:
    users = loop.users
    assert _places(api_as(users["leader"]).get(HOTSPOTS, **PERIOD)) == {world["a"], world["b"]}
    assert _places(api_as(users["street_a_manager"]).get(HOTSPOTS, **PERIOD)) == {world["a"]}
    assert _places(api_as(users["street_b_manager"]).get(HOTSPOTS, **PERIOD)) == {world["b"]}
    # Another district's street sees its own street only, never this district's places.
    north = api_as(world["manager"]).get(HOTSPOTS, level="street", **PERIOD)
    assert _places(north) == {str(world["street"].pk)}
    assert _places(api_as(world["leader"]).get(HOTSPOTS, level="grid", **PERIOD)) == set()
    # The hour-of-week matrix is counted within the jurisdiction too.
    answer = api_as(users["street_a_manager"]).get(HOTSPOTS, **PERIOD).json()
    assert sum(map(sum, answer["hour_of_week"])) == 12
    # Filtered by category or channel (read from the hourly roll-up): the same jurisdiction.
    street_a = api_as(users["street_a_manager"])
    assert _places(street_a.get(HOTSPOTS, category="0102", channel="supervisor", **PERIOD)) == {world["a"]}
    assert _places(street_a.get(HOTSPOTS, category="0103", **PERIOD)) == set()
    assert _places(api_as(users["leader"]).get(HOTSPOTS, category="01", **PERIOD)) == {world["a"], world["b"]}
    # A department has no territory: it sees no place.
    assert _places(api_as(users["water_handler"]).get(HOTSPOTS, **PERIOD)) == set()


def test_recurrence_within_jurisdiction(world, loop, api_as) -> None:
    leader = api_as(loop.users["leader"]).get(RECURRENCE, days=7, **PERIOD)
    assert leader.status_code == 200
    assert {s["spot"] for s in leader.json()["spots"]} == {world["a"], world["b"]}
    street = api_as(loop.users["street_b_manager"]).get(RECURRENCE, days=7, **PERIOD).json()
    assert {s["spot"] for s in street["spots"]} == {world["b"]}
    assert {s["unit"] for s in street["streets"]} == {"990100002"}
    north = api_as(world["manager"]).get(RECURRENCE, days=7, **PERIOD).json()
    assert north["closed"] == 2 and north["spots"] == []  # no grid: no spot, yet counted in its rate


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (HOTSPOTS, {"level": "county"}, "level"),
        (HOTSPOTS, {"from": "2026-13-45"}, "from"),
        (HOTSPOTS, {"from": "yesterday"}, "from"),
        (HOTSPOTS, {"from": "2026-11-20", "to": "2026-11-01"}, "from"),
        (HOTSPOTS, {"from": "2024-01-01", "to": "2026-01-01"}, "to"),
        (HOTSPOTS, {"category": "9999"}, "category"),
        (HOTSPOTS, {"category": "abc"}, "category"),
        (HOTSPOTS, {"channel": "pigeon"}, "channel"),
        (HOTSPOTS, {"limit": "0"}, "limit"),
        (HOTSPOTS, {"limit": "many"}, "limit"),
        (RECURRENCE, {"days": "0"}, "days"),
        (RECURRENCE, {"days": "400"}, "days"),
        (RECURRENCE, {"spot": "street"}, "spot"),
        (RECURRENCE, {"to": "2026-02-30"}, "to"),
    ],
)
def test_bad_parameters_get_a_4xx_naming_the_field(loop, api_as, path, params, field) -> None:
    response = api_as(loop.users["leader"]).get(path, **params)
    assert response.status_code in (400, 422), response.content
    body = response.json()
    named = {body.get("field")} | {e.get("field") for e in body.get("errors") or [] if isinstance(e, dict)}
    assert field in named, body


def test_anonymous_callers_are_refused(loop, api_as) -> None:
    assert api_as(None).get(HOTSPOTS).status_code == 401
    assert api_as(None).get(RECURRENCE).status_code == 401
